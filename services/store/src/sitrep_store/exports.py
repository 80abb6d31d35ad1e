"""Event exports: ACLED-style CSV rows and GeoJSON features."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from sitrep_store.schemas import EventRead

ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "event_type", "sub_event_type", "actor1",
    "actor2", "country", "admin1", "location", "latitude", "longitude", "geo_precision", "source",
    "notes", "fatalities", "sitrep_type", "stance", "claimant", "confidence", "article_id",
]
_GEO_PRECISION = {"point": 1, "city": 1, "region": 2, "country": 3, "unresolved": ""}
_TIME_PRECISION = {"day": 1, "week": 2, "month": 2, "year": 3, "unresolved": ""}


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # Keep spreadsheets from evaluating a cell that starts like a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def acled_row(e: EventRead) -> list[str]:
    loc = next((x for x in e.locations if x.lat is not None), e.locations[0] if e.locations else None)
    fatalities = ""
    if e.type == "casualty_report" and e.quantity is not None:
        fatalities = str(int(e.quantity.value))
    values = [
        e.event_id, e.event_date.isoformat(), e.event_date.year,
        _TIME_PRECISION[e.occurred_on.precision] if e.occurred_on.date else 2,
        e.codes.acled_event_type, e.codes.acled_sub_event_type, e.actor, e.target,
        loc.country_code if loc else None, loc.region if loc else None, loc.name if loc else None,
        loc.lat if loc else None, loc.lon if loc else None,
        _GEO_PRECISION[loc.precision] if loc else None, e.source, e.summary, fatalities,
        e.type, e.stance, e.claimant, e.confidence, e.article_id,
    ]
    return [_cell(v) for v in values]


def csv_lines(events: Iterable[EventRead]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ACLED_COLUMNS)
    for event in events:
        writer.writerow(acled_row(event))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def geojson_features(events: Iterable[EventRead]) -> Iterator[dict[str, Any]]:
    for e in events:
        for loc in e.locations:
            if loc.lat is None or loc.lon is None:
                continue
            yield {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [loc.lon, loc.lat]},
                "properties": {
                    "event_id": e.event_id, "type": e.type, "stance": e.stance, "summary": e.summary,
                    "event_date": e.event_date.isoformat(), "location": loc.name,
                    "country": loc.country_code, "precision": loc.precision, "confidence": e.confidence,
                },
            }
