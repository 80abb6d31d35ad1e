"""Build corpus/corpus.jsonl from the raw annotated articles in corpus/raw/part_*.jsonl.

Each article's text is its sentences joined by a space; every argument becomes a {role, start,
end, text} character span relative to that text; the split (train/dev/test, about 80/10/10) is a
hash of the doc_id, so an article never moves between splits when the corpus grows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(__file__).resolve().parents[2] / "corpus"
RAW_GLOB = "raw/part_*.jsonl"
ROLES = ("claimant", "actor", "target", "object", "quantity", "location", "time")


def split_of(doc_id: str) -> str:
    bucket = int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest(), 16) % 10
    return "test" if bucket == 0 else "dev" if bucket == 1 else "train"


def _span(sentence: str, value: str | None, offset: int, role: str) -> dict[str, Any] | None:
    if not value:
        return None
    # The first occurrence that stands as a word of its own ("one" not inside "drone"), else the first.
    whole = re.search(rf"(?<!\w){re.escape(value)}(?!\w)", sentence)
    at = whole.start() if whole else sentence.find(value)
    if at < 0:
        return None
    return {"role": role, "start": offset + at, "end": offset + at + len(value), "text": value}


def _link(doc_id: str, ev: dict[str, Any], flat_index: dict[tuple[int, int], int],
          events: list[dict[str, Any]]) -> int:
    """The index of the earlier event that `ev` restates (raw `same_as` is [sentence, event])."""
    link = ev["same_as"]
    target = flat_index.get((link[0], link[1])) if isinstance(link, list) and len(link) == 2 else None
    if target is None or target == len(events) - 1:
        raise ValueError(f"{doc_id}: same_as {ev['same_as']!r} names no earlier event")
    if events[target]["type"] != ev["type"]:
        raise ValueError(f"{doc_id}: same_as {ev['same_as']!r} links a {ev['type']} to a "
                         f"{events[target]['type']}")
    return int(events[target].get("same_as", target))  # always the first mention


def build_article(raw: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """One corpus record from one raw article, and the number of argument strings not found."""
    text_parts: list[str] = []
    sentences: list[dict[str, int]] = []
    events: list[dict[str, Any]] = []
    flat_index: dict[tuple[int, int], int] = {}  # (sentence, event in sentence) -> index in `events`
    missing = 0
    pos = 0
    for si, sent in enumerate(raw["sentences"]):
        s = sent["text"]
        if text_parts:
            pos += 1
        sentences.append({"start": pos, "end": pos + len(s)})
        for ei, ev in enumerate(sent.get("events", [])):
            flat_index[(si, ei)] = len(events)
            args = []
            qty = ev.get("quantity") or None
            values = [(r, ev.get(r)) for r in ("claimant", "actor", "target", "object", "time")]
            values.append(("quantity", qty.get("text") if qty else None))
            values += [("location", loc) for loc in ev.get("locations") or []]
            for role, value in values:
                if not value or not isinstance(value, str):
                    continue
                span = _span(s, value, pos, role)
                if span is None:
                    missing += 1
                else:
                    args.append(span)
            events.append({
                "type": ev["type"],
                "stance": ev.get("stance") or "asserted",
                "sentence": si,
                "args": args,
                "quantity": ({"value": qty.get("value"), "qualifier": qty.get("qualifier") or "exact",
                              "text": qty.get("text")} if qty else None),
                "locations": list(ev.get("locations") or []),
                "time": ev.get("time"),
                "date": ev.get("date"),
            })
            if ev.get("same_as") is not None:
                events[-1]["same_as"] = _link(raw["doc_id"], ev, flat_index, events)
        text_parts.append(s)
        pos += len(s)
    record = {
        "doc_id": raw["doc_id"],
        "split": split_of(raw["doc_id"]),
        "source": raw.get("source"),
        "published_at": raw.get("published_at"),
        "title": raw.get("title"),
        "text": " ".join(text_parts),
        "sentences": sentences,
        "events": events,
    }
    return record, missing


def load_raw(corpus_dir: Path = CORPUS_DIR) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(corpus_dir.glob(RAW_GLOB)):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError:
                print(f"{path.name}:{n}: skipped, not JSON", file=sys.stderr)
                continue
            if raw.get("doc_id") and raw.get("sentences"):
                out[raw["doc_id"]] = raw
    return [out[k] for k in sorted(out)]


def build(corpus_dir: Path = CORPUS_DIR) -> tuple[list[dict[str, Any]], str, dict[str, Any]]:
    """Records, their hash, and summary statistics."""
    records, missing = [], 0
    for raw in load_raw(corpus_dir):
        rec, miss = build_article(raw)
        records.append(rec)
        missing += miss
    payload = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    return records, digest, stats(records, missing=missing)


def stats(records: list[dict[str, Any]], *, missing: int = 0) -> dict[str, Any]:
    types: Counter[str] = Counter()
    stances: Counter[str] = Counter()
    splits: Counter[str] = Counter()
    sentences = negatives = 0
    for r in records:
        splits[r["split"]] += 1
        sentences += len(r["sentences"])
        with_events = {e["sentence"] for e in r["events"]}
        negatives += len(r["sentences"]) - len(with_events)
        for e in r["events"]:
            types[e["type"]] += 1
            stances[e["stance"]] += 1
    return {"articles": len(records), "sentences": sentences, "negative_sentences": negatives,
            "events": sum(types.values()), "types": dict(sorted(types.items())),
            "stances": dict(sorted(stances.items())), "splits": dict(sorted(splits.items())),
            "unmatched_argument_strings": missing}


def write(corpus_dir: Path = CORPUS_DIR) -> tuple[Path, str, dict[str, Any]]:
    records, digest, summary = build(corpus_dir)
    path = corpus_dir / "corpus.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n")
    (corpus_dir / "corpus.sha256").write_text(digest + "\n", encoding="utf-8")
    (corpus_dir / "stats.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return path, digest, summary


def read(corpus_dir: Path = CORPUS_DIR) -> tuple[list[dict[str, Any]], str]:
    """The built corpus and its hash (building it first if it is missing)."""
    path = corpus_dir / "corpus.jsonl"
    if not path.exists():
        write(corpus_dir)
    data = path.read_bytes()
    records = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
    return records, hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="sitrep_extract corpus", description="build corpus.jsonl")
    ap.add_argument("--dir", type=Path, default=CORPUS_DIR)
    a = ap.parse_args(argv)
    path, digest, summary = write(a.dir)
    print(json.dumps({"path": str(path), "sha256": digest, **summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
