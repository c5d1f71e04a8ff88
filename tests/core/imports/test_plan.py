"""Planning an import: the preview writes nothing; the form's rules, row by row or for the whole file."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from core.candidacies import saving
from core.errors import DeadlinePassed, NotAllowed, NotFound
from core.imports.columns import COLUMNS
from core.imports.reader import read_rows
from core.imports.template import EXAMPLE
from db.engine import read_only, unit_of_work
from db.models import (
    AuditEntry,
    Candidacy,
    OutboxMessage,
    Role,
    Structure,
    Submission,
)
from tests.core.imports.support import (
    BEFORE_CLOSING,
    CLOSES,
    STRUCTURE_SIRET,
    count,
    csv_file,
    do_apply,
    do_preview,
    row,
    siret,
)
from tests.factories import make_user


def test_preview_writes_nothing(setting):
    rows = [row(siret=siret(n), name=f"Structure {n}") for n in range(3)]
    before = [count(m) for m in (Structure, Candidacy, AuditEntry, OutboxMessage)]
    report = do_preview(setting["a"], setting["call"], rows, submit=True)
    assert (report.created, report.updated, report.rejected) == (3, 0, 0)
    assert [count(m) for m in (Structure, Candidacy, AuditEntry, OutboxMessage)] == before


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
        saving.withdraw(session, actor=setting["a"], candidacy_id=candidacy.id, expected_version=1,
                        reason="Plus disponible", now=BEFORE_CLOSING)
    result = do_apply(setting["a"], setting["call"], [row()], submit=True)
    assert result.rejected == 1 and "retirée" in result.errors[0].errors[0][1]


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
