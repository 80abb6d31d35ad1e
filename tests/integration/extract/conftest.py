"""Fixtures for the extract integration tests: topics, a producer, worker processes."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
from extract_support import PARTITIONS, USE_FAKE, Topics, WorkerProcess

from sitrep_shared.models import Article


@pytest.fixture(scope="session", autouse=True)
def _announce_extractor() -> None:
    if USE_FAKE:
        warnings.warn("extract integration tests run the FAKE extractor: no trained model artifact found "
                      "(or SITREP_TEST_EXTRACTOR=fake)", stacklevel=1)


@pytest.fixture
def topics(kafka_broker: str, unique_name: Callable[[str], str]) -> Topics:
    names = Topics(articles=unique_name("articles"), extractions=unique_name("extractions"),
                   group=unique_name("sitrep-extract"))
    admin = AdminClient({"bootstrap.servers": kafka_broker})
    futures = admin.create_topics([NewTopic(t, num_partitions=PARTITIONS, replication_factor=1)
                                   for t in (names.articles, names.extractions, names.dlq)])
    for future in futures.values():
        future.result(timeout=15)
    return names


@pytest.fixture
def produce(kafka_broker: str) -> Callable[..., dict[str, tuple[int, int]]]:
    """produce(topic, [Article | (key, raw bytes)]) -> {key: (partition, offset)}, acks=all."""

    def send(topic: str, items: list[Article | tuple[str | None, bytes | None]]) -> dict[str, tuple[int, int]]:
        producer = Producer({"bootstrap.servers": kafka_broker, "acks": "all", "linger.ms": 5,
                             "log.connection.close": False})
        placed: dict[str, tuple[int, int]] = {}
        errors: list[str] = []

        def report(err: object, msg: object) -> None:
            if err is not None:
                errors.append(str(err))
            else:
                key = msg.key().decode() if msg.key() else f"none@{msg.partition()}:{msg.offset()}"
                placed[key] = (msg.partition(), msg.offset())

        for item in items:
            if isinstance(item, Article):
                key, value = item.id, item.model_dump_json().encode()
            else:
                key, value = item
            producer.produce(topic, key=key.encode() if key else None, value=value,
                             headers=[("schema", b"sitrep.article/1")], on_delivery=report)
            producer.poll(0)
        assert producer.flush(30) == 0
        assert not errors, errors
        return placed

    return send


@pytest.fixture
def worker_factory(kafka_broker: str, topics: Topics, tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    started: list[WorkerProcess] = []

    def start(**extra_env: str) -> WorkerProcess:
        worker = WorkerProcess(bootstrap=kafka_broker, topics=topics,
                               log_path=tmp_path / f"worker-{len(started)}.log", extra_env=extra_env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.close()

