"""Settings parts shared by the services.

Each service composes these plain models into one `BaseSettings` (see `service_settings_config`), so
the broker address is `SITREP_KAFKA__BOOTSTRAP_SERVERS` everywhere.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict


def service_settings_config() -> SettingsConfigDict:
    """The one way every service reads its environment: `SITREP_` prefix, `__` nesting."""
    return SettingsConfigDict(
        env_prefix="SITREP_", env_nested_delimiter="__", extra="ignore", validate_default=True
    )


ProducerKind = Literal["aiokafka", "confluent"]


class TopicSettings(BaseModel):
    articles: str = "sitrep.articles.v1"
    extractions: str = "sitrep.extractions.v1"
    dlq_suffix: str = ".dlq"

    def dlq(self, topic: str) -> str:
        return f"{topic}{self.dlq_suffix}"


class KafkaSettings(BaseModel):
    bootstrap_servers: str = Field(default="127.0.0.1:9092", description="host:port[,host:port]")
    client_id: str = "sitrep"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: str | None = Field(default=None, description="CA bundle for SSL / SASL_SSL.")
    topics: TopicSettings = Field(default_factory=TopicSettings)
    partitions: int = Field(default=3, ge=1, description="For topics created at start.")
    replication_factor: int = Field(default=1, ge=1)
    retention_ms: int | None = Field(default=None, description="For topics created at start.")
    create_topics: bool = Field(default=True, description="Create missing topics at start.")
    idempotent_producer: bool = Field(
        default=False, description="Needs a broker that supports it (the embedded one does not)."
    )
    producer: ProducerKind | None = Field(
        default=None,
        description="Client library that publishes: aiokafka or confluent (librdkafka). Unset: the "
                    "service's own choice (ingest: confluent, others: aiokafka). Consumers use aiokafka.",
    )
    linger_ms: int = Field(default=5, ge=0)
    max_batch_size: int = Field(default=256 * 1024, ge=1024, description="Producer batch bytes.")
    compression_type: Literal["gzip", "snappy", "lz4", "zstd"] | None = None
    request_timeout_ms: int = Field(default=10_000, ge=1000)
    max_request_size: int = Field(default=4 * 1024 * 1024, ge=1024)

    @model_validator(mode="after")
    def _sasl_needs_credentials(self) -> KafkaSettings:
        if self.security_protocol.startswith("SASL") and not (
            self.sasl_mechanism and self.sasl_username and self.sasl_password
        ):
            raise ValueError(
                "SASL security protocols need sasl_mechanism, sasl_username and sasl_password"
            )
        return self


class DatabaseSettings(BaseModel):
    """Where a service keeps its data: an SQLAlchemy URL (SQLite by default, PostgreSQL in production)."""

    url: str = Field(
        default="sqlite:///sitrep-store.db",
        description="e.g. sqlite:///path.db or postgresql+psycopg://user@host:5432/db (no password here)",
    )
    password: SecretStr | None = Field(default=None, description="Put into the URL at connect time.")
    pool_size: int = Field(default=5, ge=1)
    connect_timeout_s: float = Field(default=5.0, gt=0)
    migrate: bool = Field(default=True, description="Run schema migrations at start.")

    @property
    def backend(self) -> str:
        return "postgresql" if self.url.startswith("postgresql") else "sqlite"
