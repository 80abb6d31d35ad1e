"""Property-based: schemathesis generates requests from the OpenAPI document; no response may be a 5xx."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def schemathesis_cli() -> list[str]:
    exe = Path(sys.executable).with_name("schemathesis")
    return [str(exe)] if exe.exists() else [shutil.which("schemathesis") or "schemathesis"]


def test_schemathesis_finds_no_server_errors(ingest_server_factory) -> None:
    with ingest_server_factory() as (url, _, _):
        result = subprocess.run(
            [*schemathesis_cli(), "run", f"{url}/openapi.json", "--checks", "not_a_server_error",
             "--max-examples", "60", "--seed", "20241126", "--request-timeout", "20"],
            capture_output=True, text=True, timeout=600,
        )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout.lower()
