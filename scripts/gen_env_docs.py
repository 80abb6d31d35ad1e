"""Generate the environment-variable table in docs/operations.md from the services' settings classes.

    python scripts/gen_env_docs.py           # rewrite the table between the markers
    python scripts/gen_env_docs.py --check   # exit 1 when the committed table differs (tests run this)

Services whose package is not installed are skipped with a note, so the script runs in any venv.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "operations.md"
BEGIN = "<!-- BEGIN GENERATED ENV TABLE: scripts/gen_env_docs.py -->"
END = "<!-- END GENERATED ENV TABLE -->"
PREFIX = "SITREP_"
DELIMITER = "__"

# (service, module, settings class)
SERVICES = [
    ("ingest", "sitrep_ingest.settings", "IngestSettings"),
    ("extract", "sitrep_extract.settings", "ExtractSettings"),
    ("store", "sitrep_store.settings", "StoreSettings"),
]


@dataclass
class Variable:
    name: str
    type: str
    default: str
    description: str
    services: list[str] = field(default_factory=list)


def settings_classes() -> dict[str, type[BaseModel]]:
    """The installed services' settings classes, by service name."""
    found: dict[str, type[BaseModel]] = {}
    for service, module, attr in SERVICES:
        try:
            found[service] = getattr(importlib.import_module(module), attr)
        except ModuleNotFoundError:
            continue
    return found


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel class behind `annotation` (also inside `X | None`), if that is what it is."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [a for a in typing.get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        if len(models) == 1:
            return models[0]
    return None


def _type_name(annotation: Any) -> str:
    """A short readable type: `int`, `str, optional`, `one of: a, b`."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        inner = " or ".join(_type_name(a) for a in args)
        return f"{inner}, optional" if len(args) < len(typing.get_args(annotation)) else inner
    if origin is typing.Literal:
        return "one of: " + ", ".join(str(a) for a in typing.get_args(annotation))
    if origin in (list, tuple):
        return f"list of {_type_name(typing.get_args(annotation)[0])}"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _default(info: FieldInfo, default: Any) -> str:
    if default is PydanticUndefined:
        return "(required)"
    if default is None:
        return "(unset)"
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, list | tuple) and not default:
        return "(empty)"
    if hasattr(default, "get_secret_value"):
        return "(secret)"
    return str(default)


def _defaults_of(model: type[BaseModel], instance: BaseModel | None) -> dict[str, Any]:
    """Field defaults, taken from an instance when the parent builds this part with a factory."""
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if instance is not None:
            values[name] = getattr(instance, name)
        elif info.default_factory is not None:
            values[name] = info.default_factory()  # type: ignore[call-arg]
        else:
            values[name] = info.default
    return values


def walk(model: type[BaseModel], *, prefix: str = PREFIX, instance: BaseModel | None = None) -> Iterator[Variable]:
    """Every leaf variable of `model`, nested parts joined with `__` (as pydantic-settings reads them)."""
    defaults = _defaults_of(model, instance)
    for name, info in model.model_fields.items():
        env = f"{prefix}{name.upper()}"
        nested = _nested_model(info.annotation)
        if nested is not None:
            value = defaults[name]
            yield from walk(nested, prefix=f"{env}{DELIMITER}", instance=value if isinstance(value, BaseModel)
                            else None)
            continue
        description = (info.description or "").replace("|", "\\|").replace("\n", " ")
        yield Variable(env, _type_name(info.annotation), _default(info, defaults[name]), description)


def variables() -> list[Variable]:
    """All variables of all installed services, merged by name (identical parts are listed once)."""
    merged: dict[str, Variable] = {}
    for service, cls in settings_classes().items():
        for var in walk(cls):
            known = merged.get(var.name)
            if known is None:
                var.services.append(service)
                merged[var.name] = var
            elif known.default == var.default and known.type == var.type:
                known.services.append(service)
            else:  # same name, different meaning per service: list each separately
                var.services.append(service)
                merged[f"{var.name}:{service}"] = var
    return sorted(merged.values(), key=lambda v: (v.name.count(DELIMITER), v.name, v.services))


def render() -> str:
    present = settings_classes()
    lines = [
        BEGIN,
        "",
        "| variable | services | type | default | meaning |",
        "|---|---|---|---|---|",
    ]
    for var in variables():
        default = var.default.replace("|", "\\|")
        lines.append(f"| `{var.name}` | {', '.join(var.services)} | {var.type} | `{default}` | {var.description} |")
    missing = [s for s, _, _ in SERVICES if s not in present]
    if missing:
        lines += ["", f"(not installed when generated: {', '.join(missing)})"]
    lines += ["", END]
    return "\n".join(lines)


def replace_table(text: str, table: str) -> str:
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{DOC}: markers {BEGIN!r} ... {END!r} not found")
    return text[:start] + table + text[end + len(END):]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if docs/operations.md is out of date")
    parser.add_argument("--doc", type=Path, default=DOC)
    args = parser.parse_args(argv)
    current = args.doc.read_text(encoding="utf-8")
    wanted = replace_table(current, render())
    if args.check:
        if current != wanted:
            diff = difflib.unified_diff(current.splitlines(), wanted.splitlines(), "committed", "generated",
                                        lineterm="")
            print("\n".join(diff))
            print(f"\n{args.doc} is out of date: run `python scripts/gen_env_docs.py`", file=sys.stderr)
            return 1
        return 0
    if current != wanted:
        args.doc.write_text(wanted, encoding="utf-8")
        print(f"updated {args.doc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
