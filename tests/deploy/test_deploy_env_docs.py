"""The environment-variable table in docs/operations.md is generated from the settings classes and current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from deploy_support import ROOT, SERVICES
from settings_fields import gen_env_docs, settings_class, variable_names

DOC = ROOT / "docs" / "operations.md"


def check(doc: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_env_docs.py"), "--check", "--doc", str(doc)],
                          capture_output=True, text=True, timeout=60, check=False)


def test_env_table_is_up_to_date() -> None:
    result = check(DOC)
    assert result.returncode == 0, result.stdout + result.stderr


def test_env_table_check_fails_on_drift(tmp_path: Path) -> None:
    stale = tmp_path / "operations.md"
    lines = DOC.read_text().splitlines(keepends=True)
    stale.write_text("".join(line for line in lines if "`SITREP_KAFKA__BOOTSTRAP_SERVERS`" not in line))
    result = check(stale)
    assert result.returncode == 1
    assert "SITREP_KAFKA__BOOTSTRAP_SERVERS" in result.stdout


def test_env_table_covers_every_settings_field() -> None:
    table = gen_env_docs.render()
    for _, module, cls_name, _ in SERVICES.values():
        for name in variable_names(settings_class(module, cls_name)):
            assert f"`{name}`" in table, name
    assert "not installed" not in table
