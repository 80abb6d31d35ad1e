import datetime as dt

import pytest
from pydantic import ValidationError

from sitrep_shared.models import ArticleCreate, Event, Evidence, Extraction, ModelInfo


def test_article_create_rejects_unknown_fields() -> None:
    with pytest.raises(ValidationError) as info:
        ArticleCreate.model_validate({"text": "x", "headline": "y"})
    assert info.value.errors()[0]["loc"] == ("headline",)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   "}, "text"),
        ({"text": "x", "url": "ftp://x.org/a"}, "url"),
        ({"text": "x", "published_at": "2024-05-14T09:30:00"}, "published_at"),
        ({"text": "x", "language": "English"}, "language"),
        ({}, "text"),
    ],
)
def test_article_create_reports_the_failing_field(payload: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        ArticleCreate.model_validate(payload)
    assert field in [e["loc"][0] for e in info.value.errors()]


def test_to_article_assigns_deterministic_id_and_ingestion_time() -> None:
    create = ArticleCreate(text="Two drones were downed.", url="https://x.org/a?utm_source=x",
                           published_at=dt.datetime(2024, 5, 14, tzinfo=dt.UTC))
    article = create.to_article()
    assert article.id == ArticleCreate(text="other", url="https://X.org/a").to_article().id
    assert article.ingested_at.tzinfo is not None
    assert article.published_at == dt.datetime(2024, 5, 14, tzinfo=dt.UTC)


def test_event_rejects_type_outside_taxonomy() -> None:
    with pytest.raises(ValidationError):
        Event(event_id="e", type="riot", confidence=0.5, summary="s", stance="asserted",  # type: ignore[arg-type]
              evidence=Evidence(sentence="s", start=0, end=1))


def test_extraction_round_trips_through_json() -> None:
    article = ArticleCreate(text="Two drones were downed over Kursk.").to_article()
    event = Event(event_id="e_1", type="shootdown", confidence=0.9, summary="2 drones downed",
                  stance="asserted", evidence=Evidence(sentence=article.text, start=0, end=len(article.text)))
    extraction = Extraction(article=article, model=ModelInfo(name="m", version="1"), events=[event],
                            extracted_at=dt.datetime.now(dt.UTC))
    assert Extraction.model_validate_json(extraction.model_dump_json()) == extraction


def test_wire_models_ignore_fields_added_by_a_newer_producer() -> None:
    article = ArticleCreate(text="x").to_article()
    data = article.model_dump(mode="json") | {"added_in_v1_1": True}
    assert type(article).model_validate(data) == article
