"""evaluate's own metrics beside the shared scorer: locations resolved, and how many only by context."""

from sitrep_extract.evaluate import extra_metrics, scorer
from sitrep_extract.normalise.gazetteer import gazetteer
from sitrep_shared.models import Event, Evidence

SENTENCE = "Debris fell on Hrabivka in the Kharkiv region and near Vovkove."


def test_locations_resolved_counts_places_placed_by_context_apart() -> None:
    # Kharkiv is in the gazetteer; Hrabivka is not, and is placed in the Kharkiv region; "Vovkove near
    # the border" is no proper name, so it stays unresolved.
    locations = gazetteer().resolve_all(["Hrabivka", "the Kharkiv region", "Vovkove near the border"])
    assert [loc.precision for loc in locations] == ["region", "region", "unresolved"]
    event = Event(event_id="e1", type="cross_border_incident", confidence=0.9, summary="debris", stance="asserted",
                  locations=locations, evidence=Evidence(sentence=SENTENCE, start=0, end=len(SENTENCE)))
    gold = [{"id": "p1", "text": SENTENCE, "events": [
        {"type": "cross_border_incident", "stance": "asserted", "locations": ["Hrabivka"], "evidence": SENTENCE}]}]

    got = extra_metrics(scorer(), gold, {"p1": [event]})

    assert got["location_resolved"] == 2 / 3
    assert got["location_placed_by_context"] == 1 / 3
