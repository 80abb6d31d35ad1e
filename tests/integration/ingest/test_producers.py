"""Both publisher implementations (aiokafka, confluent-kafka) write the same records to the same partitions."""

from __future__ import annotations

import asyncio

import pytest
from support.kafka_read import read_records

from sitrep_shared import kafka
from sitrep_shared.models import Article
from sitrep_shared.settings import KafkaSettings

pytestmark = pytest.mark.integration


async def publish(settings: KafkaSettings, producer: str, articles: list[Article]) -> None:
    async with kafka.publisher(settings.model_copy(update={"producer": producer}), source="test",
                               ensure=[settings.topics.articles]) as pub:
        await pub.send_many(settings.topics.articles, [(a.id, a) for a in articles], schema="s", ce_type="t",
                            ce_ids=[a.id for a in articles])


def test_a_key_lands_on_the_same_partition_with_either_producer(kafka_settings_factory) -> None:
    settings = kafka_settings_factory(partitions=3)
    articles = [Article.model_validate({"id": f"a_{n}", "text": f"text {n}", "ingested_at": "2024-05-14T09:30:00Z"})
                for n in range(30)]
    asyncio.run(publish(settings, "aiokafka", articles))
    asyncio.run(publish(settings, "confluent", articles))
    records = read_records(settings.bootstrap_servers, settings.topics.articles, expect=60)
    by_producer: dict[bytes, set[int]] = {}
    for r in records:
        assert r.key is not None
        by_producer.setdefault(r.key, set()).add(r.partition)
    assert len(records) == 60
    assert all(len(partitions) == 1 for partitions in by_producer.values()), by_producer
    assert len({p for partitions in by_producer.values() for p in partitions}) > 1  # keys do spread
    assert {r.value for r in records} == {a.model_dump_json().encode() for a in articles}


async def publish_then_consume(settings: KafkaSettings, articles: list[Article]) -> list[kafka.Message]:
    await publish(settings, "confluent", articles)
    got: list[kafka.Message] = []
    async with kafka.consumer(settings, topics=[settings.topics.articles], group_id=f"g-{settings.topics.articles}",
                              session_timeout_ms=6000, heartbeat_interval_ms=1000) as consumer:
        async with asyncio.timeout(60):
            while len(got) < len(articles):
                got += await consumer.fetch(max_records=100, timeout_ms=500)
    return got


def test_what_the_confluent_publisher_writes_the_aiokafka_consumer_reads(kafka_settings_factory) -> None:
    # Extract consumes ingest's output with aiokafka.
    settings = kafka_settings_factory()
    articles = [Article.model_validate({"id": f"a_{n}", "text": f"text {n}", "ingested_at": "2024-05-14T09:30:00Z"})
                for n in range(5)]
    got = asyncio.run(publish_then_consume(settings, articles))
    assert sorted(m.key or b"" for m in got) == [a.id.encode() for a in articles]
    assert all(kafka.header_dict(m.headers)["ce_id"] == (m.key or b"").decode() for m in got)
    assert {m.value for m in got} == {a.model_dump_json().encode() for a in articles}
