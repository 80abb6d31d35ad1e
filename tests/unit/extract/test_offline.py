import json
from pathlib import Path

from sitrep_extract import offline
from sitrep_shared.models import Article, Event, Extraction


class _OneEventPerArticle:
    name = "fake"
    version = "0"

    def extract_batch(self, articles: list[Article]) -> list[list[Event]]:
        return [[] for _ in articles]


def test_offline_reads_article_and_article_create_lines(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    create = {"url": "https://example.org/a", "text": "Drones were shot down.", "title": "T"}
    wire = {"id": "a_1", "text": "Talks were held.", "ingested_at": "2024-01-01T00:00:00Z"}
    src.write_text(json.dumps(create) + "\n\n" + json.dumps(wire) + "\nnot json\n", encoding="utf-8")
    n, _seconds, skipped = offline.run(_OneEventPerArticle(), src, dst, batch_size=1)
    assert (n, skipped) == (2, 1)
    rows = [Extraction.model_validate_json(x) for x in dst.read_text(encoding="utf-8").splitlines()]
    assert [r.article.id for r in rows][1] == "a_1"
    assert rows[0].article.id.startswith("a_") and rows[0].model.name == "fake"
