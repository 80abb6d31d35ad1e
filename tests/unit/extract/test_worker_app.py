"""The worker's HTTP side, settings, replay records and runtime choices."""

from __future__ import annotations

import pytest
from extract_fakes import FakeSource
from fastapi.testclient import TestClient

from sitrep_extract.__main__ import main
from sitrep_extract.app import Status, create_app
from sitrep_extract.metrics import ExtractMetrics
from sitrep_extract.replay import replay_record
from sitrep_extract.runtime import resolve_bf16
from sitrep_extract.settings import ExtractSettings
from sitrep_shared.kafka import Message, header_dict


def test_app_readyz_needs_model_and_partitions() -> None:
    status, metrics = Status(), ExtractMetrics()
    with TestClient(create_app(status, metrics)) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 503
        status.model_loaded = True
        status.source = FakeSource()
        assert client.get("/readyz").status_code == 503  # no partitions yet
        status.source.assigned = {("t", 0)}
        body = client.get("/readyz").json()
        assert body["ready"] is True and body["partitions"] == ["t[0]"]
        status.stopping = True
        assert client.get("/readyz").status_code == 503


def test_app_metrics_exposes_series_at_zero() -> None:
    metrics = ExtractMetrics()
    metrics.model.info({"name": "fake", "version": "1"})
    with TestClient(create_app(Status(), metrics)) as client:
        text = client.get("/metrics").text
    for line in ('sitrep_extract_articles_total{outcome="dead_lettered"} 0.0',
                 'sitrep_extract_events_total{type="shootdown"} 0.0',
                 'sitrep_extract_model_info{name="fake",version="1"} 1.0',
                 "sitrep_extract_batch_size_articles_bucket", "sitrep_extract_model_latency_seconds_bucket"):
        assert line in text


def test_settings_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_KAFKA__BOOTSTRAP_SERVERS", "broker:9093")
    monkeypatch.setenv("SITREP_BATCH_SIZE", "16")
    monkeypatch.setenv("SITREP_BF16", "off")
    monkeypatch.setenv("SITREP_KAFKA__TOPICS__ARTICLES", "in.v1")
    settings = ExtractSettings()
    assert settings.kafka.bootstrap_servers == "broker:9093"
    assert (settings.batch_size, settings.bf16, settings.port) == (16, "off", 8002)
    assert settings.kafka.topics.dlq(settings.kafka.topics.articles) == "in.v1.dlq"


def test_replay_record_restores_source_topic_and_strips_dlq_headers() -> None:
    message = Message(topic="x.dlq", partition=2, offset=9, key=b"a_1", value=b"{}", headers=[
        ("schema", b"sitrep.article/1"), ("dlq_source_topic", b"x"), ("dlq_reason", b"not_json")])
    topic, key, value, headers = replay_record(message, default_topic="other")
    assert (topic, key, value) == ("x", "a_1", b"{}")
    assert header_dict(headers) == {"schema": "sitrep.article/1", "replayed_from": "x.dlq[2]@9"}


def test_resolve_bf16_off_is_fp32() -> None:
    assert resolve_bf16("off") is False


def test_main_rejects_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nonsense"]) == 2
    assert "replay-dlq" in capsys.readouterr().err


def test_runtime_load_uses_factory_when_set() -> None:
    from sitrep_extract.runtime import load, warm_up

    extractor = load(ExtractSettings(extractor_factory="extract_fakes:make"))
    assert extractor.name == "fake-extractor"
    assert warm_up(extractor) >= 0
    with pytest.raises(ValueError, match="module:callable"):
        load(ExtractSettings(extractor_factory="no_colon_here"))
