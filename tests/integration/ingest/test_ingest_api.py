"""The ingest API against a real broker, read back the way a downstream app would (confluent-kafka)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema
import pytest
from support.kafka_read import read_records

from sitrep_shared import ids

pytestmark = pytest.mark.integration

SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "schemas"
SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "articles.jsonl"


def article(n: int = 0, **extra: object) -> dict[str, object]:
    return {"url": f"https://wire.example.org/world/{n}?utm_source=rss", "title": f"Report {n}",
            "text": f"Air defences shot down {n} drones overnight, the ministry said.",
            "published_at": "2024-05-14T09:30:00+00:00", **extra}


@pytest.mark.parametrize("producer", ["confluent", "aiokafka"])
def test_post_article_reaches_a_confluent_consumer_with_key_value_and_headers(
        ingest_server_factory, kafka_settings_factory, producer: str) -> None:
    with ingest_server_factory(kafka_settings_factory(producer=producer)) as (url, settings, metrics):
        response = httpx.post(f"{url}/v1/articles", json=article(1))
        assert response.status_code == 202
        body = response.json()
        assert body == {"id": ids.article_id(url="https://wire.example.org/world/1", text=""),
                        "status": "accepted"}
        records = read_records(settings.kafka.bootstrap_servers, settings.kafka.topics.articles, expect=1)
    assert len(records) == 1
    record = records[0]
    assert record.key == body["id"].encode()
    value = json.loads(record.value or b"")
    assert value["id"] == body["id"]
    assert value["text"] == article(1)["text"]
    jsonschema.validate(value, json.loads((SCHEMAS / "article.v1.json").read_text()))
    headers = {k: v.decode() for k, v in record.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["schema"] == "sitrep.article/1"
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_id"] == body["id"]
    assert headers["ce_type"] == "sitrep.article.ingested"
    assert headers["ce_source"] == "sitrep-ingest"
    assert headers["ce_time"].endswith("Z")
    assert metrics.articles.labels(outcome="accepted")._value.get() == 1


def test_repeated_article_is_a_duplicate_and_not_published_again(ingest_server_factory) -> None:
    with ingest_server_factory() as (url, settings, _):
        first = httpx.post(f"{url}/v1/articles", json=article(2))
        again = httpx.post(f"{url}/v1/articles",
                           json=article(2, url="https://WIRE.example.org/world/2#comments"))
        assert first.json()["status"] == "accepted"
        assert again.status_code == 202
        assert again.json() == {"id": first.json()["id"], "status": "duplicate"}
        records = read_records(settings.kafka.bootstrap_servers, settings.kafka.topics.articles, expect=2,
                               timeout=4)
    assert len(records) == 1


def test_batch_publishes_valid_items_and_reports_each(ingest_server_factory) -> None:
    items = [article(10), {"text": ""}, article(11), article(10), {"title": "no text", "extra": 1}]
    with ingest_server_factory() as (url, settings, metrics):
        response = httpx.post(f"{url}/v1/articles/batch", json=items)
        records = read_records(settings.kafka.bootstrap_servers, settings.kafka.topics.articles, expect=2)
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["duplicate"], body["invalid"]) == (2, 1, 2)
    assert [r["status"] for r in body["results"]] == ["accepted", "invalid", "accepted", "duplicate", "invalid"]
    assert body["results"][1]["errors"][0]["loc"] == ["text"]
    assert {tuple(e["loc"]) for e in body["results"][4]["errors"]} == {("text",), ("extra",)}
    assert sorted(r.key for r in records) == sorted(body["results"][i]["id"].encode() for i in (0, 2))
    assert metrics.batch_size._sum.get() == 5


def test_batch_accepts_ndjson_and_reports_broken_lines(ingest_server_factory) -> None:
    lines = [json.dumps(article(20)), "{not json", "", json.dumps(article(21))]
    with ingest_server_factory() as (url, _, _):
        response = httpx.post(f"{url}/v1/articles/batch", content="\n".join(lines).encode(),
                              headers={"content-type": "application/x-ndjson"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["accepted", "invalid", "accepted"]
    assert "line 2 is not valid JSON" in results[1]["errors"][0]["msg"]


def test_sample_articles_all_validate_and_publish(ingest_server_factory) -> None:
    items = [json.loads(line) for line in SAMPLES.read_text().splitlines() if line.strip()]
    assert len(items) >= 12
    with ingest_server_factory() as (url, _, _):
        response = httpx.post(f"{url}/v1/articles/batch", json=items)
    assert response.json()["accepted"] == len(items), response.text


@pytest.mark.parametrize(
    ("request_kwargs", "status", "needle"),
    [
        ({"content": b"{}", "headers": {"content-type": "text/plain"}}, 415, "content-type"),
        ({"content": b"{}"}, 415, "content-type"),
        ({"content": b"{broken", "headers": {"content-type": "application/json"}}, 422, "not valid JSON"),
        ({"json": {"text": "x", "surprise": 1}}, 422, "surprise"),
        ({"json": {"text": "x", "published_at": "yesterday"}}, 422, "published_at"),
        ({"json": ["not", "an", "object"]}, 422, "valid dictionary"),
    ],
)
def test_bad_single_requests_get_a_clear_4xx(ingest_server_factory, request_kwargs, status, needle) -> None:
    with ingest_server_factory() as (url, _, _):
        response = httpx.post(f"{url}/v1/articles", **request_kwargs)
    assert response.status_code == status
    assert needle in response.text


def test_body_over_the_limit_is_413(ingest_server_factory) -> None:
    with ingest_server_factory(max_body_bytes=2048) as (url, _, _):
        big = httpx.post(f"{url}/v1/articles", json=article(3, text="x" * 4096))
        assert big.status_code == 413
        assert "limit" in big.json()["detail"]
        ok = httpx.post(f"{url}/v1/articles", json=article(3))
        assert ok.status_code == 202


def test_batch_with_too_many_items_is_413(ingest_server_factory) -> None:
    with ingest_server_factory(max_batch_items=3) as (url, _, _):
        response = httpx.post(f"{url}/v1/articles/batch", json=[article(i) for i in range(4)])
    assert response.status_code == 413
    assert "limit is 3" in response.json()["detail"]


def test_batch_body_that_is_not_an_array_is_422(ingest_server_factory) -> None:
    with ingest_server_factory() as (url, _, _):
        response = httpx.post(f"{url}/v1/articles/batch", json=article(4))
    assert response.status_code == 422
    assert "JSON array" in response.text


def test_api_keys_guard_writes_but_not_health_or_metrics(ingest_server_factory) -> None:
    with ingest_server_factory(api_keys=["s3cret", "other"]) as (url, _, _):
        assert httpx.post(f"{url}/v1/articles", json=article(5)).status_code == 401
        wrong = httpx.post(f"{url}/v1/articles", json=article(5), headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert wrong.headers["www-authenticate"] == "Bearer"
        assert httpx.post(f"{url}/v1/articles/batch", json=[article(5)]).status_code == 401
        ok = httpx.post(f"{url}/v1/articles", json=article(5), headers={"Authorization": "Bearer other"})
        assert ok.status_code == 202
        assert httpx.get(f"{url}/healthz").status_code == 200
        assert httpx.get(f"{url}/readyz").status_code == 200
        assert httpx.get(f"{url}/metrics").status_code == 200


def test_metrics_expose_outcomes_and_latencies(ingest_server_factory) -> None:
    with ingest_server_factory() as (url, _, _):
        httpx.post(f"{url}/v1/articles", json=article(6))
        httpx.post(f"{url}/v1/articles", json={"text": ""})
        text = httpx.get(f"{url}/metrics").text
    assert 'sitrep_ingest_articles_total{outcome="accepted"} 1.0' in text
    assert 'sitrep_ingest_articles_total{outcome="invalid"} 1.0' in text
    assert 'sitrep_ingest_articles_total{outcome="failed"} 0.0' in text
    assert 'sitrep_ingest_request_duration_seconds_count{method="POST",route="/v1/articles",status="202"} 1.0' in text
    assert "sitrep_ingest_produce_duration_seconds_count 1.0" in text
