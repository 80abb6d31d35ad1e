import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sitrep_shared.settings import DatabaseSettings
from sitrep_store.app import create_app
from sitrep_store.gc_tuning import YOUNG, tune_gc_for_batches
from sitrep_store.settings import StoreSettings


@pytest.fixture
def restore_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restore_gc")
def test_tuning_freezes_startup_objects_and_raises_the_young_threshold() -> None:
    tune_gc_for_batches()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == YOUNG


@pytest.mark.usefixtures("restore_gc")
def test_the_store_app_tunes_the_collector_once_its_repository_is_open(tmp_path: Path) -> None:
    gc.set_threshold(700, 10, 10)
    settings = StoreSettings(database=DatabaseSettings(url=f"sqlite:///{tmp_path / 'store.db'}"), consume=False)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_threshold()[0] == YOUNG
