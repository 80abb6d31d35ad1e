"""Which SITREP_ variables a settings class reads: its field tree, flattened the way pydantic-settings nests it."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic_settings import BaseSettings

ROOT = Path(__file__).resolve().parents[2]


def _load_generator() -> Any:
    """scripts/gen_env_docs.py, which is not in a package."""
    spec = importlib.util.spec_from_file_location("gen_env_docs", ROOT / "scripts" / "gen_env_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


gen_env_docs = _load_generator()


def settings_class(module: str, name: str) -> type[BaseSettings]:
    return getattr(importlib.import_module(module), name)


def variable_names(cls: type[BaseModel]) -> set[str]:
    return {var.name for var in gen_env_docs.walk(cls)}


def value_at(settings: BaseModel, variable: str) -> Any:
    """The parsed value behind `SITREP_A__B` in `settings`: settings.a.b."""
    value: Any = settings
    for part in variable.removeprefix("SITREP_").split("__"):
        value = getattr(value, part.lower())
    return value


def as_env_text(value: Any) -> str:
    """How `value` would be written in an environment variable, to compare with what compose sets."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(as_env_text(v) for v in value)
    return "" if value is None else str(value)
