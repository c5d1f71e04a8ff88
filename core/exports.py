"""Spreadsheet exports of the app's tables: one DataFrame gives a CSV for French Excel
and an .xlsx workbook with typed cells, neither carrying a live formula.

A text cell that a spreadsheet could read as a formula (OWASP « CSV injection »: first
character = + - @ tab or CR, which LibreOffice and Excel may also find after blanks or
invisible characters) is prefixed with an apostrophe. Only text is touched: numbers,
dates and booleans are written as such (-3 is a number, not a formula).
"""

from __future__ import annotations

import csv
import io
import math
import numbers
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.clock import PARIS

# First characters that start a formula; full-width forms too, which some Excel
# versions convert. Tab, CR, LF and NUL also start one at the very first position.
_FORMULA_SIGNS = frozenset("=+-@＝＋－＠")
_FORMULA_FIRST = _FORMULA_SIGNS | frozenset("\t\r\n\x00")
_LIST_SEPARATOR = ", "
_CSV_DATETIME = "%d/%m/%Y %H:%M:%S"
_CSV_DATE = "%d/%m/%Y"
_XLSX_DATETIME = "DD/MM/YYYY HH:MM:SS"
_XLSX_DATE = "DD/MM/YYYY"
_MAX_WIDTH = 60


def _first_visible(text: str) -> str:
    """The first character that is neither blank nor invisible (control, format...)."""
    return next((ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "C"), "")


def neutralise(text: str) -> str:
    """The text, prefixed with an apostrophe if a spreadsheet could take it as a formula."""
    if text and (text[0] in _FORMULA_FIRST or _first_visible(text) in _FORMULA_SIGNS):
        return "'" + text
    return text


def xlsx_text(text: str) -> str:
    """The text without the control characters an .xlsx file cannot hold, line breaks as
    LF (XML reads a bare CR back as LF anyway)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _plain(value: object) -> object:
    """A cell's value as None, bool, number, datetime (naive, Paris), date or neutralised text."""
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return neutralise(_LIST_SEPARATOR.join(str(v) for v in value)) or None
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Number):
        if isinstance(value, numbers.Integral):
            return int(value)
        number = float(value) if isinstance(value, np.floating) else value
        return None if isinstance(number, float) and math.isnan(number) else number
    if isinstance(value, datetime):  # pandas Timestamps included
        if value.tzinfo is not None:
            value = value.astimezone(PARIS).replace(tzinfo=None)
        return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
    if isinstance(value, date):
        return value
    return neutralise(str(value)) or None


def _rows(frame: pd.DataFrame) -> Iterable[list[object]]:
    yield [neutralise(str(name)) for name in frame.columns]
    for row in frame.itertuples(index=False, name=None):
        yield [_plain(value) for value in row]


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, (float, Decimal)):
        return str(value).replace(".", ",")  # French decimal comma
    if isinstance(value, datetime):
        return value.strftime(_CSV_DATETIME)
    if isinstance(value, date):
        return value.strftime(_CSV_DATE)
    return str(value)


def to_csv(frame: pd.DataFrame) -> bytes:
    """CSV as French Excel opens it: UTF-8 with a BOM, « ; » between fields, decimal
    comma, dates dd/mm/yyyy, Oui / Non; no field can start a formula."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in _rows(frame):
        writer.writerow(_csv_cell(value) for value in row)
    return out.getvalue().encode("utf-8-sig")


def _xlsx_cell(sheet, value: object) -> WriteOnlyCell:
    if isinstance(value, str):
        # Neutralised again: a dropped control character may have hidden a trigger behind it.
        value = neutralise(xlsx_text(value))
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, datetime):
        cell.number_format = _XLSX_DATETIME
    elif isinstance(value, date):
        cell.number_format = _XLSX_DATE
    return cell


def _width(values: Iterable[object]) -> int:
    longest = max((len(_csv_cell(v)) for v in values), default=0)
    return min(max(longest, 8) + 2, _MAX_WIDTH)


def to_xlsx(frame: pd.DataFrame, *, sheet_title: str = "Export") -> bytes:
    """An .xlsx workbook of one sheet: headings in bold, frozen; numbers, booleans and
    dates (Paris time) as typed cells; text neutralised, never a formula."""
    rows = list(_rows(frame))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    for index, column in enumerate(zip(*rows, strict=True), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(column[:200])
    sheet.freeze_panes = "A2"
    heading = []
    for name in rows[0]:
        cell = _xlsx_cell(sheet, name)
        cell.font = Font(bold=True)
        heading.append(cell)
    sheet.append(heading)
    for row in rows[1:]:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
