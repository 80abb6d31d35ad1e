import pytest
from pydantic import ValidationError

from sitrep_shared.settings import KafkaSettings


def test_kafka_settings_defaults_suit_a_laptop() -> None:
    settings = KafkaSettings()
    assert settings.bootstrap_servers == "127.0.0.1:9092"
    assert settings.topics.articles == "sitrep.articles.v1"
    assert settings.topics.dlq("sitrep.articles.v1") == "sitrep.articles.v1.dlq"
    assert settings.create_topics is True
    assert settings.idempotent_producer is False


def test_sasl_without_credentials_is_refused() -> None:
    with pytest.raises(ValidationError, match="SASL"):
        KafkaSettings(security_protocol="SASL_SSL")


def test_sasl_password_is_secret() -> None:
    settings = KafkaSettings(security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
                             sasl_username="u", sasl_password="hunter2")  # type: ignore[arg-type]
    assert "hunter2" not in repr(settings)
    assert settings.sasl_password is not None
    assert settings.sasl_password.get_secret_value() == "hunter2"
