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


def test_migration_0003_copies_the_directory_into_existing_candidacies(tmp_path):
    """A populated database (foreign keys on) upgrades, each candidacy getting its structure's values."""
    engine = make_engine(f"sqlite:///{tmp_path / 'populated.sqlite3'}")
    try:
        upgrade(engine, "0002")
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO networks (id, name, active, created_at, version) VALUES (1, 'Urtie', 1, '2026-01-01', 1)",
                "INSERT INTO editions (id, number, title, event_date, start_time, end_time, created_at, version) "
                "VALUES (1, 7, 'R', '2027-03-18', '09:00:00', '12:30:00', '2026-01-01', 1)",
                "INSERT INTO calls (id, edition_id, theme_title, opens_at, closes_at, state, pitch_slots, "
                "pitch_minutes, created_at, version) VALUES (1, 1, 'T', '2026-01-01', '2026-02-01', 'open', 5, 5, "
                "'2026-01-01', 1)",
                "INSERT INTO structures (id, siret, name, kind, postcode, departement, created_at, updated_at, "
                "version) VALUES (1, '73282932000074', 'Bâti''Insert 95', 'EI', '95100', '95', '2026-01-01', "
                "'2026-01-01', 1)",
                "INSERT INTO structure_sectors (structure_id, sector_id) "
                "SELECT 1, id FROM sectors WHERE label = 'Restauration'",
                "INSERT INTO candidacies (id, call_id, structure_id, network_id, consent_processing, consent_sharing, "
                "submission, deliberation, publication, confirmation, created_at, updated_at, version) "
                "VALUES (1, 1, 1, 1, 1, 1, 'draft', 'pending', 'unpublished', 'pending', '2026-01-01', "
                "'2026-01-01', 1)",
                "INSERT INTO outbox_messages (idempotency_key, template_key, to_address, subject, body_text, status, "
                "attempts, candidacy_id, created_at) VALUES ('k', 't', 'a@b.fr', 's', 'b', 'queued', 0, 1, "
                "'2026-01-01')",
            ):
                connection.exec_driver_sql(statement)
        upgrade(engine)
        with engine.connect() as connection:
            row = connection.exec_driver_sql(
                "SELECT name, kind, departement, sectors FROM candidacies WHERE id = 1").one()
            outbox = connection.exec_driver_sql("SELECT candidacy_id FROM outbox_messages").scalar()
        assert row[:3] == ("Bâti'Insert 95", "EI", "95") and "Restauration" in row[3]
        assert outbox == 1  # rows referencing the rebuilt table survive
    finally:
        engine.dispose()


def test_migration_0004_keeps_old_reviews_as_submitted_and_drops_scores_off_the_new_scale(tmp_path):
    """Reviews made before 0004 were finished ones; a score of 0 (not a level of 1–5) goes, and
    its review, now incomplete, becomes a draft. Scores referencing the rebuilt tables survive."""
    engine = make_engine(f"sqlite:///{tmp_path / 'reviews.sqlite3'}")
    try:
        upgrade(engine, "0003")
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO networks (id, name, active, created_at, version) VALUES (1, 'Urtie', 1, '2026-01-01', 1)",
                "INSERT INTO users (id, email, full_name, role, active, created_at, version) "
                "VALUES (1, 'e@exemple.fr', 'E', 'evaluateur', 1, '2026-01-01', 1)",
                "INSERT INTO editions (id, number, title, event_date, start_time, end_time, created_at, version) "
                "VALUES (1, 7, 'R', '2027-03-18', '09:00:00', '12:30:00', '2026-01-01', 1)",
                "INSERT INTO calls (id, edition_id, theme_title, opens_at, closes_at, state, pitch_slots, "
                "pitch_minutes, created_at, version) VALUES (1, 1, 'T', '2026-01-01', '2026-02-01', 'open', 5, 5, "
                "'2026-01-01', 1)",
                "INSERT INTO criteria (id, call_id, label, weight, position) "
                "VALUES (1, 1, 'A', 2, 0), (2, 1, 'B', 1, 1)",
                "INSERT INTO structures (id, siret, name, kind, created_at, updated_at, version) "
                "VALUES (1, '73282932000074', 'S1', 'EI', '2026-01-01', '2026-01-01', 1), "
                "(2, '35600000009075', 'S2', 'EA', '2026-01-01', '2026-01-01', 1)",
                "INSERT INTO candidacies (id, call_id, structure_id, network_id, consent_processing, consent_sharing, "
                "submission, deliberation, publication, confirmation, created_at, updated_at, version) VALUES "
                "(1, 1, 1, 1, 1, 1, 'submitted', 'pending', 'unpublished', 'pending', '2026-01-01', '2026-01-01', 1),"
                " (2, 1, 2, 1, 1, 1, 'submitted', 'pending', 'unpublished', 'pending', '2026-01-01', '2026-01-01', 1)",
                "INSERT INTO reviews (id, candidacy_id, reviewer_id, comment, created_at, updated_at, version) VALUES "
                "(1, 1, 1, 'Bien', '2026-01-01', '2026-01-01', 1), (2, 2, 1, NULL, '2026-01-01', '2026-01-01', 1)",
                "INSERT INTO scores (review_id, criterion_id, value) "
                "VALUES (1, 1, 4), (1, 2, 5), (2, 1, 0), (2, 2, 3)",
            ):
                connection.exec_driver_sql(statement)
        upgrade(engine)
        with engine.connect() as connection:
            states = connection.exec_driver_sql("SELECT id, state, comment FROM reviews ORDER BY id").all()
            scores = connection.exec_driver_sql(
                "SELECT review_id, criterion_id, value FROM scores ORDER BY review_id, criterion_id").all()
        assert states == [(1, "submitted", "Bien"), (2, "draft", None)]
        assert scores == [(1, 1, 4), (1, 2, 5), (2, 2, 3)]
        downgrade(engine, "0003")
        upgrade(engine)
    finally:
        engine.dispose()
