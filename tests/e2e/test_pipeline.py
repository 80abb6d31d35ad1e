"""End to end: ingest, extract and store as real processes on the embedded broker.

An article POSTed to ingest must become queryable events in the store before a deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from support.processes import stop_processes
from support.servers import wait_until

from sitrep_shared.broker import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def service(module: str, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", module], env=env, stdout=out, stderr=subprocess.STDOUT,
                                   cwd=ROOT)
        try:
            yield process
        finally:
            stop_processes([process])


def healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"{process.args} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_posted_article_becomes_queryable_events(kafka_broker: str, unique_name: Callable[[str], str],
                                                 tmp_path: Path) -> None:
    ports = {"ingest": free_port(), "extract": free_port(), "store": free_port()}
    base = {
        **os.environ,
        "SITREP_KAFKA__BOOTSTRAP_SERVERS": kafka_broker,
        "SITREP_KAFKA__TOPICS__ARTICLES": unique_name("e2e-articles"),
        "SITREP_KAFKA__TOPICS__EXTRACTIONS": unique_name("e2e-extractions"),
        "SITREP_LOG_LEVEL": "INFO",
    }
    envs = {
        "ingest": {**base, "SITREP_INGEST__PORT": str(ports["ingest"])},
        "extract": {**base, "SITREP_PORT": str(ports["extract"]), "SITREP_GROUP_ID": unique_name("e2e-extract"),
                    "SITREP_BATCH_WAIT_MS": "50"},
        "store": {**base, "SITREP_PORT": str(ports["store"]), "SITREP_GROUP_ID": unique_name("e2e-store"),
                  "SITREP_DATABASE__URL": f"sqlite:///{tmp_path / 'store.db'}"},
    }
    article = json.loads((ROOT / "samples" / "articles.jsonl").read_text().splitlines()[0])
    with contextlib.ExitStack() as stack:
        processes = {}
        for name, module in (("store", "sitrep_store"), ("extract", "sitrep_extract"), ("ingest", "sitrep_ingest")):
            log = tmp_path / f"{name}.log"
            processes[name] = (stack.enter_context(service(module, envs[name], log)), log)
        for name, (process, log) in processes.items():
            url = f"http://127.0.0.1:{ports[name]}/readyz"
            wait_until(lambda u=url, p=process, lg=log: healthy(u, p, lg), timeout=240, interval=0.5,
                       what=f"{name} to be ready")

        posted = httpx.post(f"http://127.0.0.1:{ports['ingest']}/v1/articles", json=article, timeout=30)
        assert posted.status_code == 202, posted.text
        article_id = posted.json()["id"]

        def stored_events() -> list[dict[str, object]]:
            response = httpx.get(f"http://127.0.0.1:{ports['store']}/v1/articles/{article_id}", timeout=5)
            return response.json()["events"] if response.status_code == 200 else []

        events = wait_until(stored_events, timeout=180, interval=0.5, what="the article's events in the store")
        listed = httpx.get(f"http://127.0.0.1:{ports['store']}/v1/events", params={"limit": 100}, timeout=5).json()

    assert {e["type"] for e in events} >= {"shootdown"}
    assert all(e["evidence"]["sentence"] in article["text"] for e in events)
    assert {e["event_id"] for e in events} <= {e["event_id"] for e in listed["items"]}
