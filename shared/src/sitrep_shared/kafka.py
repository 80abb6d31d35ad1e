"""All Kafka plumbing: the only module that imports a Kafka client (aiokafka, confluent-kafka).

Services see `Publisher.send(...)`, `Consumer.batches(...)`, `Consumer.commit(...)` and
`Publisher.dead_letter(...)`. The commit policy: auto-commit is off and an offset is committed only
after its message has been handled or dead-lettered (the caller says when by calling `commit`).

Publishers write with aiokafka or, when `settings.producer` says so, with confluent-kafka
(librdkafka builds and sends the batches in its own threads, off the event loop). Both wait for
acks=all and map every failure to BrokerUnavailable. Consumers and topic creation use aiokafka.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import ssl
import threading
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import confluent_kafka
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, KafkaError, TopicAlreadyExistsError
from pydantic import BaseModel

from sitrep_shared.settings import KafkaSettings, ProducerKind

log = logging.getLogger("sitrep.kafka")

Headers = list[tuple[str, bytes]]
Record = tuple[str | None, bytes | None, Headers]  # key, value, headers

CONTENT_TYPE = "application/json"
CE_SPECVERSION = "1.0"


class BrokerUnavailable(Exception):
    """The broker could not be reached or did not acknowledge in time: retry later."""


class CommitFailed(BrokerUnavailable):
    """The group rebalanced before the commit: the partitions may belong to another member now.

    Whatever was produced stays produced; the new owner resumes from the last successful commit.
    """


def build_headers(*, schema: str, ce_type: str, ce_id: str, ce_source: str,
                  ce_time: dt.datetime | None = None) -> Headers:
    """Message headers: content type, schema, and CloudEvents binary-mode attributes."""
    when = (ce_time or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return [
        ("content-type", CONTENT_TYPE.encode()),
        ("schema", schema.encode()),
        ("ce_specversion", CE_SPECVERSION.encode()),
        ("ce_id", ce_id.encode()),
        ("ce_type", ce_type.encode()),
        ("ce_source", ce_source.encode()),
        ("ce_time", when.isoformat().replace("+00:00", "Z").encode()),
    ]


_CE_ID_AT = 3  # the position of ce_id in build_headers' list


def header_dict(headers: Iterable[tuple[str, bytes]]) -> dict[str, str]:
    """Headers as text, last value wins."""
    return {k: v.decode("utf-8", "replace") for k, v in headers}


def _connection_kwargs(settings: KafkaSettings) -> dict[str, object]:
    kwargs: dict[str, object] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "client_id": settings.client_id,
        "security_protocol": settings.security_protocol,
        "request_timeout_ms": settings.request_timeout_ms,
    }
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        kwargs["ssl_context"] = ssl.create_default_context(cafile=settings.ssl_cafile)
    if settings.security_protocol.startswith("SASL"):
        kwargs["sasl_mechanism"] = settings.sasl_mechanism
        kwargs["sasl_plain_username"] = settings.sasl_username
        kwargs["sasl_plain_password"] = (
            settings.sasl_password.get_secret_value() if settings.sasl_password else None
        )
    return kwargs


async def ensure_topics(settings: KafkaSettings, topics: Sequence[str]) -> None:
    """Create the topics that do not exist yet; existing ones are left as they are."""
    admin = AIOKafkaAdminClient(**_connection_kwargs(settings))  # type: ignore[arg-type]
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        configs = {"retention.ms": str(settings.retention_ms)} if settings.retention_ms else {}
        missing = [
            NewTopic(name=t, num_partitions=settings.partitions,
                     replication_factor=settings.replication_factor, topic_configs=configs)
            for t in dict.fromkeys(topics) if t not in existing
        ]
        if missing:
            # A concurrent starter may have created them first: the outcome we wanted.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
            log.info("created topics", extra={"topics": [t.name for t in missing]})
    finally:
        await admin.close()


@dataclass(frozen=True, slots=True)
class Message:
    """One consumed record, independent of the client library."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers = field(default_factory=list)
    timestamp_ms: int | None = None

    @property
    def where(self) -> dict[str, object]:
        """Log fields that locate this message."""
        return {"topic": self.topic, "partition": self.partition, "offset": self.offset}


