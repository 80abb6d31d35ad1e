"""Paths, the compose runner and the process-stack helpers the deployment tests share."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
HERE = Path(__file__).resolve().parent

# service -> (import name, settings module, settings class, variable that sets its port)
SERVICES: dict[str, tuple[str, str, str, str]] = {
    "ingest": ("sitrep_ingest", "sitrep_ingest.settings", "IngestSettings", "SITREP_INGEST__PORT"),
    "extract": ("sitrep_extract", "sitrep_extract.settings", "ExtractSettings", "SITREP_PORT"),
    "store": ("sitrep_store", "sitrep_store.settings", "StoreSettings", "SITREP_PORT"),
}

SAMPLE_ARTICLE = {
    "url": "https://example.org/deploy-test/{nonce}",
    "title": "Air defences down drones over Kharkiv region",
    "text": "Ukraine's air force said on Tuesday that it shot down two drones over Kharkiv. ({nonce})",
    "source": "Example Wire",
    "published_at": "2024-05-14T09:30:00+00:00",
}


def clean_environ() -> dict[str, str]:
    """This process's environment without SITREP_* and compose variables, so defaults are what is tested."""
    compose_vars = set(dotenv_names(ENV_EXAMPLE)) if ENV_EXAMPLE.exists() else set()
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("SITREP_", "COMPOSE_")) and k not in compose_vars}


def dotenv_names(path: Path) -> list[str]:
    return [line.split("=", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.lstrip().startswith("#") and "=" in line]


def need_binary(name: str, hint: str) -> str:
    """Path of a required tool; a missing tool fails the test (CI must not skip these checks)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not installed: {hint}")
    return path


def run_compose(compose_bin: str, *args: str, env_file: Path | None = ENV_EXAMPLE,
                files: tuple[Path, ...] = (COMPOSE_FILE,)) -> subprocess.CompletedProcess[str]:
    command = [compose_bin, "--project-directory", str(ROOT)]
    for f in files:
        command += ["-f", str(f)]
    if env_file is not None:
        command += ["--env-file", str(env_file)]
    return subprocess.run([*command, *args], cwd=ROOT, env=clean_environ(), capture_output=True, text=True,
                          timeout=60, check=False)


@dataclass
class Service:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str) -> httpx.Response | None:
        try:
            return httpx.get(self.url + path, timeout=3)
        except httpx.HTTPError:
            return None

    def metrics(self) -> str:
        response = httpx.get(self.url + "/metrics", timeout=5)
        response.raise_for_status()
        return response.text


@dataclass
class Stack:
    services: dict[str, Service] = field(default_factory=dict)

    def post_article(self) -> httpx.Response:
        nonce = uuid.uuid4().hex
        body = {k: v.format(nonce=nonce) for k, v in SAMPLE_ARTICLE.items()}
        return httpx.post(self.services["ingest"].url + "/v1/articles", json=body, timeout=15)


def wait_ok(service: Service, path: str, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            break
        response = service.get(path)
        if response is not None and response.status_code == 200:
            return
        time.sleep(0.25)
    tail = service.log.read_text(errors="replace")[-3000:]
    pytest.fail(f"{service.name} did not answer 200 on {path} within {timeout:.0f}s "
                f"(exit code {service.process.poll()}); log tail:\n{tail}")


