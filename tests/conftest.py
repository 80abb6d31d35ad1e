"""Fixtures shared by every test: the Kafka broker, unique topic and group names."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from sitrep_shared.broker import EmbeddedBroker
from sitrep_shared.settings import KafkaSettings, TopicSettings


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[str]:
    """bootstrap servers of a running broker: `SITREP_TEST_KAFKA` if set, else an embedded tansu."""
    external = os.environ.get("SITREP_TEST_KAFKA")
    if external:
        yield external
        return
    with EmbeddedBroker() as broker:
        yield broker.bootstrap_servers


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """Topic or group names no other test uses, so tests can share one broker."""
    return lambda prefix: f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def kafka_settings_factory(kafka_broker: str, unique_name: Callable[[str], str]) -> Callable[..., KafkaSettings]:
    """KafkaSettings on the test broker with fresh topic names."""

    def make(**overrides: object) -> KafkaSettings:
        topics = TopicSettings(articles=unique_name("articles"), extractions=unique_name("extractions"))
        values: dict[str, object] = {"bootstrap_servers": kafka_broker, "topics": topics,
                                     "partitions": 3, "request_timeout_ms": 5000}
        values.update(overrides)
        return KafkaSettings(**values)  # type: ignore[arg-type]

    return make
