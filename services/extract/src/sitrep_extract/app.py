"""HTTP side of the worker: /healthz, /readyz and /metrics, served by uvicorn in the worker's loop."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from sitrep_extract.metrics import ExtractMetrics
from sitrep_extract.worker import Source


@dataclass
class Status:
    """What /readyz reports; the service fills it in as it starts."""

    model_loaded: bool = False
    model: dict[str, str] = field(default_factory=dict)
    source: Source | None = None
    stopping: bool = False

    def partitions(self) -> list[tuple[str, int]]:
        return self.source.assignment() if self.source is not None else []

    @property
    def ready(self) -> bool:
        return self.model_loaded and bool(self.partitions()) and not self.stopping


def create_app(status: Status, metrics: ExtractMetrics) -> FastAPI:
    app = FastAPI(title="sitrep-extract", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        ready = status.ready
        metrics.ready.set(int(ready))
        body = {
            "ready": ready,
            "model_loaded": status.model_loaded,
            "model": status.model,
            "partitions": [f"{t}[{p}]" for t, p in status.partitions()],
            "stopping": status.stopping,
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    async def metrics_endpoint(_: Request) -> Response:
        metrics.ready.set(int(status.ready))
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.add_route("/metrics", metrics_endpoint, methods=["GET"])
    return app


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the service decides when the process stops."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def http_server(app: FastAPI, *, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(app, host=host, port=port, lifespan="off", access_log=False,
                            log_config=None)
    return _Server(config)
