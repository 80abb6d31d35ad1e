"""Store fixtures: a migrated repository on SQLite (a temp file) and on PostgreSQL (a fresh database)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sitrep_shared.settings import DatabaseSettings
from sitrep_store import db
from sitrep_store.repository import SqlRepository, open_repository

PG_ADMIN_URL = os.environ.get("SITREP_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_admin():
    import psycopg

    dsn = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    try:
        return psycopg.connect(dsn, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL tests need a server at {PG_ADMIN_URL} (set SITREP_TEST_PG): {exc}")


@pytest.fixture
def database_url_factory(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Makes an empty database on the named backend and returns its URL; PostgreSQL ones are dropped after."""
    created: list[str] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'store-{uuid.uuid4().hex[:8]}.db'}"
        name = f"sitrep_test_{uuid.uuid4().hex[:12]}"
        with _pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        created.append(name)
        return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"

    yield make
    if created:
        with _pg_admin() as conn:
            for name in created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_repository() -> Iterator[SqlRepository]:
    """One migrated PostgreSQL database for the session; `repo` empties it before each test."""
    name = f"sitrep_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = db.make_engine(DatabaseSettings(url=PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"))
    try:
        yield open_repository(engine)
    finally:
        engine.dispose()
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlRepository]:
    if request.param == "postgresql":
        repository: SqlRepository = request.getfixturevalue("pg_repository")
        with repository.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE event_locations, events, articles, daily_counts, "
                                 "daily_country_counts, country_counts RESTART IDENTITY")
            conn.exec_driver_sql("UPDATE store_counters SET value = 0")
        yield repository
        return
    engine = db.make_engine(DatabaseSettings(url=f"sqlite:///{tmp_path / 'store.db'}"))
    try:
        yield open_repository(engine)
    finally:
        engine.dispose()
