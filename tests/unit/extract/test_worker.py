"""The consume loop against in-memory fakes: batching, dead letters, retries, commits, rebalances."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest
from extract_fakes import FAIL_MARK, FakeExtractor, FakeSink, FakeSource

from sitrep_extract.metrics import ExtractMetrics
from sitrep_extract.settings import ExtractSettings
from sitrep_extract.worker import (
    CE_TYPE,
    InvalidArticle,
    NotJson,
    TooLarge,
    Worker,
    decode,
    extraction_ce_id,
)
from sitrep_shared.kafka import BrokerUnavailable, CommitFailed, Message
from sitrep_shared.models import EXTRACTION_SCHEMA, Article, Event, Extraction
from sitrep_shared.settings import KafkaSettings, TopicSettings

TOPIC = "articles-test"
OUT = "extractions-test"


def article_json(n: int, text: str | None = None) -> bytes:
    return json.dumps({
        "id": f"a_{n:04d}", "url": f"https://example.org/{n}", "title": f"t{n}",
        "text": text or f"Article {n}. Air defences shot down {n} drones overnight. Nothing else happened.",
        "published_at": "2024-05-14T09:30:00+00:00", "ingested_at": "2024-05-14T10:00:00+00:00",
    }).encode()


def msg(offset: int, value: bytes | None, *, partition: int = 0) -> Message:
    return Message(topic=TOPIC, partition=partition, offset=offset, key=f"a_{offset:04d}".encode(), value=value)


@pytest.fixture
def settings() -> ExtractSettings:
    return ExtractSettings(
        kafka=KafkaSettings(topics=TopicSettings(articles=TOPIC, extractions=OUT)),
        batch_size=8, batch_wait_ms=50, max_article_chars=500, model_retries=1,
        broker_retries=3, broker_backoff_ms=1, broker_backoff_max_ms=2,
    )


@pytest.fixture
def parts(settings: ExtractSettings):
    log: list = []
    source = FakeSource(assigned={(TOPIC, 0), (TOPIC, 1)}, log=log)
    sink = FakeSink(log=log)
    extractor = FakeExtractor()
    metrics = ExtractMetrics()
    worker = Worker(settings=settings, extractor=extractor, source=source, sink=sink, metrics=metrics)
    return worker, source, sink, extractor, metrics


def sample(metrics: ExtractMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


# decode ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "error"), [
    (b"\xff\xfe not utf-8", NotJson),
    (b"{not json", NotJson),
    (b"[1, 2]", InvalidArticle),
    (b'{"id": "a_1", "text": "no ingested_at"}', InvalidArticle),
    (None, InvalidArticle),
    (article_json(1, text="x" * 501), TooLarge),
])
def test_decode_rejects_poison_with_reason(value: bytes | None, error: type[Exception]) -> None:
    with pytest.raises(error):
        decode(msg(0, value), max_chars=500)


def test_decode_reason_codes_are_stable() -> None:
    assert (NotJson.reason_code, InvalidArticle.reason_code, TooLarge.reason_code) == (
        "not_json", "invalid_article", "too_large")


def test_decode_accepts_article() -> None:
    assert decode(msg(0, article_json(7)), max_chars=500).id == "a_0007"


# one batch ---------------------------------------------------------------------------------

async def test_worker_produces_one_extraction_per_article_then_commits(parts) -> None:
    worker, source, sink, _extractor, metrics = parts
    batch = [msg(i, article_json(i)) for i in range(5)]
    await worker.handle(batch)
    assert [key for _, key, _, _ in sink.sent] == [f"a_{i:04d}" for i in range(5)]
    topic, _, extraction, headers = sink.sent[0]
    assert topic == OUT
    assert isinstance(extraction, Extraction)
    assert headers["schema"] == EXTRACTION_SCHEMA and headers["ce_type"] == CE_TYPE
    assert headers["ce_id"] == extraction_ce_id(extraction)
    assert extraction.model.name == "fake-extractor" and len(extraction.events) == 1
    assert source.log == [("send", 5), ("commit", {(TOPIC, 0): 5})]
    assert sample(metrics, "sitrep_extract_articles_total", outcome="extracted") == 5
    assert sample(metrics, "sitrep_extract_events_total", type="shootdown") == 5
    assert sample(metrics, "sitrep_extract_batch_size_articles_count") == 1
    assert sample(metrics, "sitrep_extract_model_latency_seconds_count") == 1
    assert sample(metrics, "sitrep_extract_last_committed_offset", topic=TOPIC, partition="0") == 5


class _CountingModel:
    sentences_read = 0
    sentences_screened = 0


class ScreeningExtractor(FakeExtractor):
    """Counts sentences as an ensemble that screens does: three an article, two of them screened out."""

    def __init__(self) -> None:
        super().__init__()
        self.model = _CountingModel()

    def extract_batch(self, articles: list[Article]) -> list[list[Event]]:
        self.model.sentences_read += 3 * len(articles)
        self.model.sentences_screened += 2 * len(articles)
        return super().extract_batch(articles)


async def test_worker_counts_sentences_an_ensemble_screened_out(settings: ExtractSettings) -> None:
    extractor, metrics = ScreeningExtractor(), ExtractMetrics()
    extractor.extract_batch([Article.model_validate_json(article_json(99))])  # the warm-up: not counted
    worker = Worker(settings=settings, extractor=extractor, source=FakeSource(assigned={(TOPIC, 0)}),
                    sink=FakeSink(), metrics=metrics)
    await worker.handle([msg(i, article_json(i)) for i in range(5)])
    assert sample(metrics, "sitrep_extract_sentences_total", read_by="first_member") == 10
    assert sample(metrics, "sitrep_extract_sentences_total", read_by="all_members") == 5


async def test_worker_counts_no_sentences_for_a_model_without_counters(parts) -> None:
    worker, _source, _sink, _extractor, metrics = parts
    await worker.handle([msg(0, article_json(0))])
    assert sample(metrics, "sitrep_extract_sentences_total", read_by="all_members") == 0


async def test_worker_dead_letters_poison_and_commits_past_it(parts) -> None:
    worker, source, sink, _, metrics = parts
    batch = [msg(0, article_json(0)), msg(1, b"{oops"), msg(2, b'{"text": 1}'),
             msg(3, article_json(3, text="y" * 600)), msg(4, article_json(4))]
    result = await worker.handle(batch)
    assert [k for _, k, _, _ in sink.sent] == ["a_0000", "a_0004"]
    assert [(m.offset, reason) for m, _, reason in sink.dead] == [
        (1, "not_json"), (2, "invalid_article"), (3, "too_large")]
    assert len(result.dead) == 3
    assert source.log[-1] == ("commit", {(TOPIC, 0): 5})
    assert sample(metrics, "sitrep_extract_articles_total", outcome="consumed") == 5
    assert sample(metrics, "sitrep_extract_articles_total", outcome="dead_lettered") == 3
    assert sample(metrics, "sitrep_extract_dead_letters_total", reason="not_json") == 1


async def test_worker_retries_model_failure_alone_then_dead_letters(parts) -> None:
    worker, source, sink, extractor, metrics = parts
    batch = [msg(0, article_json(0)), msg(1, article_json(1, text=f"A drone. {FAIL_MARK}")),
             msg(2, article_json(2))]
    await worker.handle(batch)
    assert [k for _, k, _, _ in sink.sent] == ["a_0000", "a_0002"]
    assert [(m.offset, reason) for m, _, reason in sink.dead] == [(1, "model_error")]
    # one batch call, then each article alone; the bad one twice (model_retries=1)
    assert len(extractor.calls[0]) == 3
    assert sorted(map(tuple, extractor.calls[1:])) == sorted([("a_0000",), ("a_0001",), ("a_0001",), ("a_0002",)])
    assert source.log[-1] == ("commit", {(TOPIC, 0): 3})
    assert sample(metrics, "sitrep_extract_dead_letters_total", reason="model_error") == 1


async def test_worker_treats_wrong_result_count_as_model_failure(parts) -> None:
    worker, _, sink, extractor, _ = parts
    original = extractor.extract_batch
    extractor.extract_batch = lambda articles: original(articles)[:1]  # type: ignore[method-assign]
    await worker.handle([msg(0, article_json(0)), msg(1, article_json(1))])
    assert len(sink.sent) == 2 and not sink.dead  # retried one by one, where one result is right


async def test_worker_sends_length_sorted_batches(parts) -> None:
    worker, _, sink, extractor, _ = parts
    texts = ["a" * 300, "b" * 10, "c" * 100]
    await worker.handle([msg(i, article_json(i, text=t)) for i, t in enumerate(texts)])
    assert extractor.calls == [["a_0001", "a_0002", "a_0000"]]
    assert [k for _, k, _, _ in sink.sent] == ["a_0000", "a_0001", "a_0002"]  # input order kept


async def test_worker_retries_transient_broker_failure_then_commits(parts) -> None:
    worker, source, sink, _, metrics = parts
    sink.failures = [BrokerUnavailable("down"), BrokerUnavailable("still down")]
    await worker.handle([msg(0, article_json(0))])
    assert len(sink.sent) == 1
    assert source.log == [("send", 1), ("commit", {(TOPIC, 0): 1})]
    assert sample(metrics, "sitrep_extract_broker_retries_total", operation="produce") == 2


async def test_worker_gives_up_after_bounded_retries_without_committing(parts) -> None:
    worker, source, sink, _, _ = parts
    sink.failures = [BrokerUnavailable("down")] * 10
    with pytest.raises(BrokerUnavailable):
        await worker.handle([msg(0, article_json(0))])
    assert not [entry for entry in source.log if entry[0] == "commit"]


async def test_worker_survives_commit_refused_by_rebalance(parts) -> None:
    worker, source, sink, _, metrics = parts
    source.commit_failures = [CommitFailed("rebalanced")]
    await worker.handle([msg(0, article_json(0))])
    assert len(sink.sent) == 1 and source.last_committed == {}
    assert sample(metrics, "sitrep_extract_broker_retries_total", operation="commit") == 0


async def test_worker_abandons_messages_of_revoked_partitions(parts) -> None:
    worker, source, sink, _, _ = parts
    source.assigned = {(TOPIC, 1)}
    result = await worker.handle([msg(0, article_json(0), partition=0), msg(1, article_json(1), partition=1)])
    assert result.abandoned == 1
    assert [k for _, k, _, _ in sink.sent] == ["a_0001"]
    assert source.log[-1] == ("commit", {(TOPIC, 1): 2})


async def test_worker_revocation_waits_for_batch_in_hand(settings: ExtractSettings) -> None:
    log: list = []
    source = FakeSource(assigned={(TOPIC, 0)}, log=log)
    worker = Worker(settings=settings, extractor=FakeExtractor(delay_s=0.2), source=source,
                    sink=FakeSink(log=log), metrics=ExtractMetrics())
    source.queue = [msg(i, article_json(i)) for i in range(3)]
    run = asyncio.create_task(worker.run())
    while not worker.batch_lock.locked():
        await asyncio.sleep(0.005)
    await source.on_revoke[0]([(TOPIC, 0)])
    log.append(("revoked", None))
    worker.stopping.set()
    await asyncio.wait_for(run, 5)
    assert [e[0] for e in log] == ["send", "commit", "revoked"]


async def test_worker_run_batches_up_to_size_and_stops_after_batch_in_hand(parts) -> None:
    worker, source, sink, extractor, _ = parts
    source.queue = [msg(i, article_json(i)) for i in range(20)]

    async def stop_when_drained() -> None:
        while source.queue or worker.batch_lock.locked():
            await asyncio.sleep(0.01)
        worker.stopping.set()

    await asyncio.wait_for(asyncio.gather(worker.run(), stop_when_drained()), 5)
    assert [len(c) for c in extractor.calls] == [8, 8, 4]
    assert len(sink.sent) == 20
    assert source.last_committed == {(TOPIC, 0): 20}


async def test_worker_sample_lag_sets_gauges(parts) -> None:
    worker, source, _, _, metrics = parts
    source.last_committed = {(TOPIC, 0): 12, ("gone", 3): 4}
    await worker.sample_lag()
    assert sample(metrics, "sitrep_extract_consumer_lag", topic=TOPIC, partition="1") == 0
    assert sample(metrics, "sitrep_extract_last_committed_offset", topic=TOPIC, partition="0") == 12
    assert metrics.registry.get_sample_value(
        "sitrep_extract_last_committed_offset", {"topic": "gone", "partition": "3"}) is None
    assert sample(metrics, "sitrep_extract_assigned_partitions") == 2


def test_extraction_ce_id_is_deterministic() -> None:
    article = Article.model_validate_json(article_json(3))
    events = FakeExtractor().extract_batch([article])[0]
    first = Extraction(article=article, model={"name": "m", "version": "1"}, events=events,
                       extracted_at=dt.datetime.now(dt.UTC))
    second = first.model_copy(update={"extracted_at": dt.datetime(2030, 1, 1, tzinfo=dt.UTC)})
    assert extraction_ce_id(first) == extraction_ce_id(second)
