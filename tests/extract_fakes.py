"""Test doubles for the extract worker: an extractor, a consumer and a producer, all in memory.

`make(settings)` is an extractor factory for worker subprocesses (SITREP_EXTRACTOR_FACTORY=extract_fakes:make
with tests/ on PYTHONPATH). It is never the service's default.
"""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from sitrep_shared import ids
from sitrep_shared.kafka import BrokerUnavailable, CommitFailed, Message
from sitrep_shared.models import Article, Event, Evidence

FAIL_MARK = "MODEL-FAILS-HERE"
_SENTENCE = re.compile(r"[^.!?]+[.!?]?")


class FakeExtractor:
    """One `shootdown` per sentence mentioning a drone; raises on any article containing FAIL_MARK."""

    name = "fake-extractor"
    version = "0.0.1"
    merge = True

    def __init__(self, *, delay_s: float = 0.0) -> None:
        self.calls: list[list[str]] = []
        self.delay_s = delay_s

    def extract_batch(self, articles: list[Article]) -> list[list[Event]]:
        self.calls.append([a.id for a in articles])
        if self.delay_s:
            import time

            time.sleep(self.delay_s)
        for article in articles:
            if FAIL_MARK in article.text:
                raise RuntimeError(f"cannot read {article.id}")
        return [self._events(a) for a in articles]

    @staticmethod
    def _events(article: Article) -> list[Event]:
        events = []
        for match in _SENTENCE.finditer(article.text):
            sentence = match.group().strip()
            if "drone" not in sentence.lower():
                continue
            start = article.text.index(sentence, match.start())
            end = start + len(sentence)
            events.append(Event(
                event_id=ids.event_id(article_id=article.id, event_type="shootdown", start=start, end=end),
                type="shootdown", confidence=0.9, summary=sentence[:120], stance="asserted",
                evidence=Evidence(sentence=sentence, start=start, end=end)))
        return events


def make(_settings: Any) -> FakeExtractor:
    """Factory for worker subprocesses; SITREP_TEST_FAKE_DELAY_S slows each batch (to kill mid-stream)."""
    return FakeExtractor(delay_s=float(os.environ.get("SITREP_TEST_FAKE_DELAY_S", "0")))


@dataclass
class FakeSource:
    """In-memory stand-in for sitrep_shared.kafka.Consumer."""

    queue: list[Message] = field(default_factory=list)
    assigned: set[tuple[str, int]] = field(default_factory=set)
    log: list[tuple[str, object]] = field(default_factory=list)
    commit_failures: list[BaseException] = field(default_factory=list)
    on_revoke: list = field(default_factory=list)
    last_committed: dict[tuple[str, int], int] = field(default_factory=dict)

    async def fetch(self, *, max_records: int, timeout_ms: int) -> list[Message]:
        if not self.queue:
            await asyncio.sleep(min(timeout_ms, 20) / 1000)
            return []
        batch, self.queue = self.queue[:max_records], self.queue[max_records:]
        return batch

    async def commit(self, messages: Iterable[Message]) -> None:
        if self.commit_failures:
            raise self.commit_failures.pop(0)
        offsets: dict[tuple[str, int], int] = {}
        for m in messages:
            if (m.topic, m.partition) in self.assigned:
                offsets[(m.topic, m.partition)] = max(offsets.get((m.topic, m.partition), 0), m.offset + 1)
        self.last_committed.update(offsets)
        self.log.append(("commit", offsets))

    def assignment(self) -> list[tuple[str, int]]:
        return sorted(self.assigned)

    async def lag(self) -> dict[tuple[str, int], int]:
        return {tp: 0 for tp in self.assigned}


@dataclass
class FakeSink:
    """In-memory stand-in for sitrep_shared.kafka.Publisher; `failures` are raised by the next sends."""

    log: list[tuple[str, object]] = field(default_factory=list)
    sent: list[tuple[str, str | None, BaseModel, dict[str, Any]]] = field(default_factory=list)
    dead: list[tuple[Message, BaseException | str, str | None]] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)

    def _maybe_fail(self) -> None:
        if self.failures:
            raise self.failures.pop(0)

    async def send_many(self, topic: str, items: Sequence[tuple[str | None, BaseModel]], *, schema: str,
                        ce_type: str, ce_ids: Sequence[str] | None = None) -> None:
        self._maybe_fail()
        for i, (key, model) in enumerate(items):
            self.sent.append((topic, key, model, {"schema": schema, "ce_type": ce_type,
                                                  "ce_id": ce_ids[i] if ce_ids else None}))
        self.log.append(("send", len(items)))

    async def dead_letter(self, message: Message, error: BaseException | str, *,
                          reason_code: str | None = None) -> None:
        self._maybe_fail()
        self.dead.append((message, error, reason_code))
        self.log.append(("dead", message.offset))


__all__ = ["FAIL_MARK", "BrokerUnavailable", "CommitFailed", "FakeExtractor", "FakeSink", "FakeSource",
           "make"]
