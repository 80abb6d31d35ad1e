"""schemathesis against the store's OpenAPI (ASGI, in-process): no request makes a 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from sitrep_shared.settings import DatabaseSettings
from sitrep_store import db
from sitrep_store.app import create_app
from sitrep_store.metrics import StoreMetrics
from sitrep_store.repository import open_repository
from sitrep_store.settings import StoreSettings
from sitrep_store.testing import generate


@pytest.fixture(scope="module")
def app_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'fuzz.db'}"
    repo = open_repository(db.make_engine(DatabaseSettings(url=url)))
    repo.apply(list(generate(20, seed=8)))
    app = create_app(StoreSettings(database=DatabaseSettings(url=url), consume=False), metrics=StoreMetrics())
    with TestClient(app) as client:
        yield client


# The live stream never ends by design (it is tested on its own), so it is left out of the fuzzing.
schema = schemathesis.pytest.from_fixture("openapi_schema").exclude(path="/v1/stream")


@pytest.fixture(scope="module")
def openapi_schema(app_client: TestClient) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", app_client.app)


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_openapi_no_server_errors(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, (case.path, case.query, response.text[:500])
