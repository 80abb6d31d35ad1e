import json
from pathlib import Path

from sitrep_extract import corpus
from sitrep_extract.train import main


def test_train_reads_the_corpus_it_is_given_and_writes_a_versioned_artifact(tmp_path: Path) -> None:
    # A small corpus of the project's own articles: the first twenty of part a.
    (tmp_path / "corpus" / "raw").mkdir(parents=True)
    lines = (corpus.CORPUS_DIR / "raw" / "part_a.jsonl").read_text(encoding="utf-8").splitlines()[:20]
    (tmp_path / "corpus" / "raw" / "part_a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    packaged = (corpus.CORPUS_DIR / "corpus.jsonl").read_bytes()

    assert main(["--corpus", str(tmp_path / "corpus"), "--rebuild-corpus", "--hold-out-dev", "--epochs", "1",
                 "--threads", "1", "--out", str(tmp_path / "artifacts")]) == 0

    _, digest = corpus.read(tmp_path / "corpus")
    version = (tmp_path / "artifacts" / "CURRENT").read_text().strip()
    assert version.endswith("+" + digest[:8])
    artifact = tmp_path / "artifacts" / version
    config = json.loads((artifact / "config.json").read_text())
    assert config["corpus_sha256"] == digest and config["include_dev"] is False
    metrics = json.loads((artifact / "metrics.json").read_text())
    assert metrics["corpus"]["articles"] == 20 and len(metrics["history"]) == 1
    assert (artifact / "adapter.safetensors").stat().st_size > 0
    assert (corpus.CORPUS_DIR / "corpus.jsonl").read_bytes() == packaged  # the packaged corpus is untouched
