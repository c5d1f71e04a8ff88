"""Administration home and the audit log with its filters."""

import json
import re
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import pytest

from core.accounts import administration, invitations, networks
from core.audit import ACTION_LABELS
from core.calls import calls, editions
from core.candidacies import saving
from core.imports import write
from core.imports.columns import COLUMNS
from core.imports.template import EXAMPLE
from db.engine import unit_of_work
from db.models import AuditEntry, CallState, Confirmation, Deliberation, Publication, Role, Submission
from tests.factories import complete_form, make_call, make_network, make_user
from tests.pages.conftest import by_label, no_exception, open_app, texts
from ui.audit import changes, object_label

JOURNAL = "pages/admin/journal.py"
SEARCH = "Rechercher (personne, adresse IP, structure, SIRET, détail)"


def entry(action: str, at: datetime, *, label: str = "admin@exemple.fr", ip: str = "10.0.0.1",
          detail: str | None = None, **change) -> None:
    """An audit row; `change` may give object_type, object_id, before and after."""
    with unit_of_work() as session:
        session.add(AuditEntry(at=at, action=action, actor_label=label, ip_address=ip, detail=detail, **change))


def utc(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


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
    by_label(at.text_input, SEARCH).input("ALICE").run()
    assert shown_actions(at) == ["Création d'un réseau", "Connexion"]
    by_label(at.text_input, SEARCH).input("198.51").run()
    assert shown_actions(at) == ["Échec de connexion"]
    by_label(at.text_input, SEARCH).input("inconnu").run()
    assert shown_actions(at) == ["Échec de connexion"]
    by_label(at.text_input, SEARCH).input("personne-absente").run()
    assert not at.dataframe and "Aucune entrée ne correspond à ces filtres." in texts(at.info)
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
    assert rows.loc["Création d'un réseau", "Changements"] == "nom : Réseau Nord ; actif : oui"
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


def test_journal_action_filter_lists_every_action_the_app_records(as_role):
    at = open_app(as_role(Role.PILOTE), JOURNAL)
    options = by_label(at.multiselect, "Actions").options
    assert options == list(ACTION_LABELS.values())
    # The administrator's filter lacks the lead's review and decision actions she cannot read.
    admin_options = by_label(open_app(as_role(Role.ADMIN), JOURNAL).multiselect, "Actions").options
    assert "Évaluation soumise" not in admin_options and "Décision sur une candidature" not in admin_options
    assert "Connexion" in admin_options
    # The app's work comes first, sign-in events last (the list shows a few lines at a time).
    assert options[:5] == ["Création d'une candidature (brouillon)", "Modification d'une candidature",
                           "Dépôt d'une candidature", "Retrait d'une candidature",
                           "Import d'un fichier de candidatures"]


def test_journal_time_is_a_paris_datetime_shown_with_seconds(as_role):
    entry("sign_in", datetime(2026, 7, 2, 21, 59, 7, tzinfo=UTC))
    at = open_app(as_role(Role.ADMIN), JOURNAL)
    table = at.dataframe[0].value
    assert str(table["Quand"].dt.tz) == "Europe/Paris"
    assert table["Quand"].iloc[0] == pd.Timestamp("2026-07-02 23:59:07", tz="Europe/Paris")
    config = json.loads(at.dataframe[0].proto.columns)["Quand"]
    assert config["type_config"] == {"type": "datetime", "format": "DD/MM/YYYY HH:mm:ss", "timezone": "Europe/Paris"}
    assert all(pd.api.types.is_string_dtype(table[column])
               for column in ("Qui", "Action", "Objet", "Structure", "Changements"))


def test_journal_changes_show_statuses_roles_and_states_in_french():
    assert changes({"submission": "draft"}, {"submission": "submitted"}) == "dépôt : Brouillon → Déposée"
    assert changes({"role": "evaluateur", "active": True}, {"role": "pilote", "active": False}) == (
        "rôle : Évaluateur → Pilotage ; actif : oui → non")
    assert changes({"state": "draft"}, {"state": "open"}) == "état : Brouillon → Ouvert"
    assert changes({"structure.kind": "EI"}, {"structure.kind": "ACI"}) == (
        "type de structure : EI — Entreprise d'insertion → ACI — Atelier et chantier d'insertion")
    assert changes({"deliberation": "pending"}, {"deliberation": "not_selected"}) == (
        "délibération : En attente de décision → Non retenue")


def test_journal_changes_of_a_creation_list_the_values_without_arrows():
    assert changes(None, {"submission": "draft", "structure.name": "Bâti'Insert 95", "consent_sharing": False,
                          "public_references": None}) == (
        "dépôt : Brouillon ; nom de la structure : Bâti'Insert 95 ; accord partage avec les acheteurs : non")


def test_journal_changes_of_an_import_are_in_french():
    assert changes(None, {"created": 3, "updated": 1, "unchanged": 2, "rejected": 1, "submitted": 3, "submit": True,
                          "rows": 7, "source": "candidatures.csv"}) == (
        "candidatures créées : 3 ; candidatures modifiées : 1 ; candidatures inchangées : 2 ; "
        "lignes en erreur : 1 ; candidatures déposées : 3 ; dépôt à l'import : oui ; lignes du fichier : 7 ; "
        "fichier : candidatures.csv")


def test_journal_finds_a_candidacy_by_its_structure_name_or_siret(as_role):
    network = make_network()
    referent = make_user(Role.RESEAU, network_id=network)
    with unit_of_work() as session:
        saving.save(session, actor=referent, call_id=make_call(networks=(network,)), form=complete_form(),
                    submit=True)
    entry("sign_in", utc(2))
    at = open_app(as_role(Role.ADMIN), JOURNAL)
    by_label(at.text_input, SEARCH).input("bâti'insert").run()
    no_exception(at)
    table = at.dataframe[0].value
    assert list(table["Action"]) == ["Dépôt d'une candidature"]
    assert list(table["Structure"]) == ["Bâti'Insert 95 (SIRET 73282932000074)"]
    by_label(at.text_input, SEARCH).input("732 829 320 00074").run()
    assert list(at.dataframe[0].value["Action"]) == ["Dépôt d'une candidature"]


# Internal values that must never reach the journal's text: keys of the before/after columns
# (checked apart) and the values of the status enums users see.
INTERNAL_VALUES = {v.value for enum in (Role, CallState, Submission, Deliberation, Publication, Confirmation)
                   for v in enum}


def every_use_case() -> None:
    """Run, through core, each use case that writes a before/after (and a few that do not)."""
    admin, pilote = make_user(Role.ADMIN), make_user(Role.PILOTE)
    with unit_of_work() as session:
        network = networks.create_network(session, actor=admin, data=networks.NetworkData(name="Réseau Nord"))
    with unit_of_work() as session:
        networks.update_network(session, actor=admin, network_id=network, expected_version=1,
                                data=networks.NetworkData(name="Réseau Nord", active=False))
        networks.update_network(session, actor=admin, network_id=network, expected_version=2,
                                data=networks.NetworkData(name="Réseau Nord", contact_email="nord@exemple.fr"))
    with unit_of_work() as session:
        issued = invitations.invite(session, actor=admin, email="nouvelle@exemple.fr", full_name="Nouvelle Personne",
                                    role=Role.RESEAU, network_id=network)
    with unit_of_work() as session:
        invitations.resend_invitation(session, actor=admin, user_id=issued.user_id)
        administration.update_account(session, actor=admin, user_id=issued.user_id, expected_version=1,
                                      role=Role.EVALUATEUR, network_id=None, active=False)
    with unit_of_work() as session:
        edition = editions.save_edition(session, actor=pilote, data=editions.EditionData(
            number=41, title="Rencontre", event_date=date(2027, 3, 18), start_time=time(9), end_time=time(12),
            city="Argenteuil"))
    today = datetime.now(UTC).date()
    with unit_of_work() as session:
        call = calls.save_call(session, actor=pilote, data=calls.CallData(
            edition_id=edition, theme_title="Thème", opens_on=today - timedelta(days=1), opens_time=time(9),
            closes_on=today + timedelta(days=10), closes_time=time(18), pitch_slots=5, pitch_minutes=5,
            eligible_kinds=("EI", "ACI"), eligible_departements=("95",), invited_network_ids=(network,)))
    with unit_of_work() as session:
        calls.open_call(session, actor=pilote, call_id=call, expected_version=1)
    referent = make_user(Role.RESEAU, network_id=network)
    with unit_of_work() as session:
        draft = saving.save(session, actor=referent, call_id=call, form=complete_form(), submit=False)
    with unit_of_work() as session:
        saving.save(session, actor=referent, call_id=call, form=complete_form(pitch_title="Autre titre"),
                    submit=True, candidacy_id=draft, expected_version=1)
    with unit_of_work() as session:
        saving.withdraw(session, actor=referent, candidacy_id=draft, expected_version=2, reason="Doublon")
    by_field = {name: header for header, name in COLUMNS.items()}
    row = {**EXAMPLE, by_field["siret"]: "44306184100047", by_field["name"]: "École du Numérique"}
    with unit_of_work() as session:
        write.apply(session, actor=referent, call_id=call, rows=[row], submit=True, source="candidatures.csv")
    with unit_of_work() as session:
        calls.extend_call(session, actor=pilote, call_id=call, expected_version=2, closes_on=today + timedelta(days=20),
                          closes_time=time(18))
    with unit_of_work() as session:
        calls.close_call(session, actor=pilote, call_id=call, expected_version=3)


def test_journal_shows_every_use_case_in_french(as_role):
    every_use_case()
    at = open_app(as_role(Role.ADMIN), JOURNAL)
    no_exception(at)
    table = at.dataframe[0].value
    assert set(table["Action"]) <= set(ACTION_LABELS.values())
    assert {"Dépôt d'une candidature", "Import d'un fichier de candidatures", "Retrait d'une candidature",
            "Clôture d'un appel", "Nouveau lien d'invitation"} <= set(table["Action"])
    with unit_of_work() as session:
        rows = session.query(AuditEntry).all()
        keys = {key for e in rows for side in (e.before, e.after) if side for key in side}
    internal = (INTERNAL_VALUES | {k.removeprefix("structure.") for k in keys}) - {"description"}
    pattern = re.compile(r"(?<![\w@.'-])(" + "|".join(map(re.escape, sorted(internal))) + r")(?![\w@.'-])")
    for text in table["Changements"]:
        assert not pattern.search(text), text


def test_journal_names_the_network_of_an_account_and_the_invited_networks(as_role):
    nord, sud = make_network(name="Réseau Nord"), make_network(name="Réseau Sud")
    entry("account_updated", utc(2), object_type="user", object_id=9,
          before={"role": "reseau", "network_id": nord}, after={"role": "reseau", "network_id": sud})
    entry("call_updated", utc(3), object_type="call", object_id=2,
          before={"invited_networks": [nord]}, after={"invited_networks": [nord, sud]})
    at = open_app(as_role(Role.ADMIN), JOURNAL)
    no_exception(at)
    shown = list(at.dataframe[0].value["Changements"])
    assert "réseau : Réseau Nord → Réseau Sud" in shown
    assert "réseaux invités : Réseau Nord → Réseau Nord, Réseau Sud" in shown


def test_journal_changes_without_names_say_reseau_n_not_a_bare_id():
    assert changes({"network_id": None}, {"network_id": 1}) == "réseau : — → réseau n° 1"
