"""`make run`: the whole system on this machine: embedded broker, every installed service, sample articles.

Ctrl-C (or SIGTERM) stops everything. Ports default to broker 9092, store 8000, ingest 8001,
extract 8002; override them with BROKER_PORT, STORE_PORT, INGEST_PORT, EXTRACT_PORT. Every other
SITREP_* variable in the environment reaches the services as usual.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUN_DIR = ROOT / ".run"

# (import name, make-run port variable, default port, the settings variable for it, what to open)
SERVICES = [
    ("sitrep_ingest", "INGEST_PORT", 8001, "SITREP_INGEST__PORT", "/docs"),
    ("sitrep_extract", "EXTRACT_PORT", 8002, "SITREP_PORT", "/metrics"),
    ("sitrep_store", "STORE_PORT", 8000, "SITREP_PORT", "/"),
]


def wait_http(url: str, *, timeout: float, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def main() -> int:
    RUN_DIR.mkdir(exist_ok=True)
    broker_port = int(os.environ.get("BROKER_PORT", "9092"))
    env = {**os.environ, "SITREP_KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{broker_port}"}
    env.setdefault("SITREP_DATABASE__URL", f"sqlite:///{RUN_DIR / 'sitrep.db'}")
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(name: str, args: list[str], extra_env: dict[str, str] | None = None, *,
              own_session: bool = False) -> subprocess.Popen[bytes]:
        log = (RUN_DIR / f"{name}.log").open("wb")
        process = subprocess.Popen([sys.executable, *args], env={**env, **(extra_env or {})}, cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=own_session)
        processes.append((name, process))
        return process

    def stop_all(*_: object) -> None:
        # The services first, then the broker they talk to (started first).
        for wave in (processes[:0:-1], processes[:1]):
            for _, process in wave:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for name, process in wave:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    print(f"{name} did not stop in 20 s; killing it")
                    process.kill()
        processes.clear()

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    try:
        # Out of the terminal's process group: Ctrl-C reaches the services, and the broker is stopped
        # after them, so that their consumers leave the group instead of waiting for a dead broker.
        broker = start("broker", ["-m", "sitrep_shared.broker", "--port", str(broker_port)], own_session=True)
        deadline = time.monotonic() + 30
        log = RUN_DIR / "broker.log"
        while "ready" not in log.read_text() and broker.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        if broker.poll() is not None or "ready" not in log.read_text():
            print(f"the broker did not start; see {log}")
            return 1
        print(f"broker   127.0.0.1:{broker_port}  (embedded tansu, memory storage)")
        urls = {}
        for module, port_var, default, setting, page in SERVICES:
            if importlib.util.find_spec(module) is None:
                continue
            port = int(os.environ.get(port_var, default))
            process = start(module, ["-m", module], {setting: str(port)})
            ok = wait_http(f"http://127.0.0.1:{port}/healthz", timeout=180, process=process)
            if not ok:
                print(f"{module} did not become healthy; see {RUN_DIR / (module + '.log')}")
                return 1
            urls[module] = f"http://127.0.0.1:{port}{page}"
            print(f"{module:<15} {urls[module]}   (log: .run/{module}.log)")
        loader = subprocess.run(
            [sys.executable, "-m", "sitrep_ingest", "load", "--no-progress", "samples/articles.jsonl", "samples/text"],
            env=env, cwd=ROOT, check=False,
        )
        if loader.returncode != 0:
            print("loading the sample articles failed")
            return 1
        print()
        if "sitrep_store" in urls:
            print(f"Events appear in the web view at {urls['sitrep_store']} and at "
                  f"{urls['sitrep_store'].rstrip('/')}/v1/events as the extractor reads them.")
        print(f"Submit more: curl -X POST {urls['sitrep_ingest'].removesuffix('/docs')}/v1/articles "
              "-H 'content-type: application/json' -d '{\"text\": \"...\"}'")
        print("Ctrl-C stops everything.")
        while all(p.poll() is None for _, p in processes):
            time.sleep(1)
        dead = [name for name, p in processes if p.poll() is not None]
        print(f"{', '.join(dead)} exited; stopping the rest (logs in .run/)")
        return 1
    except KeyboardInterrupt:
        print("\nstopping...")
        return 0
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
