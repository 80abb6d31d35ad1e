"""The committed artifact on the project's own sample articles (samples/, fictional wire copy)."""

import json
from pathlib import Path

import pytest

from sitrep_shared.models import Article, Event

pytestmark = pytest.mark.slow

SAMPLES = Path(__file__).resolve().parents[3] / "samples"


def _sample_articles() -> list[Article]:
    lines = (SAMPLES / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    gold = [json.loads(x) for x in (SAMPLES / "articles.gold.jsonl").read_text(encoding="utf-8").splitlines()]
    return [Article.model_validate({**json.loads(x), "id": g["id"], "ingested_at": "2024-06-01T00:00:00Z"})
            for x, g in zip(lines, gold, strict=True)]


@pytest.fixture(scope="module")
def extractor():  # type: ignore[no-untyped-def]
    from sitrep_extract.pipeline import load_extractor

    return load_extractor(torch_threads=2)


@pytest.fixture(scope="module")
def extracted(extractor) -> dict[str, list[Event]]:  # type: ignore[no-untyped-def]
    articles = _sample_articles()
    return {a.id: evs for a, evs in zip(articles, extractor.extract_batch(articles), strict=True)}


def test_model_slow_identity(extractor) -> None:  # type: ignore[no-untyped-def]
    from sitrep_extract.pipeline import ARTIFACTS_DIR

    assert extractor.name == "minilm-events"
    assert extractor.version == (ARTIFACTS_DIR / "CURRENT").read_text(encoding="utf-8").strip()
    from sitrep_extract.ensemble import EnsembleModel

    assert isinstance(extractor.model, EnsembleModel) and len(extractor.model.members) == 3  # as MODEL.md says


def test_model_slow_shootdown_with_count_and_regions(extracted: dict[str, list[Event]]) -> None:
    shootdowns = [e for e in extracted["s01"] if e.type == "shootdown"]
    assert shootdowns, [e.summary for e in extracted["s01"]]
    main = shootdowns[0]
    assert main.stance == "asserted"
    assert main.quantity is not None and main.quantity.value == 27
    assert {"RU"} == {loc.country_code for loc in main.locations}
    assert main.occurred_on.date is not None and main.occurred_on.date.isoformat() == "2024-05-14"
    assert any(e.type == "airport_disruption" for e in extracted["s01"])


def test_model_slow_capture_claim_and_its_denial(extracted: dict[str, list[Event]]) -> None:
    claims = {e.stance for e in extracted["s04"] if e.type == "territorial_claim"}
    assert claims == {"asserted", "denied"}


def test_model_slow_football_report_yields_nothing(extracted: dict[str, list[Event]]) -> None:
    assert extracted["s14"] == []


def test_model_slow_ids_stable_and_evidence_in_text(extractor, extracted) -> None:  # type: ignore[no-untyped-def]
    for events in extracted.values():
        for e in events:
            assert e.evidence.end > e.evidence.start
    lines = (SAMPLES / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    article = Article.model_validate({**json.loads(lines[3]), "id": "s04", "ingested_at": "2024-06-01T00:00:00Z"})
    again = extractor.extract_batch([article])[0]
    assert [e.event_id for e in again] == [e.event_id for e in extracted["s04"]]


def test_model_slow_blank_and_boilerplate_articles(extractor) -> None:  # type: ignore[no-untyped-def]
    base = {"ingested_at": "2024-06-01T00:00:00Z", "title": "A headline about drones over Kursk"}
    articles = [Article.model_validate({**base, "id": "blank", "text": " \n "}),
                Article.model_validate({**base, "id": "boiler", "text": "Thanks for reading this story. "
                                        "Subscribe to our daily newsletter."})]
    assert extractor.extract_batch(articles) == [[], []]
    assert extractor.extract_batch([]) == []


def test_model_slow_screening_changes_no_sample_event(extractor, extracted: dict[str, list[Event]]) -> None:  # type: ignore[no-untyped-def]
    """Screening (off by default) is a speed-up: at the level MODEL.md measures, the samples give the same
    events as with every member reading every sentence, and the setting reaches the ensemble."""
    from sitrep_extract import runtime
    from sitrep_extract.ensemble import SCREEN
    from sitrep_extract.settings import ExtractSettings

    assert extractor.model.screen == SCREEN == 0.0
    screened = runtime.load(ExtractSettings(ensemble_screen=0.05, torch_threads=2,
                                            bf16="on" if extractor.use_bf16 else "off"))
    assert screened.model.screen == 0.05  # type: ignore[attr-defined]
    articles = _sample_articles()
    for article, events in zip(articles, screened.extract_batch(articles), strict=True):
        assert [e.model_dump() for e in extracted[article.id]] == [e.model_dump() for e in events], article.id
    assert screened.model.sentences_screened > 0  # type: ignore[attr-defined]
