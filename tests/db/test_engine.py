"""The SQLite engine: WAL, busy timeout, foreign keys, and writers that queue instead of failing."""

import sqlite3
import threading

import pytest
from sqlalchemy import func, insert, select, text

from db.engine import ReadOnlySession, make_engine, read_only, unit_of_work
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
    """Read-then-write by two transactions at once. The first writes only once the second
    has read too, or is queued behind the first's BEGIN IMMEDIATE. With a deferred BEGIN
    both hold a read snapshot, so one fails with "database is locked"; with BEGIN IMMEDIATE
    the second waits its turn and reads after the first's commit."""
    second_waits_or_has_read = threading.Event()
    errors: list[BaseException] = []

    def write(name: str, *, after_read, trace=None) -> None:
        with sqlite_db.connect() as connection:
            connection.connection.dbapi_connection.set_trace_callback(trace)
            try:
                with connection.begin():
                    count = connection.scalar(select(func.count()).select_from(Network))
                    after_read()
                    connection.execute(insert(Network).values(name=f"{name} {count}", active=True, version=1))
            finally:
                connection.connection.dbapi_connection.set_trace_callback(None)

    def on_statement(statement: str) -> None:  # SQLite starts running `statement` (before any lock wait)
        if statement.startswith("BEGIN IMMEDIATE"):
            second_waits_or_has_read.set()

    def second() -> None:
        try:
            write("B", after_read=second_waits_or_has_read.set, trace=on_statement)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
            second_waits_or_has_read.set()

    racer = threading.Thread(target=second)

    def let_the_second_go() -> None:
        racer.start()
        assert second_waits_or_has_read.wait(timeout=30)

    try:
        write("A", after_read=let_the_second_go)
    except Exception as error:  # noqa: BLE001 - reported below
        errors.append(error)
    racer.join(timeout=30)
    assert errors == []
    with read_only() as session:
        names = sorted(session.scalars(select(Network.name)))
    # Serialised: the second writer saw the first one's row.
    assert names == ["A 0", "B 1"]


def test_sqlite_unit_of_work_rolls_back_on_error(sqlite_db):
    with pytest.raises(RuntimeError), unit_of_work() as session:
        session.add(Network(name="Jamais enregistré"))
        session.flush()
        raise RuntimeError("échec au milieu")
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(Network)) == 0


def test_lower_folds_accented_capitals_like_postgresql(db):
    # Case-insensitive searches and name clashes rely on lower() agreeing on both backends.
    with db.connect() as connection:
        assert connection.execute(text("SELECT lower('ÉCOLE Île-de-France')")).scalar() == "école île-de-france"
        assert connection.execute(text("SELECT lower(NULL)")).scalar() is None


# ---------------------------------------------------------------- read-only sessions refuse writes


def network_count(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM networks")).scalar()


def test_read_only_refuses_a_flushed_write(db):
    with pytest.raises(ReadOnlySession), read_only() as session:
        session.add(Network(name="Jamais enregistré"))
        session.flush()
    assert network_count(db) == 0


def test_read_only_refuses_a_change_left_pending_at_the_end(db):
    # Nothing flushes it: without the final check the change would vanish silently.
    with pytest.raises(ReadOnlySession), read_only() as session:
        session.add(Network(name="Jamais enregistré"))
    assert network_count(db) == 0


def test_read_only_refuses_a_core_insert(db):
    with pytest.raises(ReadOnlySession), read_only() as session:
        session.execute(insert(Network).values(name="Jamais enregistré", active=True, version=1))
    assert network_count(db) == 0


def test_read_only_refuses_raw_sql_on_its_connection(db):
    with pytest.raises(ReadOnlySession), read_only() as session:
        session.connection().exec_driver_sql("DELETE FROM networks")


def test_read_only_leaves_other_errors_alone(db):
    with pytest.raises(ZeroDivisionError), read_only() as session:
        session.add(Network(name="Jamais enregistré"))
        raise ZeroDivisionError  # the block's own error is what the caller sees


def test_unit_of_work_writes_after_a_read_only_session_on_the_same_connection(db):
    for attempt in range(3):  # the pool hands the same connection back each time
        with read_only() as session:
            session.scalar(select(func.count()).select_from(Network))
        with unit_of_work() as session:
            session.add(Network(name=f"Réseau {attempt}"))
    assert network_count(db) == 3
