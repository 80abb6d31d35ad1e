"""The web view: server-rendered pages (Jinja2, autoescaped) over the same repository as the API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from sitrep_shared.models import EVENT_TYPES
from sitrep_store import geo
from sitrep_store.deps import FilterDep, RepoDep
from sitrep_store.repository import InvalidCursor
from sitrep_store.schemas import EventDetail, EventFilter, Stats

templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                                            autoescape=True))
router = APIRouter(include_in_schema=False)

PAGE = 50
MAP_POINTS = 500


def _timeline(stats: Stats) -> dict[str, Any]:
    days = stats.by_day
    if not days:
        return {"bars": [], "max": 0}
    first, last = days[0].day, days[-1].day
    span = (last - first).days + 1
    # Bucket by week when the range is long, so the bars stay readable.
    width = 7 if span > 180 else 1
    buckets: dict[dt.date, int] = {}
    for d in days:
        start = first + dt.timedelta(days=((d.day - first).days // width) * width)
        buckets[start] = buckets.get(start, 0) + d.n
    top = max(buckets.values())
    n = (span + width - 1) // width
    bar_w = 1000 / max(n, 1)
    bars = [{"x": round(((day - first).days // width) * bar_w, 2), "w": round(max(bar_w - 1, 0.5), 2),
             "h": round(100 * count / top, 2), "day": day.isoformat(), "n": count}
            for day, count in sorted(buckets.items())]
    return {"bars": bars, "max": top, "first": first.isoformat(), "last": last.isoformat(),
            "unit": "week" if width == 7 else "day"}


def _map(events: list[Any]) -> dict[str, Any]:
    points = [(loc.lon, loc.lat, e) for e in events for loc in e.locations
              if loc.lat is not None and loc.lon is not None][:MAP_POINTS]
    view = geo.view_for([(x, y) for x, y, _ in points])
    outlines = [c for c in geo.countries() if view.shows(c)]
    radius = max(view.max_lon - view.min_lon, 1) / 180
    return {"viewbox": view.viewbox, "countries": outlines, "radius": round(radius, 3),
            "points": [{"x": round(x, 3), "y": round(-y, 3), "event": e} for x, y, e in points]}


def _query_without(request: Request, *names: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in request.query_params.multi_items() if k not in names]


@router.get("/", response_class=HTMLResponse)
def index(request: Request, repo: RepoDep, flt: FilterDep,
          cursor: Annotated[str | None, Query(max_length=200)] = None) -> HTMLResponse:
    try:
        page = repo.list_events(flt, limit=PAGE, cursor=cursor)
    except InvalidCursor as exc:
        raise HTTPException(400, detail=[{"param": "cursor", "error": "not a cursor from this site"}]) from exc
    stats = repo.stats(flt)
    mapped = repo.list_events(flt, limit=MAP_POINTS).items
    return templates.TemplateResponse(request, "index.html", {
        "flt": flt, "page": page, "stats": stats, "types": EVENT_TYPES, "timeline": _timeline(stats),
        "map": _map(mapped), "next_query": _query_without(request, "cursor"),
        "filtered": flt != EventFilter(),
    })


def _highlight(event: EventDetail) -> tuple[str, str, str]:
    """The article text split around the evidence: by its offsets, else by finding the sentence."""
    text = event.article.text
    start, end = event.evidence.start, event.evidence.end
    if not (0 <= start < end <= len(text)) or (event.evidence.sentence.strip() and
                                               event.evidence.sentence.strip() not in text[start:end]):
        found = text.find(event.evidence.sentence) if event.evidence.sentence else -1
        if found < 0:
            return text, "", ""
        start, end = found, found + len(event.evidence.sentence)
    return text[:start], text[start:end], text[end:]


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event_page(request: Request, repo: RepoDep, event_id: str) -> HTMLResponse:
    event = repo.get_event(event_id)
    if event is None:
        raise HTTPException(404, detail=f"no event {event_id!r}")
    before, evidence, after = _highlight(event)
    return templates.TemplateResponse(request, "event.html", {
        "event": event, "before": before, "evidence": evidence, "after": after, "map": _map([event])})


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(request: Request, repo: RepoDep, article_id: str) -> HTMLResponse:
    article = repo.get_article(article_id)
    if article is None:
        raise HTTPException(404, detail=f"no article {article_id!r}")
    return templates.TemplateResponse(request, "article.html", {"article": article})
