import json
from pathlib import Path

import pytest

from sitrep_extract import corpus
from sitrep_extract.train import main


def _small_corpus(tmp_path: Path, articles: int) -> Path:
    """A corpus directory holding the project's own first `articles` articles of part a."""
    (tmp_path / "corpus" / "raw").mkdir(parents=True)
    lines = (corpus.CORPUS_DIR / "raw" / "part_a.jsonl").read_text(encoding="utf-8").splitlines()[:articles]
    (tmp_path / "corpus" / "raw" / "part_a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path / "corpus"


def test_train_reads_the_corpus_it_is_given_and_writes_a_versioned_artifact(tmp_path: Path) -> None:
    _small_corpus(tmp_path, 20)
    packaged = (corpus.CORPUS_DIR / "corpus.jsonl").read_bytes()

    assert main(["--corpus", str(tmp_path / "corpus"), "--rebuild-corpus", "--hold-out-dev", "--epochs", "1",
                 "--threads", "1", "--members", "1", "--out", str(tmp_path / "artifacts")]) == 0

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


def test_train_members_writes_an_ensemble_artifact_that_loads(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sitrep_extract.ensemble import EnsembleModel
    from sitrep_extract.pipeline import load_extractor

    _small_corpus(tmp_path, 12)

    assert main(["--corpus", str(tmp_path / "corpus"), "--rebuild-corpus", "--hold-out-dev", "--epochs", "1",
                 "--threads", "1", "--members", "2", "--seed", "5", "--dtype", "fp32",
                 "--out", str(tmp_path / "artifacts")]) == 0
    assert "2 models train in fp32" in capsys.readouterr().err  # the user is told what that costs

    artifact = tmp_path / "artifacts" / (tmp_path / "artifacts" / "CURRENT").read_text().strip()
    config = json.loads((artifact / "config.json").read_text())
    assert config["members"] == ["member-5", "member-6"]
    seeds = [json.loads((artifact / m / "config.json").read_text())["train"]["seed"] for m in config["members"]]
    assert seeds == [5, 6]
    assert set(json.loads((artifact / "metrics.json").read_text())["members"]) == {"member-5", "member-6"}
    extractor = load_extractor(artifact_dir=artifact, use_bf16=False)
    assert isinstance(extractor.model, EnsembleModel) and len(extractor.model.members) == 2
    assert extractor.version == config["version"]


def test_train_bf16_records_its_dtype_and_loads(tmp_path: Path) -> None:
    from sitrep_extract.pipeline import load_extractor

    _small_corpus(tmp_path, 12)

    assert main(["--corpus", str(tmp_path / "corpus"), "--rebuild-corpus", "--hold-out-dev", "--epochs", "1",
                 "--threads", "1", "--members", "1", "--dtype", "bf16", "--out", str(tmp_path / "artifacts")]) == 0

    artifact = tmp_path / "artifacts" / (tmp_path / "artifacts" / "CURRENT").read_text().strip()
    assert json.loads((artifact / "config.json").read_text())["train"]["dtype"] == "bf16"
    metrics = json.loads((artifact / "metrics.json").read_text())
    assert metrics["history"][0]["loss"] > 0  # a finite loss came out of the autocast forward
    assert load_extractor(artifact_dir=artifact, use_bf16=False).version.endswith("+" + corpus.read(
        tmp_path / "corpus")[1][:8])


def test_train_refuses_an_ensemble_of_no_members(tmp_path: Path) -> None:
    from sitrep_extract.model import ModelConfig
    from sitrep_extract.train import TrainConfig, train

    with pytest.raises(ValueError, match="at least 1"):
        train(cfg=TrainConfig(), model_cfg=ModelConfig(), out_root=tmp_path, members=0)
    assert not any(tmp_path.iterdir())


def test_the_default_ensemble_size_follows_what_fits_the_training_budget() -> None:
    from sitrep_extract.train import ENSEMBLE_MEMBERS, default_members

    assert default_members("bf16") == ENSEMBLE_MEMBERS == 3
    assert default_members("fp32") == 1  # three fp32 models took 33 minutes on 2 cores one after another


def test_train_without_members_in_fp32_trains_one_model_and_says_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _small_corpus(tmp_path, 12)

    assert main(["--corpus", str(tmp_path / "corpus"), "--rebuild-corpus", "--hold-out-dev", "--epochs", "1",
                 "--threads", "1", "--dtype", "fp32", "--out", str(tmp_path / "artifacts")]) == 0

    assert "training one model, not the shipped recipe's 3" in capsys.readouterr().err
    artifact = tmp_path / "artifacts" / (tmp_path / "artifacts" / "CURRENT").read_text().strip()
    config = json.loads((artifact / "config.json").read_text())
    assert "members" not in config and (artifact / "adapter.safetensors").is_file()


def test_members_train_side_by_side_as_they_would_one_after_another(tmp_path: Path) -> None:
    """With two threads the members train in two one-thread processes; the result is what training
    them one after another with one thread gives, byte for byte."""
    _small_corpus(tmp_path, 12)
    common = ["--corpus", str(tmp_path / "corpus"), "--rebuild-corpus", "--hold-out-dev", "--epochs", "1",
              "--members", "2", "--dtype", "fp32"]

    assert main([*common, "--threads", "2", "--out", str(tmp_path / "side")]) == 0
    assert main([*common, "--threads", "1", "--out", str(tmp_path / "serial")]) == 0

    side = tmp_path / "side" / (tmp_path / "side" / "CURRENT").read_text().strip()
    serial = tmp_path / "serial" / (tmp_path / "serial" / "CURRENT").read_text().strip()
    assert json.loads((side / "metrics.json").read_text())["side_by_side"] is True
    assert json.loads((serial / "metrics.json").read_text())["side_by_side"] is False
    for member in ("member-13", "member-14"):
        assert json.loads((side / member / "config.json").read_text())["train"]["threads"] == 1
        assert (side / member / "adapter.safetensors").read_bytes() == \
            (serial / member / "adapter.safetensors").read_bytes()


def test_a_trained_on_dev_split_is_scored_at_the_last_epoch_only(tmp_path: Path) -> None:
    _small_corpus(tmp_path, 12)

    assert main(["--corpus", str(tmp_path / "corpus"), "--rebuild-corpus", "--epochs", "2", "--threads", "1",
                 "--members", "1", "--dtype", "fp32", "--out", str(tmp_path / "artifacts")]) == 0

    artifact = tmp_path / "artifacts" / (tmp_path / "artifacts" / "CURRENT").read_text().strip()
    history = json.loads((artifact / "metrics.json").read_text())["history"]
    assert [h["dev"] is None for h in history] == [True, False]  # dev is training data here
