"""The store against the embedded broker: crash-safe, idempotent, and dead-letters bad input."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from support.kafka_read import read_records

from sitrep_shared import kafka
from sitrep_shared.models import EXTRACTION_SCHEMA, Extraction
from sitrep_shared.settings import DatabaseSettings, KafkaSettings
from sitrep_store import db
from sitrep_store.repository import SqlRepository, open_repository
from sitrep_store.schemas import EventFilter
from sitrep_store.testing import generate

pytestmark = pytest.mark.integration


async def _publish(settings: KafkaSettings, extractions: list[Extraction],
                   raw: list[tuple[str | None, bytes | None]] = ()) -> None:  # type: ignore[assignment]
    topic = settings.topics.extractions
    async with kafka.publisher(settings, source="test", ensure=[topic, settings.topics.dlq(topic)]) as pub:
        for i in range(0, len(extractions), 200):
            chunk = extractions[i : i + 200]
            await pub.send_many(topic, [(x.article.id, x) for x in chunk], schema=EXTRACTION_SCHEMA,
                                ce_type="sitrep.extraction")
        if raw:
            await pub.send_raw_many(topic, [(k, v, []) for k, v in raw])


def _wait_for(repo: SqlRepository, articles: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(repo.snapshot()["articles"]) >= articles:
            return
        time.sleep(0.3)
    raise TimeoutError(f"store has {len(repo.snapshot()['articles'])} of {articles} articles")


def test_store_sigkill_mid_stream_then_restart_gives_identical_state(
    kafka_settings_factory: Callable[..., KafkaSettings], store_process_factory: Callable[..., object],
    tmp_path: Path, unique_name: Callable[[str], str],
) -> None:
    settings = kafka_settings_factory()
    extractions = list(generate(1200, seed=21, events_per_article=2))
    # Every extraction twice (a producer retry), plus three that can never be read.
    bad = [("k1", b"not json at all"), ("k2", b'{"article": {"id": 3}}'), ("k3", b"")]
    asyncio.run(_publish(settings, extractions + extractions[:300], raw=bad))

    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = db.make_engine(DatabaseSettings(url=url))
    repo = open_repository(engine)
    group = unique_name("sitrep-store")
    first = store_process_factory(kafka=settings, database_url=url, group_id=group,
                                  extra_env={"SITREP_BATCH_MAX_RECORDS": "20"})
    first.wait_ready()
    deadline = time.monotonic() + 60
    while len(repo.snapshot()["articles"]) < 150 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.kill()  # SIGKILL: no shutdown, no commit of the in-flight batch
    partial = len(repo.snapshot()["articles"])
    assert 0 < partial < 1200, partial

    second = store_process_factory(kafka=settings, database_url=url, group_id=group)
    second.wait_ready()
    _wait_for(repo, 1200, timeout=120)

    reference = open_repository(db.make_engine(DatabaseSettings(url=f"sqlite:///{tmp_path / 'ref.db'}")))
    reference.apply(extractions)
    assert repo.snapshot() == reference.snapshot()
    assert repo.stats(EventFilter()) == reference.stats(EventFilter())
    assert repo.count_events() == 2400

    # The bad messages were dead-lettered with where they came from and why, not applied, and did not
    # stop the stream. Read back by partition assignment, as a downstream tool would.
    assert "k1" not in repo.snapshot()["articles"]
    dead = read_records(settings.bootstrap_servers, settings.topics.dlq(settings.topics.extractions), expect=3)
    assert sorted(r.key for r in dead) == [b"k1", b"k2", b"k3"]
    assert sorted(r.value or b"" for r in dead) == sorted(value for _, value in bad)  # original bytes
    for record in dead:
        assert record.headers["dlq_source_topic"].decode() == settings.topics.extractions
        assert record.headers["dlq_error_class"]
        assert int(record.headers["dlq_source_offset"]) >= 0
    second.stop()
    engine.dispose()
