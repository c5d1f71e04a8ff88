"""Migration 0007 converts an existing programme: the old items (position + duration,
one row per pitch) become items with their instants, the pitch rows the call's order;
and back."""

import os
import secrets
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from db.engine import make_engine
from db.migrate import downgrade, upgrade
from tests.conftest import unavailable

OLD_ITEMS = [  # position, kind, title, minutes, candidacy
    (1, "welcome", "Accueil", 30, None),
    (2, "pitches", "Présentations express", 5, None),
    (3, "pitch", "Structure B", 5, 2),
    (4, "pitch", "Structure A", 5, 1),
    (5, "break", "Pause", 10, None),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'programme.sqlite3'}")
        yield from _filled(engine)
        return
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        unavailable("PostgreSQL suite skipped: TEST_DATABASE_URL is not set")
    schema = f"test_migration_{secrets.token_hex(4)}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield from _filled(create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                                         connect_args={"options": f"-csearch_path={schema}"}))
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _filled(engine):
    upgrade(engine, "0006")
    with engine.begin() as connection:
        run = connection.execute
        run(text("INSERT INTO editions (id, number, title, event_date, start_time, end_time, created_at, version) "
                 "VALUES (1, 6, '6e rencontre', '2019-11-21', '09:00:00', '12:30:00', '2019-01-01 00:00:00', 1)"))
        run(text("INSERT INTO calls (id, edition_id, theme_title, opens_at, closes_at, state, pitch_slots, "
                 "pitch_minutes, created_at, version) VALUES (1, 1, 'Thème', '2019-09-01 00:00:00', "
                 "'2019-10-01 00:00:00', 'closed', 5, 5, '2019-01-01 00:00:00', 1)"))
        run(text("INSERT INTO networks (id, name, active, created_at, version) "
                 "VALUES (1, 'Réseau', true, '2019-01-01 00:00:00', 1)"))
        for number in (1, 2):
            run(text("INSERT INTO structures (id, siret, name, kind, created_at, updated_at, version) VALUES "
                     f"({number}, '7328293200007{number}', 'Structure {number}', 'EI', '2019-01-01 00:00:00', "
                     "'2019-01-01 00:00:00', 1)"))
            run(text("INSERT INTO candidacies (id, call_id, structure_id, network_id, consent_processing, "
                     "consent_sharing, submission, deliberation, decision_version, publication, confirmation, "
                     f"created_at, updated_at, version) VALUES ({number}, 1, {number}, 1, true, true, 'submitted', "
                     "'selected', 0, 'published', 'confirmed', '2019-01-01 00:00:00', '2019-01-01 00:00:00', 1)"))
        for position, kind, title, minutes, candidacy in OLD_ITEMS:
            run(text("INSERT INTO programme_items (edition_id, position, kind, title, duration_minutes, "
                     "candidacy_id, version) VALUES (1, :p, :k, :t, :m, :c, 1)"),
                {"p": position, "k": kind, "t": title, "m": minutes, "c": candidacy})
    yield engine
    engine.dispose()


def test_upgrade_gives_items_their_instants_and_the_pitch_order(engine):
    upgrade(engine)
    with engine.connect() as connection:
        items = connection.execute(text(
            "SELECT kind, title, starts_at, ends_at, call_id FROM programme_items ORDER BY starts_at")).all()
        order = connection.execute(text(
            "SELECT candidacy_id FROM pitch_positions WHERE call_id = 1 ORDER BY position")).scalars().all()
    assert [(kind, title) for kind, title, *_ in items] == [
        ("welcome", "Accueil"), ("pitches", "Présentations express"), ("break", "Pause")]
    starts = [datetime.fromisoformat(str(row.starts_at)).replace(tzinfo=UTC) for row in items]
    assert starts[0] == datetime(2019, 11, 21, 8, 0, tzinfo=UTC)  # 09:00 in Paris, winter time
    # The session spans its introduction and its two pitches: 09:30 to 09:45.
    assert str(items[1].ends_at).startswith("2019-11-21 08:45") and items[1].call_id == 1
    assert order == [2, 1]


def test_downgrade_gives_back_positions_and_durations(engine):
    upgrade(engine)
    downgrade(engine, "0006")
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT position, kind, duration_minutes FROM programme_items ORDER BY position")).all()
    assert [tuple(row) for row in rows] == [(1, "welcome", 30), (2, "pitches", 15), (3, "break", 10)]
