"""List pages run the same number of SQL statements whatever the number of rows (no N+1)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import AuditEntry, Candidacy, Deliberation, Role
from tests.core.review.builders import Scene, bulk_reviews
from tests.factories import make_call, make_edition, make_network, make_user
from tests.pages.conftest import no_exception, open_app
from tests.querycount import counting


def statements_on(engine, actor, page: str) -> list[str]:
    """Statements of one rerun of the page (the first run, which switches page, is not counted)."""
    at = open_app(actor, page)
    with counting(engine) as statements:
        at.run()
    no_exception(at)
    return statements


def accounts(n: int) -> None:
    networks = [make_network() for _ in range(3)]
    for i in range(n):
        make_user([Role.RESEAU, Role.EVALUATEUR, Role.PILOTE][i % 3], network_id=networks[i % 3])


def networks(n: int) -> None:
    for _ in range(n):
        make_user(Role.RESEAU, network_id=make_network())


def audit_entries(n: int) -> None:
    now = datetime.now(UTC)
    with unit_of_work() as session:
        session.add_all(AuditEntry(at=now - timedelta(minutes=i), action="sign_in", actor_label=f"p{i}@exemple.fr")
                        for i in range(n))


def calls(n: int) -> None:
    network = make_network()
    for _ in range(n):
        make_call(make_edition(), networks=(network,))


CASES = [
    (Role.ADMIN, "pages/admin/comptes.py", accounts),
    (Role.PILOTE, "pages/admin/comptes.py", accounts),
    (Role.ADMIN, "pages/admin/accueil.py", accounts),
    (Role.ADMIN, "pages/admin/reseaux.py", networks),
    (Role.ADMIN, "pages/admin/journal.py", audit_entries),
    (Role.PILOTE, "pages/pilotage/accueil.py", calls),
    (Role.EVALUATEUR, "pages/evaluateur/accueil.py", calls),
]


@pytest.mark.parametrize(("role", "page", "seed"), CASES, ids=[f"{r.value}-{p}" for r, p, _ in CASES])
def test_list_page_statement_count_does_not_grow_with_rows(sqlite_db, role, page, seed):
    actor = make_user(role)
    seed(5)
    few = statements_on(sqlite_db, actor, page)
    seed(45)
    many = statements_on(sqlite_db, actor, page)
    assert any(s.lstrip().upper().startswith("SELECT") for s in few)  # the listener does see the page's queries
    assert len(many) == len(few), "\n".join(many)


def test_reseau_home_statement_count_does_not_grow_with_calls(sqlite_db):
    network = make_network()
    actor = make_user(Role.RESEAU, network_id=network)
    for _ in range(5):
        make_call(make_edition(), networks=(network,))
    few = statements_on(sqlite_db, actor, "pages/reseau/accueil.py")
    for _ in range(45):
        make_call(make_edition(), networks=(network,))
    many = statements_on(sqlite_db, actor, "pages/reseau/accueil.py")
    assert len(many) == len(few), "\n".join(many)



def test_a_page_run_checks_the_sign_in_session_once(sqlite_db):
    statements = statements_on(sqlite_db, make_user(Role.ADMIN), "pages/admin/comptes.py")
    assert sum("FROM sign_in_sessions" in s for s in statements) == 1


def _decide_all(call_id: int) -> None:
    """Every candidacy of the call gets a decision in turn (retained, waiting at its rank, not retained)."""
    cycle = (Deliberation.SELECTED, Deliberation.WAITLISTED, Deliberation.NOT_SELECTED)
    with unit_of_work() as session:
        rows = session.scalars(select(Candidacy).where(Candidacy.call_id == call_id).order_by(Candidacy.id)).all()
        for index, candidacy in enumerate(rows):
            candidacy.deliberation = cycle[index % 3]
            candidacy.waitlist_rank = index // 3 + 1 if candidacy.deliberation == Deliberation.WAITLISTED else None


def test_review_board_with_decisions_and_ticked_rows_statement_count_does_not_grow(sqlite_db):
    scene = Scene()
    page = "pages/pilotage/evaluations.py"

    def statements(rows: list[int]) -> list[str]:
        at = open_app(scene.lead, page)
        at.session_state[f"board-{scene.call}"] = {"selection": {"rows": rows, "columns": [], "cells": []}}
        with counting(sqlite_db) as seen:
            at.run()
        no_exception(at)
        assert [b for b in at.button if b.key and b.key.startswith(("bulk-", "decision-"))]  # the controls are drawn
        return seen

    bulk_reviews(scene.call, scene.network, [scene.alice, scene.bruno], scene.criteria, 3)
    _decide_all(scene.call)
    few = [statements([0, 1]), statements([1])]
    bulk_reviews(scene.call, scene.network, [scene.alice, scene.bruno], scene.criteria, 297)
    _decide_all(scene.call)
    many = [statements([0, 1]), statements([1])]
    assert [len(s) for s in many] == [len(s) for s in few], "\n".join(many[0] + many[1])
