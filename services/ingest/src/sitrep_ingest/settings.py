"""Everything the ingest service reads from the environment (`SITREP_` prefix, `__` nesting)."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode

from sitrep_shared.settings import KafkaSettings, ProducerKind, service_settings_config

# When SITREP_KAFKA__PRODUCER is unset. librdkafka builds and sends batches in its own threads, which
# left the event loop to HTTP and validation: ~2.5x the batch throughput of aiokafka (bench/ingest.py).
DEFAULT_PRODUCER: ProducerKind = "confluent"


class IngestOptions(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8001, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, description="uvicorn worker processes (dedupe memory is per process).")
    max_body_bytes: int = Field(default=16 * 1024 * 1024, ge=1024, description="Larger bodies get 413.")
    max_batch_items: int = Field(default=1000, ge=1, description="Articles per batch request.")
    dedupe_capacity: int = Field(default=100_000, ge=0, description="Recent article ids remembered.")
    dedupe_ttl_seconds: float = Field(default=24 * 3600, gt=0)
    publish_timeout_seconds: float = Field(default=10.0, gt=0, description="Then 503.")
    retry_after_seconds: int = Field(default=5, ge=1)
    api_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="When set (JSON list or comma-separated), write endpoints need a Bearer key.",
    )


    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [key.strip() for key in text.split(",") if key.strip()]
        return value


class IngestSettings(BaseSettings):
    model_config = service_settings_config()

    kafka: KafkaSettings = Field(default_factory=lambda: KafkaSettings(client_id="sitrep-ingest"))
    ingest: IngestOptions = Field(default_factory=IngestOptions)
    log_level: str = "INFO"
