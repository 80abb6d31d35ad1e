"""One sentence that reports several events of one type becomes several events (split.py)."""

from __future__ import annotations

import datetime as dt
import re

from sitrep_extract.assemble import Mention, Span, assemble
from sitrep_extract.split import split_mention
from sitrep_shared.models import Article


def _mention(sentence: str, type_: str, roles: list[tuple[str, str]]) -> Mention:
    spans, cursor = [], 0
    for role, value in roles:  # in reading order, each a whole word
        at = re.compile(rf"\b{re.escape(value)}\b").search(sentence, cursor).start()  # type: ignore[union-attr]
        spans.append(Span(role, at, at + len(value), value))
        cursor = at + len(value)
    return Mention(type=type_, confidence=0.9, stance="asserted", sentence_start=0, sentence_end=len(sentence),
                   sentence=sentence, spans=spans)


def _places(mentions: list[Mention]) -> list[list[str]]:
    return [[s.text for s in m.spans if s.role in ("quantity", "location")] for m in mentions]


def test_two_counts_in_two_places_are_two_shootdowns() -> None:
    s = ("The ministry said air defences destroyed two drones over the Kaluga and Tver regions, "
         "and one more over the Istra district.")
    m = _mention(s, "shootdown", [("claimant", "The ministry"), ("quantity", "two"), ("location", "Kaluga"),
                                  ("location", "Tver"), ("quantity", "one"), ("location", "Istra")])
    parts = split_mention(m)
    assert _places(parts) == [["two", "Kaluga", "Tver"], ["one", "Istra"]]
    assert all(p.first("claimant") == "The ministry" for p in parts)
    at = s.index(" one ") + 1
    assert parts[0].key is None and parts[1].key == (at, at + 3)


def test_a_total_and_its_breakdown_stay_one_event() -> None:
    s = "Air defences downed 56 drones, 11 over Belgorod and 28 over Voronezh, the ministry said."
    m = _mention(s, "shootdown", [("quantity", "56"), ("quantity", "11"), ("location", "Belgorod"),
                                  ("quantity", "28"), ("location", "Voronezh")])
    assert split_mention(m) == [m]


def test_a_count_without_a_place_of_its_own_does_not_split() -> None:
    s = "Two drones were downed over Kursk and Oryol and three more were jammed."
    m = _mention(s, "shootdown", [("quantity", "Two"), ("location", "Kursk"), ("location", "Oryol"),
                                  ("quantity", "three")])
    assert split_mention(m) == [m]


def test_separate_airports_are_separate_disruptions_but_not_their_diversions() -> None:
    s = ("Flights were halted at Kazan and Nizhnekamsk airports, and three planes bound for Kazan "
         "were diverted to Samara.")
    m = _mention(s, "airport_disruption", [("location", "Kazan"), ("location", "Nizhnekamsk"),
                                           ("quantity", "three"), ("location", "Samara")])
    assert _places(split_mention(m)) == [["Kazan", "three"], ["Nizhnekamsk", "Samara"]]


def test_one_airport_named_with_its_city_is_one_disruption() -> None:
    s = "Moscow's Vnukovo airport suspended flights for two hours."
    m = _mention(s, "airport_disruption", [("location", "Moscow"), ("location", "Vnukovo")])
    assert split_mention(m) == [m]


def test_flights_between_two_cities_are_one_disruption() -> None:
    s = "Flights between Tel Aviv and Larnaca were cancelled on Sunday."
    m = _mention(s, "airport_disruption", [("location", "Tel Aviv"), ("location", "Larnaca")])
    assert split_mention(m) == [m]


def test_assembled_split_events_have_distinct_deterministic_ids() -> None:
    s = ("Russia's defence ministry said air defences destroyed two drones over the Kaluga and Tver regions, "
         "and one more over the Istra district.")
    article = Article(id="a_split", text=s, published_at=dt.datetime(2023, 9, 5, 9, tzinfo=dt.UTC),
                      ingested_at=dt.datetime(2023, 9, 5, 10, tzinfo=dt.UTC))
    m = _mention(s, "shootdown", [("quantity", "two"), ("location", "Kaluga"), ("location", "Tver"),
                                  ("quantity", "one"), ("location", "Istra")])
    first, again = assemble(article, [m]), assemble(article, [m])
    assert [(e.quantity.value if e.quantity else None, [loc.name for loc in e.locations]) for e in first] == [
        (2, ["Kaluga", "Tver"]), (1, ["Istra"])]
    assert len({e.event_id for e in first}) == 2 and [e.event_id for e in first] == [e.event_id for e in again]


def test_a_total_with_its_own_place_and_an_included_part_stays_one_event() -> None:
    s = "Thirty drones were destroyed over Belgorod, including 12 over the city of Shebekino."
    m = _mention(s, "shootdown", [("quantity", "Thirty"), ("location", "Belgorod"), ("quantity", "12"),
                                  ("location", "Shebekino")])
    assert split_mention(m) == [m]


def test_a_later_number_that_counts_something_else_does_not_split_a_strike() -> None:
    s = ("Hezbollah fired 40 rockets at Kiryat Shmona, a day after an Israeli strike killed one of its "
         "commanders in Lebanon.")
    m = _mention(s, "drone_or_missile_strike", [("quantity", "40"), ("location", "Kiryat Shmona"),
                                                ("quantity", "one"), ("location", "Lebanon")])
    assert split_mention(m) == [m]


def test_every_listed_diversion_airport_stays_with_the_disruption() -> None:
    s = "Kazan airport was closed for three hours and seven flights were diverted to Samara and Nizhny Novgorod."
    m = _mention(s, "airport_disruption", [("location", "Kazan"), ("quantity", "seven"), ("location", "Samara"),
                                           ("location", "Nizhny Novgorod")])
    assert split_mention(m) == [m]


def test_a_place_in_the_cause_clause_is_no_airport() -> None:
    s = "Vnukovo and Domodedovo airports restricted flights after a drone was shot down over Krasnogorsk."
    m = _mention(s, "airport_disruption", [("location", "Vnukovo"), ("location", "Domodedovo"),
                                           ("location", "Krasnogorsk")])
    assert _places(split_mention(m)) == [["Vnukovo"], ["Domodedovo", "Krasnogorsk"]]
