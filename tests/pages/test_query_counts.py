"""List pages run the same number of SQL statements whatever the number of rows (no N+1)."""

from datetime import UTC, datetime, timedelta

import pytest

from db.engine import unit_of_work
from db.models import AuditEntry, Role
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
