from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest
from support.servers import serve

from sitrep_ingest.app import create_app
from sitrep_ingest.metrics import IngestMetrics
from sitrep_ingest.settings import IngestOptions, IngestSettings
from sitrep_shared.settings import KafkaSettings


@pytest.fixture
def ingest_server_factory(
    kafka_settings_factory: Callable[..., KafkaSettings],
) -> Iterator[Callable[..., contextlib.AbstractContextManager[tuple[str, IngestSettings, IngestMetrics]]]]:
    """Start the ingest app on uvicorn (loopback, free port); yields (base URL, settings, metrics)."""

    @contextlib.contextmanager
    def start(kafka: KafkaSettings | None = None,
              **options: object) -> Iterator[tuple[str, IngestSettings, IngestMetrics]]:
        settings = IngestSettings(kafka=kafka or kafka_settings_factory(),
                                  ingest=IngestOptions(**options))  # type: ignore[arg-type]
        metrics = IngestMetrics()
        with serve(create_app(settings, metrics_=metrics)) as url:
            yield url, settings, metrics

    yield start
