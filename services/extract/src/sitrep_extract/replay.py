"""`python -m sitrep_extract replay-dlq`: send dead-lettered articles back to their topic, after a fix.

Reads `sitrep.articles.v1.dlq` in its own consumer group, re-publishes each message's original bytes and
key (headers minus the `dlq_*` ones, plus `replayed_from`) to the topic it came from, and commits after
the broker acknowledged. Only messages dead-lettered before the command started are replayed, so an
article that fails again is not replayed in a loop. Skipped messages (`--reason`) are committed too:
use a new `--group` to offer them again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time

from sitrep_extract.settings import ExtractSettings
from sitrep_shared import kafka
from sitrep_shared.kafka import Message, header_dict

log = logging.getLogger("sitrep.extract.replay")


def replay_record(message: Message, *, default_topic: str) -> tuple[str, str | None, bytes | None,
                                                                   kafka.Headers]:
    """(topic, key, value, headers) to re-publish a dead letter to the topic it came from."""
    headers = header_dict(message.headers)
    topic = headers.get("dlq_source_topic") or default_topic
    kept = [(k, v) for k, v in message.headers if not k.startswith("dlq_") and k != "replayed_from"]
    kept.append(("replayed_from", f"{message.topic}[{message.partition}]@{message.offset}".encode()))
    key = message.key.decode("utf-8", "replace") if message.key is not None else None
    return topic, key, message.value, kept


async def replay(settings: ExtractSettings, *, group_id: str, reasons: set[str] | None = None,
                 limit: int | None = None, dry_run: bool = False, idle_ms: int = 3000,
                 assign_timeout_s: float = 30.0) -> dict[str, int]:
    """Replay the dead letters present at start; returns counts of replayed and skipped messages."""
    topics = settings.kafka.topics
    dlq = topics.dlq(topics.articles)
    started_ms = int(time.time() * 1000)
    counts = {"replayed": 0, "skipped": 0}
    async with kafka.publisher(settings.kafka, source="sitrep-extract-replay", ensure=[dlq]) as publisher, \
            kafka.consumer(settings.kafka, topics=[dlq], group_id=group_id,
                           session_timeout_ms=settings.session_timeout_ms,
                           heartbeat_interval_ms=settings.heartbeat_interval_ms) as consumer:
        deadline = time.monotonic() + assign_timeout_s
        idle_since = time.monotonic()
        while limit is None or counts["replayed"] < limit:
            fetched = await consumer.fetch(max_records=100, timeout_ms=500)
            old = [m for m in fetched if m.timestamp_ms is None or m.timestamp_ms <= started_ms]
            if limit is not None:
                old = old[: limit - counts["replayed"]]
            if not old:
                waiting_for_assignment = not consumer.assignment() and time.monotonic() < deadline
                if not waiting_for_assignment and (time.monotonic() - idle_since) * 1000 >= idle_ms:
                    break
                continue
            idle_since = time.monotonic()
            by_topic: dict[str, list[tuple[str | None, bytes | None, kafka.Headers]]] = {}
            for message in old:
                reason = header_dict(message.headers).get("dlq_reason")
                if reasons and reason not in reasons:
                    counts["skipped"] += 1
                    continue
                topic, key, value, headers = replay_record(message, default_topic=topics.articles)
                by_topic.setdefault(topic, []).append((key, value, headers))
                counts["replayed"] += 1
            if dry_run:
                continue
            for topic, records in by_topic.items():
                await publisher.send_raw_many(topic, records)
            await consumer.commit(old)
            log.info("replayed dead letters", extra=counts)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sitrep_extract replay-dlq", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--group", default="sitrep-extract-replay", help="consumer group for progress")
    parser.add_argument("--reason", action="append", default=None,
                        help="only this dlq_reason (not_json, invalid_article, too_large, model_error); "
                             "repeatable")
    parser.add_argument("--limit", type=int, default=None, help="replay at most this many")
    parser.add_argument("--dry-run", action="store_true", help="count, publish and commit nothing")
    parser.add_argument("--idle-ms", type=int, default=3000, help="stop after this long with nothing to do")
    args = parser.parse_args(argv)

    from sitrep_shared import logging as sitrep_logging

    settings = ExtractSettings()
    sitrep_logging.configure("sitrep-extract", settings.log_level)
    counts = asyncio.run(replay(settings, group_id=args.group, reasons=set(args.reason or []) or None,
                               limit=args.limit, dry_run=args.dry_run, idle_ms=args.idle_ms))
    print(json.dumps({"replay": "dlq", "dry_run": args.dry_run, **counts}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
