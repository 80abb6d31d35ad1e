"""The corpus builder: character spans, restatement links, and the merged gold evaluate scores against."""

from __future__ import annotations

from typing import Any

import pytest

from sitrep_extract.corpus import build_article
from sitrep_extract.evaluate import _merge_restatements


def _event(type_: str, *, locations: list[str], quantity: dict[str, Any] | None = None,
           same_as: list[int] | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"type": type_, "stance": "asserted", "claimant": None, "actor": None,
                             "target": None, "object": None, "quantity": quantity, "locations": locations,
                             "time": None, "date": None}
    if same_as is not None:
        event["same_as"] = same_as
    return event


def _raw(second: dict[str, Any]) -> dict[str, Any]:
    return {"doc_id": "t-0001", "sentences": [
        {"text": "Drones hit a depot in Sumy.", "events": [_event("drone_or_missile_strike", locations=["Sumy"])]},
        {"text": "Officials said four drones struck the depot near Sumy and a rail yard in Konotop.",
         "events": [second]},
    ]}


def test_spans_are_offsets_into_the_joined_text() -> None:
    rec, missing = build_article(_raw(_event("drone_or_missile_strike", locations=["Konotop"])))
    assert missing == 0
    konotop = next(a for a in rec["events"][1]["args"] if a["role"] == "location")
    assert rec["text"][konotop["start"]:konotop["end"]] == "Konotop"
    assert rec["sentences"][1]["start"] == len("Drones hit a depot in Sumy.") + 1


def test_a_restatement_points_at_its_first_mention() -> None:
    second = _event("drone_or_missile_strike", locations=["Sumy", "Konotop"], same_as=[0, 0],
                    quantity={"text": "four", "value": 4, "qualifier": "exact"})
    rec, _ = build_article(_raw(second))
    assert "same_as" not in rec["events"][0]
    assert rec["events"][1]["same_as"] == 0


@pytest.mark.parametrize(("link", "error"), [
    ([1, 0], "names no earlier event"),  # itself
    ([0, 3], "names no earlier event"),
    ([5, 0], "names no earlier event"),
])
def test_a_link_to_no_earlier_event_is_an_error(link: list[int], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        build_article(_raw(_event("drone_or_missile_strike", locations=[], same_as=link)))


def test_a_link_across_types_is_an_error() -> None:
    with pytest.raises(ValueError, match="links a shootdown to a drone_or_missile_strike"):
        build_article(_raw(_event("shootdown", locations=[], same_as=[0, 0])))


def test_merged_gold_keeps_one_event_per_incident_with_the_counted_mention_leading() -> None:
    events = [
        {"type": "drone_or_missile_strike", "quantity": None, "locations": ["Sumy"], "evidence": "first"},
        {"type": "drone_or_missile_strike", "quantity": 4, "locations": ["Sumy", "Konotop"], "evidence": "second"},
        {"type": "casualty_report", "quantity": 2, "locations": [], "evidence": "third"},
    ]
    merged = _merge_restatements(events, [None, 0, None])
    assert [(e["type"], e["evidence"], e["quantity"], e["locations"]) for e in merged] == [
        ("drone_or_missile_strike", "second", 4, ["Sumy", "Konotop"]),
        ("casualty_report", "third", 2, []),
    ]


def test_an_argument_is_placed_where_it_stands_as_a_word() -> None:
    raw = {"doc_id": "t-0002", "sentences": [{"text": "A drone hit one Israeli company depot in Israel.", "events": [
        {**_event("drone_or_missile_strike", locations=["Israel"]),
         "quantity": {"text": "one", "value": 1, "qualifier": "exact"}}]}]}
    rec, _ = build_article(raw)
    spans = {a["role"]: (a["start"], a["end"]) for a in rec["events"][0]["args"]}
    assert rec["text"][slice(*spans["quantity"])] == "one" and spans["quantity"][0] == len("A drone hit ")
    assert spans["location"][0] == rec["text"].rindex("Israel")