class _Producer(Protocol):
    async def send(self, topic: str, records: Sequence[Record]) -> None:
        """Return once the broker acknowledged every record (acks=all); raise BrokerUnavailable if not."""

    async def ping(self) -> bool:
        """True when the broker answers a metadata request."""


class _AiokafkaProducer:
    def __init__(self, producer: AIOKafkaProducer) -> None:
        self._producer = producer

    async def send(self, topic: str, records: Sequence[Record]) -> None:
        try:
            futures = [
                await self._producer.send(topic, value=value, key=key.encode() if key is not None else None,
                                          headers=headers)
                for key, value, headers in records
            ]
            await asyncio.gather(*futures)
        except (KafkaError, OSError) as exc:
            raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def ping(self) -> bool:
        try:
            await asyncio.wait_for(self._producer.client.fetch_all_metadata(), 3)
            return True
        except (KafkaError, TimeoutError, OSError):
            return False


class _ConfluentProducer:
    """librdkafka's producer; its delivery reports are served by a thread of ours and handed to the loop."""

    def __init__(self, settings: KafkaSettings) -> None:
        self._producer = confluent_kafka.Producer(_confluent_config(settings), logger=log)
        self._flush_timeout = settings.request_timeout_ms / 1000
        self._stopping = threading.Event()
        self._poller = threading.Thread(target=self._poll, name="kafka-delivery-reports", daemon=True)
        self._poller.start()

    def _poll(self) -> None:
        while not self._stopping.is_set():
            self._producer.poll(0.1)

    async def send(self, topic: str, records: Sequence[Record]) -> None:
        if not records:
            return
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        pending = len(records)
        errors: list[confluent_kafka.KafkaError] = []

        def delivered(error: confluent_kafka.KafkaError | None, _message: object) -> None:
            # Called in the poller thread only, so counting needs no lock; one hand-over per send.
            nonlocal pending
            if error is not None:
                errors.append(error)
            pending -= 1
            if pending == 0:
                with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
                    loop.call_soon_threadsafe(_settle, done, errors)

        try:
            for key, value, headers in records:
                while True:
                    try:
                        self._producer.produce(topic, value=value, key=key, headers=headers,
                                               on_delivery=delivered)
                        break
                    except BufferError:  # librdkafka's queue is full: let it drain
                        await asyncio.sleep(0.005)
        except confluent_kafka.KafkaException as exc:
            raise BrokerUnavailable(f"KafkaException: {exc}") from exc
        await done

    async def ping(self) -> bool:
        try:
            await asyncio.to_thread(self._producer.list_topics, timeout=3)
            return True
        except confluent_kafka.KafkaException:
            return False

    async def stop(self) -> None:
        """Stop the poller, deliver what is queued (for up to the request timeout) and disconnect."""
        self._stopping.set()
        await asyncio.to_thread(self._poller.join)
        await asyncio.to_thread(self._producer.flush, self._flush_timeout)
        self._producer.close()


