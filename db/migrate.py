"""Apply Alembic migrations programmatically (used by manage.py and the tests)."""

from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from db.engine import analyze

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def alembic_config() -> Config:
    return Config(str(ALEMBIC_INI))


@contextmanager
def _migration_config(engine: Engine):
    """A config bound to one transaction of the engine.

    On SQLite, a batch migration rebuilds tables that others reference: foreign keys
    are switched off for the migration (the pragma only works outside a transaction)
    and checked once it is committed.
    """
    config = alembic_config()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                yield config
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
        if sqlite:
            broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
            connection.rollback()
            if broken:
                raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database the engine points at up to `revision`, then gather the planner's
    statistics (a migration may add indexes, or rebuild tables and lose theirs)."""
    with _migration_config(engine) as config:
        command.upgrade(config, revision)
    analyze(engine)


def downgrade(engine: Engine, revision: str) -> None:
    with _migration_config(engine) as config:
        command.downgrade(config, revision)
