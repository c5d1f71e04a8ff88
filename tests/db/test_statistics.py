"""SQLite's planner statistics: gathered by the app's own paths (a new connection, a
migration, a bulk write, a long-lived connection now and then), so that a grown database
is not planned blind. Without sqlite_stat1, a reviewer's states in one call are read
through all her reviews of every call (ix_reviews_reviewer_id) instead of through that
call's candidacies."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from core.review import coverage
from db import engine as db_engine
from db.migrate import upgrade
from db.models import (
    Call,
    CallState,
    Candidacy,
    Edition,
    Network,
    Review,
    ReviewState,
    Role,
    Structure,
    StructureKind,
    Submission,
    User,
)

NOW = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)
CALLS, PER_CALL = 20, 100


def grown_database(engine) -> tuple[int, int]:
    """Twenty calls of a hundred candidacies, all reviewed by one reviewer over the years:
    (her id, the last call's id). Written through the engine, as the app writes."""
    with Session(engine) as session, session.begin():
        network = Network(name="Réseau des statistiques")
        reviewer = User(email="evaluatrice@stats.exemple.fr", full_name="Évaluatrice", role=Role.EVALUATEUR)
        session.add_all([network, reviewer])
        session.flush()
        calls = []
        for n in range(CALLS):
            edition = Edition(number=n + 1, title=f"Rencontre {n + 1}", event_date=date(2020 + n, 3, 18),
                              start_time=time_of_day(9, 0), end_time=time_of_day(12, 0))
            session.add(edition)
            session.flush()
            call = Call(edition_id=edition.id, theme_title=f"Thème {n + 1}", state=CallState.CLOSED,
                        opens_at=NOW - timedelta(days=40), closes_at=NOW - timedelta(days=10))
            session.add(call)
            session.flush()
            calls.append(call.id)
        count = CALLS * PER_CALL
        session.execute(insert(Structure), [
            {"siret": f"{10_000_000_000_000 + n}", "name": f"Structure n° {n}", "kind": StructureKind.ACI,
             "created_at": NOW, "updated_at": NOW, "version": 1} for n in range(count)])
        structures = list(session.scalars(select(Structure.id).order_by(Structure.id)))
        session.execute(insert(Candidacy), [
            {"call_id": calls[n // PER_CALL], "structure_id": s, "network_id": network.id,
             "name": f"Structure n° {n}", "kind": StructureKind.ACI, "submission": Submission.SUBMITTED,
             "submitted_at": NOW, "consent_processing": True, "consent_sharing": True, "created_at": NOW,
             "updated_at": NOW, "version": 1}
            for n, s in enumerate(structures)])
        session.execute(insert(Review), [
            {"candidacy_id": c, "reviewer_id": reviewer.id, "state": ReviewState.SUBMITTED, "created_at": NOW,
             "updated_at": NOW, "version": 1} for c in session.scalars(select(Candidacy.id))])
        return reviewer.id, calls[-1]


def analysed(engine) -> set[str]:
    """The tables sqlite_stat1 has statistics of (read outside any transaction: no lock)."""
    connection = engine.raw_connection()
    try:
        return {table for (table,) in connection.driver_connection.execute("SELECT DISTINCT tbl FROM sqlite_stat1")}
    finally:
        connection.close()


def plan_of_her_states(engine, reviewer_id: int, call_id: int) -> str:
    """SQLite's plan of the form's query of her review states in the call (coverage.load_states)."""
    sent = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with Session(engine) as session:
            assert len(coverage.load_states(session, [call_id], reviewer_id=reviewer_id)) == PER_CALL
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    [(statement, parameters)] = [(s, p) for s, p in sent if "FROM reviews" in s]
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    return " | ".join(row[-1] for row in rows)


def test_a_new_connection_analyses_a_grown_database_and_the_planner_reads_the_call_first(tmp_path):
    url = f"sqlite:///{tmp_path / 'grown.sqlite3'}"
    engine = db_engine.make_engine(url)
    upgrade(engine)  # an empty database: nothing to analyse yet
    reviewer_id, call_id = grown_database(engine)
    engine.dispose()
    restarted = db_engine.make_engine(url)  # the server started again on the grown database
    try:
        assert {"candidacies", "reviews", "structures"} <= analysed(restarted)
        plan = plan_of_her_states(restarted, reviewer_id, call_id)
        assert "ix_candidacies_call_network" in plan and "ix_reviews_reviewer_id" not in plan, plan
    finally:
        restarted.dispose()


def test_migrating_a_database_that_holds_data_analyses_it(tmp_path):
    engine = db_engine.make_engine(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")
    try:
        upgrade(engine)
        grown_database(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE sqlite_stat1")  # as a database from before this change
        upgrade(engine)
        assert {"candidacies", "reviews"} <= analysed(engine)
    finally:
        engine.dispose()


def test_a_long_lived_connection_catches_up_with_its_data_now_and_then(tmp_path, monkeypatch):
    engine = db_engine.make_engine(f"sqlite:///{tmp_path / 'long.sqlite3'}")
    try:
        upgrade(engine)
        reviewer_id, call_id = grown_database(engine)  # the same pooled connection: opened when empty
        assert "reviews" not in analysed(engine)
        plan_of_her_states(engine, reviewer_id, call_id)  # the app reads these tables...
        monkeypatch.setattr(db_engine, "OPTIMIZE_EVERY", 0.0)
        with engine.connect() as connection:  # ...and once the interval is over, a returned connection
            connection.exec_driver_sql("SELECT 1")  # is optimised
        assert {"candidacies", "reviews"} <= analysed(engine)
    finally:
        engine.dispose()


def test_a_new_connection_does_not_wait_for_a_writer_to_analyse(tmp_path):
    path = tmp_path / "busy.sqlite3"
    engine = db_engine.make_engine(f"sqlite:///{path}")
    upgrade(engine)
    grown_database(engine)
    engine.dispose()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # someone writing: the analysis is left for later
    other = db_engine.make_engine(f"sqlite:///{path}")
    try:
        started = time.monotonic()
        connection = other.raw_connection()  # a new connection, as a page's session opens one
        try:
            assert connection.driver_connection.execute("PRAGMA busy_timeout").fetchone() == (30000,)
        finally:
            connection.close()
        assert time.monotonic() - started < 5  # not the 30 s of the busy timeout
        assert "reviews" not in analysed(other)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        other.dispose()


def test_unanalysed_tables_lists_tables_with_rows_and_no_statistics(tmp_path):
    connection = sqlite3.connect(tmp_path / "plain.sqlite3", isolation_level=None)
    try:
        connection.executescript("CREATE TABLE a (x INTEGER); CREATE INDEX ax ON a (x);"
                                 "CREATE TABLE b (x INTEGER); CREATE INDEX bx ON b (x);"
                                 "CREATE TABLE c (x INTEGER); INSERT INTO a VALUES (1); INSERT INTO c VALUES (1);")
        assert db_engine.unanalysed_tables(connection) == ["a"]  # b is empty, c has no index
        connection.execute("ANALYZE")
        assert db_engine.unanalysed_tables(connection) == []
    finally:
        connection.close()


def test_seed_demo_leaves_the_demo_database_analysed(tmp_path, monkeypatch, capsys):
    import manage

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    db_engine.reset_engine()
    try:
        assert manage.main(["migrate"]) == 0
        assert manage.main(["seed-demo"]) == 0
        assert {"candidacies", "reviews", "structures"} <= analysed(db_engine.get_engine())
    finally:
        db_engine.reset_engine()


def test_her_states_in_one_call_are_read_through_that_call_even_before_any_statistics(tmp_path):
    """The query itself asks for the call's candidacies first: the plan does not depend on
    sqlite_stat1 having been gathered yet (a database grown by one long-lived connection)."""
    engine = db_engine.make_engine(f"sqlite:///{tmp_path / 'blind.sqlite3'}")
    try:
        upgrade(engine)
        reviewer_id, call_id = grown_database(engine)
        assert not {"reviews", "candidacies"} & analysed(engine)
        plan = plan_of_her_states(engine, reviewer_id, call_id)
        assert "ix_reviews_reviewer_id" not in plan, plan
    finally:
        engine.dispose()
