"""Migrations: they go up and down cleanly, and they build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from db.engine import make_engine
from db.migrate import alembic_config, downgrade, upgrade
from db.models import Base


def tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def current_revision(engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def test_migrations_upgrade_downgrade_upgrade_on_a_fresh_sqlite_file(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    model_tables = set(Base.metadata.tables)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    try:
        upgrade(engine)
        assert tables(engine) == model_tables | {"alembic_version"}
        assert current_revision(engine) == head
        downgrade(engine, "base")
        assert tables(engine) <= {"alembic_version"}
        assert current_revision(engine) is None
        upgrade(engine)
        assert tables(engine) == model_tables | {"alembic_version"}
        assert current_revision(engine) == head
    finally:
        engine.dispose()


def test_migrations_have_a_single_head():
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_migrated_schema_matches_the_models(db):
    """The `alembic check` of CI, on both backends: no model change is left without a migration."""
    with db.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True},
        )
        diffs = compare_metadata(context, Base.metadata)
    assert diffs == []


def test_migrated_schema_has_the_named_constraints(db):
    inspector = inspect(db)
    checks = {c["name"] for c in inspector.get_check_constraints("users")}
    assert {"ck_users_network_iff_reseau", "ck_users_role"} <= checks
    uniques = {c["name"] for c in inspector.get_unique_constraints("candidacies")}
    assert "uq_candidacies_call_structure" in uniques
    fks = {fk["name"] for fk in inspector.get_foreign_keys("users")}
    assert "fk_users_network_id_networks" in fks
