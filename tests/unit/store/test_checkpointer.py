import time
from pathlib import Path

from sqlalchemy import text

from sitrep_shared.settings import DatabaseSettings
from sitrep_store import db


def test_checkpointer_copies_the_log_into_the_database_file(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    engine = db.make_engine(DatabaseSettings(url=f"sqlite:///{path}"))
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x TEXT)"))
        with engine.begin() as conn:  # well under wal_autocheckpoint: stays in the log
            conn.execute(text("INSERT INTO t VALUES (:x)"), [{"x": "y" * 200} for _ in range(2000)])
        before = path.stat().st_size
        checkpointer = db.start_checkpointer(engine)
        assert checkpointer is not None
        try:
            deadline = time.monotonic() + 15
            while path.stat().st_size <= before and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            checkpointer.stop()
        assert path.stat().st_size > before + 200 * 2000 // 2
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 2000
    finally:
        engine.dispose()


def test_no_checkpointer_for_postgresql_or_memory() -> None:
    assert db.start_checkpointer(db.make_engine(DatabaseSettings(url="sqlite://"))) is None
    pg = db.make_engine(DatabaseSettings(url="postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    assert db.start_checkpointer(pg) is None
    pg.dispose()
