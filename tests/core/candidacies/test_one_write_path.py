"""One write path for a candidacy: the form and the import leave the same audit and outbox rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.candidacies import saving
from core.candidacies.form import CandidacyForm
from core.imports import write
from core.imports.columns import HEADER_OF
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, Candidacy, Network, OutboxMessage, Role
from tests.factories import complete_form, make_call, make_edition, make_network, make_user

CLOSES = datetime(2027, 2, 1, 17, 0, tzinfo=UTC)
# Not the template example's SIRET and name, which the import skips.
STRUCTURE = {"siret": "44306184100047", "name": "Jardins de la Plaine"}
# (moment, fields changed from the complete form, submit): a draft, its edit, its submission, an edit after it.
STEPS = [
    (CLOSES - timedelta(days=4), {"pitch_title": "Premier titre"}, False),
    (CLOSES - timedelta(days=3), {"pitch_title": "Second titre", "city": "Bezons"}, False),
    (CLOSES - timedelta(days=2), {"pitch_title": "Second titre", "city": "Bezons"}, True),
    (CLOSES - timedelta(days=1),
     {"pitch_title": "Troisième titre", "sectors": ["Espaces verts et extérieurs", "Restauration"]}, True),
]


@pytest.fixture
def setting(db):
    """One network (with its own address, so the referent is in copy) invited to two twin calls."""
    network = make_network("Urtie")
    with unit_of_work() as session:
        session.get(Network, network).contact_email = "contact@urtie.exemple.fr"
    edition = make_edition()
    opens = CLOSES - timedelta(days=30)
    return {
        "actor": make_user(Role.RESEAU, network_id=network),
        "form_call": make_call(edition, networks=(network,), opens_at=opens, closes_at=CLOSES),
        "import_call": make_call(edition, networks=(network,), opens_at=opens, closes_at=CLOSES),
    }


def row_of(form: CandidacyForm) -> dict[str, str]:
    """The spreadsheet row a referent would type for this form."""
    def cell(value) -> str:
        if isinstance(value, bool):
            return "Oui" if value else "Non"
        return " ; ".join(value) if isinstance(value, list) else str(value)

    return {header: cell(getattr(form, name)) for name, header in HEADER_OF.items()}


def through_the_form(actor, call_id: int) -> int:
    candidacy_id = version = None
    for now, changes, submit in STEPS:
        with unit_of_work() as session:
            candidacy_id = saving.save(session, actor=actor, call_id=call_id,
                                       form=complete_form(**STRUCTURE, **changes), submit=submit,
                                       candidacy_id=candidacy_id, expected_version=version, now=now)
            version = session.get(Candidacy, candidacy_id).version
    return candidacy_id


def through_the_import(actor, call_id: int) -> int:
    for now, changes, submit in STEPS:
        with unit_of_work() as session:
            result = write.apply(session, actor=actor, call_id=call_id,
                                 rows=[row_of(complete_form(**STRUCTURE, **changes))], submit=submit, now=now)
        assert result.rejected == 0, result.errors
    with read_only() as session:
        return session.scalar(select(Candidacy.id).where(Candidacy.call_id == call_id))


def written_for(candidacy_id: int) -> tuple[list, list]:
    """The candidacy's audit rows and acknowledgements, with its own id replaced by « id »."""
    with read_only() as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "candidacy",
                                                           AuditEntry.object_id == candidacy_id)
                                  .order_by(AuditEntry.id)).all()
        messages = session.scalars(select(OutboxMessage).where(OutboxMessage.candidacy_id == candidacy_id)
                                   .order_by(OutboxMessage.id)).all()
        audit = [(e.action, e.object_type, e.actor_id, e.actor_label, e.network_id, e.before, e.after)
                 for e in entries]
        outbox = [(m.template_key, m.to_address, m.cc_addresses,
                   m.idempotency_key.replace(f":{candidacy_id}:", ":id:"), m.subject, m.body_text, m.status)
                  for m in messages]
    return audit, outbox


def test_form_and_import_leave_identical_audit_and_outbox_rows(setting):
    by_form = written_for(through_the_form(setting["actor"], setting["form_call"]))
    by_import = written_for(through_the_import(setting["actor"], setting["import_call"]))
    audit, outbox = by_form
    assert [action for action, *_ in audit] == [
        "candidacy_created", "candidacy_updated", "candidacy_submitted", "candidacy_updated"]
    assert [(to, cc) for _, to, cc, *_ in outbox] == [("contact@urtie.exemple.fr", setting["actor"].email)]
    assert outbox[0][3] == f"submission-ack:id:{STEPS[2][0].isoformat()}"
    assert by_import == by_form


def test_a_rule_added_to_the_save_holds_for_the_form_and_the_import(setting, monkeypatch):
    """A rule written once in saving.plan_save (here: a note reset on every save) is
    applied, and audited, whichever way the candidacy is saved."""
    plan_save = saving.plan_save

    def with_a_new_rule(**kwargs):
        change = plan_save(**kwargs)
        return replace(change, columns={**change.columns, "decision_note": "à revoir"},
                       after={**change.after, "decision_note": "à revoir"})

    monkeypatch.setattr(saving, "plan_save", with_a_new_rule)
    ids = [through_the_form(setting["actor"], setting["form_call"]),
           through_the_import(setting["actor"], setting["import_call"])]
    with read_only() as session:
        assert [session.get(Candidacy, i).decision_note for i in ids] == ["à revoir", "à revoir"]
    for candidacy_id in ids:
        audit, _ = written_for(candidacy_id)
        assert [after["decision_note"] for *_, after in audit] == ["à revoir"] * len(STEPS)
