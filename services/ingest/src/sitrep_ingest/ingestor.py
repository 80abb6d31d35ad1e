"""The one path every article takes, from the HTTP API or the file loader: validate, de-duplicate, publish."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from sitrep_ingest.dedupe import RecentIds
from sitrep_ingest.metrics import IngestMetrics
from sitrep_shared.kafka import BrokerUnavailable, Publisher
from sitrep_shared.models import ARTICLE_SCHEMA, Article, ArticleCreate

ARTICLE_CE_TYPE = "sitrep.article.ingested"
_create = TypeAdapter(ArticleCreate)

Status = Literal["accepted", "duplicate", "invalid"]


@dataclass(frozen=True)
class ItemResult:
    index: int
    status: Status
    id: str | None = None
    errors: list[dict[str, Any]] | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "status": self.status}
        if self.id is not None:
            out["id"] = self.id
        if self.errors is not None:
            out["errors"] = self.errors
        return out


@dataclass(frozen=True)
class Unparseable:
    """An item that could not even be decoded (a broken NDJSON line): reported invalid with `reason`."""

    reason: str


def validation_errors(exc: ValidationError) -> list[dict[str, Any]]:
    """pydantic errors as {loc, msg, type}: field paths a client can act on, without echoing input."""
    return [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]


def parse_article(raw: object) -> ArticleCreate:
    """Validate one decoded JSON value as an ArticleCreate (raises ValidationError)."""
    return _create.validate_python(raw)


class Ingestor:
    def __init__(self, *, publisher: Publisher, topic: str, recent: RecentIds, metrics: IngestMetrics,
                 publish_timeout: float) -> None:
        self.publisher = publisher
        self.topic = topic
        self.recent = recent
        self.metrics = metrics
        self.publish_timeout = publish_timeout
        # After a failed write, check the topic exists before the next one: a broker with memory
        # storage (the embedded one) comes back from a restart without it.
        self._recheck_topic = False

    async def ingest(self, items: Sequence[object]) -> list[ItemResult]:
        """Validate each decoded item, publish the new valid ones, and say what became of each.

        Items may be ArticleCreate already (validated straight from the request body).

        Raises BrokerUnavailable when the broker did not acknowledge: then nothing is counted
        accepted, and the client should retry the whole request.
        """
        results: list[ItemResult | None] = [None] * len(items)
        fresh: dict[str, tuple[int, Article]] = {}
        for index, raw in enumerate(items):
            if isinstance(raw, Unparseable):
                errors = [{"loc": [], "msg": raw.reason, "type": "json_invalid"}]
                results[index] = ItemResult(index, "invalid", errors=errors)
                continue
            try:
                create = raw if isinstance(raw, ArticleCreate) else parse_article(raw)
                article = create.to_article()
            except ValidationError as exc:
                results[index] = ItemResult(index, "invalid", errors=validation_errors(exc))
                continue
            if article.id in self.recent or article.id in fresh:
                results[index] = ItemResult(index, "duplicate", id=article.id)
            else:
                fresh[article.id] = (index, article)
        if fresh:
            await self._publish([article for _, article in fresh.values()])
            for article_id, (index, _) in fresh.items():
                self.recent.add(article_id)
                results[index] = ItemResult(index, "accepted", id=article_id)
        final = [r for r in results if r is not None]
        for outcome, count in Counter(r.status for r in final).items():
            self.metrics.articles.labels(outcome=outcome).inc(count)
        return final

    async def _publish(self, articles: list[Article]) -> None:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.publish_timeout):
                if self._recheck_topic:
                    await self.publisher.ensure_topics([self.topic])
                    self._recheck_topic = False
                await self.publisher.send_many(self.topic, [(a.id, a) for a in articles],
                                               schema=ARTICLE_SCHEMA, ce_type=ARTICLE_CE_TYPE,
                                               ce_ids=[a.id for a in articles])
        except (BrokerUnavailable, TimeoutError) as exc:
            self._recheck_topic = True
            self.metrics.articles.labels(outcome="failed").inc(len(articles))
            raise BrokerUnavailable(str(exc) or "publish timed out") from exc
        self.metrics.produce_seconds.observe(time.perf_counter() - started)
