"""Store benchmark: apply 1,000,000 generated events through the consumer path, then time six queries.

    .venv/bin/python bench/store.py                       # both backends, 1,000,000 events
    .venv/bin/python bench/store.py --events 100000 --backends sqlite
    .venv/bin/python bench/store.py --order published    # articles in publication order, as a live feed

By default the generated articles arrive in random date order: every insert then lands on a random
page of each date-keyed index, the worst case. `--order published` delivers them by publication time.

The consumer path is `StoreWorker.handle`: JSON bytes as they arrive from Kafka -> validation ->
one DB transaction per micro-batch (the store's `batch_max_records`, SITREP_BATCH_MAX_RECORDS);
only the broker is left out. Queries go through the repository with page size 50 after ANALYZE.
The last line per backend is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import text

from sitrep_shared.kafka import Message
from sitrep_shared.settings import DatabaseSettings
from sitrep_store import db
from sitrep_store.gc_tuning import tune_gc_for_batches
from sitrep_store.metrics import StoreMetrics
from sitrep_store.repository import SqlRepository, open_repository
from sitrep_store.schemas import EventFilter
from sitrep_store.settings import StoreSettings
from sitrep_store.testing import CLAIMANTS, PLACES, RARE, WORDS, generate
from sitrep_store.worker import StoreWorker

EVENTS_PER_ARTICLE = 5
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


class _NoDeadLetters:
    async def dead_letter(self, message: Message, error: BaseException, *, reason_code: str) -> None:
        raise AssertionError(f"generated data was rejected: {error}")


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return round(statistics.median(ordered) * 1000, 2), round(p95 * 1000, 2)


async def _apply(repo: SqlRepository, n_events: int, *, in_order: bool,
                 log: Callable[[str], None]) -> tuple[float, int]:
    settings = StoreSettings()
    batch = settings.batch_max_records  # as the consumer fetches them (SITREP_BATCH_MAX_RECORDS)
    worker = StoreWorker(settings=settings, repo=repo, metrics=StoreMetrics())
    articles = n_events // EVENTS_PER_ARTICLE
    source = generate(articles, seed=11, events_per_article=EVENTS_PER_ARTICLE, in_order=in_order)
    busy, done, offset = 0.0, 0, 0
    while done < articles:
        chunk = [next(source) for _ in range(min(batch, articles - done))]
        messages = [Message(topic="sitrep.extractions.v1", partition=0, offset=offset + i,
                            key=x.article.id.encode(), value=x.model_dump_json().encode())
                    for i, x in enumerate(chunk)]
        offset += len(chunk)
        started = time.perf_counter()
        result = await worker.handle(messages, _NoDeadLetters())  # type: ignore[arg-type]
        busy += time.perf_counter() - started
        done += len(chunk)
        assert result.applied == len(chunk), result
        if done % 20_000 == 0:
            log(f"  {done * EVENTS_PER_ARTICLE:>9,} events, {done * EVENTS_PER_ARTICLE / busy:,.0f}/s")
    return busy, articles * EVENTS_PER_ARTICLE


def _queries(rng: random.Random) -> dict[str, Callable[[], EventFilter]]:
    start = dt.date(2022, 2, 24)
    top_places = [p for p in PLACES[:6]]

    def date_range() -> tuple[dt.date, dt.date]:
        first = start + dt.timedelta(days=rng.randrange(850))
        return first, first + dt.timedelta(days=30)

    def type_date() -> EventFilter:
        first, last = date_range()
        return EventFilter(types=(rng.choice(["shootdown", "drone_or_missile_strike", "casualty_report"]),),
                           occurred_from=first, occurred_to=last)

    def bbox() -> EventFilter:
        _, _, lat, lon = rng.choice(top_places)
        return EventFilter(bbox=(lon - 2, lat - 1.5, lon + 2, lat + 1.5))

    def stats() -> EventFilter:
        if rng.random() < 0.5:
            return EventFilter()
        first, last = date_range()
        return EventFilter(types=(rng.choice(["shootdown", "equipment_loss"]),), occurred_from=first,
                           occurred_to=last)

    return {
        "type_date": type_date,
        "country": lambda: EventFilter(countries=(rng.choice(top_places)[0],)),
        "bbox": bbox,
        "text": lambda: EventFilter(q=rng.choice(RARE + WORDS[:4])),
        "claimant": lambda: EventFilter(claimant=rng.choice([c for c in CLAIMANTS if c])),
        "stats": stats,
    }


def _time_queries(repo: SqlRepository, runs: int) -> dict[str, dict[str, float]]:
    rng = random.Random(3)
    out = {}
    for name, make in _queries(rng).items():
        samples = []
        for i in range(runs + 3):
            flt = make()
            started = time.perf_counter()
            if name == "stats":
                repo.stats(flt)
            else:
                repo.list_events(flt, limit=50)
            if i >= 3:  # the first few warm the cache
                samples.append(time.perf_counter() - started)
        p50, p95 = _percentiles(samples)
        out[name] = {"p50": p50, "p95": p95}
    return out


def run(backend: str, n_events: int, runs: int, order: str) -> dict[str, Any]:
    def log(line: str) -> None:
        print(f"[{backend}] {line}", file=sys.stderr, flush=True)

    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="sitrep-bench-")
        url = f"sqlite:///{Path(folder) / 'store.db'}"

        def cleanup() -> None:  # ~3 GB at a million events
            shutil.rmtree(folder, ignore_errors=True)
    else:
        import psycopg

        name = f"sitrep_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

        def cleanup() -> None:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    engine = db.make_engine(DatabaseSettings(url=url))
    checkpointer = None
    try:
        repo = open_repository(engine)
        # As the service does once its repository is open.
        checkpointer = db.start_checkpointer(engine)
        tune_gc_for_batches()
        busy, events = asyncio.run(_apply(repo, n_events, in_order=order == "published", log=log))
        log("analyze")
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        query_ms = _time_queries(repo, runs)
        stored = repo.count_events()
        assert stored == events, (stored, events)
        return {"bench": "store", "backend": backend, "events": events, "order": order,
                "apply_per_s": round(events / busy), "apply_seconds": round(busy, 1),
                "page_size": 50, "runs_per_query": runs,
                "query_p50_ms": {k: v["p50"] for k, v in query_ms.items()},
                "query_p95_ms": {k: v["p95"] for k, v in query_ms.items()}}
    finally:
        if checkpointer is not None:
            checkpointer.stop()
        engine.dispose()
        cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--runs", type=int, default=60, help="timed runs per query")
    parser.add_argument("--order", choices=["shuffled", "published"], default="shuffled",
                        help="arrival order of the generated articles")
    args = parser.parse_args()
    for backend in args.backends.split(","):
        print(json.dumps(run(backend.strip(), args.events, args.runs, args.order)), flush=True)


if __name__ == "__main__":
    main()
