"""Store integration fixtures: the store as a real process (`python -m sitrep_store`) on the test broker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from support.servers import wait_until

from sitrep_shared.broker import free_port
from sitrep_shared.settings import KafkaSettings


class StoreProcess:
    def __init__(self, *, kafka: KafkaSettings, database_url: str, group_id: str, log: Path,
                 extra_env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "SITREP_KAFKA__BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
               "SITREP_KAFKA__TOPICS__EXTRACTIONS": kafka.topics.extractions,
               "SITREP_KAFKA__PARTITIONS": str(kafka.partitions),
               "SITREP_DATABASE__URL": database_url, "SITREP_GROUP_ID": group_id,
               "SITREP_PORT": str(self.port), "SITREP_SESSION_TIMEOUT_MS": "6000", **(extra_env or {})}
        self._log = log.open("ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "sitrep_store"], env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> None:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"store exited with {self.proc.returncode}")
            try:
                return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, timeout=timeout, interval=0.2, what="the store to become ready")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


@pytest.fixture
def store_process_factory(tmp_path: Path) -> Iterator[Callable[..., StoreProcess]]:
    started: list[StoreProcess] = []

    def make(**kwargs: object) -> StoreProcess:
        process = StoreProcess(log=tmp_path / "store.log", **kwargs)  # type: ignore[arg-type]
        started.append(process)
        return process

    yield make
    for process in started:
        process.stop()
