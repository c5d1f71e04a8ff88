"""One engine per process, one session per unit of work.

SQLite (the embedded default) gets WAL, a busy timeout and foreign keys, and its
write transactions start with BEGIN IMMEDIATE so two writers queue instead of
failing half-way. Read-only sessions start a deferred transaction.

A read-only session refuses every write with `ReadOnlySession` instead of dropping it
silently: ORM changes when flushed or left pending at the end, and any SQL write sent on
its connection (ORM, Core or raw SQL), so a use case handed the wrong session cannot lose
its writes. (PostgreSQL's own READ ONLY transactions would also refuse the row locks that
shared checks take, e.g. an import preview.)
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "openmap.sqlite3"


_engine: Engine | None = None
_sessions: sessionmaker[Session] | None = None
_read_sessions: sessionmaker[Session] | None = None


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
    if _engine is None:
        _bind(make_engine(database_url()))
    return _engine


def set_engine(engine: Engine) -> None:
    """Point this process at another engine (tests, manage.py --database)."""
    _bind(engine)


def _bind(engine: Engine) -> None:
    global _engine, _sessions, _read_sessions
    _engine = engine
    _sessions = sessionmaker(engine, expire_on_commit=False)
    # Listeners on this derived engine see only the read-only sessions' statements.
    read_engine = engine.execution_options(read_only=True)
    event.listen(read_engine, "before_cursor_execute", _refuse_write_statement)
    _read_sessions = sessionmaker(read_engine, expire_on_commit=False)
    event.listen(_read_sessions, "before_flush", _refuse_flush)


def reset_engine() -> None:
    global _engine, _sessions, _read_sessions
    if _engine is not None:
        _engine.dispose()
    _engine = None
    _sessions = None
    _read_sessions = None


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A write transaction: committed if the block ends normally, else rolled back."""
    get_engine()
    with _sessions() as session, session.begin():
        yield session


@contextmanager
def read_only() -> Iterator[Session]:
    """A read transaction; nothing it does is committed, and any write raises ReadOnlySession."""
    get_engine()
    # Closing (not rolling back) ends the transaction and keeps loaded objects readable.
    with _read_sessions() as session:
        yield session
        session.flush()  # a change left pending would otherwise vanish without a word


class ReadOnlySession(RuntimeError):
    """A write was attempted in a read_only() session: a programming error."""

    def __init__(self, what: str):
        super().__init__(f"write attempted in a read_only() session ({what}): run this use case in unit_of_work()")


_WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE|MERGE|UPSERT|REPLACE|CREATE|ALTER|DROP|TRUNCATE)\b",
                              re.IGNORECASE)


def _refuse_flush(session, _flush_context, _instances) -> None:
    pending = sorted({type(o).__name__ for o in (*session.new, *session.dirty, *session.deleted)})
    raise ReadOnlySession(f"pending changes to {', '.join(pending)}")


def _refuse_write_statement(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
    if _WRITE_STATEMENT.match(statement):
        raise ReadOnlySession(statement.split(None, 1)[0].upper())
