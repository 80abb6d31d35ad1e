"""API shapes: what the query API returns, and the filter every query takes."""

from __future__ import annotations

import datetime as dt
import re

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from sitrep_shared.models import Article, Event, EventType, ModelInfo, Stance

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50

_WORD = re.compile(r"\w+", re.UNICODE)


def text_terms(q: str) -> list[str]:
    """The words of a free-text query, lower-cased (punctuation and operators are not syntax here)."""
    return [t.lower() for t in _WORD.findall(q)][:16]


class EventFilter(BaseModel):
    """Every filter of the events query; all of them combine with AND (several `types` with OR)."""

    model_config = ConfigDict(frozen=True)

    types: tuple[EventType, ...] = ()
    stance: Stance | None = None
    claimant: str | None = Field(default=None, max_length=300)
    actor: str | None = Field(default=None, max_length=300)
    countries: tuple[str, ...] = ()
    location: str | None = Field(default=None, max_length=300)
    bbox: tuple[float, float, float, float] | None = None
    occurred_from: dt.date | None = None
    occurred_to: dt.date | None = None
    published_from: AwareDatetime | None = None
    published_to: AwareDatetime | None = None
    q: str | None = Field(default=None, max_length=500)
    min_confidence: float | None = Field(default=None, ge=0, le=1)
    model_version: str | None = Field(default=None, max_length=100)
    article_id: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _coherent(self) -> EventFilter:
        for code in self.countries:
            if not re.fullmatch(r"[A-Z]{2}", code):
                raise ValueError(f"country: {code!r} is not an ISO 3166-1 alpha-2 code such as UA")
        if self.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
                raise ValueError("bbox: longitudes must be within -180..180")
            if not (-90 <= min_lat <= max_lat <= 90):
                raise ValueError("bbox: latitudes must be within -90..90 and min_lat <= max_lat")
        if self.occurred_from and self.occurred_to and self.occurred_from > self.occurred_to:
            raise ValueError("occurred_from: must not be after occurred_to")
        if self.published_from and self.published_to and self.published_from > self.published_to:
            raise ValueError("published_from: must not be after published_to")
        if self.q is not None and not text_terms(self.q):
            raise ValueError("q: the text query has no words to search for")
        return self


class EventRead(Event):
    """An event as stored: the wire event plus where it came from."""

    article_id: str
    event_date: dt.date = Field(description="occurred_on.date, else the article's publication day.")
    published_at: AwareDatetime | None = None
    source: str | None = None
    model_version: str
    seq: int = Field(description="Position in the live stream (changes when the event is replaced).")


class ArticleRead(Article):
    model: ModelInfo
    extracted_at: AwareDatetime
    event_count: int


class ArticleWithEvents(ArticleRead):
    events: list[EventRead]


class EventDetail(EventRead):
    article: ArticleRead


class EventPage(BaseModel):
    items: list[EventRead]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null at the end.")
    limit: int


class DayCount(BaseModel):
    day: dt.date
    n: int


class Stats(BaseModel):
    total: int
    by_type: dict[str, int]
    by_day: list[DayCount]
    by_country: dict[str, int] = Field(description="An event in two countries counts in both.")


class ApplyResult(BaseModel):
    applied: int = 0
    unchanged: int = 0
    events_written: int = 0
    events_removed: int = 0
