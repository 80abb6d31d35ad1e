"""Typed dependencies: lifespan state and the events filter parsed from the query string."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, TypedDict

from fastapi import Depends, HTTPException, Query, Request
from pydantic import ValidationError

from sitrep_shared.models import EventType, Stance
from sitrep_store.metrics import StoreMetrics
from sitrep_store.repository import SqlRepository
from sitrep_store.schemas import EventFilter
from sitrep_store.settings import StoreSettings
from sitrep_store.worker import WorkerState


class State(TypedDict):
    repo: SqlRepository
    settings: StoreSettings
    metrics: StoreMetrics
    worker: WorkerState


def get_repo(request: Request) -> SqlRepository:
    return request.state.repo


def get_settings(request: Request) -> StoreSettings:
    return request.state.settings


RepoDep = Annotated[SqlRepository, Depends(get_repo)]
SettingsDep = Annotated[StoreSettings, Depends(get_settings)]


def bad_request(errors: list[dict[str, str]]) -> HTTPException:
    return HTTPException(status_code=400, detail=errors)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)  # a time without zone is read as UTC
    return value


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4 or any(v != v or v in (float("inf"), float("-inf")) for v in values):
        raise bad_request([{"param": "bbox", "error": "expected four numbers: min_lon,min_lat,max_lon,max_lat"}])
    return values  # type: ignore[return-value]


def event_filter(
    type: Annotated[list[EventType] | None, Query(description="Event type; repeat for several.",
                                                  examples=["shootdown"])] = None,
    stance: Annotated[Stance | None, Query()] = None,
    claimant: Annotated[str | None, Query(max_length=300, examples=["Kyiv"])] = None,
    actor: Annotated[str | None, Query(max_length=300, examples=["Russia"])] = None,
    country: Annotated[list[str] | None, Query(description="ISO 3166-1 alpha-2; repeat for several.",
                                               examples=["UA"])] = None,
    location: Annotated[str | None, Query(max_length=300, description="Place name as written.",
                                          examples=["Kharkiv"])] = None,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat",
                                      examples=["22,44,41,53"])] = None,
    occurred_from: Annotated[dt.date | None, Query(examples=["2024-05-01"])] = None,
    occurred_to: Annotated[dt.date | None, Query(examples=["2024-05-31"])] = None,
    published_from: Annotated[dt.datetime | None, Query(description="ISO 8601; UTC when no zone.")] = None,
    published_to: Annotated[dt.datetime | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=500, description="Full text (all words, prefixes).",
                                   examples=["drones"])] = None,
    min_confidence: Annotated[float | None, Query(ge=0, le=1)] = None,
    model_version: Annotated[str | None, Query(max_length=100)] = None,
    article_id: Annotated[str | None, Query(max_length=64)] = None,
) -> EventFilter:
    """The filters shared by the list, stats and export routes; bad values are a 400 naming the field."""
    countries = tuple(dict.fromkeys(c.strip().upper() for raw in country or [] for c in raw.split(",")
                                      if c.strip()))
    try:
        return EventFilter(
            types=tuple(dict.fromkeys(type or [])), stance=stance, claimant=claimant or None,
            actor=actor or None, countries=countries, location=location or None, bbox=parse_bbox(bbox),
            occurred_from=occurred_from, occurred_to=occurred_to, published_from=_utc(published_from),
            published_to=_utc(published_to), q=q if q and q.strip() else None,
            min_confidence=min_confidence, model_version=model_version or None,
            article_id=article_id or None,
        )
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            message = str(err.get("ctx", {}).get("error", err["msg"]))
            param, _, why = message.partition(": ")
            loc = ".".join(str(p) for p in err["loc"])
            errors.append({"param": param if why else (loc or "query"), "error": why or message})
        raise bad_request(errors) from exc


FilterDep = Annotated[EventFilter, Depends(event_filter)]
