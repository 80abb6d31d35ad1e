"""Wire models: the JSON carried on Sitrep's Kafka topics (version 1).

`Article` travels on `sitrep.articles.v1`, `Extraction` (an article, the model that read it and
all of its events) on `sitrep.extractions.v1`. Inbound API shapes (`ArticleCreate`) reject unknown
fields; wire models ignore them so that an older consumer survives a newer, additive producer.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from sitrep_shared import ids

EventType = Literal[
    "shootdown",
    "airport_disruption",
    "territorial_claim",
    "drone_or_missile_strike",
    "cross_border_incident",
    "equipment_loss",
    "casualty_report",
    "arms_transfer",
    "diplomatic_meeting",
]
EVENT_TYPES: tuple[EventType, ...] = EventType.__args__  # type: ignore[attr-defined]

Stance = Literal["asserted", "denied", "reported"]
QuantityQualifier = Literal["exact", "at_least", "more_than", "about", "up_to"]
LocationPrecision = Literal["point", "city", "region", "country", "unresolved"]
DatePrecision = Literal["day", "week", "month", "year", "unresolved"]

ARTICLE_SCHEMA = "sitrep.article/1"
EXTRACTION_SCHEMA = "sitrep.extraction/1"

MAX_TEXT_CHARS = 200_000


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ArticleCreate(BaseModel):
    """An article as a client submits it. Unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {
                    "url": "https://example.org/world/2024/05/14/drones-downed",
                    "title": "Air defences down two drones over Kharkiv region",
                    "text": "Ukraine's air force said on Tuesday that it shot down two drones.",
                    "source": "Example Wire",
                    "published_at": "2024-05-14T09:30:00+00:00",
                }
            ]
        },
    )

    url: str | None = Field(default=None, max_length=2048, description="Where it was published.")
    title: str | None = Field(default=None, max_length=1000)
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="Body text, plain.")
    source: str | None = Field(default=None, max_length=200, description="Outlet name.")
    author: str | None = Field(default=None, max_length=300)
    language: str | None = Field(default=None, pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
    published_at: AwareDatetime | None = Field(
        default=None, description="Publication time with a timezone; null when unknown."
    )

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str | None) -> str | None:
        if value is not None and not value.lower().startswith(("http://", "https://")):
            raise ValueError("url must start with http:// or https://")
        return value or None

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be blank")
        return value

    def to_article(self, *, ingested_at: dt.datetime | None = None) -> Article:
        """The wire Article, with its deterministic id and ingestion time."""
        # model_validate, not model_construct: pydantic-core re-checks these fields faster than
        # model_construct's Python loop copies them.
        return Article.model_validate({
            **self.__dict__,
            "id": ids.article_id(url=self.url, text=self.text),
            "ingested_at": ingested_at or dt.datetime.now(dt.UTC),
        })


class Article(_Wire):
    id: str = Field(description="Deterministic: hash of the canonical URL, else of the text.")
    url: str | None = None
    title: str | None = None
    text: str
    source: str | None = None
    author: str | None = None
    language: str | None = None
    published_at: AwareDatetime | None = None
    ingested_at: AwareDatetime


class Location(_Wire):
    name: str = Field(description="As written in the text.")
    country_code: str | None = Field(default=None, description="ISO 3166-1 alpha-2.")
    region: str | None = Field(default=None, description="First-level administrative region.")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    gazetteer_id: str | None = Field(default=None, description="e.g. 'geonames:524901'.")
    precision: LocationPrecision = "unresolved"


class Quantity(_Wire):
    value: float
    qualifier: QuantityQualifier = "exact"
    unit: str | None = Field(default=None, description="What is counted: drones, people, ...")
    text: str | None = Field(default=None, description="As written, e.g. 'more than 900'.")


class EventDate(_Wire):
    date: dt.date | None = Field(default=None, description="Null when the text gives no time.")
    expression: str | None = Field(default=None, description="As written, e.g. 'on Tuesday'.")
    precision: DatePrecision = "unresolved"


class Evidence(_Wire):
    sentence: str
    start: int = Field(ge=0, description="Offset of the sentence in the article text.")
    end: int = Field(ge=0)


class EventCodes(_Wire):
    acled_event_type: str | None = None
    acled_sub_event_type: str | None = None
    plover: str | None = None


class Event(_Wire):
    event_id: str = Field(description="Deterministic: hash of article id, type and evidence span.")
    type: EventType
    confidence: float = Field(ge=0, le=1)
    summary: str
    claimant: str | None = None
    stance: Stance
    actor: str | None = None
    target: str | None = None
    object: str | None = None
    quantity: Quantity | None = None
    locations: list[Location] = Field(default_factory=list)
    occurred_on: EventDate = Field(default_factory=EventDate)
    evidence: Evidence
    codes: EventCodes = Field(default_factory=EventCodes)


class ModelInfo(_Wire):
    name: str = Field(description="Extractor name, e.g. 'minilm-events'.")
    version: str


class Extraction(_Wire):
    article: Article
    model: ModelInfo
    events: list[Event] = Field(default_factory=list)
    extracted_at: AwareDatetime
