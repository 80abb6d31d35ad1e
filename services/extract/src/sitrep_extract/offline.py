"""`python -m sitrep_extract file IN.jsonl OUT.jsonl`: one Article JSON a line in, one Extraction out."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

from pydantic import ValidationError

from sitrep_extract.pipeline import Extractor, load_extractor
from sitrep_shared.models import Article, ArticleCreate, Extraction, ModelInfo


def parse_article(line: str) -> Article:
    """An Article line as the topic carries it, or an ArticleCreate line (no id yet) as a client sends it."""
    data = json.loads(line)
    if isinstance(data, dict) and "id" not in data:
        return ArticleCreate.model_validate(data).to_article()
    return Article.model_validate(data)


def run(extractor: Extractor, src: Path, dst: Path, *, batch_size: int = 16) -> tuple[int, float, int]:
    """Extract every article of `src` into `dst`; returns (articles, seconds, lines skipped)."""
    started = time.perf_counter()
    n = skipped = 0
    info = ModelInfo(name=extractor.name, version=extractor.version)
    with src.open(encoding="utf-8") as fin, dst.open("w", encoding="utf-8") as fout:
        batch: list[Article] = []

        def flush() -> None:
            for article, events in zip(batch, extractor.extract_batch(batch), strict=True):
                ex = Extraction(article=article, model=info, events=events, extracted_at=dt.datetime.now(dt.UTC))
                fout.write(ex.model_dump_json() + "\n")
            batch.clear()

        for lineno, line in enumerate(fin, 1):
            if not line.strip():
                continue
            try:
                batch.append(parse_article(line))
            except (ValueError, ValidationError) as exc:
                skipped += 1
                print(f"{src}:{lineno}: skipped, not an article: {str(exc).splitlines()[0]}", file=sys.stderr)
                continue
            n += 1
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
    return n, time.perf_counter() - started, skipped


def main(argv: list[str]) -> int:
    if argv and argv[0] == "file":
        argv = argv[1:]
    ap = argparse.ArgumentParser(prog="sitrep_extract file", description=__doc__.split("\n")[0])
    ap.add_argument("input", type=Path)
    ap.add_argument("output", type=Path)
    ap.add_argument("--artifact", type=Path, default=None, help="artifact directory (default: committed)")
    ap.add_argument("--batch-size", type=int, default=16, help="articles per model batch")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--baseline", action="store_true", help="use the keyword baseline instead")
    ap.add_argument("--screen", type=float, default=None,
                    help="an ensemble's screening level (see ensemble.py); 0 runs every member on every sentence")
    a = ap.parse_args(argv)
    if a.baseline:
        from sitrep_extract.baseline import KeywordBaseline

        extractor: Extractor = KeywordBaseline()
    else:
        extractor = load_extractor(artifact_dir=a.artifact, torch_threads=a.threads, screen=a.screen)
    n, seconds, skipped = run(extractor, a.input, a.output, batch_size=a.batch_size)
    print(f"{n} articles in {seconds:.2f}s ({n / seconds if seconds else 0:.1f} articles/s) -> {a.output}"
          + (f"; {skipped} lines skipped" if skipped else ""), file=sys.stderr)
    return 1 if skipped else 0
