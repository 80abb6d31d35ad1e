"""The store's settings: SITREP_-prefixed environment variables, `__` for nesting."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings

from sitrep_shared.settings import DatabaseSettings, KafkaSettings, service_settings_config


class StoreSettings(BaseSettings):
    model_config = service_settings_config()

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    group_id: str = "sitrep-store"
    consume: bool = Field(default=True, description="Run the consumer; off for query-only replicas.")
    # 1,000 rather than 500: 5,913 vs 5,054 events/s at a million events on SQLite (bench/store.py);
    # fewer commits, and an index page dirtied by several events is written once.
    batch_max_records: int = Field(default=1000, ge=1, description="Extractions per DB transaction.")
    batch_timeout_ms: int = Field(default=500, ge=10)
    db_retry_s: float = Field(default=2.0, gt=0, description="Wait between DB probes while paused.")
    session_timeout_ms: int = Field(default=10_000, ge=1000)
    stream_poll_s: float = Field(default=0.5, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
