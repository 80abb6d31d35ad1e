"""The repository suite: the same tests on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from sitrep_shared.models import EventDate, Location
from sitrep_store.repository import InvalidCursor, SqlRepository
from sitrep_store.schemas import EventFilter
from sitrep_store.testing import generate, make_article, make_event, make_extraction

KYIV = Location(name="Kyiv", country_code="UA", lat=50.45, lon=30.52, precision="city")
KALUGA = Location(name="Kaluga", country_code="RU", lat=54.51, lon=36.26, precision="region")
TEXT = "Russia's defense ministry said air defences destroyed two drones over Kaluga. Kyiv denied it."


def seeded(repo: SqlRepository) -> None:
    article = make_article(url="https://example.org/a", text=TEXT, title="Drones", source="Wire")
    events = [
        make_event(article, type_="shootdown", start=0, end=76, claimant="Russia's defense ministry",
                   actor="Russian air defences", locations=[KALUGA], confidence=0.95,
                   summary="Russia's defense ministry: air defences destroyed 2 drones over Kaluga",
                   occurred_on=EventDate(date=dt.date(2024, 5, 13), precision="day")),
        make_event(article, type_="drone_or_missile_strike", start=77, end=93, claimant="Kyiv",
                   stance="denied", actor="Ukraine", locations=[KYIV, KALUGA], confidence=0.55,
                   summary="Kyiv denied a drone attack"),
    ]
    other = make_article(url="https://example.org/b", text="Tanks were lost near Kharkiv in July.",
                         published_at=dt.datetime(2023, 7, 2, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3))))
    other_events = [make_event(other, type_="equipment_loss", claimant="Kyiv", actor="Ukraine", confidence=0.7,
                               locations=[Location(name="Kharkiv", country_code="UA", lat=49.99, lon=36.23)],
                               summary="tanks lost near Kharkiv")]
    repo.apply([make_extraction(article, events), make_extraction(other, other_events, version="2")])


def ids(repo: SqlRepository, **flt: object) -> set[str]:
    page = repo.list_events(EventFilter(**flt), limit=100)
    return {e.summary for e in page.items}


def test_repository_upsert_and_read_back(repo: SqlRepository) -> None:
    seeded(repo)
    page = repo.list_events(EventFilter(), limit=10)
    assert len(page.items) == 3 and page.next_cursor is None
    event = repo.get_event(page.items[0].event_id)
    assert event is not None and event.article.text in (TEXT, "Tanks were lost near Kharkiv in July.")
    article = repo.get_article(event.article_id)
    assert article is not None and {e.event_id for e in article.events} >= {event.event_id}
    assert repo.get_event("e_missing") is None and repo.get_article("a_missing") is None


def test_repository_atomic_replace_leaves_no_stale_events(repo: SqlRepository) -> None:
    seeded(repo)
    article = make_article(url="https://example.org/a", text=TEXT)
    replacement = make_event(article, type_="airport_disruption", start=0, end=10, summary="replaced")
    result = repo.apply([make_extraction(article, [replacement], version="9")])
    assert result.applied == 1 and result.events_removed == 2 and result.events_written == 1
    stored = repo.get_article(article.id)
    assert stored is not None and [e.summary for e in stored.events] == ["replaced"]
    assert stored.model.version == "9" and stored.event_count == 1
    assert repo.stats(EventFilter()).total == 2
    assert repo.stats(EventFilter()).by_country == {"UA": 1}


def test_repository_duplicate_changes_nothing(repo: SqlRepository) -> None:
    seeded(repo)
    before = repo.snapshot()
    seq = repo.last_seq()
    article = make_article(url="https://example.org/b", text="Tanks were lost near Kharkiv in July.",
                           published_at=dt.datetime(2023, 7, 2, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=-3))))
    again = make_extraction(article, [make_event(
        article, type_="equipment_loss", claimant="Kyiv", actor="Ukraine", confidence=0.7,
        locations=[Location(name="Kharkiv", country_code="UA", lat=49.99, lon=36.23)],
        summary="tanks lost near Kharkiv")], version="2")
    assert repo.apply([again, again]).unchanged == 1
    assert repo.snapshot() == before and repo.last_seq() == seq


def test_repository_last_in_batch_wins(repo: SqlRepository) -> None:
    article = make_article(text="One two three four five six.")
    first = make_extraction(article, [make_event(article, summary="first")])
    second = make_extraction(article, [make_event(article, type_="casualty_report", summary="second")])
    repo.apply([first, second])
    assert ids(repo) == {"second"}


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        ({"types": ("shootdown",)}, {"Russia's defense ministry: air defences destroyed 2 drones over Kaluga"}),
        ({"types": ("shootdown", "equipment_loss")},
         {"Russia's defense ministry: air defences destroyed 2 drones over Kaluga", "tanks lost near Kharkiv"}),
        ({"stance": "denied"}, {"Kyiv denied a drone attack"}),
        ({"claimant": "kyiv"}, {"Kyiv denied a drone attack", "tanks lost near Kharkiv"}),
        ({"actor": "UKRAINE"}, {"Kyiv denied a drone attack", "tanks lost near Kharkiv"}),
        ({"countries": ("RU",)},
         {"Russia's defense ministry: air defences destroyed 2 drones over Kaluga", "Kyiv denied a drone attack"}),
        ({"countries": ("UA",), "types": ("equipment_loss",)}, {"tanks lost near Kharkiv"}),
        ({"location": "kyiv"}, {"Kyiv denied a drone attack"}),
        ({"bbox": (35.0, 49.0, 37.0, 51.0)}, {"tanks lost near Kharkiv"}),
        ({"bbox": (170.0, -10.0, -170.0, 10.0)}, set()),
        ({"occurred_from": dt.date(2024, 5, 13), "occurred_to": dt.date(2024, 5, 13)},
         {"Russia's defense ministry: air defences destroyed 2 drones over Kaluga"}),
        ({"occurred_from": dt.date(2024, 5, 14)}, {"Kyiv denied a drone attack"}),
        ({"occurred_to": dt.date(2023, 7, 3)}, {"tanks lost near Kharkiv"}),
        ({"published_from": dt.datetime(2024, 1, 1, tzinfo=dt.UTC)},
         {"Russia's defense ministry: air defences destroyed 2 drones over Kaluga", "Kyiv denied a drone attack"}),
        ({"published_to": dt.datetime(2023, 7, 3, 2, 0, tzinfo=dt.UTC)}, {"tanks lost near Kharkiv"}),
        ({"published_to": dt.datetime(2023, 7, 3, 1, 59, tzinfo=dt.UTC)}, set()),
        ({"q": "drones kaluga"}, {"Russia's defense ministry: air defences destroyed 2 drones over Kaluga"}),
        ({"q": "tank"}, {"tanks lost near Kharkiv"}),
        ({"q": "\"unbalanced' OR 1=1 --"}, set()),
        ({"min_confidence": 0.9}, {"Russia's defense ministry: air defences destroyed 2 drones over Kaluga"}),
        ({"model_version": "2"}, {"tanks lost near Kharkiv"}),
    ],
)
def test_repository_filters(repo: SqlRepository, flt: dict[str, object], expected: set[str]) -> None:
    seeded(repo)
    assert ids(repo, **flt) == expected
    stats = repo.stats(EventFilter(**flt))
    assert stats.total == len(expected) == sum(d.n for d in stats.by_day)


def test_repository_event_date_falls_back_to_publication_day(repo: SqlRepository) -> None:
    seeded(repo)
    page = repo.list_events(EventFilter(types=("equipment_loss",)), limit=5)
    assert page.items[0].event_date == dt.date(2023, 7, 3)  # 23:00 at UTC-3 is the 3rd in UTC


def test_repository_cursor_pagination_no_gaps_or_repeats_while_events_arrive(repo: SqlRepository) -> None:
    batch = list(generate(60, seed=1, events_per_article=3))
    repo.apply(batch[:40])
    expected = {e.event_id for x in batch[:40] for e in x.events}
    seen: list[str] = []
    cursor, arriving = None, iter(batch[40:])
    while True:
        page = repo.list_events(EventFilter(), limit=7, cursor=cursor)
        seen += [e.event_id for e in page.items]
        keys = [(e.event_date, e.event_id) for e in page.items]
        assert keys == sorted(keys, reverse=True)
        more = next(arriving, None)
        if more is not None:
            repo.apply([more])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen))
    assert expected <= set(seen)


def test_repository_rejects_foreign_cursor(repo: SqlRepository) -> None:
    with pytest.raises(InvalidCursor):
        repo.list_events(EventFilter(), limit=5, cursor="not-a-cursor")


def test_repository_stats(repo: SqlRepository) -> None:
    seeded(repo)
    stats = repo.stats(EventFilter())
    assert stats.total == 3
    assert stats.by_type == {"shootdown": 1, "drone_or_missile_strike": 1, "equipment_loss": 1}
    assert stats.by_country == {"UA": 2, "RU": 2}
    assert [(d.day.isoformat(), d.n) for d in stats.by_day] == [
        ("2023-07-03", 1), ("2024-05-13", 1), ("2024-05-14", 1)]
    # The roll-ups and a full scan agree.
    scanned = repo.stats(EventFilter(min_confidence=0.0))
    assert scanned == stats
    for country in ("UA", "RU"):
        assert repo.stats(EventFilter(countries=(country,))) == repo.stats(
            EventFilter(countries=(country,), min_confidence=0.0))


def test_repository_rollups_match_scan_after_many_replacements(repo: SqlRepository) -> None:
    repo.apply(list(generate(30, seed=2)))
    repo.apply(list(generate(30, seed=2, events_per_article=2)))  # same articles, fewer events
    flt = EventFilter(types=("shootdown", "drone_or_missile_strike"), occurred_from=dt.date(2023, 1, 1))
    assert repo.stats(flt) == repo.stats(flt.model_copy(update={"min_confidence": 0.0}))
    for other in (EventFilter(), EventFilter(occurred_to=dt.date(2023, 6, 30)), EventFilter(types=("shootdown",))):
        assert repo.stats(other) == repo.stats(other.model_copy(update={"min_confidence": 0.0}))
    assert repo.stats(EventFilter()).total == 60


def test_repository_change_feed(repo: SqlRepository) -> None:
    seeded(repo)
    start = repo.last_seq()
    article = make_article(url="https://example.org/a", text=TEXT)
    repo.apply([make_extraction(article, [make_event(article, summary="replaced")], version="3")])
    fresh = repo.events_since(start, limit=10)
    assert [e.summary for e in fresh] == ["replaced"]
    assert repo.events_since(fresh[-1].seq, limit=10) == []


def test_repository_event_id_moved_between_articles(repo: SqlRepository) -> None:
    a = make_article(text="first article text")
    b = make_article(text="second article text")
    event = make_event(a, summary="shared")
    repo.apply([make_extraction(a, [event])])
    repo.apply([make_extraction(b, [event])])
    assert repo.stats(EventFilter()).total == 1
    assert repo.get_event(event.event_id).article_id == b.id  # type: ignore[union-attr]


def test_repository_batch_with_one_event_id_in_two_articles_fails_as_a_whole(repo: SqlRepository) -> None:
    # The worker then applies the batch one by one (the later article takes the event).
    a = make_article(text="first article text")
    b = make_article(text="second article text")
    event = make_event(a, summary="shared")
    with pytest.raises(IntegrityError):
        repo.apply([make_extraction(a, [event]), make_extraction(b, [event])])
    assert repo.count_events() == 0 and repo.snapshot()["articles"] == []
