"""Applying an import: created and updated candidacies, audit and acknowledgements as the form's, re-imports, races."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from core.candidacies import saving
from core.errors import StaleEdit
from core.imports import write
from core.imports.plan import make_plan
from core.imports.reader import read_rows
from core.imports.template import EXAMPLE
from db.engine import read_only, unit_of_work
from db.models import (
    AuditEntry,
    Candidacy,
    OutboxMessage,
    Structure,
    Submission,
    structure_sectors,
)
from tests.core.imports.support import (
    BEFORE_CLOSING,
    STRUCTURE_SIRET,
    count,
    csv_file,
    do_apply,
    do_preview,
    row,
    siret,
)
from tests.factories import complete_form
from tests.querycount import statements_of


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
        stored = saving.stored_of(candidacy)
        assert imported == saving.audit_state(submission=stored.submission,
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
        candidacy_id = saving.save(session, actor=setting["a"], call_id=setting["call"],
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
        saving.save(session, actor=setting["a"], call_id=setting["call"],
                    form=complete_form(siret=siret(0), name="Structure 0", pitch_title="Autre"),
                    submit=True, candidacy_id=candidacy_id,
                    expected_version=candidacies_by_id[candidacy_id].version, now=BEFORE_CLOSING)
    assert count(OutboxMessage) == 3


def test_apply_reuses_the_preview_fields_but_checks_the_database_again(setting):
    rows = [row(siret=siret(n), name=f"Structure {n}") for n in range(2)]
    seen = do_preview(setting["b"], setting["call"], rows, submit=True)
    assert [r.action for r in seen.rows] == ["create", "create"]
    do_apply(setting["a"], setting["call"], rows[:1], submit=True)  # meanwhile, Urtie proposes the first
    with unit_of_work() as session:
        result = write.apply(session, actor=setting["b"], call_id=setting["call"], rows=rows, submit=True,
                             now=BEFORE_CLOSING, checked=seen)
    assert (result.created, result.rejected) == (1, 1) and "Urtie" in result.errors[0].errors[0][1]


def test_apply_validates_again_when_the_preview_does_not_match(setting):
    rows = [row(pitch_summary="")]  # complete enough for a draft, not for a submission
    draft_preview = do_preview(setting["a"], setting["call"], rows, submit=False)
    assert draft_preview.rejected == 0
    with unit_of_work() as session:
        result = write.apply(session, actor=setting["a"], call_id=setting["call"], rows=rows, submit=True,
                             now=BEFORE_CLOSING, checked=draft_preview)
    assert result.rejected == 1 and result.errors[0].errors == [("Résumé", "Le champ « Résumé » est obligatoire.")]
    changed = [row(siret="123")]
    with unit_of_work() as session:
        result = write.apply(session, actor=setting["a"], call_id=setting["call"], rows=changed, submit=False,
                             now=BEFORE_CLOSING, checked=draft_preview)
    assert result.rejected == 1 and count(Candidacy) == 0


def test_apply_runs_the_same_number_of_statements_for_10_or_40_rows(setting, db):
    def statements(rows):
        return statements_of(db, lambda: do_apply(setting["a"], setting["call"], rows, submit=True))

    small = statements([row(siret=siret(n), name=f"S{n}") for n in range(10)])
    large = statements([row(siret=siret(n), name=f"S{n}") for n in range(100, 140)])
    assert small == large
    assert count(structure_sectors) == 100


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
        plan = make_plan(session, actor=setting["a"], call_id=setting["call"], rows=changed, submit=False,
                         now=BEFORE_CLOSING)
        # Meanwhile (here, in the same transaction) the second candidacy is saved again.
        session.execute(update(Candidacy).where(Candidacy.id == plan.rows[1].existing.candidacy.id)
                        .values(version=Candidacy.version + 1))
        write.write_plan(session, plan, actor=setting["a"], now=BEFORE_CLOSING)
    with read_only() as session:
        assert set(session.scalars(select(Candidacy.pitch_title))) == {EXAMPLE["Titre de la présentation"]}


def test_a_large_import_brings_the_planner_statistics_up_to_date(sqlite_setting, sqlite_db):
    # SQLite plans blind without them; PostgreSQL's autovacuum analyses on its own.
    with sqlite_db.begin() as connection:
        connection.exec_driver_sql("DELETE FROM sqlite_stat1")
    do_apply(sqlite_setting["a"], sqlite_setting["call"], [row(siret=siret(n), name=f"S{n}") for n in range(40)],
             submit=True)
    with sqlite_db.connect() as connection:
        analysed = set(connection.exec_driver_sql("SELECT tbl FROM sqlite_stat1").scalars())
    assert "candidacies" in analysed  # what the import's own queries plan on (a SIRET is found by its unique index)
