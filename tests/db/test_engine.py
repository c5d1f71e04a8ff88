"""The SQLite engine: WAL, busy timeout, foreign keys, and writers that queue instead of failing."""

import sqlite3
import threading

import pytest
from sqlalchemy import func, select, text

from db.engine import make_engine, read_only, unit_of_work
from db.models import Network


def sqlite_path(engine) -> str:
    return engine.url.database


def probe_write_lock(path: str) -> bool:
    """True if another connection can take the write lock right now (no waiting)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


def test_sqlite_pragmas_are_set_on_every_connection(sqlite_db):
    with sqlite_db.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_sqlite_pragmas_are_set_on_a_new_file(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'new.sqlite3'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_sqlite_unit_of_work_takes_the_write_lock_at_begin(sqlite_db):
    path = sqlite_path(sqlite_db)
    assert probe_write_lock(path)
    with unit_of_work() as session:
        session.connection()  # BEGIN is sent here; nothing written yet
        assert not probe_write_lock(path)
    assert probe_write_lock(path)


def test_sqlite_read_only_does_not_take_the_write_lock(sqlite_db):
    path = sqlite_path(sqlite_db)
    with read_only() as session:
        session.execute(select(func.count()).select_from(Network))
        assert probe_write_lock(path)


def test_sqlite_two_writers_that_read_first_both_succeed(sqlite_db):
    """Read-then-write by two threads at once: with a deferred BEGIN the second writer
    fails with "database is locked"; with BEGIN IMMEDIATE it waits its turn."""
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            start.wait(timeout=5)
            with unit_of_work() as session:
                count = session.scalar(select(func.count()).select_from(Network))
                threading.Event().wait(0.2)  # both would hold a read snapshot here
                session.add(Network(name=f"{name} {count}"))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("A", "B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    with read_only() as session:
        names = sorted(session.scalars(select(Network.name)))
    # Serialised: the second writer saw the first one's row.
    assert len(names) == 2 and {name.split()[1] for name in names} == {"0", "1"}


def test_sqlite_unit_of_work_rolls_back_on_error(sqlite_db):
    with pytest.raises(RuntimeError), unit_of_work() as session:
        session.add(Network(name="Jamais enregistré"))
        session.flush()
        raise RuntimeError("échec au milieu")
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(Network)) == 0


def test_read_only_commits_nothing(db):
    with read_only() as session:
        session.add(Network(name="Jamais enregistré"))
        session.flush()
    with db.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM networks")).scalar() == 0


def test_lower_folds_accented_capitals_like_postgresql(db):
    # Case-insensitive searches and name clashes rely on lower() agreeing on both backends.
    with db.connect() as connection:
        assert connection.execute(text("SELECT lower('ÉCOLE Île-de-France')")).scalar() == "école île-de-france"
        assert connection.execute(text("SELECT lower(NULL)")).scalar() is None
