"""The extract worker as a real process on the embedded broker: output, poison, crashes, rebalances."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict

import pytest
from extract_support import (
    USE_FAKE,
    Record,
    Topics,
    committed_offsets,
    make_articles,
    read_all,
    read_topic,
    sample_articles,
    sample_gold,
    wait_until,
    worker_env,
)

from sitrep_shared.models import EXTRACTION_SCHEMA, Extraction

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SIGTERM_BOUND_S = 20.0


def distinct_keys(expected: set[str]):
    return lambda records: expected <= {r.key.decode() for r in records if r.key}


def assert_all_committed(bootstrap: str, topics: Topics, placed: dict[str, tuple[int, int]],
                         timeout: float = 30.0) -> None:
    # End offsets from what we produced: tansu under-reports the high watermark when a partition's
    # last record batch holds several records.
    ends: dict[int, int] = {}
    for partition, offset in placed.values():
        ends[partition] = max(ends.get(partition, 0), offset + 1)

    def done() -> bool:
        committed = committed_offsets(bootstrap, topics.articles, topics.group)
        return all(committed.get(p) == o for p, o in ends.items())

    wait_until(done, timeout=timeout, what=f"offsets committed up to {ends}")


def test_extract_stream_writes_one_extraction_per_article_then_stops_on_sigterm(
        kafka_broker, topics, produce, worker_factory) -> None:
    articles = sample_articles()
    worker = worker_factory()
    placed = produce(topics.articles, articles)
    worker.wait_ready()
    ids = {a.id for a in articles}
    records = read_topic(kafka_broker, topics.extractions, until=distinct_keys(ids))
    assert len(records) == len(articles)
    by_id = {r.key.decode(): r for r in records}
    assert set(by_id) == ids
    for record in records:
        assert record.headers["schema"] == EXTRACTION_SCHEMA
        assert record.headers["ce_type"] == "sitrep.extraction.created"
        assert record.headers["content-type"] == "application/json"
        extraction = Extraction.model_validate_json(record.value)
        assert extraction.article.id == record.key.decode()
    # The first sample (Meridian Wire, 14 May 2024) against its hand annotation.
    first = Extraction.model_validate_json(by_id[articles[0].id].value)
    assert "shootdown" in {e.type for e in first.events}
    if not USE_FAKE:
        assert first.model.name == "minilm-events"
        gold = sample_gold()
        predicted = {(e.type, e.stance) for e in first.events}
        assert {(e["type"], e["stance"]) for e in gold[0]["events"]} <= predicted
        shootdown = next(e for e in first.events if e.type == "shootdown")
        assert shootdown.quantity is not None and shootdown.quantity.value == 27
        assert "destroyed 27 Ukrainian drones" in shootdown.evidence.sentence
        airport = next(e for e in first.events if e.type == "airport_disruption")
        assert "Kazan airport" in airport.evidence.sentence
        # The football report has no events in the gold, and none from the model.
        no_events = [a for a, g in zip(articles, gold, strict=True) if not g["events"]]
        assert no_events
        assert all(not Extraction.model_validate_json(by_id[a.id].value).events for a in no_events)
    assert_all_committed(kafka_broker, topics, placed)
    assert worker.metric("sitrep_extract_articles_total", outcome="extracted") == len(articles)
    assert worker.metric("sitrep_extract_events_total", type="shootdown") >= 1
    # bf16 autocast is chosen at start-up where the CPU has it and it measures faster; either is right.
    assert sum(worker.metric("sitrep_extract_model_info", name=first.model.name, version=first.model.version,
                             dtype=dtype, torch_threads="1") for dtype in ("fp32", "bf16")) == 1

    # SIGTERM mid-stream: exit 0 in bounded time, the batch in hand produced and committed, and no
    # commit past what was produced.
    more = make_articles(200)
    placed |= produce(topics.articles, more)
    read_topic(kafka_broker, topics.extractions, until=lambda rs: len(rs) >= len(articles) + 16)
    code, seconds = worker.terminate()
    assert code == 0, worker.log_tail()
    assert seconds < SIGTERM_BOUND_S
    assert "stopped cleanly" in worker.log_tail(80)
    committed = committed_offsets(kafka_broker, topics.articles, topics.group)
    out_offsets = _source_offsets(read_all(kafka_broker, topics.extractions), placed)
    for partition in range(3):
        offset = max(committed.get(partition, 0), 0)
        assert out_offsets[partition] == set(range(offset)), (partition, offset, sorted(out_offsets[partition]))
    assert sum(max(o, 0) for o in committed.values()) < len(placed), "finished before SIGTERM: proves nothing"


def test_extract_poison_goes_to_dlq_and_offsets_move_past_it(kafka_broker, topics, produce,
                                                             worker_factory) -> None:
    good = make_articles(6)
    too_large = make_articles(1)[0].model_copy(update={"text": "drone " * 600, "id": "a_too_large"})
    poison = {
        "k-not-json": (b"\x00\xffnot json at all", "not_json"),
        "k-invalid": (json.dumps({"title": "no text, no id"}).encode(), "invalid_article"),
        "k-too-large": (too_large.model_dump_json().encode(), "too_large"),
    }
    items: list = [good[0], ("k-not-json", poison["k-not-json"][0]), good[1], good[2],
                   ("k-invalid", poison["k-invalid"][0]), good[3], ("k-too-large", poison["k-too-large"][0]),
                   good[4], good[5]]
    placed = produce(topics.articles, items)
    worker = worker_factory(SITREP_MAX_ARTICLE_CHARS="2000")
    worker.wait_ready()

    extractions = read_topic(kafka_broker, topics.extractions, until=distinct_keys({a.id for a in good}))
    assert {r.key.decode() for r in extractions} == {a.id for a in good}
    dead = read_topic(kafka_broker, topics.dlq, until=lambda rs: len(rs) >= len(poison))
    assert len(dead) == len(poison)
    for record in dead:
        key = record.key.decode()
        value, reason = poison[key]
        assert record.value == value
        assert record.headers["dlq_reason"] == reason
        assert record.headers["dlq_source_topic"] == topics.articles
        assert (int(record.headers["dlq_source_partition"]), int(record.headers["dlq_source_offset"])) == placed[key]
        assert record.headers["dlq_error_message"]
    assert_all_committed(kafka_broker, topics, placed)
    assert worker.metric("sitrep_extract_articles_total", outcome="dead_lettered") == len(poison)
    for reason in ("not_json", "invalid_article", "too_large"):
        assert worker.metric("sitrep_extract_dead_letters_total", reason=reason) == 1
    assert worker.terminate()[0] == 0

    # After a fix, replay only the too-large letter: its original bytes go back to the articles topic.
    replayed = subprocess.run(
        [sys.executable, "-m", "sitrep_extract", "replay-dlq", "--reason", "too_large", "--idle-ms", "1500",
         "--group", topics.group + "-replay"],
        env=worker_env(kafka_broker, topics), capture_output=True, text=True, timeout=90, check=False)
    assert replayed.returncode == 0, replayed.stderr[-2000:]
    assert json.loads(replayed.stdout.strip().splitlines()[-1]) == {
        "replay": "dlq", "dry_run": False, "replayed": 1, "skipped": 2}
    back = [r for r in read_all(kafka_broker, topics.articles) if "replayed_from" in r.headers]
    assert [(r.key, r.value) for r in back] == [(b"k-too-large", poison["k-too-large"][0])]
    assert back[0].headers["replayed_from"].startswith(topics.dlq)
    assert not any(k.startswith("dlq_") for k in back[0].headers)


def test_extract_sigkill_midstream_then_restart_loses_nothing(kafka_broker, topics, produce,
                                                              worker_factory) -> None:
    articles = make_articles(320)
    ids = {a.id for a in articles}
    first = worker_factory()
    first.wait_ready()
    placed = produce(topics.articles, articles)
    read_topic(kafka_broker, topics.extractions, until=lambda rs: len(rs) >= 40)
    first.kill()  # SIGKILL mid-stream: whatever was in hand is neither committed nor finished
    committed = committed_offsets(kafka_broker, topics.articles, topics.group)
    assert sum(max(o, 0) for o in committed.values()) < len(articles), "finished before the kill"

    second = worker_factory()
    records = read_topic(kafka_broker, topics.extractions, until=distinct_keys(ids), timeout=120)
    events_by_article: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for record in records:
        extraction = Extraction.model_validate_json(record.value)
        events_by_article[extraction.article.id].add(tuple(e.event_id for e in extraction.events))
    assert set(events_by_article) == ids
    assert all(len(variants) == 1 for variants in events_by_article.values()), "duplicates differ"
    assert_all_committed(kafka_broker, topics, placed)
    assert second.terminate()[0] == 0


def test_extract_two_workers_split_partitions_and_hand_over(kafka_broker, topics, produce,
                                                            worker_factory) -> None:
    a = worker_factory()
    b = worker_factory()
    a.wait_ready()
    b.wait_ready()

    def split() -> bool:
        pa, pb = a.readyz(), b.readyz()
        return bool(pa and pb and len(pa["partitions"]) + len(pb["partitions"]) == 3
                    and not set(pa["partitions"]) & set(pb["partitions"]))

    wait_until(split, timeout=60, what="both workers to share the 3 partitions")

    articles = make_articles(240)
    placed = produce(topics.articles, articles)
    read_topic(kafka_broker, topics.extractions, until=lambda rs: len(rs) >= 30)
    code, seconds = a.terminate()  # SIGTERM mid-stream
    assert code == 0 and seconds < SIGTERM_BOUND_S, a.log_tail()

    # What `a` committed was produced before it left: no commit ran ahead of the output.
    committed = committed_offsets(kafka_broker, topics.articles, topics.group)
    produced_now = read_all(kafka_broker, topics.extractions)
    out_offsets = _source_offsets(produced_now, placed)
    for partition, offset in committed.items():
        assert all(o in out_offsets[partition] for o in range(max(offset, 0))), partition

    wait_until(lambda: (b.readyz() or {}).get("partitions", []).__len__() == 3, timeout=60,
               what="the remaining worker to take all partitions")
    ids = {x.id for x in articles}
    read_topic(kafka_broker, topics.extractions, until=distinct_keys(ids), timeout=120)
    assert_all_committed(kafka_broker, topics, placed)
    assert b.terminate()[0] == 0


def _source_offsets(records: list[Record], placed: dict[str, tuple[int, int]]) -> dict[int, set[int]]:
    out: dict[int, set[int]] = defaultdict(set)
    for record in records:
        partition, offset = placed[record.key.decode()]
        out[partition].add(offset)
    return out
