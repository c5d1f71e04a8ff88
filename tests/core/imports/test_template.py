"""The CSV and Excel templates: they read back as their example row, which is valid."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from core.imports import template
from core.imports.columns import COLUMNS
from core.imports.reader import read_rows
from core.imports.template import EXAMPLE
from tests.core.imports.support import STRUCTURE_SIRET, do_preview


def test_template_csv_round_trips_to_the_example_row():
    content = template.template_csv()
    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig").splitlines()[0].split(";")[:2] == ["SIRET", "Nom de la structure"]
    rows = read_rows("modele.csv", content)
    assert rows == [EXAMPLE] and rows[0].line == 2


def test_template_xlsx_round_trips_and_formats_numbers_as_text():
    content = template.template_xlsx()
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


def test_template_xlsx_marks_its_example_row():
    sheet = load_workbook(io.BytesIO(template.template_xlsx())).worksheets[0]
    assert "ignorée à l'import" in sheet["A2"].comment.text
    assert sheet["B2"].font.i
