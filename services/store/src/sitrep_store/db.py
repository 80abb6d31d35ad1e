"""Engine construction (SQLite pragmas, PostgreSQL password) and migrations run at start."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url

from sitrep_shared.settings import DatabaseSettings

log = logging.getLogger("sitrep.store.db")

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(settings: DatabaseSettings) -> Engine:
    """An engine for `settings.url`; SQLite gets WAL, a busy timeout and foreign keys."""
    url = make_url(settings.url)
    if settings.password is not None:
        url = url.set(password=settings.password.get_secret_value())
    if url.get_backend_name() == "sqlite":
        if (path := _sqlite_file(url)) is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy's BEGIN reach SQLite, so that a transaction is really one transaction.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA cache_size=-262144")
            # Checkpoint every ~200 MB of WAL rather than 4 MB: an index page dirtied by many
            # batches is then copied back once, and the writer waits on fewer fsyncs.
            cursor.execute("PRAGMA wal_autocheckpoint=50000")
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            # Writers take the lock up front, so a read-then-write never fails on a lock upgrade.
            immediate = conn.get_execution_options().get("sqlite_immediate", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(
        url,
        pool_size=settings.pool_size,
        pool_pre_ping=True,
        connect_args={"connect_timeout": int(settings.connect_timeout_s)},
    )


class WalCheckpointer:
    """Copies an SQLite write-ahead log back into the database file from a thread of its own.

    Left to SQLite, the writer does it inside a commit whenever the log passes `wal_autocheckpoint`
    pages, and the batch waits: 11% of the writer's time at 700,000 events (py-spy, November 26).
    A PASSIVE checkpoint blocks neither the writer nor readers; the writer's own autocheckpoint
    stays as the backstop should this thread fall behind.
    """

    def __init__(self, path: str, *, interval_s: float = 0.5) -> None:
        self.path = path
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpointer", daemon=True)

    def start(self) -> WalCheckpointer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout=30000")
            while not self._stop.wait(self.interval_s):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # e.g. the file is gone: keep trying, the backstop holds
                    log.warning("checkpoint failed", extra={"error": str(exc)})
        finally:
            conn.close()


def _sqlite_file(url: URL) -> str | None:
    """The database file of an SQLite URL; None for another backend or an in-memory database."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return url.database


def start_checkpointer(engine: Engine) -> WalCheckpointer | None:
    """A running checkpointer for a file-backed SQLite engine; None for PostgreSQL or memory."""
    path = _sqlite_file(engine.url)
    return None if path is None else WalCheckpointer(path).start()


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest Alembic revision."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("schema migrated", extra={"backend": engine.dialect.name})


def ping(engine: Engine) -> bool:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
