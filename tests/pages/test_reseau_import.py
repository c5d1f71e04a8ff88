"""The spreadsheet import page: templates, a per-row report before anything is saved,
then the import of the valid rows; a file of the wrong kind gets a French message."""

from __future__ import annotations

import csv
import io
import tomllib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.calls import calls
from core.imports import template
from core.settings import settings
from db.engine import read_only, unit_of_work
from db.models import Call, Candidacy, OutboxMessage, Role, Submission
from tests.factories import make_call, make_network, make_user
from tests.pages.conftest import ROOT, by_label, no_exception, open_app, texts
from tests.pages.test_reseau_candidature import BAD_SIRET, siret_for
from ui.forms import escape_md

PAGE = "pages/reseau/import.py"
UPLOAD = "Fichier à importer (CSV ou XLSX, {} Mo au plus)"


def template_header() -> list[str]:
    first_line = template.template_csv().decode("utf-8-sig").splitlines()[0]
    return next(csv.reader([first_line], delimiter=";"))


def example_row() -> dict[str, str]:
    header, example = list(csv.reader(io.StringIO(template.template_csv().decode("utf-8-sig")), delimiter=";"))
    return dict(zip(header, example, strict=True))


def csv_file(*sirets_and_names: tuple[str, str]) -> bytes:
    """A CSV in the template's shape: one complete row per (SIRET, name)."""
    header = template_header()
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for siret, name in sirets_and_names:
        writer.writerow([{**example_row(), "SIRET": siret, "Nom de la structure": name}[h] for h in header])
    return buffer.getvalue().encode("utf-8-sig")


@pytest.fixture
def referent(sqlite_db):
    network = make_network("Urtie")
    make_call(networks=(network,))
    return make_user(Role.RESEAU, network_id=network)


def uploader(at):
    [widget] = at.file_uploader
    assert widget.label.startswith("Fichier à importer (CSV ou XLSX, ")
    return widget


def count(model) -> int:
    with read_only() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_import_page_offers_both_templates_and_waits_for_a_file(referent):
    at = open_app(referent, PAGE)
    no_exception(at)
    assert texts(at.title) == ["Importer des candidatures"]
    assert [b.proto.label for b in at.get("download_button")] == ["Modèle Excel (.xlsx)", "Modèle CSV"]
    assert by_label(at.selectbox, "Appel à candidatures").options == ["Thème de test"]
    assert by_label(at.radio, "Enregistrer les lignes valides comme").options == ["brouillons", "candidatures déposées"]
    assert not at.metric and not at.error


def test_import_page_without_open_call_says_so(sqlite_db):
    at = open_app(make_user(Role.RESEAU), PAGE)
    no_exception(at)
    assert texts(at.info) == ["Aucun appel ouvert pour votre réseau en ce moment."]
    assert not at.file_uploader


def test_import_csv_reports_each_row_then_imports_the_valid_ones(referent):
    content = csv_file((siret_for(1), "Première structure"), (BAD_SIRET, "Structure au SIRET faux"),
                       (siret_for(2), "Deuxième structure"))
    at = open_app(referent, PAGE)
    uploader(at).set_value(("structures.csv", content, "text/csv"))
    at.run()
    no_exception(at)
    assert not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"À créer": "2", "À mettre à jour": "0", "Inchangées": "0", "En erreur": "1"}
    errors = at.dataframe[0].value
    assert list(errors["Ligne"]) == [3]
    assert list(errors["Colonne"]) == ["SIRET"]
    assert "SIRET" in errors["Message"][0] and "clé de contrôle" in errors["Message"][0]
    detail = at.dataframe[1].value
    assert list(detail["Action"]) == ["À créer", "En erreur", "À créer"]
    assert count(Candidacy) == 0  # nothing is written before the confirmation

    at = by_label(at.button, "Importer les 2 ligne(s) valide(s) et ignorer les 1 en erreur").click().run()
    no_exception(at)
    assert texts(at.success) == [
        escape_md("Import terminé : 2 candidature(s) créée(s), 0 mise(s) à jour, 0 inchangée(s), "
                  "1 ligne(s) ignorée(s).")]
    # the report stays after the import, errors first
    assert list(at.dataframe[0].value["Ligne"]) == [3]
    assert list(at.dataframe[1].value["Action"]) == ["À créer", "En erreur", "À créer"]
    with read_only() as session:
        rows = session.scalars(select(Candidacy)).all()
        assert sorted(c.structure.name for c in rows) == ["Deuxième structure", "Première structure"]
        assert {c.submission for c in rows} == {Submission.DRAFT}
        assert {c.network_id for c in rows} == {referent.network_id}
    assert count(OutboxMessage) == 0  # drafts: no acknowledgement

    # the uploader is emptied after an import; the same file again updates instead of duplicating
    assert not at.metric and uploader(at).value is None
    uploader(at).set_value(("structures.csv", content, "text/csv")).run()
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["À mettre à jour"], metrics["Inchangées"]) == ("0", "2")
    assert not [e for e in at.expander if e.label == "Rapport de l'import"]  # a new file: the old report goes
    at = by_label(at.button, "Importer les 2 ligne(s) valide(s) et ignorer les 1 en erreur").click().run()
    assert texts(at.success) == [
        escape_md("Import terminé : 0 candidature(s) créée(s), 0 mise(s) à jour, 2 inchangée(s), "
                  "1 ligne(s) ignorée(s).")]
    assert count(Candidacy) == 2


