"""`python -m sitrep_ingest load PATH...`: articles from files, through the same path as the HTTP API.

Accepted inputs: `.jsonl` (one article a line), `.json` (an array of articles, or one article), and
folders of `.txt` files (first line the headline, the rest the body).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm

from sitrep_ingest.dedupe import RecentIds
from sitrep_ingest.ingestor import Ingestor, ItemResult, Unparseable
from sitrep_ingest.metrics import IngestMetrics
from sitrep_ingest.settings import DEFAULT_PRODUCER, IngestSettings
from sitrep_shared import kafka

CHUNK = 500


def read_items(path: Path) -> Iterator[tuple[str, object]]:
    """(where, decoded item) for every article in a file or folder."""
    if path.is_dir():
        for txt in sorted(path.rglob("*.txt")):
            yield str(txt), text_article(txt)
    elif path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if line.strip():
                    try:
                        yield f"{path}:{number}", json.loads(line)
                    except json.JSONDecodeError as exc:
                        yield f"{path}:{number}", Unparseable(f"not valid JSON: {exc}")
    elif path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        for index, item in enumerate(data if isinstance(data, list) else [data]):
            yield f"{path}[{index}]", item
    elif path.suffix == ".txt":
        yield str(path), text_article(path)
    else:
        raise ValueError(f"{path}: expected a folder, .jsonl, .json or .txt")


def text_article(path: Path) -> dict[str, object]:
    title, _, text = path.read_text(encoding="utf-8").strip().partition("\n")
    return {"title": title.strip(), "text": text.strip() or title.strip()}


def describe(result: ItemResult) -> str:
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'item'}: {e['msg']}" for e in result.errors or []
    )


async def load(paths: list[Path], settings: IngestSettings, *, progress: bool = True) -> Counter[str]:
    """Publish every article found under `paths`; returns counts by outcome."""
    items = [pair for path in paths for pair in read_items(path)]
    counts: Counter[str] = Counter()
    reasons: list[str] = []
    topic = settings.kafka.topics.articles
    async with kafka.publisher(settings.kafka, source="sitrep-ingest/loader", ensure=[topic],
                               default_producer=DEFAULT_PRODUCER) as publisher:
        ingestor = Ingestor(publisher=publisher, topic=topic,
                            recent=RecentIds(capacity=len(items) + 1, ttl_seconds=3600),
                            metrics=IngestMetrics(),
                            publish_timeout=settings.ingest.publish_timeout_seconds)
        with tqdm(total=len(items), unit="article", disable=not progress, file=sys.stderr) as bar:
            for start in range(0, len(items), CHUNK):
                chunk = items[start:start + CHUNK]
                for (where, _), result in zip(chunk, await ingestor.ingest([i for _, i in chunk]),
                                              strict=True):
                    counts[result.status] += 1
                    if result.status == "invalid" and len(reasons) < 5:
                        reasons.append(f"{where}: {describe(result)}")
                bar.update(len(chunk))
    print(f"loaded {len(items)} articles: {counts['accepted']} accepted, {counts['duplicate']} duplicate, "
          f"{counts['invalid']} invalid")
    for reason in reasons:
        print(f"  invalid {reason}")
    return counts
