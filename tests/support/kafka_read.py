"""Read topics the way a downstream application would: with confluent-kafka, not our own aiokafka code."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


def read_records(bootstrap: str, topic: str, *, expect: int, timeout: float = 30.0) -> list[Record]:
    """Consume `topic` from the beginning until `expect` records arrived or `timeout` passed.

    Partitions are assigned directly (no group join), so a read that expects nothing more is quick.
    """
    consumer = Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": f"reader-{uuid.uuid4().hex[:8]}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    out: list[Record] = []
    deadline = time.monotonic() + timeout
    try:
        partitions: list[int] = []
        while not partitions and time.monotonic() < deadline:
            meta = consumer.list_topics(topic, timeout=5).topics.get(topic)
            partitions = sorted(meta.partitions) if meta and not meta.error else []
            if not partitions:
                time.sleep(0.2)
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        while len(out) < expect and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() in (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART):
                    continue
                raise RuntimeError(str(msg.error()))
            out.append(Record(msg.topic(), msg.partition(), msg.offset(), msg.key(), msg.value(),
                              dict(msg.headers() or [])))
    finally:
        consumer.close()
    return out
