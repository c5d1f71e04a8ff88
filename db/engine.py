"""One engine per process, one session per unit of work.

SQLite (the embedded default) gets WAL, a busy timeout and foreign keys, and its
write transactions start with BEGIN IMMEDIATE so two writers queue instead of
failing half-way. Read-only sessions start a deferred transaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "openmap.sqlite3"

_engine: Engine | None = None
_sessions: sessionmaker[Session] | None = None


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}"


def make_engine(url: str) -> Engine:
    """Create an engine configured for the backend the URL names."""
    if url.startswith("sqlite"):
        return _make_sqlite_engine(url)
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def _make_sqlite_engine(url: str) -> Engine:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # SQLite's lower() folds ASCII only (« ÎLE » stays « ÎLE »); PostgreSQL's folds all.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


def get_engine() -> Engine:
    global _engine, _sessions
    if _engine is None:
        _engine = make_engine(database_url())
        _sessions = sessionmaker(_engine, expire_on_commit=False)
    return _engine


def set_engine(engine: Engine) -> None:
    """Point this process at another engine (tests, manage.py --database)."""
    global _engine, _sessions
    _engine = engine
    _sessions = sessionmaker(engine, expire_on_commit=False)


def reset_engine() -> None:
    global _engine, _sessions
    if _engine is not None:
        _engine.dispose()
    _engine = None
    _sessions = None


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A write transaction: committed if the block ends normally, else rolled back."""
    get_engine()
    with _sessions() as session, session.begin():
        yield session


@contextmanager
def read_only() -> Iterator[Session]:
    """A read transaction; nothing it does is committed."""
    engine = get_engine()
    # Closing (not rolling back) ends the transaction and keeps loaded objects readable.
    with Session(engine.execution_options(read_only=True), expire_on_commit=False) as session:
        yield session
