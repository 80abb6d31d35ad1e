"""The consume loop: micro-batches of articles in, one Extraction per article out, at least once.

Per batch: decode (poison -> dead letters), run the model (length-sorted; a failing batch is retried
article by article, a failing article is dead-lettered), produce every Extraction and dead letter with
acks=all, and only then commit past the batch. A rebalance waits for the batch in hand to be committed
(the revoke callback takes the batch lock), so a commit never runs ahead of what was produced.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from sitrep_extract.metrics import ExtractMetrics
from sitrep_extract.runtime import Extractor, model_context, sentence_counts
from sitrep_extract.settings import ExtractSettings
from sitrep_shared.errors import InvalidMessage
from sitrep_shared.kafka import BrokerUnavailable, CommitFailed, Message
from sitrep_shared.models import EXTRACTION_SCHEMA, Article, Event, Extraction, ModelInfo

log = logging.getLogger("sitrep.extract.worker")

CE_TYPE = "sitrep.extraction.created"
T = TypeVar("T")


class Source(Protocol):
    """What the worker needs from a consumer (sitrep_shared.kafka.Consumer satisfies it)."""

    on_revoke: list
    last_committed: dict[tuple[str, int], int]

    async def fetch(self, *, max_records: int, timeout_ms: int) -> list[Message]: ...
    async def commit(self, messages: Iterable[Message]) -> None: ...
    def assignment(self) -> list[tuple[str, int]]: ...
    async def lag(self) -> dict[tuple[str, int], int]: ...


class Sink(Protocol):
    """What the worker needs from a producer (sitrep_shared.kafka.Publisher satisfies it)."""

    async def send_many(self, topic: str, items: Sequence[tuple[str | None, BaseModel]], *,
                        schema: str, ce_type: str, ce_ids: Sequence[str] | None = None) -> None: ...
    async def dead_letter(self, message: Message, error: BaseException | str, *,
                          reason_code: str | None = None) -> None: ...


class PoisonMessage(InvalidMessage):
    reason_code = "invalid_article"


class NotJson(PoisonMessage):
    reason_code = "not_json"


class InvalidArticle(PoisonMessage):
    reason_code = "invalid_article"


class TooLarge(PoisonMessage):
    reason_code = "too_large"


class ModelFailed(PoisonMessage):
    reason_code = "model_error"


def decode(message: Message, *, max_chars: int) -> Article:
    """The Article in `message`, or a PoisonMessage saying why there is none."""
    if message.value is None:
        raise InvalidArticle("empty message (tombstone)")
    try:
        data = json.loads(message.value)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
        raise NotJson(f"not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidArticle(f"expected a JSON object, got {type(data).__name__}")
    text = data.get("text")
    if isinstance(text, str) and len(text) > max_chars:
        raise TooLarge(f"text has {len(text)} characters, the limit is {max_chars}")
    try:
        return Article.model_validate(data)
    except ValidationError as exc:
        raise InvalidArticle(f"not a valid Article: {exc}") from exc


def extraction_ce_id(extraction: Extraction) -> str:
    """Same article, model and events -> same CloudEvents id, so duplicates are recognisable."""
    parts = [extraction.article.id, extraction.model.name, extraction.model.version,
             *(e.event_id for e in extraction.events)]
    return "x_" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@dataclass
class BatchResult:
    extracted: list[tuple[Message, Extraction]] = field(default_factory=list)
    dead: list[tuple[Message, PoisonMessage]] = field(default_factory=list)
    abandoned: int = 0


class Worker:
    """Runs micro-batches until `stopping` is set; the caller opens and closes source and sink."""

    def __init__(self, *, settings: ExtractSettings, extractor: Extractor, source: Source, sink: Sink,
                 metrics: ExtractMetrics, stopping: asyncio.Event | None = None,
                 executor: Executor | None = None) -> None:
        self.settings = settings
        self.extractor = extractor
        self.model = ModelInfo(name=extractor.name, version=extractor.version)
        self.source = source
        self.sink = sink
        self.metrics = metrics
        self.stopping = stopping or asyncio.Event()
        self.executor = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self.batch_lock = asyncio.Lock()
        self.batches_done = 0
        self.sentences_counted = sentence_counts(extractor)
        source.on_revoke.append(self._on_revoke)

    # The loop -------------------------------------------------------------------------------

    async def run(self) -> None:
        """Fetch, handle, commit; return after the batch in hand once `stopping` is set."""
        log.info("consuming", extra={"batch_size": self.settings.batch_size,
                                     "batch_wait_ms": self.settings.batch_wait_ms})
        while not self.stopping.is_set():
            messages = await self.retry("fetch", self.next_batch)
            if not messages:
                continue
            async with self.batch_lock:
                await self.handle(messages)
        log.info("stopped consuming", extra={"batches": self.batches_done})

    async def next_batch(self) -> list[Message]:
        """Up to batch_size messages, or what arrived within batch_wait_ms of the first fetch."""
        size, wait_ms = self.settings.batch_size, self.settings.batch_wait_ms
        deadline = time.monotonic() + wait_ms / 1000
        batch = await self.source.fetch(max_records=size, timeout_ms=wait_ms)
        while batch and len(batch) < size and not self.stopping.is_set():
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                break
            more = await self.source.fetch(max_records=size - len(batch), timeout_ms=remaining_ms)
            if not more:
                break
            batch.extend(more)
        return batch

    async def handle(self, messages: list[Message]) -> BatchResult:
        """Extract, produce and dead-letter one batch, then commit past it."""
        started = time.perf_counter()
        assigned = set(self.source.assignment())
        kept = [m for m in messages if (m.topic, m.partition) in assigned]
        result = BatchResult(abandoned=len(messages) - len(kept))
        if result.abandoned:
            # Revoked while we fetched: the new owner resumes from the last commit.
            log.info("abandoned messages of revoked partitions", extra={"count": result.abandoned})
        if not kept:
            return result
        self.metrics.batch_size.observe(len(kept))
        self.metrics.articles.labels(outcome="consumed").inc(len(kept))
        try:
            await self._process(kept, result)
        except BaseException:
            first, last = kept[0], kept[-1]
            log.error("batch failed; nothing committed",
                      extra={"from": f"{first.topic}[{first.partition}]@{first.offset}",
                             "to": f"{last.topic}[{last.partition}]@{last.offset}"})
            raise
        self.batches_done += 1
        self.metrics.batch_latency.observe(time.perf_counter() - started)
        return result

    async def _process(self, messages: list[Message], result: BatchResult) -> None:
        articles: list[tuple[Message, Article]] = []
        for message in messages:
            try:
                articles.append((message, decode(message, max_chars=self.settings.max_article_chars)))
            except PoisonMessage as exc:
                result.dead.append((message, exc))
        outputs = await self.extract([a for _, a in articles])
        now = dt.datetime.now(dt.UTC)
        for (message, article), output in zip(articles, outputs, strict=True):
            if isinstance(output, BaseException):
                failure = ModelFailed(f"model failed on this article: {type(output).__name__}: {output}")
                result.dead.append((message, failure))
            else:
                result.extracted.append(
                    (message, Extraction(article=article, model=self.model, events=output, extracted_at=now))
                )
        if result.extracted:
            items = [(x.article.id, x) for _, x in result.extracted]
            ce_ids = [extraction_ce_id(x) for _, x in result.extracted]
            await self.retry("produce", lambda: self.sink.send_many(
                self.settings.kafka.topics.extractions, items, schema=EXTRACTION_SCHEMA,
                ce_type=CE_TYPE, ce_ids=ce_ids))
        for message, error in result.dead:
            await self.retry("produce", lambda m=message, e=error: self.sink.dead_letter(
                m, e, reason_code=e.reason_code))
        self._count(result)
        try:
            await self.retry("commit", lambda: self.source.commit(messages))
        except CommitFailed as exc:
            # The output is safe; the partitions' new owner re-reads from the last commit (duplicates only).
            log.warning("commit refused after a rebalance; the new owner will re-read", extra={"error": str(exc)})
        else:
            self.metrics.set_partitions(self.metrics.committed, {
                tp: o for tp, o in self.source.last_committed.items() if tp in set(self.source.assignment())})

    def _count(self, result: BatchResult) -> None:
        self.metrics.articles.labels(outcome="extracted").inc(len(result.extracted))
        self.metrics.articles.labels(outcome="dead_lettered").inc(len(result.dead))
        for _, error in result.dead:
            self.metrics.dead_letters.labels(reason=error.reason_code).inc()
        for _, extraction in result.extracted:
            for event in extraction.events:
                self.metrics.events.labels(type=event.type).inc()

    # The model -------------------------------------------------------------------------------

    async def extract(self, articles: list[Article]) -> list[list[Event] | BaseException]:
        """Events per article (same order); an article the model keeps failing on gets its exception."""
        if not articles:
            return []
        order = sorted(range(len(articles)), key=lambda i: len(articles[i].text))
        ordered = [articles[i] for i in order]
        try:
            outputs: list[list[Event] | BaseException] = list(await self._call_model(ordered))
        except Exception as exc:
            self.metrics.model_errors.inc()
            log.warning("model failed on a batch; retrying its articles one by one",
                        extra={"articles": len(ordered), "error": f"{type(exc).__name__}: {exc}"})
            outputs = [await self._extract_one(article) for article in ordered]
        results: list[list[Event] | BaseException] = [[] for _ in articles]
        for position, index in enumerate(order):
            results[index] = outputs[position]
        return results

    async def _extract_one(self, article: Article) -> list[Event] | BaseException:
        error: BaseException = RuntimeError("not attempted")
        for _ in range(1 + self.settings.model_retries):
            try:
                return (await self._call_model([article]))[0]
            except Exception as exc:
                self.metrics.model_errors.inc()
                error = exc
        log.warning("model failed on one article; dead-lettering it",
                    extra={"article_id": article.id, "error": f"{type(error).__name__}: {error}"})
        return error

    async def _call_model(self, articles: list[Article]) -> list[list[Event]]:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        outputs = await loop.run_in_executor(self.executor, self._model_thread, articles)
        self.metrics.model_latency.observe(time.perf_counter() - started)
        self._count_sentences()
        if len(outputs) != len(articles):
            raise RuntimeError(f"extractor returned {len(outputs)} results for {len(articles)} articles")
        return outputs

    def _count_sentences(self) -> None:
        now, before = sentence_counts(self.extractor), self.sentences_counted
        if now is None or before is None:
            return
        screened = now[1] - before[1]
        self.metrics.sentences.labels(read_by="first_member").inc(screened)
        self.metrics.sentences.labels(read_by="all_members").inc(now[0] - before[0] - screened)
        self.sentences_counted = now

    def _model_thread(self, articles: list[Article]) -> list[list[Event]]:
        with model_context():
            return self.extractor.extract_batch(articles)

    # Failures and rebalances -----------------------------------------------------------------

    async def retry(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        """`call()`, retried with exponential backoff while the broker is unavailable; then re-raised."""
        delay = self.settings.broker_backoff_ms / 1000
        for attempt in range(self.settings.broker_retries + 1):
            try:
                return await call()
            except CommitFailed:
                raise
            except BrokerUnavailable as exc:
                if attempt >= self.settings.broker_retries:
                    log.error("broker still unavailable; giving up",
                              extra={"operation": operation, "attempts": attempt + 1, "error": str(exc)})
                    raise
                self.metrics.broker_retries.labels(operation=operation).inc()
                log.warning("broker unavailable; retrying", extra={
                    "operation": operation, "attempt": attempt + 1, "delay_s": delay, "error": str(exc)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.broker_backoff_max_ms / 1000)
        raise AssertionError("unreachable")

    async def _on_revoke(self, partitions: list[tuple[str, int]]) -> None:
        # Called by the consumer before a rebalance: let the batch in hand finish and commit first.
        async with self.batch_lock:
            pass
        self.metrics.lag.clear()
        self.metrics.committed.clear()

    async def sample_lag(self) -> None:
        """Refresh the lag, committed-offset and assignment gauges."""
        assigned = set(self.source.assignment())
        self.metrics.assigned.set(len(assigned))
        self.metrics.set_partitions(self.metrics.lag, await self.source.lag())
        self.metrics.set_partitions(self.metrics.committed, {
            tp: o for tp, o in self.source.last_committed.items() if tp in assigned})
