"""Spreadsheet import: file reading, templates, preview, apply, and the form's rules."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, update
from stdnum import luhn

from core import candidacies, importing, spreadsheet
from core.errors import DeadlinePassed, NotAllowed, NotFound, StaleEdit, ValidationFailed
from core.spreadsheet import COLUMNS, EXAMPLE, EXAMPLE_SKIPPED, ImportRejected, read_rows
from db.engine import read_only, unit_of_work
from db.models import (
    AuditEntry,
    Candidacy,
    OutboxMessage,
    Role,
    Structure,
    Submission,
    structure_sectors,
)
from tests.core.test_candidacies import complete_form
from tests.factories import make_call, make_network, make_user
from tests.querycount import statements_of

CLOSES = datetime(2027, 2, 1, 17, 0, tzinfo=timezone.utc)
BEFORE_CLOSING = CLOSES - timedelta(days=1)


def siret(n: int) -> str:
    """A valid SIRET (Luhn on the SIREN and on the whole number), distinct for each n."""
    siren = f"{40000000 + n:08d}"
    siren += luhn.calc_check_digit(siren)
    body = siren + "0001"
    return body + luhn.calc_check_digit(body)


# A structure's own SIRET: the template's is the example's, which the import skips or refuses.
STRUCTURE_SIRET = siret(999)


def row(**changes) -> dict[str, str]:
    """The template's example row with a structure's own SIRET, and some cells changed
    (keys are headers or field names)."""
    values = {**EXAMPLE, "SIRET": STRUCTURE_SIRET}
    by_field = {name: header for header, name in COLUMNS.items()}
    for key, value in changes.items():
        values[by_field.get(key, key)] = value
    return values


def csv_file(rows: list[dict[str, str]], *, encoding: str = "utf-8-sig", delimiter: str = ";",
             headers: list[str] | None = None) -> bytes:
    headers = headers or list(COLUMNS)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(headers)
    for values in rows:
        writer.writerow([values.get(header, "") for header in headers])
    return buffer.getvalue().encode(encoding)


def xlsx_file(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for values in rows:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def count(model) -> int:
    with read_only() as session:
        return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def setting(db):
    network_a, network_b = make_network("Urtie"), make_network("Initiatives 77")
    call_id = make_call(networks=(network_a, network_b), opens_at=CLOSES - timedelta(days=30), closes_at=CLOSES)
    return {
        "call": call_id,
        "a": make_user(Role.RESEAU, network_id=network_a),
        "b": make_user(Role.RESEAU, network_id=network_b),
    }


def do_preview(actor, call_id, rows, *, submit=False, now=BEFORE_CLOSING):
    with read_only() as session:
        return importing.preview(session, actor=actor, call_id=call_id, rows=rows, submit=submit, now=now)


def do_apply(actor, call_id, rows, *, submit=False, now=BEFORE_CLOSING):
    with unit_of_work() as session:
        return importing.apply(session, actor=actor, call_id=call_id, rows=rows, submit=submit, now=now,
                               source="candidatures.csv")


# ---------------------------------------------------------------- templates and reading


def test_template_csv_round_trips_to_the_example_row():
    content = spreadsheet.template_csv()
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig").splitlines()[0].split(";")[:2] == ["SIRET", "Nom de la structure"]
    rows = read_rows("modele.csv", content)
    assert rows == [EXAMPLE] and rows[0].line == 2


def test_template_xlsx_round_trips_and_formats_numbers_as_text():
    content = spreadsheet.template_xlsx()
    rows = read_rows("modele.xlsx", content)
    assert rows == [EXAMPLE] and rows[0].line == 2
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    assert all(cell.font.b for cell in sheet[1])
    assert sheet["A2"].number_format == "@" and sheet["E2"].number_format == "@"
    assert sheet.column_dimensions["A"].width >= 16


def test_template_example_row_is_valid_for_an_open_call(setting):
    example = {**EXAMPLE, "SIRET": STRUCTURE_SIRET}  # with a structure's own SIRET
    report = do_preview(setting["a"], setting["call"], [example], submit=True)
    assert [(r.line, r.action, r.errors) for r in report.rows] == [(2, "create", [])]


@pytest.mark.parametrize("template", ["csv", "xlsx"])
def test_template_example_row_left_in_the_file_is_skipped_with_a_report_line(setting, template):
    content = spreadsheet.template_csv() if template == "csv" else spreadsheet.template_xlsx()
    rows = read_rows(f"modele.{template}", content)
    report = do_preview(setting["a"], setting["call"], rows, submit=True)
    assert report.rows == [] and report.skipped == [(2, "ligne d'exemple du modèle, ignorée")]
    result = do_apply(setting["a"], setting["call"], rows, submit=True)
    assert (result.created, result.rejected, result.skipped) == (0, 0, [(2, "ligne d'exemple du modèle, ignorée")])
    assert count(Candidacy) == 0 and count(Structure) == 0 and count(OutboxMessage) == 0


def test_template_example_row_above_real_rows_is_skipped_and_the_others_imported(setting):
    example = {**EXAMPLE, "Résumé": "Résumé retouché", "Ville": "Bezons"}  # same SIRET and name: still the example
    rows = read_rows("f.csv", csv_file([example, row(siret=siret(1), name="Première")]))
    report = do_preview(setting["a"], setting["call"], rows, submit=True)
    assert [(r.line, r.action) for r in report.rows] == [(3, "create")] and [line for line, _ in report.skipped] == [2]
    with unit_of_work() as session:
        result = importing.apply(session, actor=setting["a"], call_id=setting["call"], rows=rows, submit=True,
                                 now=BEFORE_CLOSING, checked=report)
    assert (result.created, [line for line, _ in result.skipped]) == (1, [2])
    assert do_apply(setting["a"], setting["call"], [dict(r) for r in rows]).skipped == [(2, EXAMPLE_SKIPPED)]
    with read_only() as session:
        assert [s.siret for s in session.scalars(select(Structure))] == [siret(1)]


def test_template_example_siret_under_another_name_is_a_row_error(setting):
    rows = [{**EXAMPLE, "Nom de la structure": "Ma structure"}, {**EXAMPLE, "SIRET": "732 829 320 00074",
                                                                  "Nom de la structure": "Autre"}]
    report = do_preview(setting["a"], setting["call"], rows, submit=True)
    assert report.skipped == [] and [r.action for r in report.rows] == ["error", "error"]
    assert {column for r in report.rows for column, _ in r.errors} == {"SIRET"}
    assert "ligne d'exemple du modèle" in report.rows[0].errors[0][1]


def test_template_xlsx_marks_its_example_row():
    sheet = load_workbook(io.BytesIO(spreadsheet.template_xlsx())).worksheets[0]
    assert "ignorée à l'import" in sheet["A2"].comment.text
    assert sheet["B2"].font.i


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_csv_summary_line_breaks_count_as_in_the_form_and_xlsx(setting, ending):
    summary = "\n".join(["x" * 299] * 5)  # 1,500 characters, the limit, with 4 line breaks
    content = csv_file([row(pitch_summary=summary.replace("\n", ending))])
    assert ending.encode() + b"xxx" in content
    from_xlsx = read_rows("f.xlsx", xlsx_file([list(COLUMNS), list(row(pitch_summary=summary).values())]))
    for rows in (read_rows("f.csv", content), from_xlsx):
        report = do_preview(setting["a"], setting["call"], rows, submit=True)
        assert [(r.action, r.errors) for r in report.rows] == [("create", [])]
    result = do_apply(setting["a"], setting["call"], read_rows("f.csv", content), submit=True)
    assert result.created == 1
    with read_only() as session:
        assert session.scalar(select(Candidacy)).pitch_summary == summary


def test_read_rows_reads_windows_1252_accents():
    content = csv_file([row(name="Régie de quartier Évry", city="Évry-Courcouronnes")], encoding="cp1252")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    [read] = read_rows("export.csv", content)
    assert read["Nom de la structure"] == "Régie de quartier Évry"
    assert read["Secteurs d'activité"] == "Bâtiment et travaux publics ; Hygiène et propreté"


def test_read_rows_reads_utf8_with_and_without_bom_and_any_separator():
    for encoding in ("utf-8-sig", "utf-8"):
        for delimiter in (";", ",", "\t"):
            [read] = read_rows("f.csv", csv_file([row()], encoding=encoding, delimiter=delimiter))
            assert read == row()


def test_read_rows_matches_headers_whatever_case_accents_and_spaces():
    content = "  siret ;NOM DE LA STRUCTURE;Departement; contact - e-mail \n73282932000074;A;95;a@b.fr\n"
    [read] = read_rows("f.csv", content.encode())
    assert read == {"SIRET": "73282932000074", "Nom de la structure": "A", "Département": "95",
                    "Contact — e-mail": "a@b.fr"}


def test_read_rows_skips_empty_rows_but_keeps_line_numbers():
    content = csv_file([row(), {}, row(siret=siret(1))])
    rows = read_rows("f.csv", content)
    assert [r.line for r in rows] == [2, 4]


def test_unknown_columns_are_rejected_by_name():
    content = csv_file([row()], headers=[*COLUMNS, "Couleur préférée", "Chiffre d'affaires"])
    with pytest.raises(ImportRejected, match="Couleur préférée") as rejected:
        read_rows("f.csv", content)
    assert "Chiffre d'affaires" in rejected.value.message


def test_values_under_a_column_without_title_are_rejected_but_empty_ones_ignored():
    assert read_rows("f.csv", "SIRET;;Ville\n1;;Paris\n".encode()) == [{"SIRET": "1", "Ville": "Paris"}]
    with pytest.raises(ImportRejected, match="colonne B"):
        read_rows("f.csv", "SIRET;;Ville\n1;oups;Paris\n".encode())


def test_missing_siret_column_is_rejected():
    with pytest.raises(ImportRejected, match="SIRET"):
        read_rows("f.csv", "Nom de la structure;Ville\nA;Paris\n".encode())


@pytest.mark.parametrize("filename, content", [
    ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    ("logo.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    ("dossier.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"),
    ("dossier.xlsx", b"%PDF-1.7\n"),
    ("ancien.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64),
    ("sans-extension", b"SIRET\n1\n"),
])
def test_files_that_are_not_csv_or_xlsx_are_rejected(filename, content):
    with pytest.raises(ImportRejected, match=r"\.xlsx"):
        read_rows(filename, content)


def test_oversized_file_is_rejected_with_the_limit(monkeypatch):
    content = csv_file([row()] * 20)
    with pytest.raises(ImportRejected, match="trop volumineux"):
        read_rows("f.csv", content, max_bytes=1000)
    monkeypatch.setenv("OPENMAP_IMPORT_MAX_MB", "1")
    big = csv_file([row(pitch_summary="x" * 1400)] * 800)
    assert len(big) > 1024 * 1024
    with pytest.raises(ImportRejected, match="1 Mo"):
        read_rows("f.csv", big)


def test_corrupt_xlsx_is_rejected():
    content = spreadsheet.template_xlsx()
    for broken in (content[: len(content) // 2], content[:100] + b"\x00" * 500 + content[600:], b"PK\x03\x04junk"):
        with pytest.raises(ImportRejected, match="endommagé"):
            read_rows("f.xlsx", broken)


def test_unknown_encoding_and_utf16_are_rejected_clearly():
    with pytest.raises(ImportRejected, match="encodage"):
        read_rows("f.csv", b"SIRET;Nom de la structure\n1;\x81\x8d\xc3\n")
    with pytest.raises(ImportRejected, match="UTF-16"):
        read_rows("f.csv", "SIRET;Nom de la structure\n1;A\n".encode("utf-16"))


def test_empty_files_and_header_only_files_are_rejected():
    for content in (b"", b"\r\n\r\n", "SIRET;Nom de la structure\r\n".encode()):
        with pytest.raises(ImportRejected):
            read_rows("f.csv", content)


def test_too_many_rows_are_rejected(monkeypatch):
    monkeypatch.setattr(spreadsheet, "MAX_ROWS", 3)
    with pytest.raises(ImportRejected, match="plus de 3"):
        read_rows("f.csv", csv_file([row(siret=siret(n)) for n in range(4)]))


def test_misaligned_csv_row_is_rejected_with_its_line():
    content = "SIRET;Nom de la structure\n73282932000074;A\n73282932000074;B;en trop\n".encode()
    with pytest.raises(ImportRejected, match="ligne 3"):
        read_rows("f.csv", content)


def test_xlsx_numbers_and_dates_become_the_text_a_user_sees():
    content = xlsx_file([
        ["SIRET", "Code postal", "Contact — téléphone", "Salariés en insertion", "Résumé", "Département"],
        [73282932000074, 1000, 139000000, 18.0, datetime(2026, 3, 5), 1],
        [7.3282932000074e13, "93200", "01 23 45 67 89", 2.5, date(2026, 12, 31), "2A"],
        [None, None, None, None, None, None],
        ["35600000009075", None, None, None, "texte", None],
    ])
    rows = read_rows("f.xlsx", content)
    assert rows[0] == {"SIRET": "73282932000074", "Code postal": "01000", "Contact — téléphone": "0139000000",
                       "Salariés en insertion": "18", "Résumé": "05/03/2026", "Département": "1"}
    assert rows[1]["SIRET"] == "73282932000074" and rows[1]["Salariés en insertion"] == "2.5"
    assert rows[1]["Résumé"] == "31/12/2026"
    assert [r.line for r in rows] == [2, 3, 5]


# ---------------------------------------------------------------- preview and apply


def test_preview_writes_nothing(setting):
    rows = [row(siret=siret(n), name=f"Structure {n}") for n in range(3)]
    before = [count(m) for m in (Structure, Candidacy, AuditEntry, OutboxMessage)]
    report = do_preview(setting["a"], setting["call"], rows, submit=True)
    assert (report.created, report.updated, report.rejected) == (3, 0, 0)
    assert [count(m) for m in (Structure, Candidacy, AuditEntry, OutboxMessage)] == before


def test_apply_saves_valid_rows_and_reports_invalid_ones_by_line_and_column(setting):
    rows = read_rows("f.csv", csv_file([
        row(siret=siret(1), name="Première"),
        row(siret="73282932000079", contact_email="samia@", name="Deuxième"),
        row(siret=siret(3), name="Troisième", consent_processing="peut-être"),
        row(siret=siret(4), name="Quatrième", sectors="Restauration ; Astronautique"),
    ]))
    report = do_preview(setting["a"], setting["call"], rows, submit=True)
    assert [(r.line, r.action) for r in report.rows] == [(2, "create"), (3, "error"), (4, "error"), (5, "error")]
    errors = {(line, column) for line, column, _ in report.errors}
    assert {(3, "SIRET"), (3, "Contact — e-mail"), (4, "Accord traitement des données"),
            (5, "Secteurs d'activité")} == errors
    assert "Astronautique" in dict(report.rows[3].errors)["Secteurs d'activité"]

    result = do_apply(setting["a"], setting["call"], rows, submit=True)
    assert (result.created, result.updated, result.rejected, result.submitted) == (1, 0, 3, 1)
    assert result.errors == [r for r in report.rows if r.action == "error"]
    with read_only() as session:
        [candidacy] = session.scalars(select(Candidacy)).all()
        assert candidacy.structure.name == "Première" and candidacy.submission == Submission.SUBMITTED
        assert [s.label for s in candidacy.structure.sectors] == [
            "Bâtiment et travaux publics", "Hygiène et propreté"]
        assert candidacy.network_id == setting["a"].network_id and candidacy.created_by_id == setting["a"].user_id
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["candidacy_submitted", "candidacies_imported"]
    assert entries[0].before is None and entries[0].after["structure.name"] == "Première"
    assert entries[0].object_id == candidacy.id and "candidatures.csv" in entries[0].detail
    assert entries[1].after["created"] == 1 and entries[1].after["rejected"] == 3


def test_audit_state_matches_the_form_save(setting):
    do_apply(setting["a"], setting["call"], [row()], submit=True)
    with read_only() as session:
        candidacy = session.scalar(select(Candidacy))
        imported = session.scalar(select(AuditEntry).where(AuditEntry.action == "candidacy_submitted")).after
        stored = candidacies.stored_of(candidacy)
        assert imported == candidacies.audit_state(submission=stored.submission,
                                                   withdrawal_reason=stored.withdrawal_reason,
                                                   content=stored.content, siret=stored.siret)


def test_reimporting_the_same_file_updates_and_never_duplicates(setting):
    rows = [row(siret=siret(n), name=f"Structure {n}") for n in range(3)]
    first = do_apply(setting["a"], setting["call"], rows)
    again = do_apply(setting["a"], setting["call"], rows)
    assert (first.created, again.created, again.updated + again.unchanged) == (3, 0, 3)
    assert again.unchanged == 3 and count(Candidacy) == 3 and count(Structure) == 3
    changed = [*rows[:2], row(siret=siret(2), name="Nouveau nom", pitch_title="Nouveau titre")]
    assert [r.action for r in do_preview(setting["a"], setting["call"], changed).rows] == ["update"] * 3
    third = do_apply(setting["a"], setting["call"], changed)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2) and count(Candidacy) == 3
    with read_only() as session:
        candidacy = session.scalar(select(Candidacy).join(Structure).where(Structure.siret == siret(2)))
        assert (candidacy.version, candidacy.pitch_title, candidacy.structure.name) == (2, "Nouveau titre",
                                                                                       "Nouveau nom")
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "candidacy_updated"))
    assert entry.before["pitch_title"] == EXAMPLE["Titre de la présentation"]
    assert entry.after["pitch_title"] == "Nouveau titre" and entry.object_id == candidacy.id


def test_import_updates_a_candidacy_saved_with_the_form(setting):
    with unit_of_work() as session:
        candidacy_id = candidacies.save(session, actor=setting["a"], call_id=setting["call"],
                                        form=complete_form(siret=STRUCTURE_SIRET), submit=False, now=BEFORE_CLOSING)
    spaced = f"{STRUCTURE_SIRET[:3]} {STRUCTURE_SIRET[3:6]} {STRUCTURE_SIRET[6:9]} {STRUCTURE_SIRET[9:]}"
    result = do_apply(setting["a"], setting["call"], [row(siret=spaced, city="Bezons", postcode="95870")])
    assert (result.created, result.updated) == (0, 1)
    with read_only() as session:
        [candidacy] = session.scalars(select(Candidacy)).all()
        assert candidacy.id == candidacy_id and candidacy.version == 2 and candidacy.structure.city == "Bezons"


def test_empty_cells_keep_what_the_directory_knows(setting):
    do_apply(setting["a"], setting["call"], [row()])
    do_apply(setting["a"], setting["call"], [{"SIRET": STRUCTURE_SIRET, "Nom de la structure": "Bâti'Insert 95",
                                              "Type de structure": "EI"}])
    with read_only() as session:
        structure = session.scalar(select(Structure))
        assert structure.city == "Argenteuil" and len(structure.sectors) == 2


def test_same_siret_twice_in_a_file_refuses_the_second_row(setting):
    rows = read_rows("f.csv", csv_file([row(), row(siret=siret(7)), row(siret=f" {STRUCTURE_SIRET} ", name="Bis")]))
    result = do_apply(setting["a"], setting["call"], rows)
    assert (result.created, result.rejected) == (2, 1)
    [refused] = result.errors
    assert (refused.line, refused.errors) == (4, [("SIRET", "Ce SIRET figure déjà à la ligne 2 du fichier.")])
    assert count(Candidacy) == 2


def test_structure_proposed_by_another_network_is_a_row_error_naming_it(setting):
    do_apply(setting["a"], setting["call"], [row(name="Nom donné par Urtie")], submit=True)
    rows = [row(name="Nom donné par Initiatives 77"), row(siret=siret(9))]
    report = do_preview(setting["b"], setting["call"], rows, submit=True)
    assert [r.action for r in report.rows] == ["error", "create"]
    [(column, message)] = report.rows[0].errors
    assert column == "SIRET" and "Urtie" in message
    result = do_apply(setting["b"], setting["call"], rows, submit=True)
    assert (result.created, result.rejected) == (1, 1)
    with read_only() as session:
        mine = session.scalar(select(Candidacy).join(Structure).where(Structure.siret == STRUCTURE_SIRET))
        assert mine.network_id == setting["a"].network_id and mine.version == 1
        assert mine.structure.name == "Nom donné par Urtie"


def test_another_networks_actor_or_an_outsider_cannot_import(setting, db):
    outsider = make_user(Role.RESEAU)
    with pytest.raises(NotFound):
        do_apply(outsider, setting["call"], [row()])
    with pytest.raises(NotAllowed):
        do_preview(make_user(Role.PILOTE), setting["call"], [row()])
    assert count(Candidacy) == 0


def test_import_after_the_deadline_is_refused_as_a_whole(setting):
    for step in (do_preview, do_apply):
        with pytest.raises(DeadlinePassed):
            step(setting["a"], setting["call"], [row()], now=CLOSES)
    assert count(Candidacy) == 0 and count(AuditEntry) == 0


def test_submitted_rows_queue_one_acknowledgement_each_and_reimport_none(setting):
    rows = [row(siret=siret(n), name=f"Structure {n}") for n in range(3)]
    do_apply(setting["a"], setting["call"], rows[:1])  # a draft first
    result = do_apply(setting["a"], setting["call"], rows, submit=True)
    assert (result.created, result.updated, result.submitted) == (2, 1, 3)
    with read_only() as session:
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        candidacies_by_id = {c.id: c for c in session.scalars(select(Candidacy))}
    assert len(messages) == 3
    for message in messages:
        candidacy = candidacies_by_id[message.candidacy_id]
        assert message.idempotency_key == f"submission-ack:{candidacy.id}:{candidacy.submitted_at.isoformat()}"
        assert "a bien été déposée" in message.body_text and "Urtie" in message.body_text
    assert {m.subject.split(" : ")[1].split(" — ")[0] for m in messages} == {f"Structure {n}" for n in range(3)}
    again = do_apply(setting["a"], setting["call"], rows, submit=True)
    assert again.submitted == 0 and count(OutboxMessage) == 3
    with unit_of_work() as session:  # the form sees them as submitted too: no second acknowledgement
        candidacy_id = messages[0].candidacy_id
        candidacies.save(session, actor=setting["a"], call_id=setting["call"],
                         form=complete_form(siret=siret(0), name="Structure 0", pitch_title="Autre"),
                         submit=True, candidacy_id=candidacy_id,
                         expected_version=candidacies_by_id[candidacy_id].version, now=BEFORE_CLOSING)
    assert count(OutboxMessage) == 3


def test_draft_import_over_a_submitted_candidacy_keeps_it_complete(setting):
    do_apply(setting["a"], setting["call"], [row()], submit=True)
    result = do_apply(setting["a"], setting["call"], [row(pitch_summary="")], submit=False)
    assert result.rejected == 1 and result.errors[0].errors[0][0] == "Résumé"
    with read_only() as session:
        assert session.scalar(select(Candidacy)).submission == Submission.SUBMITTED


def test_withdrawn_candidacy_is_not_changed_by_an_import(setting):
    do_apply(setting["a"], setting["call"], [row()], submit=True)
    with unit_of_work() as session:
        candidacy = session.scalar(select(Candidacy))
        candidacies.withdraw(session, actor=setting["a"], candidacy_id=candidacy.id, expected_version=1,
                             reason="Plus disponible", now=BEFORE_CLOSING)
    result = do_apply(setting["a"], setting["call"], [row()], submit=True)
    assert result.rejected == 1 and "retirée" in result.errors[0].errors[0][1]


def test_apply_reuses_the_preview_fields_but_checks_the_database_again(setting):
    rows = [row(siret=siret(n), name=f"Structure {n}") for n in range(2)]
    seen = do_preview(setting["b"], setting["call"], rows, submit=True)
    assert [r.action for r in seen.rows] == ["create", "create"]
    do_apply(setting["a"], setting["call"], rows[:1], submit=True)  # meanwhile, Urtie proposes the first
    with unit_of_work() as session:
        result = importing.apply(session, actor=setting["b"], call_id=setting["call"], rows=rows, submit=True,
                                 now=BEFORE_CLOSING, checked=seen)
    assert (result.created, result.rejected) == (1, 1) and "Urtie" in result.errors[0].errors[0][1]


def test_apply_validates_again_when_the_preview_does_not_match(setting):
    rows = [row(pitch_summary="")]  # complete enough for a draft, not for a submission
    draft_preview = do_preview(setting["a"], setting["call"], rows, submit=False)
    assert draft_preview.rejected == 0
    with unit_of_work() as session:
        result = importing.apply(session, actor=setting["a"], call_id=setting["call"], rows=rows, submit=True,
                                 now=BEFORE_CLOSING, checked=draft_preview)
    assert result.rejected == 1 and result.errors[0].errors == [("Résumé", "Le champ « Résumé » est obligatoire.")]
    changed = [row(siret="123")]
    with unit_of_work() as session:
        result = importing.apply(session, actor=setting["a"], call_id=setting["call"], rows=changed, submit=False,
                                 now=BEFORE_CLOSING, checked=draft_preview)
    assert result.rejected == 1 and count(Candidacy) == 0


def test_apply_runs_the_same_number_of_statements_for_10_or_40_rows(setting, db):
    def statements(rows):
        return statements_of(db, lambda: do_apply(setting["a"], setting["call"], rows, submit=True))

    small = statements([row(siret=siret(n), name=f"S{n}") for n in range(10)])
    large = statements([row(siret=siret(n), name=f"S{n}") for n in range(100, 140)])
    assert small == large
    assert count(structure_sectors) == 100


# ---------------------------------------------------------------- properties


@settings(max_examples=100, deadline=None)
@given(content=st.binary(max_size=2000), extension=st.sampled_from(["csv", "xlsx"]))
def test_read_rows_on_arbitrary_bytes_raises_only_import_rejected(content, extension):
    try:
        rows = read_rows(f"f.{extension}", content)
    except ImportRejected as rejected:
        assert rejected.message
    else:
        assert all(isinstance(value, str) for r in rows for value in r.values())


_TEMPLATE_XLSX = spreadsheet.template_xlsx()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_TEMPLATE_XLSX) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_read_rows_on_damaged_workbooks_raises_only_import_rejected(changes):
    content = bytearray(_TEMPLATE_XLSX)
    for position, value in changes:
        content[position] = value
    try:
        read_rows("f.xlsx", bytes(content))
    except ImportRejected:
        pass


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_read_rows_on_arbitrary_csv_text_raises_only_import_rejected(text):
    try:
        read_rows("f.csv", ("SIRET;Nom de la structure\n" + text).encode())
    except ImportRejected:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from([*COLUMNS, "autre", "siret"]), st.text(max_size=40)),
       st.booleans())
def test_row_validation_raises_only_validation_failed(cells, submit):
    try:
        clean = spreadsheet.check_row(cells, submit=submit, eligible_kinds={"EI"}, eligible_departements={"95"})
    except ValidationFailed as refused:
        assert spreadsheet.column_errors(refused.errors)
        assert all(column in COLUMNS for column, _ in spreadsheet.column_errors(refused.errors))
    else:
        assert len(clean.siret) == 14


_cells = st.dictionaries(
    st.sampled_from(list(COLUMNS)),
    st.one_of(st.text(max_size=30), st.sampled_from([EXAMPLE["SIRET"], "732 829 320 00074", "Oui", "95", "EI"])),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(_cells, max_size=12), submit=st.booleans())
def test_preview_of_arbitrary_rows_reports_row_errors_only(setting, rows, submit):
    report = do_preview(setting["a"], setting["call"], rows, submit=submit)
    assert len(report.rows) == len(rows)
    for line, reported in enumerate(report.rows, start=2):
        assert reported.line == line and reported.action in ("create", "update", "error")
        assert (reported.action == "error") == bool(reported.errors)


def test_siret_rounded_by_a_spreadsheet_gets_a_specific_message():
    with pytest.raises(ValidationFailed) as refused:
        spreadsheet.check_row(row(siret="7,32829E+13"), submit=False)
    assert "formatez la colonne SIRET en texte" in refused.value.errors["siret"]


def test_every_csv_cell_reaches_the_form_field_of_its_column():
    form, errors = spreadsheet.form_of(EXAMPLE)
    assert errors == {} and form.siret == EXAMPLE["SIRET"] and form.consent_sharing is True
    assert form.contact_phone == EXAMPLE["Contact — téléphone"]
    assert zipfile.is_zipfile(io.BytesIO(spreadsheet.template_xlsx()))


def test_reimporting_a_partial_file_keeps_what_the_draft_already_had(setting):
    do_apply(setting["a"], setting["call"], [row(siret=siret(1))])
    partial = {"SIRET": siret(1), "Nom de la structure": "Nouveau nom", "Type de structure": "EI"}  # identity only
    report = do_apply(setting["a"], setting["call"], [partial])
    assert (report.updated, report.rejected) == (1, 0)
    with read_only() as session:
        candidacy = session.scalar(select(Candidacy))
    assert candidacy.name == "Nouveau nom"
    assert candidacy.pitch_summary == EXAMPLE["Résumé"] and candidacy.contact_email
    assert candidacy.consent_processing and candidacy.consent_sharing


def test_apply_refuses_everything_when_one_of_its_candidacies_changed_meanwhile(setting):
    rows = [row(siret=siret(n), name=f"Structure {n}") for n in range(2)]
    do_apply(setting["a"], setting["call"], rows)
    changed = [row(siret=siret(n), name=f"Structure {n}", pitch_title="Nouveau titre") for n in range(2)]
    with pytest.raises(StaleEdit, match="modifiées par quelqu'un d'autre"), unit_of_work() as session:
        plan = importing._plan(session, actor=setting["a"], call_id=setting["call"], rows=changed, submit=False,
                               now=BEFORE_CLOSING)
        # Meanwhile (here, in the same transaction) the second candidacy is saved again.
        session.execute(update(Candidacy).where(Candidacy.id == plan.rows[1].existing.candidacy.id)
                        .values(version=Candidacy.version + 1))
        importing._write(session, plan, actor=setting["a"], now=BEFORE_CLOSING)
    with read_only() as session:
        assert set(session.scalars(select(Candidacy.pitch_title))) == {EXAMPLE["Titre de la présentation"]}
