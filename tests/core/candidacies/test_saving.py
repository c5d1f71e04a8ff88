"""Candidacy rules: deadline, ownership, duplicates, stale edits, acknowledgements."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.candidacies import read, saving
from core.candidacies.form import CandidacyForm
from core.errors import (
    DeadlinePassed,
    DuplicateCandidacy,
    NotFound,
    StaleEdit,
    ValidationFailed,
)
from db.engine import read_only, unit_of_work
from db.models import (
    AuditEntry,
    CallReviewer,
    Candidacy,
    Deliberation,
    OutboxMessage,
    Publication,
    Role,
    Submission,
)
from tests.factories import complete_form, make_call, make_network, make_user

CLOSES = datetime(2027, 2, 1, 17, 0, tzinfo=UTC)



@pytest.fixture
def setting(db):
    network_a, network_b = make_network("Urtie"), make_network("Initiatives 77")
    call_id = make_call(networks=(network_a, network_b), opens_at=CLOSES - timedelta(days=30), closes_at=CLOSES)
    return {
        "call": call_id,
        "a": make_user(Role.RESEAU, network_id=network_a),
        "a2": make_user(Role.RESEAU, network_id=network_a),
        "b": make_user(Role.RESEAU, network_id=network_b),
    }


def save(actor, call_id, form, *, submit=True, now=CLOSES - timedelta(days=1), **kwargs):
    with unit_of_work() as session:
        return saving.save(session, actor=actor, call_id=call_id, form=form, submit=submit, now=now, **kwargs)


def test_save_one_second_before_closing_is_accepted(setting):
    candidacy_id = save(setting["a"], setting["call"], complete_form(), now=CLOSES - timedelta(seconds=1))
    with read_only() as session:
        assert session.get(Candidacy, candidacy_id).submission == Submission.SUBMITTED


def test_save_one_second_after_closing_is_refused(setting):
    with pytest.raises(DeadlinePassed):
        save(setting["a"], setting["call"], complete_form(), now=CLOSES + timedelta(seconds=1))


def test_edit_after_closing_is_refused_and_nothing_changes(setting):
    candidacy_id = save(setting["a"], setting["call"], complete_form())
    with pytest.raises(DeadlinePassed):
        save(setting["a"], setting["call"], complete_form(name="Autre nom"), candidacy_id=candidacy_id,
             expected_version=1, now=CLOSES)
    with read_only() as session:
        assert session.get(Candidacy, candidacy_id).structure.name == "Bâti'Insert 95"


def test_second_proposal_by_another_network_names_the_first(setting):
    save(setting["a"], setting["call"], complete_form())
    with pytest.raises(DuplicateCandidacy, match="Urtie"):
        save(setting["b"], setting["call"], complete_form(siret="732 829 320 00074"))


def test_other_network_cannot_read_or_edit_a_candidacy(setting):
    candidacy_id = save(setting["a"], setting["call"], complete_form())
    with pytest.raises(NotFound), read_only() as session:
        read.get(session, actor=setting["b"], candidacy_id=candidacy_id)
    with pytest.raises(NotFound):
        save(setting["b"], setting["call"], complete_form(name="Piraté"), candidacy_id=candidacy_id,
             expected_version=1)
    with read_only() as session:
        assert read.list_for_network(session, actor=setting["b"]) == []


def test_stale_save_by_a_colleague_is_refused(setting):
    candidacy_id = save(setting["a"], setting["call"], complete_form(), submit=False)
    save(setting["a"], setting["call"], complete_form(name="Première"), submit=False,
         candidacy_id=candidacy_id, expected_version=1)
    with pytest.raises(StaleEdit):
        save(setting["a2"], setting["call"], complete_form(name="Seconde"), submit=False,
             candidacy_id=candidacy_id, expected_version=1)
    with read_only() as session:
        assert session.get(Candidacy, candidacy_id).structure.name == "Première"


def test_draft_needs_only_identity_but_submission_needs_everything(setting):
    draft = CandidacyForm(siret="35600000009075", name="La Poste test", kind="ESAT")
    save(setting["a"], setting["call"], draft, submit=False)
    with pytest.raises(ValidationFailed) as refused:
        save(setting["a2"], setting["call"], CandidacyForm(siret="35600000009075", name="x", kind="ESAT"))
    assert {"contact_email", "consent_processing", "pitch_title"} <= refused.value.errors.keys()


def test_invalid_fields_each_get_their_message_and_nothing_is_written(setting):
    form = complete_form(siret="73282932000079", contact_email="samia@", contact_phone="12",
                         postcode="75001")
    with pytest.raises(ValidationFailed) as refused:
        save(setting["a"], setting["call"], form)
    assert {"siret", "contact_email", "contact_phone", "postcode"} <= refused.value.errors.keys()
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(Candidacy)) == 0


def test_acknowledgement_is_queued_once_per_submission(setting):
    candidacy_id = save(setting["a"], setting["call"], complete_form())
    save(setting["a"], setting["call"], complete_form(pitch_title="Nouveau titre"), candidacy_id=candidacy_id,
         expected_version=1)
    with read_only() as session:
        messages = list(session.scalars(select(OutboxMessage).where(OutboxMessage.candidacy_id == candidacy_id)))
    assert len(messages) == 1
    assert "Bâti'Insert 95" in messages[0].subject and "a bien été déposée" in messages[0].body_text


def test_withdraw_needs_a_reason_and_is_audited(setting):
    candidacy_id = save(setting["a"], setting["call"], complete_form())
    with pytest.raises(ValidationFailed), unit_of_work() as session:
        saving.withdraw(session, actor=setting["a"], candidacy_id=candidacy_id, expected_version=1,
                        reason=" ", now=CLOSES - timedelta(hours=1))
    with unit_of_work() as session:
        saving.withdraw(session, actor=setting["a"], candidacy_id=candidacy_id, expected_version=1,
                        reason="Carnet de commandes plein", now=CLOSES - timedelta(hours=1))
    with read_only() as session:
        candidacy = session.get(Candidacy, candidacy_id)
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "candidacy_withdrawn"))
    assert candidacy.submission == Submission.WITHDRAWN
    assert entry.before["submission"] == "submitted" and entry.after["submission"] == "withdrawn"


def test_call_not_invited_is_not_found(setting, db):
    outsider = make_user(Role.RESEAU)
    with pytest.raises(NotFound):
        save(outsider, setting["call"], complete_form())


def test_network_sees_the_decision_only_once_published(setting):
    candidacy_id = save(setting["a"], setting["call"], complete_form())
    with unit_of_work() as session:
        session.get(Candidacy, candidacy_id).deliberation = Deliberation.SELECTED
    with read_only() as session:
        [row] = read.list_for_network(session, actor=setting["a"])
    assert row.status_label == "Déposée"  # decided privately: not shown yet
    with unit_of_work() as session:
        session.get(Candidacy, candidacy_id).publication = Publication.PUBLISHED
    with read_only() as session:
        [row] = read.list_for_network(session, actor=setting["a"])
    assert row.status_label == "Retenue"


def test_network_sees_its_waiting_list_rank_only_once_published(setting):
    candidacy_id = save(setting["a"], setting["call"], complete_form())
    with unit_of_work() as session:
        candidacy = session.get(Candidacy, candidacy_id)
        candidacy.deliberation, candidacy.waitlist_rank = Deliberation.WAITLISTED, 2
    with read_only() as session:
        [row] = read.list_for_network(session, actor=setting["a"])
    assert (row.status_label, row.published_rank) == ("Déposée", None)  # the rank is private too
    with unit_of_work() as session:
        session.get(Candidacy, candidacy_id).publication = Publication.PUBLISHED
    with read_only() as session:
        [row] = read.list_for_network(session, actor=setting["a"])
    assert (row.status_label, row.published_rank) == ("Liste d'attente", 2)


def test_another_network_proposing_the_same_siret_elsewhere_changes_nothing_here(setting):
    candidacy_id = save(setting["a"], setting["call"], complete_form())
    other_call = make_call(networks=(setting["b"].network_id,), opens_at=CLOSES - timedelta(days=30),
                           closes_at=CLOSES)
    save(setting["b"], other_call, complete_form(name="Autre nom", address="1 rue ailleurs", kind="ACI",
                                                 sectors=["Restauration"]), submit=False)
    with read_only() as session:
        form = read.get(session, actor=setting["a"], candidacy_id=candidacy_id).form
        [row] = read.list_for_network(session, actor=setting["a"])
    assert (form.name, form.address, form.kind, form.sectors) == (
        "Bâti'Insert 95", "12 rue des Ouvriers", "EI", ["Bâtiment et travaux publics"])
    assert (row.structure_name, row.kind) == ("Bâti'Insert 95", "EI")


def test_reviewer_reads_submitted_candidacies_but_not_drafts(setting):
    draft_id = save(setting["a"], setting["call"], complete_form(), submit=False)
    submitted_id = save(setting["b"], setting["call"], complete_form(siret="35600000009075"))
    reviewer = make_user(Role.EVALUATEUR)
    with unit_of_work() as session:  # named for the call: a reviewer reads only the calls she reviews
        session.add(CallReviewer(call_id=setting["call"], reviewer_id=reviewer.user_id))
    with read_only() as session:
        assert read.get(session, actor=reviewer, candidacy_id=submitted_id).id == submitted_id
        with pytest.raises(NotFound):
            read.get(session, actor=reviewer, candidacy_id=draft_id)
        assert read.get(session, actor=make_user(Role.PILOTE), candidacy_id=draft_id).id == draft_id
