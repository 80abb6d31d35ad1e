"""Generate the committed JSON Schemas from the wire models.

    python -m sitrep_shared.schemas            # rewrite shared/schemas/*.json
    python -m sitrep_shared.schemas --check    # exit 1 when they differ from the models
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pydantic import BaseModel

from sitrep_shared.models import Article, ArticleCreate, Extraction

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
SCHEMAS: dict[str, type[BaseModel]] = {
    "article.v1.json": Article,
    "extraction.v1.json": Extraction,
    "article-create.v1.json": ArticleCreate,
}
REGENERATE = "python -m sitrep_shared.schemas"


def render(model: type[BaseModel], name: str) -> str:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": name,
              **model.model_json_schema(mode="serialization")}
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def stale(directory: Path = SCHEMA_DIR) -> list[str]:
    """Names of schema files that are missing or differ from the models."""
    return [n for n, m in SCHEMAS.items()
            if not (directory / n).exists() or (directory / n).read_text() != render(m, n)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REGENERATE)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--dir", type=Path, default=SCHEMA_DIR)
    args = parser.parse_args(argv)
    if args.check:
        out = stale(args.dir)
        if out:
            print(f"stale schemas: {', '.join(out)}; run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    args.dir.mkdir(parents=True, exist_ok=True)
    for name, model in SCHEMAS.items():
        (args.dir / name).write_text(render(model, name))
        print(f"wrote {args.dir / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
