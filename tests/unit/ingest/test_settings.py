import pytest

from sitrep_ingest.settings import IngestSettings


def test_settings_read_nested_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITREP_KAFKA__BOOTSTRAP_SERVERS", "kafka:9092")
    monkeypatch.setenv("SITREP_KAFKA__TOPICS__ARTICLES", "custom.articles.v1")
    monkeypatch.setenv("SITREP_INGEST__PORT", "9001")
    monkeypatch.setenv("SITREP_INGEST__MAX_BATCH_ITEMS", "50")
    settings = IngestSettings()
    assert settings.kafka.bootstrap_servers == "kafka:9092"
    assert settings.kafka.topics.articles == "custom.articles.v1"
    assert settings.ingest.port == 9001
    assert settings.ingest.max_batch_items == 50


@pytest.mark.parametrize("raw", ['["k1","k2"]', "k1,k2", " k1 , k2 "])
def test_api_keys_accept_json_list_or_commas(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("SITREP_INGEST__API_KEYS", raw)
    keys = [k.get_secret_value() for k in IngestSettings().ingest.api_keys]
    assert keys == ["k1", "k2"]


def test_api_keys_default_to_open() -> None:
    assert IngestSettings().ingest.api_keys == []
