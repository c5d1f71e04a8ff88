"""Administration home and the audit log with its filters."""

from datetime import date, datetime, timezone

import pytest

from db.engine import unit_of_work
from db.models import AuditEntry, Role
from tests.factories import make_network
from tests.pages.conftest import by_label, no_exception, open_app, texts

JOURNAL = "pages/admin/journal.py"


def entry(action: str, at: datetime, *, label: str = "admin@exemple.fr", ip: str = "10.0.0.1",
          detail: str | None = None) -> None:
    with unit_of_work() as session:
        session.add(AuditEntry(at=at, action=action, actor_label=label, ip_address=ip, detail=detail))


def utc(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=timezone.utc)


def test_admin_home_counts_accounts_invitations_and_networks(as_role):
    network = make_network()
    make_network()
    as_role(Role.RESEAU, network_id=network)
    as_role(Role.EVALUATEUR, password=False)  # invited, password not chosen yet
    as_role(Role.PILOTE, active=False)
    at = open_app(as_role(Role.ADMIN), "pages/admin/accueil.py")
    no_exception(at)
    assert texts(at.title) == ["Administration"]
    assert {m.label: m.value for m in at.metric} == {
        "Comptes actifs": "2", "Invitations en attente": "1", "Réseaux": "2"}
    assert [p.proto.label for p in at.main.get("page_link")] == [
        "Gérer les comptes et inviter", "Gérer les réseaux", "Consulter le journal d'audit"]


@pytest.fixture
def journal(as_role):
    entry("sign_in", utc(2), label="alice@exemple.fr", ip="192.0.2.1")
    entry("sign_in_failed", utc(3), label="bob@exemple.fr", ip="198.51.100.7", detail="compte inconnu")
    entry("network_created", utc(5), label="alice@exemple.fr")
    # 23:30 UTC on the 5th is already the 6th in Paris
    entry("account_invited", utc(5, 23), label="carole@exemple.fr")
    return open_app(as_role(Role.ADMIN), JOURNAL)


def shown_actions(at) -> list[str]:
    return list(at.dataframe[0].value["Action"])


def test_journal_lists_newest_first(journal):
    at = journal
    no_exception(at)
    assert texts(at.title) == ["Journal d'audit"]
    assert texts(at.main.caption)[-1] == "4 entrée(s), les plus récentes d'abord (500 au plus)."
    assert shown_actions(at) == ["Invitation d'un compte", "Création d'un réseau", "Échec de connexion", "Connexion"]


def test_journal_filters_by_text_on_person_ip_and_detail(journal):
    at = journal
    by_label(at.text_input, "Rechercher (personne, adresse IP, détail)").input("ALICE").run()
    assert shown_actions(at) == ["Création d'un réseau", "Connexion"]
    by_label(at.text_input, "Rechercher (personne, adresse IP, détail)").input("198.51").run()
    assert shown_actions(at) == ["Échec de connexion"]
    by_label(at.text_input, "Rechercher (personne, adresse IP, détail)").input("inconnu").run()
    assert shown_actions(at) == ["Échec de connexion"]
    by_label(at.text_input, "Rechercher (personne, adresse IP, détail)").input("personne-absente").run()
    assert at.dataframe[0].value.empty
    assert "0 entrée(s)" in at.main.caption[-1].value


def test_journal_filters_by_action(journal):
    at = journal
    by_label(at.multiselect, "Actions").select("sign_in").select("sign_in_failed").run()
    no_exception(at)
    assert shown_actions(at) == ["Échec de connexion", "Connexion"]


def test_journal_filters_by_paris_days(journal):
    at = journal
    by_label(at.date_input, "Du").set_value(date(2026, 3, 3)).run()
    assert shown_actions(at) == ["Invitation d'un compte", "Création d'un réseau", "Échec de connexion"]
    by_label(at.date_input, "Au").set_value(date(2026, 3, 5)).run()
    assert shown_actions(at) == ["Création d'un réseau", "Échec de connexion"]
    by_label(at.date_input, "Du").set_value(date(2026, 3, 6)).run()
    by_label(at.date_input, "Au").set_value(date(2026, 3, 6)).run()
    assert shown_actions(at) == ["Invitation d'un compte"]


def test_journal_is_open_to_the_project_lead(as_role):
    entry("sign_in", utc(2))
    at = open_app(as_role(Role.PILOTE), JOURNAL)
    no_exception(at)
    assert texts(at.title) == ["Journal d'audit"]
    assert shown_actions(at) == ["Connexion"]
