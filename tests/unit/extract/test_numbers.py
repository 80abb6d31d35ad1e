import pytest

from sitrep_extract.normalise.numbers import parse_quantity, parse_value, qualifier_before


@pytest.mark.parametrize(
    ("text", "value"),
    [("two", 2), ("Two", 2), ("a dozen", 12), ("1,200", 1200), ("900", 900), ("seven", 7),
     ("twenty-five", 25), ("1.5 million", 1_500_000), ("a million", 1_000_000), ("one", 1),
     ("three hundred", 300), ("two dozen", 24)],
)
def test_numbers_parse_value(text: str, value: float) -> None:
    assert parse_value(text) == value


def test_numbers_not_a_number() -> None:
    assert parse_value("drones") is None
    assert parse_quantity("several") is None


@pytest.mark.parametrize("text", ["dozens", "dozens of people", "hundreds", "tens of thousands", "Thousands"])
def test_numbers_orders_of_magnitude_are_not_counts(text: str) -> None:
    assert parse_quantity(text) is None


@pytest.mark.parametrize(
    ("prefix", "qualifier"),
    [("shot down at least ", "at_least"), ("killed more than ", "more_than"), ("over ", "more_than"),
     ("about ", "about"), ("some ", "about"), ("nearly ", "about"), ("up to ", "up_to"), ("killed ", "exact")],
)
def test_numbers_qualifier_before(prefix: str, qualifier: str) -> None:
    assert qualifier_before(prefix) == qualifier


def test_numbers_qualifier_inside_span() -> None:
    q = parse_quantity("more than 900")
    assert q is not None and (q.value, q.qualifier) == (900, "more_than")


def test_numbers_qualifier_from_prefix() -> None:
    q = parse_quantity("three", prefix="the brigade said it downed at least ")
    assert q is not None and (q.value, q.qualifier) == (3, "at_least")


def test_numbers_span_with_noun() -> None:
    q = parse_quantity("two drones")
    assert q is not None and q.value == 2
