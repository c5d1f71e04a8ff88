"""Migration 0005: waiting lists renumbered 1..n before the unique (call, rank) index is built."""

from sqlalchemy import inspect

from db.engine import make_engine
from db.migrate import downgrade, upgrade

INSERTS = (
    "INSERT INTO networks (id, name, active, created_at, version) VALUES (1, 'Urtie', 1, '2026-01-01', 1)",
    "INSERT INTO editions (id, number, title, event_date, start_time, end_time, created_at, version) "
    "VALUES (1, 7, 'R', '2027-03-18', '09:00:00', '12:30:00', '2026-01-01', 1)",
    *(f"INSERT INTO calls (id, edition_id, theme_title, opens_at, closes_at, state, pitch_slots, pitch_minutes, "
      f"created_at, version) VALUES ({c}, 1, 'T', '2026-01-01', '2026-02-01', 'open', 5, 5, '2026-01-01', 1)"
      for c in (1, 2)),
)


def candidacy(candidacy_id: int, call_id: int, rank: int | None) -> str:
    deliberation = "waitlisted" if rank is not None else "pending"
    return (
        f"INSERT INTO structures (id, siret, name, kind, created_at, updated_at, version) VALUES "
        f"({candidacy_id}, '{10_000_000_000_000 + candidacy_id}', 'S', 'EI', '2026-01-01', '2026-01-01', 1);"
        f"INSERT INTO candidacies (id, call_id, structure_id, network_id, consent_processing, consent_sharing, "
        f"submission, deliberation, waitlist_rank, publication, confirmation, created_at, updated_at, version) "
        f"VALUES ({candidacy_id}, {call_id}, {candidacy_id}, 1, 1, 1, 'submitted', '{deliberation}', "
        f"{'NULL' if rank is None else rank}, 'unpublished', 'pending', '2026-01-01', '2026-01-01', 1)"
    )


def test_migration_0005_renumbers_waiting_lists_with_holes_and_duplicates(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'lists.sqlite3'}")
    try:
        upgrade(engine, "0003")
        with engine.begin() as connection:
            for statement in INSERTS:
                connection.exec_driver_sql(statement)
            # call 1: ranks 2, 2, 7 (a duplicate and holes); call 2: rank 1; one pending row
            for row in ((1, 1, 7), (2, 1, 2), (3, 1, 2), (4, 2, 1), (5, 1, None)):
                for statement in candidacy(*row).split(";"):
                    connection.exec_driver_sql(statement)
        upgrade(engine)
        with engine.connect() as connection:
            ranks = connection.exec_driver_sql(
                "SELECT id, waitlist_rank, decision_version FROM candidacies ORDER BY id").all()
        assert ranks == [(1, 3, 0), (2, 1, 0), (3, 2, 0), (4, 1, 0), (5, None, 0)]
        indexes = {i["name"]: i for i in inspect(engine).get_indexes("candidacies")}
        assert indexes["uq_candidacies_call_waitlist_rank"]["unique"]
        downgrade(engine, "0003")
        names = {index["name"] for index in inspect(engine).get_indexes("candidacies")}
        assert "uq_candidacies_call_waitlist_rank" not in names
    finally:
        engine.dispose()
