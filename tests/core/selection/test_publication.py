"""Publication in one act, idempotent; revisions and promotions afterwards, each with its message."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import exports
from core.errors import CapacityReached, NotAllowed, StaleEdit, ValidationFailed
from core.review.rules import review_closed
from core.selection import decisions, frames, publication, waitlist
from core.selection.errors import CallStillOpen, DecisionsNotPublished, DecisionsPublished, UndecidedCandidacies
from db.engine import read_only, unit_of_work
from db.models import (
    AuditEntry,
    Call,
    CallState,
    Candidacy,
    Confirmation,
    Deliberation,
    MailStatus,
    MailTemplate,
    OutboxMessage,
    Publication,
    Role,
    Submission,
)
from tests.concurrency import race
from tests.core.selection.builders import NOW, Spec, audit_actions, make_candidacies, make_selection_call, rows, version
from tests.core.selection.builders import waitlist as listed
from tests.factories import make_user

SELECTED, WAITLISTED, NOT_SELECTED, PENDING = (Deliberation.SELECTED, Deliberation.WAITLISTED,
                                               Deliberation.NOT_SELECTED, Deliberation.PENDING)


@pytest.fixture
def pilote(db):
    return make_user(Role.PILOTE)


def decide(actor, candidacy_id, decision, **kwargs):
    with unit_of_work() as session:
        decisions.decide(session, actor=actor, candidacy_id=candidacy_id, expected_version=version(candidacy_id),
                         decision=decision, **kwargs)


def preview(actor, call_id):
    with read_only() as session:
        return publication.preview(session, actor=actor, call_id=call_id)


def publish(actor, call_id, **kwargs):
    fingerprint = kwargs.pop("fingerprint", None) or preview(actor, call_id).fingerprint
    with unit_of_work() as session:
        return publication.publish(session, actor=actor, call_id=call_id, fingerprint=fingerprint, now=NOW, **kwargs)


def revise(actor, candidacy_id, decision, reason="Désistement", **kwargs):
    with unit_of_work() as session:
        return publication.revise(session, actor=actor, candidacy_id=candidacy_id, decision=decision, reason=reason,
                                  expected_version=kwargs.pop("expected_version", None) or version(candidacy_id),
                                  now=NOW, **kwargs)


def outbox() -> list[OutboxMessage]:
    with read_only() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


@pytest.fixture
def decided(pilote):
    """A closed call with 4 slots: a, b retained, c and d waiting (ranks 1, 2), e not retained, a draft."""
    call_id = make_selection_call(slots=4, closed=True)
    ids = make_candidacies(call_id, [Spec(name="Alpha"), Spec(name="Bravo", network="PLIE", contact_email=None),
                                     Spec(name="Charlie"), Spec(name="Delta"), Spec(name="Écho"),
                                     Spec(name="Brouillon", submission=Submission.DRAFT)])
    a, b, c, d, e, _draft = ids
    for candidacy_id, decision in ((a, SELECTED), (b, SELECTED), (c, WAITLISTED), (d, WAITLISTED),
                                   (e, NOT_SELECTED)):
        decide(pilote, candidacy_id, decision)
    return call_id, ids


def test_preview_counts_each_outcome_of_the_submitted(pilote, decided):
    call_id, _ = decided
    shown = preview(pilote, call_id)
    assert shown.counts == {PENDING: 0, SELECTED: 2, WAITLISTED: 2, NOT_SELECTED: 1}
    assert shown.undecided == 0 and shown.published_at is None


def test_publish_makes_the_decisions_visible_and_queues_one_message_per_candidacy(pilote, decided):
    call_id, (a, b, c, d, e, draft) = decided
    result = publish(pilote, call_id)
    assert (result.queued, result.already_published) == (5, False)
    assert result.counts == {PENDING: 0, SELECTED: 2, WAITLISTED: 2, NOT_SELECTED: 1}
    with read_only() as session:
        call = session.get(Call, call_id)
        stored = session.scalars(select(Candidacy).where(Candidacy.call_id == call_id))
        published = {c.id: c.publication for c in stored}
    assert call.decisions_published_at == NOW and call.version == 2 and review_closed(call)
    assert published == {a: Publication.PUBLISHED, b: Publication.PUBLISHED, c: Publication.PUBLISHED,
                         d: Publication.PUBLISHED, e: Publication.PUBLISHED, draft: Publication.UNPUBLISHED}
    messages = {m.candidacy_id: m for m in outbox()}
    assert set(messages) == {a, b, c, d, e}
    assert {i: messages[i].template_key for i in messages} == {
        a: "decision_selected", b: "decision_selected", c: "decision_waitlisted", d: "decision_waitlisted",
        e: "decision_not_selected"}
    assert messages[a].idempotency_key == f"decision:{call_id}:{a}:1"
    assert messages[a].to_address == "contact@structure.exemple.fr" and messages[a].cc_addresses.endswith(
        "@reseau.exemple.fr")
    assert messages[b].to_address.endswith("@reseau.exemple.fr") and messages[b].cc_addresses is None
    assert messages[a].subject == "Candidature retenue : Alpha — Thème de test"
    assert "au rang 2" in messages[d].body_text and "Delta" in messages[d].body_text
    assert "18 mars 2027" in messages[e].body_text and "n'a pas été retenue" in messages[e].body_text
    with read_only() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "decisions_published")).one()
    assert entry.after["selected"] == 2 and entry.after["queued"] == 5 and entry.object_id == call_id


def test_publishing_twice_queues_nothing_new(pilote, decided):
    call_id, _ = decided
    shown = preview(pilote, call_id)
    publish(pilote, call_id, fingerprint=shown.fingerprint)
    again = publish(pilote, call_id, fingerprint=shown.fingerprint)
    assert (again.queued, again.already_published) == (0, True)
    assert len(outbox()) == 5
    assert audit_actions(object_type="call") == ["decisions_published"]


def test_a_double_click_publishes_once(pilote, decided):
    call_id, _ = decided
    fingerprint = preview(pilote, call_id).fingerprint
    click = lambda s: publication.publish(s, actor=pilote, call_id=call_id, fingerprint=fingerprint, now=NOW)  # noqa: E731
    assert race(click, click) == "saved"
    assert len(outbox()) == 5 and audit_actions(object_type="call") == ["decisions_published"]


def test_publish_is_refused_while_the_call_takes_candidacies(pilote):
    call_id = make_selection_call()
    with unit_of_work() as session:
        session.get(Call, call_id).closes_at = NOW + timedelta(seconds=1)
    [candidacy] = make_candidacies(call_id, 1)
    decide(pilote, candidacy, SELECTED)
    with pytest.raises(CallStillOpen):
        publish(pilote, call_id)
    with unit_of_work() as session:
        session.get(Call, call_id).state = CallState.CLOSED  # closed by the lead before its time
    assert publish(pilote, call_id).queued == 1


def test_the_preview_tells_whether_the_call_takes_candidacies_still(pilote):
    call_id = make_selection_call()
    with unit_of_work() as session:
        session.get(Call, call_id).closes_at = NOW + timedelta(seconds=1)

    def still_open() -> bool:
        with read_only() as session:
            return publication.preview(session, actor=pilote, call_id=call_id, now=NOW).still_open

    assert still_open()
    with unit_of_work() as session:
        session.get(Call, call_id).closes_at = NOW
    assert not still_open()  # past its closing time
    with unit_of_work() as session:
        call = session.get(Call, call_id)
        call.closes_at, call.state = NOW + timedelta(days=1), CallState.CLOSED
    assert not still_open()  # closed by the lead before its time


def test_publish_is_refused_when_the_decisions_changed_since_the_preview(pilote, decided):
    call_id, (a, *_) = decided
    shown = preview(pilote, call_id)
    decide(pilote, a, NOT_SELECTED)
    with pytest.raises(StaleEdit):
        publish(pilote, call_id, fingerprint=shown.fingerprint)
    assert outbox() == [] and rows(call_id)[a].deliberation == NOT_SELECTED


def test_undecided_candidacies_block_publication_unless_marked_not_retained(pilote, decided):
    call_id, _ = decided
    [late, later] = make_candidacies(call_id, 2)
    with pytest.raises(UndecidedCandidacies) as caught:
        publish(pilote, call_id)
    assert caught.value.message.startswith("2 candidatures déposées n'ont pas de décision")
    assert outbox() == []
    result = publish(pilote, call_id, undecided_as_not_selected=True)
    assert result.counts[NOT_SELECTED] == 3 and result.counts[PENDING] == 0 and result.queued == 7
    assert rows(call_id)[late].deliberation == NOT_SELECTED == rows(call_id)[later].deliberation
    assert audit_actions(object_id=late) == ["decision_set"]


def test_publish_with_no_submitted_candidacy_is_refused(pilote):
    call_id = make_selection_call(closed=True)
    with pytest.raises(ValidationFailed):
        publish(pilote, call_id)


def test_a_stored_template_replaces_the_default(pilote, decided):
    call_id, (a, *_) = decided
    with unit_of_work() as session:
        session.add(MailTemplate(key="decision_selected", label="Retenue", subject="Bravo {{ structure }}",
                                 body="Retenue pour « {{ theme }} »."))
    publish(pilote, call_id)
    message = next(m for m in outbox() if m.candidacy_id == a)
    assert (message.subject, message.body_text) == ("Bravo Alpha", "Retenue pour « Thème de test ».")


# ---------------------------------------------------------------- after publication


def test_decisions_change_only_by_revision_once_published(pilote, decided):
    call_id, (a, _b, c, *_) = decided
    publish(pilote, call_id)
    with pytest.raises(DecisionsPublished):
        decide(pilote, a, NOT_SELECTED)
    with pytest.raises(DecisionsPublished), unit_of_work() as session:
        waitlist.move_down(session, actor=pilote, candidacy_id=c, expected_version=version(c))
    revise(pilote, a, NOT_SELECTED, reason="Structure en liquidation")
    assert rows(call_id)[a].deliberation == NOT_SELECTED
    with read_only() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "decision_revised")).one()
    assert (entry.object_id, entry.detail) == (a, "Structure en liquidation")
    assert entry.before["deliberation"] == "selected" and entry.after["deliberation"] == "not_selected"
    corrected = [m for m in outbox() if m.candidacy_id == a]
    assert [m.idempotency_key for m in corrected] == [f"decision:{call_id}:{a}:1", f"decision:{call_id}:{a}:2"]
    # The first message had not gone out: it is discarded, the structure only hears the new outcome.
    assert [m.status for m in corrected] == [MailStatus.DISCARDED, MailStatus.QUEUED]
    assert corrected[1].template_key == "decision_not_selected"
    assert corrected[1].subject.startswith("Candidature non retenue")
    with read_only() as session:
        assert session.get(Candidacy, a).publication == Publication.PUBLISHED  # the network sees the new outcome


def test_a_revision_to_a_rank_moves_the_list_and_tells_only_the_revised(pilote, decided):
    call_id, (_a, _b, c, d, e, _) = decided
    publish(pilote, call_id)
    revise(pilote, e, WAITLISTED, rank=1, reason="Erreur de saisie")
    assert listed(call_id) == [e, c, d]
    assert [m.candidacy_id for m in outbox()][5:] == [e]
    assert "au rang 1" in outbox()[-1].body_text


@pytest.mark.parametrize(("changes", "field"), [
    ({"reason": "  "}, "reason"), ({"reason": "x" * 1001}, "reason"),
    ({"reason": "\u200b\u200b"}, "reason"), ({"reason": " \u2066\u2069\ufeff "}, "reason"),
    ({"decision": PENDING}, "decision"), ({"decision": WAITLISTED, "rank": 0}, "rank"),
])
def test_a_revision_needs_a_reason_and_a_published_outcome(pilote, decided, changes, field):
    call_id, (a, *_) = decided
    publish(pilote, call_id)
    before = rows(call_id)
    with pytest.raises(ValidationFailed) as caught:
        revise(pilote, a, **{"decision": NOT_SELECTED, **changes})
    assert field in caught.value.errors
    assert rows(call_id) == before and len(outbox()) == 5


def test_a_revision_reason_is_kept_as_read_line_breaks_as_lf_invisible_characters_dropped(pilote, decided):
    call_id, (a, *_) = decided
    publish(pilote, call_id)
    revise(pilote, a, NOT_SELECTED, reason=" Désistement\r\n\u200bsigné\u202e ")
    with read_only() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "decision_revised")).one()
    assert entry.detail == "Désistement\nsigné"


def test_a_huge_rank_is_told_its_range_not_that_it_is_no_whole_number(pilote, decided):
    call_id, (a, *_) = decided
    publish(pilote, call_id)
    with pytest.raises(ValidationFailed) as caught:
        revise(pilote, a, WAITLISTED, rank="9" * 30)
    assert caught.value.errors["rank"].startswith("Le rang doit être compris entre 1 et")


def test_a_candidacy_submitted_after_publication_is_decided_by_revision_and_published(pilote, decided):
    call_id, _ = decided
    publish(pilote, call_id)
    [late] = make_candidacies(call_id, 1)  # the call was extended
    with pytest.raises(DecisionsPublished):
        decide(pilote, late, WAITLISTED)
    revise(pilote, late, WAITLISTED, reason="Candidature arrivée après la prolongation")
    with read_only() as session:
        assert session.get(Candidacy, late).publication == Publication.PUBLISHED
    assert listed(call_id)[-1] == late and outbox()[-1].candidacy_id == late


def test_a_revision_before_publication_is_refused(pilote, decided):
    _, (a, *_) = decided
    with pytest.raises(DecisionsNotPublished):
        revise(pilote, a, NOT_SELECTED)


def test_a_stale_revision_is_refused(pilote, decided):
    call_id, (a, *_) = decided
    publish(pilote, call_id)
    stale = version(a)
    revise(pilote, a, WAITLISTED)
    with pytest.raises(StaleEdit):
        revise(pilote, a, NOT_SELECTED, expected_version=stale)


def test_a_revision_keeps_the_slots(pilote, decided):
    call_id, (_a, _b, c, d, e, _) = decided
    publish(pilote, call_id)
    revise(pilote, c, SELECTED)
    revise(pilote, d, SELECTED)
    with pytest.raises(CapacityReached):
        revise(pilote, e, SELECTED)


def test_promote_first_after_a_decline_retains_the_head_and_closes_the_list_up(pilote):
    call_id = make_selection_call(slots=1, closed=True)
    a, c, d = make_candidacies(call_id, 3)
    decide(pilote, a, SELECTED)
    decide(pilote, c, WAITLISTED)
    decide(pilote, d, WAITLISTED)
    publish(pilote, call_id)
    with unit_of_work() as session, pytest.raises(CapacityReached):
        publication.promote_first(session, actor=pilote, call_id=call_id, reason="Place libérée")
    with unit_of_work() as session:  # what the notifications issue records on a decline
        session.get(Candidacy, a).confirmation = Confirmation.DECLINED
    with unit_of_work() as session:
        assert publication.promote_first(session, actor=pilote, call_id=call_id, reason="Désistement d'Alpha") == c
    assert rows(call_id)[c].deliberation == SELECTED and listed(call_id) == [d]
    message = outbox()[-1]
    assert (message.candidacy_id, message.template_key) == (c, "decision_selected")
    assert audit_actions(object_id=c)[-1] == "decision_revised" and audit_actions(object_id=d)[-1] == \
        "waitlist_shifted"


def test_promote_first_refuses_a_head_the_lead_did_not_see(pilote):
    call_id = make_selection_call(slots=2, closed=True)
    a, c, d = make_candidacies(call_id, 3)
    decide(pilote, a, SELECTED)
    decide(pilote, c, WAITLISTED)
    decide(pilote, d, WAITLISTED)
    publish(pilote, call_id)
    shown = (c, version(c))
    revise(pilote, d, WAITLISTED, rank=1)  # meanwhile, another tab puts d at the head
    before = rows(call_id)
    with unit_of_work() as session, pytest.raises(StaleEdit, match="La liste d'attente a changé"):
        publication.promote_first(session, actor=pilote, call_id=call_id, reason="Place libre", expected_head=shown)
    assert rows(call_id) == before
    with unit_of_work() as session:
        assert publication.promote_first(session, actor=pilote, call_id=call_id, reason="Place libre",
                                         expected_head=(d, version(d))) == d
    assert rows(call_id)[d].deliberation == SELECTED and listed(call_id) == [c]


def test_promote_first_with_an_empty_list_does_nothing(pilote):
    call_id = make_selection_call(slots=1, closed=True)
    [a] = make_candidacies(call_id, 1)
    decide(pilote, a, SELECTED)
    publish(pilote, call_id)
    with unit_of_work() as session:
        assert publication.promote_first(session, actor=pilote, call_id=call_id, reason="Rien") is None


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_only_the_lead_publishes_revises_and_promotes(decided, role):
    call_id, (a, *_) = decided
    someone = make_user(role)
    with pytest.raises(NotAllowed):
        preview(someone, call_id)
    with pytest.raises(NotAllowed), unit_of_work() as session:
        publication.publish(session, actor=someone, call_id=call_id, fingerprint="x")
    with pytest.raises(NotAllowed):
        revise(someone, a, NOT_SELECTED)
    with pytest.raises(NotAllowed), unit_of_work() as session:
        publication.promote_first(session, actor=someone, call_id=call_id, reason="x")
    assert outbox() == []


def test_review_is_open_until_publication(pilote, decided):
    call_id, _ = decided
    with read_only() as session:
        assert not review_closed(session.get(Call, call_id))
    publish(pilote, call_id)
    with read_only() as session:
        assert review_closed(session.get(Call, call_id))


# ---------------------------------------------------------------- export


def test_export_lists_the_decisions_in_french_with_formulas_neutralised(pilote):
    call_id = make_selection_call()
    a, b, _c = make_candidacies(call_id, [Spec(name="=HYPERLINK(\"x\")"), Spec(name="Bravo"), Spec(name="Alpha")])
    decide(pilote, b, WAITLISTED)
    decide(pilote, a, SELECTED)
    with read_only() as session:
        table = frames.decisions_export(frames.with_scores(frames.decisions_frame(session, actor=pilote,
                                                                                   call_id=call_id), {a: 4.0}))
    assert list(table.columns) == ["Structure", "Réseau", "Type", "Département", "Secteurs", "Décision",
                                   "Rang en liste d'attente", "Score"]
    assert list(table["Décision"]) == ["Retenue", "Liste d'attente", "En attente de décision"]
    text = exports.to_csv(table).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "Liste d'attente" in text
    assert exports.to_xlsx(table)[:2] == b"PK"


def test_decisions_of_an_unpublished_call_stay_private(pilote, decided):
    """Before publication no candidacy reads as published, whatever its decision (networks see
    the outcome only through Publication.PUBLISHED)."""
    call_id, ids = decided
    with read_only() as session:
        assert {c.publication for c in session.scalars(select(Candidacy).where(Candidacy.call_id == call_id))} == {
            Publication.UNPUBLISHED}
    assert {c.deliberation for c in (rows(call_id)[i] for i in ids[:5])} == {SELECTED, WAITLISTED, NOT_SELECTED}


def test_a_decision_racing_the_publication_waits_and_is_refused(pilote, decided):
    call_id, (a, *_) = decided
    fingerprint = preview(pilote, call_id).fingerprint
    outcome = race(
        lambda s: publication.publish(s, actor=pilote, call_id=call_id, fingerprint=fingerprint, now=NOW),
        lambda s: decisions.decide(s, actor=pilote, candidacy_id=a, expected_version=version(a),
                                   decision=NOT_SELECTED),
    )
    assert outcome == "DecisionsPublished"
    assert rows(call_id)[a].deliberation == SELECTED and len(outbox()) == 5
