import datetime as dt

import pytest

from sitrep_extract.normalise.dates import resolve_date

PUB = dt.date(2023, 9, 5)  # a Tuesday


@pytest.mark.parametrize(
    ("expr", "date", "precision"),
    [("on Tuesday", dt.date(2023, 9, 5), "day"),  # the publication day itself
     ("Monday", dt.date(2023, 9, 4), "day"),
     ("late on Sunday", dt.date(2023, 9, 3), "day"),
     ("on Wednesday", dt.date(2023, 8, 30), "day"),  # most recent Wednesday before publication
     ("overnight", PUB, "day"),
     ("yesterday", dt.date(2023, 9, 4), "day"),
     ("last year", dt.date(2022, 1, 1), "year"),
     ("this month", dt.date(2023, 9, 1), "month"),
     ("last month", dt.date(2023, 8, 1), "month"),
     ("in February", dt.date(2023, 2, 1), "month"),
     ("in 2014", dt.date(2014, 1, 1), "year"),
     ("on March 12", dt.date(2023, 3, 12), "day"),
     ("12 March 2022", dt.date(2022, 3, 12), "day"),
     ("on 2024-03-02", dt.date(2024, 3, 2), "day")],
)
def test_dates_relative_to_publication(expr: str, date: dt.date, precision: str) -> None:
    got = resolve_date(expr, PUB)
    assert (got.date, got.precision) == (date, precision)
    assert got.expression == expr


def test_dates_no_expression_is_unresolved_not_publication_day() -> None:
    got = resolve_date(None, PUB)
    assert got.date is None and got.precision == "unresolved"


def test_dates_vague_expression_is_unresolved() -> None:
    got = resolve_date("earlier", PUB)
    assert got.date is None and got.precision == "unresolved" and got.expression == "earlier"


@pytest.mark.parametrize("expr", ["in the 1990s", "the '90s", "in the 2000s", "in 90s"])
def test_dates_a_decade_is_unresolved_not_the_publication_day(expr: str) -> None:
    got = resolve_date(expr, PUB)
    assert got.date is None and got.precision == "unresolved" and got.expression == expr


def test_dates_what_dateparser_only_fills_from_the_publication_day_is_unresolved() -> None:
    from sitrep_extract.normalise.dates import _dateparser

    # dateparser reads "1990s" as its base date, the publication day: nothing in it names that day.
    got = _dateparser("1990s", PUB)
    assert got.date is None and got.precision == "unresolved"
    assert _dateparser("2023/09/05", PUB).date == PUB  # the publication day, when written


def test_dates_relative_without_publication_date_is_unresolved() -> None:
    assert resolve_date("on Tuesday", None).date is None
    assert resolve_date("12 March 2022", None).date == dt.date(2022, 3, 12)


def test_dates_datetime_publication_accepted() -> None:
    got = resolve_date("on Tuesday", dt.datetime(2023, 9, 7, 10, tzinfo=dt.UTC))
    assert got.date == dt.date(2023, 9, 5)
