"""Helpers for the extract integration tests: worker processes, producing, reading back with confluent-kafka."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition
from support.servers import wait_until

from sitrep_shared.broker import free_port
from sitrep_shared.models import Article, ArticleCreate

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
PARTITIONS = 3


def real_model_available() -> bool:
    if os.environ.get("SITREP_ARTIFACT_DIR"):  # the workers inherit it
        return (Path(os.environ["SITREP_ARTIFACT_DIR"]) / "config.json").exists()
    try:
        from sitrep_extract.pipeline import default_artifact_dir

        return (default_artifact_dir() / "config.json").exists()
    except Exception:
        return False


USE_FAKE = os.environ.get("SITREP_TEST_EXTRACTOR") == "fake" or not real_model_available()


def sample_gold() -> list[dict]:
    """Hand annotations of samples/articles.jsonl, in the same order."""
    lines = (ROOT / "samples" / "articles.gold.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@dataclass
class Topics:
    articles: str
    extractions: str
    group: str

    @property
    def dlq(self) -> str:
        return f"{self.articles}.dlq"


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> dict:
        return json.loads(self.value or b"null")


def make_articles(n: int, *, tag: str = "") -> list[Article]:
    """Small distinct articles (a sentence or two), each with a drone event in it."""
    tag = tag or uuid.uuid4().hex[:6]
    places = ["Kharkiv", "Sumy", "Belgorod", "Kursk", "Odesa", "Kherson", "Bryansk", "Donetsk"]
    return [
        ArticleCreate(
            url=f"https://example.org/{tag}/{i}",
            title=f"Drones downed over {places[i % len(places)]}",
            text=(f"Air defences shot down {i % 40 + 2} drones over the {places[i % len(places)]} region "
                  f"overnight, the regional governor said on Tuesday. Article {i} of batch {tag}."),
            source="Test Wire", published_at="2024-05-14T09:30:00+00:00",
        ).to_article()
        for i in range(n)
    ]


def sample_articles() -> list[Article]:
    lines = (ROOT / "samples" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [ArticleCreate.model_validate_json(line).to_article() for line in lines if line.strip()]


def read_topic(bootstrap: str, topic: str, *, until: Callable[[list[Record]], bool],
               timeout: float = 60.0) -> list[Record]:
    """Every record of `topic` from the beginning, until `until(records)` or the timeout (then fail)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{uuid.uuid4().hex[:8]}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "log.connection.close": False})
    records: list[Record] = []
    deadline = time.monotonic() + timeout
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
        while not until(records):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic}: {len(records)} records after {timeout:.0f}s")
            for msg in consumer.consume(500, 0.5):
                if msg.error():
                    if msg.error().code() in (KafkaError._PARTITION_EOF, KafkaError.UNKNOWN_TOPIC_OR_PART):
                        continue
                    raise RuntimeError(str(msg.error()))
                records.append(Record(
                    topic=msg.topic(), partition=msg.partition(), offset=msg.offset(), key=msg.key(),
                    value=msg.value(),
                    headers={k: (v or b"").decode() for k, v in (msg.headers() or [])}))
    finally:
        consumer.close()
    return records


def read_all(bootstrap: str, topic: str, *, idle_s: float = 2.0) -> list[Record]:
    """Everything on `topic` now: read until nothing new arrived for `idle_s`."""
    state = {"count": -1, "since": time.monotonic()}

    def quiet(records: list[Record]) -> bool:
        if len(records) != state["count"]:
            state["count"], state["since"] = len(records), time.monotonic()
        return time.monotonic() - state["since"] >= idle_s

    return read_topic(bootstrap, topic, until=quiet)


def committed_offsets(bootstrap: str, topic: str, group: str) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group, "enable.auto.commit": False,
                         "log.connection.close": False})
    try:
        parts = consumer.committed([TopicPartition(topic, p) for p in range(PARTITIONS)], timeout=10)
        return {tp.partition: tp.offset for tp in parts}
    finally:
        consumer.close()


def worker_env(bootstrap: str, topics: Topics) -> dict[str, str]:
    """The environment of a worker (or replay) process on these topics."""
    env = {
        **os.environ,
        "SITREP_KAFKA__BOOTSTRAP_SERVERS": bootstrap,
        "SITREP_KAFKA__TOPICS__ARTICLES": topics.articles,
        "SITREP_KAFKA__TOPICS__EXTRACTIONS": topics.extractions,
        "SITREP_KAFKA__REQUEST_TIMEOUT_MS": "5000",
        "SITREP_GROUP_ID": topics.group,
        "SITREP_BATCH_SIZE": "16",
        "SITREP_BATCH_WAIT_MS": "100",
        "SITREP_SESSION_TIMEOUT_MS": "6000",
        "SITREP_HEARTBEAT_INTERVAL_MS": "1000",
        "SITREP_LAG_INTERVAL_S": "1",
        "SITREP_TORCH_THREADS": "1",
        "SITREP_SHUTDOWN_TIMEOUT_S": "30",
        "PYTHONPATH": os.pathsep.join(p for p in (str(TESTS), os.environ.get("PYTHONPATH", "")) if p),
    }
    if USE_FAKE:
        env["SITREP_EXTRACTOR_FACTORY"] = "extract_fakes:make"
        env["SITREP_TEST_FAKE_DELAY_S"] = "0.2"  # about the real model's pace, so kills land mid-stream
    return env


class WorkerProcess:
    """`python -m sitrep_extract` in a subprocess, configured through SITREP_* variables."""

    def __init__(self, *, bootstrap: str, topics: Topics, log_path: Path, extra_env: dict[str, str]) -> None:
        self.port = free_port()
        self.log_path = log_path
        env = {**worker_env(bootstrap, topics), "SITREP_PORT": str(self.port), **extra_env}
        self._log = log_path.open("ab")
        self.process = subprocess.Popen([sys.executable, "-m", "sitrep_extract"], env=env,
                                        stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> httpx.Response | None:
        try:
            return httpx.get(self.url + path, timeout=2)
        except httpx.HTTPError:
            return None

    def readyz(self) -> dict | None:
        response = self.get("/readyz")
        return response.json() if response is not None and response.status_code == 200 else None

    def wait_ready(self, timeout: float = 180.0) -> dict:
        def ready() -> dict | None:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited with {self.process.returncode}:\n{self.log_tail()}")
            return self.readyz()

        return wait_until(ready, timeout=timeout, what=f"worker on :{self.port} to be ready")  # type: ignore[return-value]

    def metric(self, name: str, /, **labels: str) -> float:
        """The value of one series from /metrics (labels in any order); 0 when absent."""
        response = self.get("/metrics")
        assert response is not None
        pairs = {f'{k}="{v}"' for k, v in labels.items()}
        for line in response.text.splitlines():
            series, _, value = line.rpartition(" ")
            metric, _, label_text = series.partition("{")
            if metric == name and pairs == set(filter(None, label_text.rstrip("}").split(","))):
                return float(value)
        return 0.0

    def terminate(self, timeout: float = 30.0) -> tuple[int, float]:
        """SIGTERM; returns (exit code, seconds it took)."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        return code, time.monotonic() - started

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._log.close()


