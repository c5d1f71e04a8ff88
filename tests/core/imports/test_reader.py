"""Reading files: encodings, separators, headers, limits, damaged files — only ImportRejected, whatever the bytes."""

from __future__ import annotations

import contextlib
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.imports import reader, template
from core.imports.columns import COLUMNS
from core.imports.reader import ImportRejected, read_rows
from db.engine import read_only
from db.models import Candidacy
from tests.core.imports.support import (
    csv_file,
    do_apply,
    do_preview,
    row,
    siret,
    xlsx_file,
)


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
    assert read_rows("f.csv", b"SIRET;;Ville\n1;;Paris\n") == [{"SIRET": "1", "Ville": "Paris"}]
    with pytest.raises(ImportRejected, match="colonne B"):
        read_rows("f.csv", b"SIRET;;Ville\n1;oups;Paris\n")


def test_missing_siret_column_is_rejected():
    with pytest.raises(ImportRejected, match="SIRET"):
        read_rows("f.csv", b"Nom de la structure;Ville\nA;Paris\n")


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
    content = template.template_xlsx()
    for broken in (content[: len(content) // 2], content[:100] + b"\x00" * 500 + content[600:], b"PK\x03\x04junk"):
        with pytest.raises(ImportRejected, match="endommagé"):
            read_rows("f.xlsx", broken)


def test_unknown_encoding_and_utf16_are_rejected_clearly():
    with pytest.raises(ImportRejected, match="encodage"):
        read_rows("f.csv", b"SIRET;Nom de la structure\n1;\x81\x8d\xc3\n")
    with pytest.raises(ImportRejected, match="UTF-16"):
        read_rows("f.csv", "SIRET;Nom de la structure\n1;A\n".encode("utf-16"))


def test_empty_files_and_header_only_files_are_rejected():
    for content in (b"", b"\r\n\r\n", b"SIRET;Nom de la structure\r\n"):
        with pytest.raises(ImportRejected):
            read_rows("f.csv", content)


def test_too_many_rows_are_rejected(monkeypatch):
    monkeypatch.setattr(reader, "MAX_ROWS", 3)
    with pytest.raises(ImportRejected, match="plus de 3"):
        read_rows("f.csv", csv_file([row(siret=siret(n)) for n in range(4)]))


def test_misaligned_csv_row_is_rejected_with_its_line():
    content = b"SIRET;Nom de la structure\n73282932000074;A\n73282932000074;B;en trop\n"
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


@settings(max_examples=100, deadline=None)
@given(content=st.binary(max_size=2000), extension=st.sampled_from(["csv", "xlsx"]))
def test_read_rows_on_arbitrary_bytes_raises_only_import_rejected(content, extension):
    try:
        rows = read_rows(f"f.{extension}", content)
    except ImportRejected as rejected:
        assert rejected.message
    else:
        assert all(isinstance(value, str) for r in rows for value in r.values())


_TEMPLATE_XLSX = template.template_xlsx()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_TEMPLATE_XLSX) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_read_rows_on_damaged_workbooks_raises_only_import_rejected(changes):
    content = bytearray(_TEMPLATE_XLSX)
    for position, value in changes:
        content[position] = value
    with contextlib.suppress(ImportRejected):
        read_rows("f.xlsx", bytes(content))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_read_rows_on_arbitrary_csv_text_raises_only_import_rejected(text):
    with contextlib.suppress(ImportRejected):
        read_rows("f.csv", ("SIRET;Nom de la structure\n" + text).encode())
