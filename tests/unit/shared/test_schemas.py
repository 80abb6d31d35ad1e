import json
from pathlib import Path

from sitrep_shared import schemas


def test_committed_json_schemas_match_the_models() -> None:
    stale = schemas.stale()
    assert not stale, f"JSON Schemas out of date: {stale}; regenerate with `{schemas.REGENERATE}`"


def test_stale_detects_a_changed_schema_file(tmp_path: Path) -> None:
    assert schemas.main(["--dir", str(tmp_path)]) == 0
    assert schemas.stale(tmp_path) == []
    path = tmp_path / "article.v1.json"
    data = json.loads(path.read_text())
    data["properties"].pop("title")
    path.write_text(json.dumps(data))
    assert schemas.stale(tmp_path) == ["article.v1.json"]
