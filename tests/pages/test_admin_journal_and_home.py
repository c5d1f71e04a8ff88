"""Administration home and the audit log with its filters."""

from datetime import date, datetime, timezone

import pytest

from db.engine import unit_of_work
from db.models import AuditEntry, Role
from tests.factories import make_network
from tests.pages.conftest import by_label, no_exception, open_app, texts
from ui.audit import changes, object_label

JOURNAL = "pages/admin/journal.py"


def entry(action: str, at: datetime, *, label: str = "admin@exemple.fr", ip: str = "10.0.0.1",
          detail: str | None = None, **change) -> None:
    """An audit row; `change` may give object_type, object_id, before and after."""
    with unit_of_work() as session:
        session.add(AuditEntry(at=at, action=action, actor_label=label, ip_address=ip, detail=detail, **change))


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


def test_journal_names_objects_in_french_and_lists_only_what_changed(as_role):
    entry("candidacy_updated", utc(2), object_type="candidacy", object_id=15,
          before={"submission": "draft", "pitch_title": "Ancien titre", "public_references": None,
                  "consent_sharing": False, "city": "Argenteuil"},
          after={"submission": "draft", "pitch_title": "Nouveau titre", "public_references": "Ville de Cergy",
                 "consent_sharing": True, "city": "Argenteuil"})
    entry("network_created", utc(3), object_type="network", object_id=4, after={"name": "Réseau Nord", "active": True})
    entry("sign_in", utc(4))
    at = open_app(as_role(Role.ADMIN), JOURNAL)
    no_exception(at)
    table = at.dataframe[0].value
    assert "Avant" not in table.columns and "Après" not in table.columns
    rows = table.set_index("Action")
    assert rows.loc["Modification d'une candidature", "Objet"] == "candidature n° 15"
    assert rows.loc["Modification d'une candidature", "Changements"] == (
        "titre de la présentation : Ancien titre → Nouveau titre ; "
        "références de marchés publics : — → Ville de Cergy ; "
        "accord partage avec les acheteurs : non → oui")
    assert rows.loc["Création d'un réseau", "Objet"] == "réseau n° 4"
    assert rows.loc["Création d'un réseau", "Changements"] == "nom : — → Réseau Nord ; actif : — → oui"
    assert rows.loc["Connexion", "Objet"] == "" and rows.loc["Connexion", "Changements"] == ""


@pytest.mark.parametrize(("object_type", "label"), [
    ("user", "compte n° 7"), ("network", "réseau n° 7"), ("candidacy", "candidature n° 7"), ("call", "appel n° 7"),
    ("edition", "rencontre n° 7")])
def test_journal_object_labels(object_type, label):
    assert object_label(object_type, 7) == label


def test_journal_changes_show_times_in_paris_and_lists_as_text():
    assert changes({"closes_at": "2026-03-05T17:00:00+00:00", "start_time": "09:00:00"},
                   {"closes_at": "2026-03-12T17:00:00+00:00", "start_time": "09:30:00",
                    "criteria": [["Clarté de l'offre", 1]]}) == (
        "clôture : 5 mars 2026 à 18 h 00 → 12 mars 2026 à 18 h 00 ; début : 09 h 00 → 09 h 30 ; "
        "critères : — → Clarté de l'offre (1)")
    assert changes({"insertion_workforce": "18"}, {"insertion_workforce": "20"}) == "salariés en insertion : 18 → 20"