@pytest.mark.parametrize("closing", ["clock", "lead"])
def test_import_stays_on_the_previewed_call_when_it_closes_meanwhile(sqlite_db, closing):
    network = make_network("Urtie")
    first = make_call(networks=(network,))
    other = make_call(networks=(network,))
    with unit_of_work() as session:
        session.get(Call, first).theme_title = "Appel qui ferme"
        session.get(Call, other).theme_title = "Autre appel ouvert"
    referent = make_user(Role.RESEAU, network_id=network)
    at = open_app(referent, PAGE)
    assert by_label(at.selectbox, "Appel à candidatures").value == first
    uploader(at).set_value(("structures.csv", csv_file((siret_for(1), "A"), (siret_for(2), "B")), "text/csv"))
    by_label(at.radio, "Enregistrer les lignes valides comme").set_value(True)
    at.run()
    button = by_label(at.button, "Importer les 2 ligne(s) valide(s)")
    lead = make_user(Role.PILOTE)
    with unit_of_work() as session:  # the preview is on screen; the call closes
        call = session.get(Call, first)
        if closing == "clock":
            call.closes_at = datetime.now(UTC) - timedelta(seconds=1)
        else:
            calls.close_call(session, actor=lead, call_id=first, expected_version=call.version)
    at = button.click().run()
    no_exception(at)
    assert by_label(at.selectbox, "Appel à candidatures").value == first
    assert len(at.error) == 1 and "Appel qui ferme" in at.error[0].value and "est clos" in at.error[0].value
    assert "Importer les 2 ligne(s) valide(s)" not in [b.label for b in at.button]
    assert (count(Candidacy), count(OutboxMessage)) == (0, 0)


def test_import_as_submitted_queues_one_acknowledgement_per_candidacy(referent):
    at = open_app(referent, PAGE)
    by_label(at.radio, "Enregistrer les lignes valides comme").set_value(True)
    uploader(at).set_value(("structures.csv", csv_file((siret_for(1), "A"), (siret_for(2), "B")), "text/csv"))
    at.run()
    at = by_label(at.button, "Importer les 2 ligne(s) valide(s)").click().run()
    no_exception(at)
    with read_only() as session:
        assert {c.submission for c in session.scalars(select(Candidacy))} == {Submission.SUBMITTED}
    assert count(OutboxMessage) == 2


def test_import_file_with_only_errors_offers_no_import(referent):
    at = open_app(referent, PAGE)
    uploader(at).set_value(("structures.csv", csv_file((BAD_SIRET, "Faux")), "text/csv"))
    at.run()
    no_exception(at)
    assert texts(at.warning) == ["Aucune ligne valide à importer : corrigez le fichier puis déposez-le de nouveau."]
    assert not [b for b in at.main.button if b.label.startswith("Importer")]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("structures.pdf", b"%PDF-1.4 whatever",
     "Format de fichier non accepté (« .pdf ») : importez un fichier .xlsx ou .csv."),
    ("structures.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Ce format de tableur n'est pas accepté."),
    ("structures.csv", b"%PDF-1.4 renamed", "Ce fichier n'est pas un tableur : importez un fichier .xlsx ou .csv."),
    ("structures.xlsx", b"PK\x03\x04 not really a zip", "Ce fichier n'est pas un classeur Excel (.xlsx) valide"),
])
def test_import_wrong_file_type_shows_a_french_message_and_no_traceback(referent, name, content, message):
    at = open_app(referent, PAGE)
    uploader(at).set_value((name, content, "application/octet-stream"))
    at.run()
    no_exception(at)
    assert len(at.error) == 1 and at.error[0].value.startswith(escape_md(message)), texts(at.error)
    assert "Traceback" not in at.error[0].value
    assert not at.metric
    assert count(Candidacy) == 0


def test_import_the_excel_template_as_downloaded_imports_nothing(referent):
    # its example row is recognised and skipped (core.imports.plan reports it in `skipped`)
    at = open_app(referent, PAGE)
    uploader(at).set_value(("modele-candidatures.xlsx", template.template_xlsx(),
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    at.run()
    no_exception(at)
    assert {m.label: m.value for m in at.metric} == {"À créer": "0", "À mettre à jour": "0", "Inchangées": "0",
                                                     "En erreur": "0"}
    assert not [b for b in at.main.button if b.label.startswith("Importer")]
    assert texts(at.info) == [escape_md("Ligne 2 : ligne d'exemple du modèle, ignorée.")]
    assert texts(at.warning) == [
        "Aucune ligne à importer : remplissez le modèle avec vos structures (la ligne d'exemple est ignorée)."]
    assert count(Candidacy) == 0


def test_import_message_quoting_the_file_name_is_shown_as_text(referent):
    at = open_app(referent, PAGE)
    uploader(at).set_value(("structures.**x**", b"whatever", "application/octet-stream"))
    at.run()
    no_exception(at)
    message = "Format de fichier non accepté (« .**x** ») : importez un fichier .xlsx ou .csv."
    assert texts(at.error) == [escape_md(message)]
    assert "**x**" not in at.error[0].value


def test_import_uploader_takes_any_file_and_explains_in_french(referent):
    widget = uploader(open_app(referent, PAGE))
    assert list(widget.proto.type) == []  # no `type=`: the app refuses other files with its French message
    assert widget.proto.help.startswith("Glissez le fichier ici ou cliquez pour le choisir.")


def test_import_uploader_states_the_apps_limit_not_streamlits(referent):
    at = open_app(referent, PAGE)
    assert uploader(at).proto.max_upload_size_mb == settings().import_max_bytes // (1024 * 1024) == 5
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] >= 5  # the server's own ceiling is no lower
