"""What the import tests share: valid SIRETs, rows, CSV and XLSX files, preview and apply."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from openpyxl import Workbook
from sqlalchemy import func, select
from stdnum import luhn

from core.imports import plan, write
from core.imports.columns import COLUMNS
from core.imports.template import EXAMPLE
from db.engine import read_only, unit_of_work

CLOSES = datetime(2027, 2, 1, 17, 0, tzinfo=UTC)


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


def do_preview(actor, call_id, rows, *, submit=False, now=BEFORE_CLOSING):
    with read_only() as session:
        return plan.preview(session, actor=actor, call_id=call_id, rows=rows, submit=submit, now=now)


def do_apply(actor, call_id, rows, *, submit=False, now=BEFORE_CLOSING):
    with unit_of_work() as session:
        return write.apply(session, actor=actor, call_id=call_id, rows=rows, submit=submit, now=now,
                           source="candidatures.csv")
