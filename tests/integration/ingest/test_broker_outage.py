"""The broker going away: 503 with Retry-After, nothing counted accepted, and recovery once it is back."""

from __future__ import annotations

import httpx
import pytest
from support.kafka_read import read_records
from support.servers import wait_until

from sitrep_shared.broker import EmbeddedBroker
from sitrep_shared.settings import KafkaSettings

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("producer", ["confluent", "aiokafka"])
def test_broker_stopped_mid_test_gives_503_then_recovers(ingest_server_factory, kafka_settings_factory,
                                                         producer: str) -> None:
    # Its own broker, whatever SITREP_TEST_KAFKA says: this test stops and restarts it.
    broker = EmbeddedBroker().start()
    try:
        kafka: KafkaSettings = kafka_settings_factory(bootstrap_servers=broker.bootstrap_servers,
                                                      request_timeout_ms=2000, producer=producer)
        with ingest_server_factory(kafka, publish_timeout_seconds=3, retry_after_seconds=7) as (url, _, metrics):
            first = {"text": "Before the outage.", "url": "https://x.example/1"}
            assert httpx.post(f"{url}/v1/articles", json=first).status_code == 202

            broker.stop()
            down = httpx.post(f"{url}/v1/articles", json={"text": "During.", "url": "https://x.example/2"},
                              timeout=30)
            assert down.status_code == 503
            assert down.headers["retry-after"] == "7"
            assert "broker" in down.json()["detail"]
            batch = httpx.post(f"{url}/v1/articles/batch", json=[{"text": "During, batched."}], timeout=30)
            assert batch.status_code == 503
            assert httpx.get(f"{url}/readyz", timeout=30).status_code == 503
            assert metrics.articles.labels(outcome="accepted")._value.get() == 1
            assert metrics.articles.labels(outcome="failed")._value.get() == 2

            broker = EmbeddedBroker(port=broker.port).start()
            retry = {"text": "During.", "url": "https://x.example/2"}
            wait_until(lambda: httpx.post(f"{url}/v1/articles", json=retry, timeout=30).status_code == 202,
                       timeout=60, interval=0.5, what="ingest to publish again after the broker came back")
            assert httpx.get(f"{url}/readyz").status_code == 200
            records = read_records(kafka.bootstrap_servers, kafka.topics.articles, expect=1)
            assert [r.value is not None and b"During." in r.value for r in records] == [True]
    finally:
        broker.stop()
