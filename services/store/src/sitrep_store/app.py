"""HTTP entry point: the query API, the web view, health and metrics; the consumer runs alongside."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sitrep_shared import metrics as shared_metrics
from sitrep_store import api, db, web
from sitrep_store.deps import RepoDep, State
from sitrep_store.gc_tuning import tune_gc_for_batches
from sitrep_store.metrics import ROUTES, StoreMetrics
from sitrep_store.repository import SqlRepository, open_repository
from sitrep_store.settings import StoreSettings
from sitrep_store.worker import StoreWorker, WorkerState

log = logging.getLogger("sitrep.store")

STATIC = Path(__file__).parent / "static"
SECURITY_HEADERS = {
    # No inline script anywhere: an article that smuggles <script> in cannot run even if unescaped.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
                               "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


async def _open_repository(settings: StoreSettings) -> SqlRepository:
    """Wait for the database with a bounded, logged retry, then migrate."""
    engine = db.make_engine(settings.database)
    for attempt in range(1, 31):
        try:
            return await asyncio.to_thread(open_repository, engine, migrate=settings.database.migrate)
        except SQLAlchemyError as exc:
            if attempt == 30:
                raise
            log.warning("database not ready, retrying", extra={"attempt": attempt, "error": str(exc)[:300]})
            await asyncio.sleep(min(attempt, 5))
    raise AssertionError("unreachable")


def create_app(settings: StoreSettings, *, metrics: StoreMetrics | None = None) -> FastAPI:
    store_metrics = metrics or StoreMetrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[State]:
        repo = await _open_repository(settings)
        checkpointer = db.start_checkpointer(repo.engine)
        tune_gc_for_batches()
        worker_state = WorkerState()
        stop = asyncio.Event()
        task: asyncio.Task[None] | None = None
        if settings.consume:
            worker = StoreWorker(settings=settings, repo=repo, metrics=store_metrics, state=worker_state)
            task = asyncio.create_task(worker.run(stop), name="store-consumer")
            task.add_done_callback(_exit_on_crash)
        try:
            yield {"repo": repo, "settings": settings, "metrics": store_metrics, "worker": worker_state}
        finally:
            stop.set()
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, timeout=30)
            if checkpointer is not None:
                checkpointer.stop()
            repo.engine.dispose()

    app = FastAPI(title="sitrep-store", version="1.0.0", lifespan=lifespan,
                  description="Query Sitrep's conflict events: filters, pages, counts, exports, a live stream.")

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"param": next((str(p) for p in reversed(e["loc"]) if isinstance(p, str)), "request"),
                   "error": e["msg"]} for e in exc.errors()]
        return _error(request, 400, errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, exc.detail, headers=getattr(exc, "headers", None))

    @app.middleware("http")
    async def _observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        if not request.url.path.startswith("/v1/"):
            # An HTML form sends its empty fields: for the web view, empty means "not set".
            pairs = [(k, v) for k, v in parse_qsl(request.scope["query_string"].decode("latin-1"),
                                                    keep_blank_values=True) if v != ""]
            request.scope["query_string"] = urlencode(pairs).encode("latin-1")
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", None)
        if path and path in _OBSERVED:
            store_metrics.query_seconds.labels(route=path).observe(time.perf_counter() - started)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["ops"], responses={503: {"description": "Not ready."}})
    def readyz(request: Request, repo: RepoDep) -> JSONResponse:
        state: WorkerState = request.state.worker
        db_ok = repo.ping()
        store_metrics.db_up.set(1 if db_ok else 0)
        checks = {"database": db_ok and state.db_ok, "consumer": state.consuming or not settings.consume}
        ready = all(checks.values())
        return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)

    app.include_router(api.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if hasattr(shared_metrics, "metrics_route"):
        app.router.routes.append(shared_metrics.metrics_route(store_metrics.registry))
    else:  # older sitrep-shared
        app.mount("/metrics", shared_metrics.asgi_app(store_metrics.registry))
    return app


_OBSERVED = set(ROUTES)


def _error(request: Request, status: int, detail: Any, *, headers: dict[str, str] | None = None) -> Response:
    """JSON for the API, a page for the web view."""
    path = request.url.path
    if path.startswith(("/v1", "/healthz", "/readyz", "/metrics", "/static", "/docs", "/openapi")):
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    errors = detail if isinstance(detail, list) else None
    title = {400: "Some filters are not valid", 404: "Not found"}.get(status, f"Error {status}")
    return web.templates.TemplateResponse(request, "error.html", {
        "status": status, "title": title, "errors": errors, "message": str(detail)},
        status_code=status, headers=headers)


def _exit_on_crash(task: asyncio.Task[None]) -> None:
    if task.cancelled() or task.exception() is None:
        return
    log.error("consumer crashed: exiting so that the orchestrator restarts us", exc_info=task.exception())
    os.environ["SITREP_STORE_CRASHED"] = "1"
    os.kill(os.getpid(), signal.SIGTERM)