def _settle(done: asyncio.Future[None], errors: list[confluent_kafka.KafkaError]) -> None:
    if done.done():  # the sender gave up waiting (timeout)
        return
    if errors:
        done.set_exception(BrokerUnavailable(f"KafkaError: {errors[0].str()}"
                                             + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")))
    else:
        done.set_result(None)


def _confluent_config(settings: KafkaSettings) -> dict[str, object]:
    config: dict[str, object] = {
        "bootstrap.servers": settings.bootstrap_servers,
        "client.id": settings.client_id,
        "security.protocol": settings.security_protocol,
        "acks": "all",
        "enable.idempotence": settings.idempotent_producer,
        "linger.ms": settings.linger_ms,
        "batch.size": settings.max_batch_size,
        "message.max.bytes": settings.max_request_size,
        "compression.type": settings.compression_type or "none",
        "request.timeout.ms": settings.request_timeout_ms,
        # Give up on a record after the same time a sender waits for it, not librdkafka's 5 minutes.
        "message.timeout.ms": settings.request_timeout_ms,
        # aiokafka's and the Java client's key -> partition mapping, so either producer keeps a key's order.
        "partitioner": "murmur2_random",
        # Retry a lost broker every second at most, as aiokafka does, not after up to 10 s.
        "reconnect.backoff.max.ms": 1000,
    }
    if settings.security_protocol in ("SSL", "SASL_SSL"):
        # "probe": the system's CA bundle, as ssl.create_default_context gives aiokafka.
        config["ssl.ca.location"] = settings.ssl_cafile or "probe"
    if settings.security_protocol.startswith("SASL"):
        config["sasl.mechanism"] = settings.sasl_mechanism
        config["sasl.username"] = settings.sasl_username
        config["sasl.password"] = settings.sasl_password.get_secret_value() if settings.sasl_password else None
    return config


class Publisher:
    """Sends pydantic models as JSON with Sitrep's headers; every send waits for acks=all."""

    def __init__(self, producer: _Producer, *, settings: KafkaSettings, source: str) -> None:
        self._producer = producer
        self.settings = settings
        self.source = source

    async def send(self, topic: str, model: BaseModel, *, key: str | None, schema: str,
                   ce_type: str, ce_id: str | None = None) -> None:
        """Publish one model and return once the broker has acknowledged it."""
        await self.send_many(topic, [(key, model)], schema=schema, ce_type=ce_type,
                             ce_ids=[ce_id] if ce_id else None)

    async def send_many(self, topic: str, items: Sequence[tuple[str | None, BaseModel]], *,
                        schema: str, ce_type: str, ce_ids: Sequence[str] | None = None) -> None:
        """Publish several models, batched by the client; returns when all are acknowledged.

        Raises BrokerUnavailable if any write fails or times out (some may have been written:
        consumers are idempotent, so the caller retries the whole set).
        """
        # Only ce_id differs between the records: build the other headers once.
        shared = build_headers(schema=schema, ce_type=ce_type, ce_id="", ce_source=self.source)
        records = []
        for i, (key, model) in enumerate(items):
            headers = shared.copy()
            headers[_CE_ID_AT] = ("ce_id", ((ce_ids[i] if ce_ids else None) or str(uuid.uuid4())).encode())
            records.append((key, model.__pydantic_serializer__.to_json(model), headers))
        await self.send_raw_many(topic, records)

    async def send_raw_many(self, topic: str, records: Sequence[Record]) -> None:
        try:
            # asyncio.timeout, not wait_for: no extra task on this hot path.
            async with asyncio.timeout(self.settings.request_timeout_ms / 1000):
                await self._producer.send(topic, records)
        except TimeoutError as exc:
            raise BrokerUnavailable(f"TimeoutError: {exc}") from exc

    async def dead_letter(self, message: Message, error: BaseException | str, *,
                          reason_code: str | None = None) -> None:
        """Write the original bytes to `<topic>.dlq` with headers saying where they came from and why.

        `reason_code`, when given, is added as the `dlq_reason` header: a short, stable word
        (`not_json`, `invalid_article`, ...) that operators and replay filters can match on.
        """
        error_class = type(error).__name__ if isinstance(error, BaseException) else "Rejected"
        reason = str(error)[:2000]
        headers = [(k, v) for k, v in message.headers if not k.startswith("dlq_")]
        if reason_code:
            headers.append(("dlq_reason", reason_code.encode()))
        headers += [
            ("dlq_source_topic", message.topic.encode()),
            ("dlq_source_partition", str(message.partition).encode()),
            ("dlq_source_offset", str(message.offset).encode()),
            ("dlq_error_class", error_class.encode()),
            ("dlq_error_message", reason.encode("utf-8", "replace")),
            ("dlq_failed_at", dt.datetime.now(dt.UTC).isoformat().encode()),
        ]
        key = message.key.decode("utf-8", "replace") if message.key is not None else None
        await self.send_raw_many(self.settings.topics.dlq(message.topic), [(key, message.value, headers)])
        log.warning("dead-lettered message", extra={**message.where, "error_class": error_class,
                                                     "reason": reason[:200]})

    async def ensure_topics(self, topics: Sequence[str]) -> None:
        """Create missing `topics` when the settings allow it (e.g. after a memory broker restarted)."""
        if self.settings.create_topics:
            try:
                await ensure_topics(self.settings, topics)
            except (KafkaError, OSError) as exc:
                raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def ping(self) -> bool:
        """True when the broker answers a metadata request."""
        return await self._producer.ping()


@contextlib.asynccontextmanager
async def publisher(settings: KafkaSettings, *, source: str, ensure: Sequence[str] = (),
                    default_producer: ProducerKind = "aiokafka") -> AsyncIterator[Publisher]:
    """A started producer (acks=all) wrapped as a Publisher; stopped (flushed) on exit.

    Raises BrokerUnavailable when the broker cannot be reached at start.

    `ensure` names topics to create at start when `settings.create_topics` is on. The client library
    is `settings.producer`, else `default_producer`.
    """
    kind = settings.producer or default_producer
    opened = _confluent_producer(settings) if kind == "confluent" else _aiokafka_producer(settings)
    async with opened as producer:
        if settings.create_topics and ensure:
            try:
                await ensure_topics(settings, ensure)
            except (KafkaError, OSError) as exc:
                raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        yield Publisher(producer, settings=settings, source=source)


@contextlib.asynccontextmanager
async def _aiokafka_producer(settings: KafkaSettings) -> AsyncIterator[_Producer]:
    producer = AIOKafkaProducer(
        **_connection_kwargs(settings),  # type: ignore[arg-type]
        acks="all",
        enable_idempotence=settings.idempotent_producer,
        linger_ms=settings.linger_ms,
        max_batch_size=settings.max_batch_size,
        max_request_size=settings.max_request_size,
        compression_type=settings.compression_type,
    )
    try:
        await producer.start()
    except (KafkaError, OSError) as exc:
        await producer.stop()
        raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
    try:
        yield _AiokafkaProducer(producer)
    finally:
        await producer.stop()


@contextlib.asynccontextmanager
async def _confluent_producer(settings: KafkaSettings) -> AsyncIterator[_Producer]:
    producer = _ConfluentProducer(settings)
    try:
        # librdkafka connects lazily: ask for metadata so an unreachable broker fails here, as aiokafka's start does.
        if not await producer.ping():
            raise BrokerUnavailable(f"no answer from {settings.bootstrap_servers}")
        yield producer
    finally:
        await producer.stop()


class _RebalanceLog(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, consumer: Consumer) -> None:
        self._consumer = consumer

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        revoked = list(revoked)
        if revoked:
            log.info("partitions revoked", extra={"partitions": [f"{tp.topic}[{tp.partition}]" for tp in revoked]})
        for callback in self._consumer.on_revoke:
            await callback([(tp.topic, tp.partition) for tp in revoked])

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        assigned = list(assigned)
        log.info("partitions assigned", extra={"partitions": [f"{tp.topic}[{tp.partition}]" for tp in assigned]})


class Consumer:
    """A consumer-group member with manual commits."""

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self._consumer = consumer
        self.on_revoke: list = []  # async callables taking [(topic, partition)]
        self.last_committed: dict[tuple[str, int], int] = {}

    async def batches(self, *, max_records: int, timeout_ms: int) -> AsyncIterator[list[Message]]:
        """Yield lists of up to `max_records` messages, waiting at most `timeout_ms` for each list."""
        while True:
            yield await self.fetch(max_records=max_records, timeout_ms=timeout_ms)

    async def fetch(self, *, max_records: int, timeout_ms: int) -> list[Message]:
        """Up to `max_records` messages: whatever is buffered, else the first to arrive within `timeout_ms`."""
        try:
            fetched = await self._consumer.getmany(timeout_ms=timeout_ms, max_records=max_records)
        except KafkaError as exc:
            raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        return [
            Message(topic=r.topic, partition=r.partition, offset=r.offset, key=r.key,
                    value=r.value, headers=list(r.headers or []), timestamp_ms=r.timestamp)
            for records in fetched.values() for r in records
        ]

    async def commit(self, messages: Iterable[Message]) -> None:
        """Commit past the given messages (handled or dead-lettered), per partition.

        Partitions no longer assigned are skipped. Raises CommitFailed if the group rebalanced
        under the commit, BrokerUnavailable if the coordinator could not be reached.
        """
        offsets: dict[TopicPartition, int] = {}
        for m in messages:
            tp = TopicPartition(m.topic, m.partition)
            offsets[tp] = max(offsets.get(tp, -1), m.offset + 1)
        assigned = self._consumer.assignment()
        offsets = {tp: o for tp, o in offsets.items() if tp in assigned}
        if not offsets:
            return
        try:
            await self._consumer.commit(offsets)
        except CommitFailedError as exc:
            raise CommitFailed(str(exc)) from exc
        except (KafkaError, TimeoutError, OSError) as exc:
            raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
        for tp, offset in offsets.items():
            self.last_committed[(tp.topic, tp.partition)] = offset

    def assignment(self) -> list[tuple[str, int]]:
        return sorted((tp.topic, tp.partition) for tp in self._consumer.assignment())

    async def lag(self) -> dict[tuple[str, int], int]:
        """Messages between the consumer's position and the end of each assigned partition."""
        assigned = list(self._consumer.assignment())
        if not assigned:
            return {}
        ends = await self._consumer.end_offsets(assigned)
        lags = {}
        for tp in assigned:
            try:
                position = await self._consumer.position(tp)
            except KafkaError:
                continue
            lags[(tp.topic, tp.partition)] = max(ends.get(tp, 0) - position, 0)
        return lags

    def pause(self) -> None:
        self._consumer.pause(*self._consumer.assignment())

    def resume(self) -> None:
        self._consumer.resume(*self._consumer.assignment())

    async def seek_to_committed(self) -> None:
        """Rewind every assigned partition to its last committed offset (after an abandoned batch)."""
        for tp in self._consumer.assignment():
            committed = await self._consumer.committed(tp)
            if committed is None:
                await self._consumer.seek_to_beginning(tp)
            else:
                self._consumer.seek(tp, committed)


@contextlib.asynccontextmanager
async def consumer(settings: KafkaSettings, *, topics: Sequence[str], group_id: str,
                   auto_offset_reset: str = "earliest",
                   max_poll_interval_ms: int = 300_000,
                   session_timeout_ms: int | None = None,
                   heartbeat_interval_ms: int | None = None,
                   rebalance_timeout_ms: int | None = None,
                   max_partition_fetch_bytes: int = 1_048_576) -> AsyncIterator[Consumer]:
    """A started consumer in `group_id` with auto-commit off; it leaves the group on exit.

    `max_partition_fetch_bytes` caps what one fetch brings per partition (the client's 1 MiB by
    default), and so how many records a `fetch` can return at once.

    `session_timeout_ms` / `heartbeat_interval_ms` / `rebalance_timeout_ms` default to the client's
    (10 s / 3 s / max poll interval); shorten them where a dead member must be noticed quickly.
    """
    timeouts = {
        name: value
        for name, value in (("session_timeout_ms", session_timeout_ms),
                            ("heartbeat_interval_ms", heartbeat_interval_ms),
                            ("rebalance_timeout_ms", rebalance_timeout_ms))
        if value is not None
    }
    raw = AIOKafkaConsumer(
        **_connection_kwargs(settings),  # type: ignore[arg-type]
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset=auto_offset_reset,
        max_poll_interval_ms=max_poll_interval_ms,
        max_partition_fetch_bytes=max_partition_fetch_bytes,
        **timeouts,  # type: ignore[arg-type]
    )
    try:
        await raw.start()
    except (KafkaError, OSError) as exc:
        await raw.stop()
        raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc
    wrapped = Consumer(raw)
    try:
        raw.subscribe(list(topics), listener=_RebalanceLog(wrapped))
        yield wrapped
    finally:
        await raw.stop()
