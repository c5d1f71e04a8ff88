"""One engine per process, one session per unit of work.

SQLite (the embedded default) gets WAL, a busy timeout and foreign keys, and its
write transactions start with BEGIN IMMEDIATE so two writers queue instead of
failing half-way. Read-only sessions start a deferred transaction.

SQLite's planner also needs statistics (sqlite_stat1): without them it guesses, and on a
grown database a guess can cost a query 100 times its time. As https://sqlite.org/lang_analyze.html
recommends, each new connection analyses what has none (`PRAGMA optimize=0x10002` from
3.46 on), a long-lived one runs `PRAGMA optimize` now and then, and `analyze` follows
migrations and bulk loads. PostgreSQL's autovacuum keeps its own statistics.

A read-only session refuses every write with `ReadOnlySession` instead of dropping it
silently: ORM changes when flushed or left pending at the end, and any SQL write sent on
its connection (ORM, Core or raw SQL), so a use case handed the wrong session cannot lose
its writes. (PostgreSQL's own READ ONLY transactions would also refuse the row locks that
shared checks take, e.g. an import preview.)
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
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
    def _on_connect(dbapi_connection, record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        cursor.close()
        # SQLite's lower() folds ASCII only (« ÎLE » stays « ÎLE »); PostgreSQL's folds all.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        _without_waiting(dbapi_connection, _gather_missing_statistics)
        record.info[_OPTIMIZED_AT] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection, record):
        # A pooled connection lives as long as the server: its statistics must follow the data.
        if dbapi_connection is not None and time.monotonic() - record.info.get(_OPTIMIZED_AT, 0) >= OPTIMIZE_EVERY:
            record.info[_OPTIMIZED_AT] = time.monotonic()
            _without_waiting(dbapi_connection, lambda connection: connection.execute("PRAGMA optimize"))

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("read_only"):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _unicode_lower(value):
    return value.lower() if isinstance(value, str) else value


# ---------------------------------------------------------------- planner statistics (SQLite)

ANALYSIS_LIMIT = 1000  # rows read per index by ANALYZE: statistics good enough, in milliseconds at any size
OPTIMIZE_EVERY = 3600.0  # seconds between two `PRAGMA optimize` of a pooled connection
_OPTIMIZED_AT = "openmap_optimized_at"


def _gather_missing_statistics(connection: sqlite3.Connection) -> None:
    """On a new connection: analyse the tables that have rows but no statistics (and, from
    SQLite 3.46 on, those that grew or shrank a lot since they were analysed)."""
    if sqlite3.sqlite_version_info >= (3, 46):
        connection.execute("PRAGMA optimize=0x10002")
        return
    for table in unanalysed_tables(connection):
        connection.execute(f'ANALYZE "{table}"')


def unanalysed_tables(connection: sqlite3.Connection) -> list[str]:
    """The tables with rows and an index that sqlite_stat1 knows nothing of (what `PRAGMA
    optimize=0x10002` would analyse first; older SQLite only looks at the tables a
    connection has used, so a fresh connection would analyse nothing)."""
    analysed: set[str] = set()
    if connection.execute("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").fetchone():
        analysed = {index for (index,) in connection.execute("SELECT idx FROM sqlite_stat1")}
    tables = sorted({table for table, index in connection.execute(
        "SELECT tbl_name, name FROM sqlite_schema WHERE type = 'index'") if index not in analysed})
    # The names come from sqlite_schema, quoted: nothing typed by anyone.
    return [t for t in tables if connection.execute(f'SELECT EXISTS (SELECT 1 FROM "{t}")').fetchone()[0]]  # noqa: S608


def _without_waiting(connection: sqlite3.Connection, work) -> None:
    """Run `work(connection)` unless another connection is writing right now: statistics can
    wait for the next chance, a user's page should not wait for them."""
    connection.execute("PRAGMA busy_timeout=0")
    try:
        work(connection)
    except sqlite3.OperationalError as error:
        if "locked" not in str(error) and "busy" not in str(error):
            raise
    finally:
        connection.execute("PRAGMA busy_timeout=30000")


def analyze(bind: Engine | Connection | Session) -> None:
    """Gather the planner's statistics of every table now, after a migration or a bulk load
    (SQLite; PostgreSQL's autovacuum analyses on its own). In the caller's transaction if a
    connection or session is given."""
    _run_on_sqlite(bind, "ANALYZE")


def optimize(bind: Connection | Session) -> None:
    """After a large write in the caller's transaction: SQLite analyses the tables this
    connection used whose statistics are missing or now far off (cheap when none is)."""
    _run_on_sqlite(bind, "PRAGMA optimize")


def _run_on_sqlite(bind: Engine | Connection | Session, statement: str) -> None:
    dialect = bind.get_bind().dialect if isinstance(bind, Session) else bind.dialect
    if dialect.name != "sqlite":
        return
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            connection.exec_driver_sql(statement)
            connection.commit()
    else:
        bind.execute(text(statement))


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
