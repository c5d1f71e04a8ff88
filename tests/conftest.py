"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, emptied per test.

`db` is parametrised over both backends. PostgreSQL comes from TEST_DATABASE_URL; each
test session works in a schema of its own, created here and dropped at the end.
Without PostgreSQL the PostgreSQL cases are skipped with a printed reason, unless
OPENMAP_REQUIRE_ALL_SUITES is set (CI), where they fail instead.
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from db import engine as db_engine
from db.migrate import upgrade
from db.models import Base

os.environ.setdefault("OPENMAP_BASE_URL", "http://testserver")
REQUIRE_ALL = bool(os.environ.get("OPENMAP_REQUIRE_ALL_SUITES"))


def unavailable(reason: str):
    """Skip, or fail when CI requires every suite to run."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (OPENMAP_REQUIRE_ALL_SUITES is set)")
    pytest.skip(reason)


@contextmanager
def fresh_postgresql_database(prefix: str):
    """The URL of a PostgreSQL database of its own, created empty and dropped afterwards:
    for what other processes (the app, pg_dump) must reach by URL, not by the tests' schema."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        unavailable("PostgreSQL suite skipped: TEST_DATABASE_URL is not set")
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory):
    path = tmp_path_factory.mktemp("db") / "test.sqlite3"
    engine = db_engine.make_engine(f"sqlite:///{path}")
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgresql_engine():
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        unavailable("PostgreSQL suite skipped: TEST_DATABASE_URL is not set")
    schema = f"test_{secrets.token_hex(4)}"
    admin = db_engine.make_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # noqa: BLE001 — whatever keeps PostgreSQL out of reach skips its suite
        unavailable(f"PostgreSQL suite skipped: cannot reach TEST_DATABASE_URL ({error.__class__.__name__})")
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    yield engine
    engine.dispose()
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


KEPT_TABLES = {"sectors"}  # reference data the migrations insert


def _empty(engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name not in KEPT_TABLES]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request):
    """A migrated, empty database that db.engine.unit_of_work() now points at."""
    engine = request.getfixturevalue(f"{request.param}_engine")
    _empty(engine)
    db_engine.set_engine(engine)
    yield engine
    db_engine._engine = None  # the engine belongs to the session fixture: do not dispose


@pytest.fixture
def postgresql_db(postgresql_engine):
    """PostgreSQL only: for what only it can show (row locks between concurrent sessions)."""
    _empty(postgresql_engine)
    db_engine.set_engine(postgresql_engine)
    yield postgresql_engine
    db_engine._engine = None


@pytest.fixture
def sqlite_db(sqlite_engine):
    """SQLite only: for page tests, where running both backends adds nothing."""
    _empty(sqlite_engine)
    db_engine.set_engine(sqlite_engine)
    yield sqlite_engine
    db_engine._engine = None
