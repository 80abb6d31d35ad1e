from pathlib import Path

import pytest

from sitrep_extract.normalise import towns


def test_towns_are_written_once_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "towns.tsv"
    count = towns.write(path)
    rows = towns.load(path)
    assert len(rows) == count > 50_000
    assert all(t.population <= towns.LARGEST for t in rows)
    metula = next(t for t in rows if t.name == "Metula")
    assert metula.country_code == "IL" and 33 < metula.lat < 34 and metula.geonameid == 294247
    assert path.stat().st_mode & 0o044 == 0o044  # readable by a service user other than the builder


def test_towns_cache_is_built_when_missing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = towns.cache_path()
    assert path.parent == tmp_path / "cache" / "sitrep" and not path.exists()
    assert any(t.name == "Dvorichna" for t in towns.load())
    assert path.exists()


def test_towns_cache_falls_back_to_a_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker / "cache"))  # cannot be created
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(towns.tempfile, "tempdir", None)  # re-read TMPDIR
    assert any(t.name == "Metula" for t in towns.load())
    assert list((tmp_path / "tmp").glob("sitrep-*/towns-*.tsv"))
