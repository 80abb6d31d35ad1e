"""The consume loop on fakes: DLQ for bad input, no commit while the database is down, then resume."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

from sitrep_shared.kafka import Message
from sitrep_shared.settings import DatabaseSettings
from sitrep_store import db
from sitrep_store.metrics import StoreMetrics
from sitrep_store.repository import SqlRepository, open_repository
from sitrep_store.settings import StoreSettings
from sitrep_store.testing import generate
from sitrep_store.worker import StoreWorker


class FakeConsumer:
    def __init__(self, batches: list[list[Message]], stop: asyncio.Event) -> None:
        self.batches, self.stop = batches, stop
        self.committed: list[int] = []
        self.paused = False
        self.rewinds = 0
        self.replay: list[Message] = []

    async def fetch(self, *, max_records: int, timeout_ms: int) -> list[Message]:
        await asyncio.sleep(0)
        if self.paused:
            return []
        if self.replay:
            batch, self.replay = self.replay, []
            return batch
        if not self.batches:
            self.stop.set()
            return []
        return self.batches.pop(0)

    async def commit(self, messages: list[Message]) -> None:
        self.committed += [m.offset for m in messages]

    async def lag(self) -> dict[tuple[str, int], int]:
        return {("t", 0): len(self.batches)}

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

    async def seek_to_committed(self) -> None:
        self.rewinds += 1


class FakePublisher:
    def __init__(self) -> None:
        self.dead: list[tuple[int, str]] = []

    async def dead_letter(self, message: Message, error: Any, *, reason_code: str | None = None) -> None:
        self.dead.append((message.offset, reason_code or ""))


class FlakyRepo:
    """Fails applies with a connection error until `failures` is used up by applies and probes."""

    def __init__(self, repo: SqlRepository, failures: int) -> None:
        self.repo, self.failures = repo, failures

    def apply(self, extractions: Any) -> Any:
        if self.failures > 0:
            self.failures -= 1
            raise OperationalError("INSERT", {}, Exception("connection refused"))
        return self.repo.apply(extractions)

    def ping(self) -> bool:
        self.failures = max(self.failures - 1, 0)  # the outage ends after a probe or two
        return self.failures == 0

    def count_events(self) -> int:
        return self.repo.count_events()


def _messages(start: int, values: list[bytes | None]) -> list[Message]:
    return [Message(topic="t", partition=0, offset=start + i, key=b"k", value=v) for i, v in enumerate(values)]


def test_worker_dead_letters_bad_input_and_pauses_while_db_down(tmp_path: Path) -> None:
    repo = open_repository(db.make_engine(DatabaseSettings(url=f"sqlite:///{tmp_path / 'w.db'}")))
    extractions = list(generate(6, seed=9))
    good = [x.model_dump_json().encode() for x in extractions]
    stop = asyncio.Event()
    batch1 = _messages(0, [good[0], b"{oops", None, good[1]])
    batch2 = _messages(4, good[2:])
    consumer = FakeConsumer([batch1, batch2], stop)
    flaky = FlakyRepo(repo, failures=0)
    metrics = StoreMetrics()
    worker = StoreWorker(settings=StoreSettings(db_retry_s=0.01), repo=flaky, metrics=metrics)  # type: ignore[arg-type]
    publisher = FakePublisher()

    async def scenario() -> None:
        loop_task = asyncio.create_task(worker._loop(consumer, publisher, stop))  # type: ignore[arg-type]
        await asyncio.sleep(0.05)
        await loop_task

    # First batch fine; the database then goes down for the second.
    original_fetch = consumer.fetch

    async def fetch(**kwargs: int) -> list[Message]:
        batch = await original_fetch(**kwargs)
        if batch and batch[0].offset == 4 and not consumer.rewinds:
            flaky.failures = 2
            consumer.replay = batch  # seek_to_committed will hand it back after resume
        return batch

    consumer.fetch = fetch  # type: ignore[method-assign]
    asyncio.run(scenario())
    assert publisher.dead == [(1, "not_extraction"), (2, "not_extraction")]
    assert consumer.rewinds == 1 and worker.state.db_ok and not worker.state.paused
    assert consumer.committed[:4] == [0, 1, 2, 3] and sorted(set(consumer.committed)) == list(range(8))
    assert repo.count_events() == 30
    assert metrics.registry.get_sample_value("sitrep_store_dlq_messages_total",
                                             {"reason": "not_extraction"}) == 2
