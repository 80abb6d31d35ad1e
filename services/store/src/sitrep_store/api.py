"""The query API under /v1: events, one event, one article, stats, exports and the live stream."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import iterate_in_threadpool

from sitrep_store import exports
from sitrep_store.deps import FilterDep, RepoDep, SettingsDep, bad_request
from sitrep_store.repository import InvalidCursor, SqlRepository
from sitrep_store.schemas import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    ArticleWithEvents,
    EventDetail,
    EventFilter,
    EventPage,
    EventRead,
    Stats,
)

router = APIRouter(prefix="/v1", tags=["query"])

BAD_REQUEST = {400: {"description": "A filter value is invalid; `detail` names the parameter and why.",
                     "content": {"application/json": {"example": {"detail": [
                         {"param": "country", "error": "'Ukraine' is not an ISO 3166-1 alpha-2 code such as UA"}
                     ]}}}}}
NOT_FOUND = {404: {"description": "No such id."}}
EXPORT_MAX = 100_000


def _page(repo: SqlRepository, flt: EventFilter, limit: int, cursor: str | None) -> EventPage:
    try:
        return repo.list_events(flt, limit=limit, cursor=cursor)
    except InvalidCursor as exc:
        raise bad_request([{"param": "cursor", "error": "not a cursor returned by this API"}]) from exc


def _all(repo: SqlRepository, flt: EventFilter, limit: int) -> Iterator[EventRead]:
    cursor, sent = None, 0
    while sent < limit:
        page = repo.list_events(flt, limit=min(MAX_PAGE_SIZE, limit - sent), cursor=cursor)
        yield from page.items
        sent += len(page.items)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


@router.get("/events", response_model=EventPage, responses=BAD_REQUEST,
            summary="Events matching every filter, newest first, a page at a time")
def list_events(repo: RepoDep, flt: FilterDep,
                limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
                cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the "
                                                    "previous page.")] = None) -> EventPage:
    return _page(repo, flt, limit, cursor)


@router.get("/events.csv", responses={**BAD_REQUEST, 200: {"content": {"text/csv": {}}}},
            response_class=StreamingResponse, summary="Matching events as ACLED-style CSV")
def events_csv(repo: RepoDep, flt: FilterDep,
               limit: Annotated[int, Query(ge=1, le=EXPORT_MAX)] = 10_000) -> StreamingResponse:
    lines = exports.csv_lines(_all(repo, flt, limit))
    return StreamingResponse(iterate_in_threadpool(lines), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": 'attachment; filename="events.csv"'})


@router.get("/events.geojson", responses={**BAD_REQUEST, 200: {"content": {"application/geo+json": {}}}},
            summary="Matching events' located places as a GeoJSON FeatureCollection")
def events_geojson(repo: RepoDep, flt: FilterDep,
                   limit: Annotated[int, Query(ge=1, le=EXPORT_MAX)] = 1000) -> JSONResponse:
    features = list(exports.geojson_features(_all(repo, flt, limit)))
    return JSONResponse({"type": "FeatureCollection", "features": features},
                        media_type="application/geo+json")


@router.get("/events/{event_id}", response_model=EventDetail, responses=NOT_FOUND,
            summary="One event with its evidence and article")
def get_event(repo: RepoDep, event_id: str) -> EventDetail:
    event = repo.get_event(event_id)
    if event is None:
        raise HTTPException(404, detail=f"no event {event_id!r}")
    return event


@router.get("/articles/{article_id}", response_model=ArticleWithEvents, responses=NOT_FOUND,
            summary="One article with all its events")
def get_article(repo: RepoDep, article_id: str) -> ArticleWithEvents:
    article = repo.get_article(article_id)
    if article is None:
        raise HTTPException(404, detail=f"no article {article_id!r}")
    return article


@router.get("/stats", response_model=Stats, responses=BAD_REQUEST,
            summary="Counts of matching events by type, day and country")
def stats(repo: RepoDep, flt: FilterDep) -> Stats:
    return repo.stats(flt)


def _sse(event: EventRead) -> str:
    return f"id: {event.seq}\nevent: event\ndata: {event.model_dump_json()}\n\n"


@router.get("/stream", response_class=StreamingResponse, responses={
    **BAD_REQUEST, 200: {"content": {"text/event-stream": {}},
                         "description": "`id` is the stream position; `data` an EventRead."}},
    summary="Server-Sent Events of new and replaced events, resumable with Last-Event-ID")
async def stream(request: Request, repo: RepoDep, settings: SettingsDep,
                 type: Annotated[list[str] | None, Query(description="Only these types.")] = None,
                 last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
                 since: Annotated[int | None, Query(ge=0, description="Start after this position "
                                                    "(for clients that cannot set Last-Event-ID).")] = None,
                 limit: Annotated[int | None, Query(ge=1, le=100_000, description="Close after this many "
                                                    "events (default: stay open).")] = None,
                 ) -> StreamingResponse:
    start: int
    if last_event_id is not None and last_event_id.strip():
        if not last_event_id.strip().isdigit():
            raise bad_request([{"param": "Last-Event-ID", "error": "must be an id sent by this stream"}])
        start = int(last_event_id)
    elif since is not None:
        start = since
    else:
        start = await asyncio.to_thread(repo.last_seq)
    wanted = set(type or [])

    async def events() -> AsyncIterator[str]:
        position, quiet_since, sent = start, time.monotonic(), 0
        yield f"retry: 2000\n: stream from {position}\n\n"
        while not await request.is_disconnected():
            batch = await asyncio.to_thread(repo.events_since, position, limit=200)
            for event in batch:
                position = event.seq
                if not wanted or event.type in wanted:
                    yield _sse(event)
                    sent += 1
                    if limit is not None and sent >= limit:
                        return
            if batch:
                quiet_since = time.monotonic()
                continue
            if time.monotonic() - quiet_since > 15:
                quiet_since = time.monotonic()
                yield ": keep-alive\n\n"
            await asyncio.sleep(settings.stream_poll_s)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

