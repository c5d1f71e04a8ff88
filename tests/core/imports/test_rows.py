"""Rows as candidacies: the template's example row skipped or refused, row checks, cells to form fields."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.errors import ValidationFailed
from core.imports import template, write
from core.imports.columns import COLUMNS, column_errors
from core.imports.reader import read_rows
from core.imports.rows import EXAMPLE_SKIPPED, check_row, form_of
from core.imports.template import EXAMPLE
from db.engine import read_only, unit_of_work
from db.models import Candidacy, OutboxMessage, Structure
from tests.core.imports.support import (
    BEFORE_CLOSING,
    count,
    csv_file,
    do_apply,
    do_preview,
    row,
    siret,
)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_template_example_row_left_in_the_file_is_skipped_with_a_report_line(setting, kind):
    content = template.template_csv() if kind == "csv" else template.template_xlsx()
    rows = read_rows(f"modele.{kind}", content)
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
        result = write.apply(session, actor=setting["a"], call_id=setting["call"], rows=rows, submit=True,
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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from([*COLUMNS, "autre", "siret"]), st.text(max_size=40)),
       st.booleans())
def test_row_validation_raises_only_validation_failed(cells, submit):
    try:
        clean = check_row(cells, submit=submit, eligible_kinds={"EI"}, eligible_departements={"95"})
    except ValidationFailed as refused:
        assert column_errors(refused.errors)
        assert all(column in COLUMNS for column, _ in column_errors(refused.errors))
    else:
        assert len(clean.siret) == 14


def test_siret_rounded_by_a_spreadsheet_gets_a_specific_message():
    with pytest.raises(ValidationFailed) as refused:
        check_row(row(siret="7,32829E+13"), submit=False)
    assert "formatez la colonne SIRET en texte" in refused.value.errors["siret"]


def test_every_csv_cell_reaches_the_form_field_of_its_column():
    form, errors = form_of(EXAMPLE)
    assert errors == {} and form.siret == EXAMPLE["SIRET"] and form.consent_sharing is True
    assert form.contact_phone == EXAMPLE["Contact — téléphone"]
    assert zipfile.is_zipfile(io.BytesIO(template.template_xlsx()))
