"""`python -m sitrep_extract run`: HTTP up first, then the model, then consume until SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from sitrep_extract import runtime
from sitrep_extract.app import Status, create_app, http_server
from sitrep_extract.metrics import ExtractMetrics
from sitrep_extract.settings import ExtractSettings
from sitrep_extract.worker import Worker
from sitrep_shared import kafka

log = logging.getLogger("sitrep.extract")

EXIT_BROKER_UNAVAILABLE = 3
T = TypeVar("T")


async def run(settings: ExtractSettings, *, extractor: runtime.Extractor | None = None,
              metrics: ExtractMetrics | None = None) -> int:
    """Serve /healthz, /readyz and /metrics; load the model; consume until SIGTERM. Returns the exit code."""
    metrics = metrics or ExtractMetrics()
    status = Status()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if stopping.is_set():
            log.warning("second signal: exiting now", extra={"signal": signal.Signals(signum).name})
            os._exit(128 + signum)
        log.info("stopping: finishing the batch in hand", extra={"signal": signal.Signals(signum).name})
        status.stopping = True
        stopping.set()
        # If the batch in hand or leaving the group hangs, do not outlive the orchestrator's patience.
        loop.call_later(settings.shutdown_timeout_s, _give_up, settings.shutdown_timeout_s)

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)

    server = http_server(create_app(status, metrics), host=settings.host, port=settings.port)
    server_task = asyncio.create_task(server.serve(), name="http")
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
    try:
        if extractor is None:
            extractor = await loop.run_in_executor(executor, runtime.load, settings)
        if settings.warmup:
            await loop.run_in_executor(executor, runtime.warm_up, extractor)
        metrics.model.info({"name": extractor.name, "version": extractor.version,
                            "dtype": "bf16" if getattr(extractor, "use_bf16", False) else "fp32",
                            "torch_threads": str(settings.torch_threads or "default")})
        status.model = {"name": extractor.name, "version": extractor.version}
        status.model_loaded = True
        if stopping.is_set():
            return 0
        return await _consume(settings, extractor=extractor, metrics=metrics, status=status,
                              stopping=stopping, executor=executor)
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await server_task
        executor.shutdown(wait=False, cancel_futures=True)


async def _consume(settings: ExtractSettings, *, extractor: runtime.Extractor, metrics: ExtractMetrics,
                   status: Status, stopping: asyncio.Event, executor: ThreadPoolExecutor) -> int:
    topics = settings.kafka.topics
    async with contextlib.AsyncExitStack() as stack:
        connector = _Connector(settings, metrics)
        publisher = await connector.retry("connect", lambda: stack.enter_async_context(kafka.publisher(
            settings.kafka, source="sitrep-extract",
            ensure=[topics.articles, topics.extractions, topics.dlq(topics.articles)])))
        consumer = await connector.retry("connect", lambda: stack.enter_async_context(kafka.consumer(
            settings.kafka, topics=[topics.articles], group_id=settings.group_id,
            max_poll_interval_ms=settings.max_poll_interval_ms,
            session_timeout_ms=settings.session_timeout_ms,
            heartbeat_interval_ms=settings.heartbeat_interval_ms)))
        worker = Worker(settings=settings, extractor=extractor, source=consumer, sink=publisher,
                        metrics=metrics, stopping=stopping, executor=executor)
        status.source = consumer
        lag_task = asyncio.create_task(_sample_lag(worker, settings.lag_interval_s), name="lag")
        try:
            await worker.run()
        except kafka.BrokerUnavailable:
            return EXIT_BROKER_UNAVAILABLE
        finally:
            lag_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lag_task
            status.source = None
        log.info("leaving the consumer group")
    log.info("stopped cleanly")
    return 0


class _Connector:
    """Bounded, logged retry while the broker is not there yet at start-up."""

    def __init__(self, settings: ExtractSettings, metrics: ExtractMetrics) -> None:
        self.settings = settings
        self.metrics = metrics

    async def retry(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        delay = self.settings.broker_backoff_ms / 1000
        for attempt in range(self.settings.broker_retries + 1):
            try:
                return await call()
            except (kafka.BrokerUnavailable, OSError, TimeoutError) as exc:
                if attempt >= self.settings.broker_retries:
                    raise
                log.warning("broker not reachable yet; retrying", extra={
                    "operation": operation, "attempt": attempt + 1, "delay_s": delay, "error": str(exc)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.broker_backoff_max_ms / 1000)
        raise AssertionError("unreachable")


async def _sample_lag(worker: Worker, interval_s: float) -> None:
    while True:
        try:
            await worker.sample_lag()
        except Exception as exc:  # a missed sample must never stop the worker; the next one retries
            log.debug("lag sample failed", extra={"error": str(exc)})
        await asyncio.sleep(interval_s)


def _give_up(timeout_s: float) -> None:
    log.error("shutdown took too long; exiting without finishing", extra={"timeout_s": timeout_s})
    os._exit(1)

