"""Settings of the extract service, read from `SITREP_*` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings

from sitrep_shared.models import MAX_TEXT_CHARS
from sitrep_shared.settings import KafkaSettings, service_settings_config


class ExtractSettings(BaseSettings):
    model_config = service_settings_config()

    kafka: KafkaSettings = Field(default_factory=lambda: KafkaSettings(client_id="sitrep-extract"))
    group_id: str = "sitrep-extract"
    host: str = "127.0.0.1"
    port: int = Field(default=8002, ge=0, le=65535, description="0 picks a free port.")
    log_level: str = "INFO"

    # Micro-batching: up to batch_size articles, or whatever arrived within batch_wait_ms.
    batch_size: int = Field(default=32, ge=1, le=1024)
    batch_wait_ms: int = Field(default=200, ge=1)
    max_article_chars: int = Field(default=MAX_TEXT_CHARS, ge=1,
                                   description="Longer texts are dead-lettered as too_large.")

    # Model runtime.
    artifact_dir: Path | None = Field(default=None, description="Model artifacts; None = packaged.")
    torch_threads: int | None = Field(default=None, ge=1, description="None = torch's default.")
    bf16: Literal["auto", "on", "off"] = Field(
        default="auto", description="auto: bf16 autocast only where the CPU has native bf16."
    )
    max_batch_sentences: int = Field(default=64, ge=1)
    ensemble_screen: float | None = Field(
        default=None, ge=0, le=0.1,
        description="An ensemble's other members read only sentences where the first sees some type at "
        "least this likely; 0.05 is faster by 15-20% (MODEL.md). None = the default in ensemble.py (0: off).")
    model_retries: int = Field(default=1, ge=0,
                               description="Retries of one article alone after the model raised.")
    warmup: bool = True
    extractor_factory: str | None = Field(
        default=None,
        description="'module:callable' returning an Extractor, for tests and experiments; "
        "None loads the trained model.",
    )

    # Broker failures: bounded retry with exponential backoff, then exit for a restart.
    broker_retries: int = Field(default=8, ge=0)
    broker_backoff_ms: int = Field(default=250, ge=1)
    broker_backoff_max_ms: int = Field(default=5_000, ge=1)

    # Group membership.
    session_timeout_ms: int | None = Field(default=None, ge=1000)
    heartbeat_interval_ms: int | None = Field(default=None, ge=100)
    max_poll_interval_ms: int = Field(default=300_000, ge=1000)

    lag_interval_s: float = Field(default=5.0, gt=0, description="How often consumer lag is sampled.")
    shutdown_timeout_s: float = Field(default=30.0, gt=0)
