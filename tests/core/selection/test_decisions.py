"""Decisions: who may take them, on what, within the pitch slots, never on a stale view."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.errors import CapacityReached, NotAllowed, NotFound, StaleEdit, ValidationFailed
from core.selection import decisions, state
from core.selection.errors import DecisionsPublished
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, Call, Candidacy, Confirmation, Deliberation, Role, Submission
from tests.concurrency import race
from tests.core.selection.builders import Spec, audit_actions, make_candidacies, make_selection_call, rows, version
from tests.factories import make_user

SELECTED, WAITLISTED, NOT_SELECTED, PENDING = (Deliberation.SELECTED, Deliberation.WAITLISTED,
                                               Deliberation.NOT_SELECTED, Deliberation.PENDING)


@pytest.fixture
def pilote(db):
    return make_user(Role.PILOTE)


def decide(actor, candidacy_id, decision, rank=None, expected_version=None):
    with unit_of_work() as session:
        return decisions.decide(session, actor=actor, candidacy_id=candidacy_id, decision=decision, rank=rank,
                                expected_version=version(candidacy_id) if expected_version is None
                                else expected_version)


def decide_many(actor, call_id, ids, decision):
    with unit_of_work() as session:
        return decisions.decide_many(session, actor=actor, call_id=call_id, decision=decision,
                                     expected_versions={i: version(i) for i in ids})


def test_decide_retains_bumps_the_version_and_records_before_after(pilote):
    call_id = make_selection_call()
    [candidacy] = make_candidacies(call_id, 1)
    assert decide(pilote, candidacy, "selected") == {candidacy: 2}
    assert rows(call_id)[candidacy] == (SELECTED, None, 2, 1)
    with read_only() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "decision_set")).one()
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("candidacy", candidacy, pilote.user_id)
    assert entry.before == {"deliberation": "pending", "waitlist_rank": None}
    assert entry.after == {"deliberation": "selected", "waitlist_rank": None}


def test_decide_each_outcome_and_back_to_pending(pilote):
    call_id = make_selection_call()
    [candidacy] = make_candidacies(call_id, 1)
    for decision, rank in ((NOT_SELECTED, None), (WAITLISTED, 1), (SELECTED, None), (PENDING, None)):
        decide(pilote, candidacy, decision)
        assert (rows(call_id)[candidacy].deliberation, rows(call_id)[candidacy].rank) == (decision, rank)
    assert audit_actions(object_id=candidacy) == ["decision_set"] * 4


def test_decide_the_same_decision_again_writes_nothing(pilote):
    call_id = make_selection_call()
    [candidacy] = make_candidacies(call_id, 1)
    decide(pilote, candidacy, SELECTED)
    assert decide(pilote, candidacy, SELECTED) == {}
    assert rows(call_id)[candidacy].version == 2
    assert audit_actions() == ["decision_set"]


def test_decide_keeps_updated_at_so_the_network_list_does_not_move(pilote):
    call_id = make_selection_call()
    [candidacy] = make_candidacies(call_id, 1)
    with read_only() as session:
        before = session.get(Candidacy, candidacy).updated_at
    decide(pilote, candidacy, WAITLISTED)
    with read_only() as session:
        assert session.get(Candidacy, candidacy).updated_at == before


# ---------------------------------------------------------------- the pitch slots


def test_decide_refuses_to_retain_beyond_the_slots_and_writes_nothing(pilote):
    call_id = make_selection_call(slots=2)
    first, second, third = make_candidacies(call_id, 3)
    decide(pilote, first, SELECTED)
    decide(pilote, second, SELECTED)
    with pytest.raises(CapacityReached) as caught:
        decide(pilote, third, SELECTED)
    assert "2 places" in caught.value.message and "2 candidatures déjà retenues" in caught.value.message
    assert rows(call_id)[third] == (PENDING, None, 1, 0)
    decide(pilote, third, WAITLISTED)  # other outcomes stay possible
    decide(pilote, first, NOT_SELECTED)
    decide(pilote, third, SELECTED)  # a freed place can be taken
    assert [r.deliberation for r in rows(call_id).values()] == [NOT_SELECTED, SELECTED, SELECTED]


def test_slots_do_not_count_declined_or_withdrawn_candidacies(pilote):
    call_id = make_selection_call(slots=2)
    _declined, _withdrawn, free = make_candidacies(call_id, [
        Spec(extra={"deliberation": SELECTED, "confirmation": Confirmation.DECLINED}),
        Spec(submission=Submission.WITHDRAWN, extra={"deliberation": SELECTED}), Spec()])
    decide(pilote, free, SELECTED)
    assert rows(call_id)[free].deliberation == SELECTED


def test_a_decision_that_retains_no_more_passes_above_lowered_slots(pilote):
    call_id = make_selection_call(slots=3)
    ids = make_candidacies(call_id, 3)
    decide_many(pilote, call_id, ids, SELECTED)
    with unit_of_work() as session:
        session.get(Call, call_id).pitch_slots = 1
    decide(pilote, ids[0], WAITLISTED)  # 3 → 2 retained, still above 1: allowed, it frees a place
    with pytest.raises(CapacityReached):
        decide(pilote, ids[0], SELECTED)


def test_decide_many_is_all_or_nothing_on_the_slots(pilote):
    call_id = make_selection_call(slots=3)
    ids = make_candidacies(call_id, 5)
    decide(pilote, ids[0], SELECTED)
    with pytest.raises(CapacityReached):
        decide_many(pilote, call_id, ids[1:], SELECTED)
    assert [r.deliberation for r in rows(call_id).values()] == [SELECTED] + [PENDING] * 4
    assert decide_many(pilote, call_id, ids[1:3], SELECTED) == {ids[1]: 2, ids[2]: 2}
    assert audit_actions() == ["decision_set"] * 3


def test_decide_many_appends_to_the_waiting_list_in_the_order_given(pilote):
    call_id = make_selection_call()
    ids = make_candidacies(call_id, 4)
    decide(pilote, ids[3], WAITLISTED)
    decide_many(pilote, call_id, [ids[2], ids[0], ids[3]], WAITLISTED)
    assert {i: rows(call_id)[i].rank for i in ids} == {ids[3]: 1, ids[2]: 2, ids[0]: 3, ids[1]: None}


def test_race_for_the_last_slot_retains_only_the_first(pilote):
    """Two lead tabs retain the last free place at once (two sessions): the call's lock
    makes the second wait for the first and count its decision."""
    call_id = make_selection_call(slots=2)
    ids = make_candidacies(call_id, 3)
    decide(pilote, ids[0], SELECTED)
    retain = lambda candidacy: lambda s: decisions.decide(  # noqa: E731
        s, actor=pilote, candidacy_id=candidacy, expected_version=1, decision=SELECTED)
    assert race(retain(ids[1]), retain(ids[2])) == "CapacityReached"
    assert [r.deliberation for r in rows(call_id).values()] == [SELECTED, SELECTED, PENDING]


def test_race_for_the_last_slot_retains_both_without_the_call_lock(postgresql_db, monkeypatch):
    """The race above is honest: without FOR UPDATE on the call, PostgreSQL lets both pass
    (SQLite serialises writers by BEGIN IMMEDIATE, lock or not: nothing to show there)."""
    pilote = make_user(Role.PILOTE)
    monkeypatch.setattr(state, "lock_call", lambda session, call_id: session.get(Call, call_id))
    call_id = make_selection_call(slots=2)
    ids = make_candidacies(call_id, 3)
    decide(pilote, ids[0], SELECTED)
    retain = lambda candidacy: lambda s: decisions.decide(  # noqa: E731
        s, actor=pilote, candidacy_id=candidacy, expected_version=1, decision=SELECTED)
    assert race(retain(ids[1]), retain(ids[2])) == "saved"
    assert [r.deliberation for r in rows(call_id).values()] == [SELECTED] * 3


# ---------------------------------------------------------------- refusals


def test_decide_refuses_a_stale_version(pilote):
    call_id = make_selection_call()
    [candidacy] = make_candidacies(call_id, 1)
    decide(pilote, candidacy, WAITLISTED)  # another tab, meanwhile
    with pytest.raises(StaleEdit) as caught:
        decide(pilote, candidacy, SELECTED, expected_version=1)
    assert "n'a pas été enregistrée" in caught.value.message
    assert rows(call_id)[candidacy].deliberation == WAITLISTED


def test_decide_many_refuses_when_one_version_is_stale(pilote):
    call_id = make_selection_call()
    ids = make_candidacies(call_id, 3)
    with pytest.raises(StaleEdit), unit_of_work() as session:
        decisions.decide_many(session, actor=pilote, call_id=call_id, decision=SELECTED,
                              expected_versions={ids[0]: 1, ids[1]: 0, ids[2]: 1})
    assert all(r.deliberation == PENDING for r in rows(call_id).values())


@pytest.mark.parametrize(("submission", "words"), [(Submission.DRAFT, "brouillon"), (Submission.WITHDRAWN, "retirée")])
def test_decide_refuses_a_candidacy_not_submitted(pilote, submission, words):
    call_id = make_selection_call()
    [candidacy] = make_candidacies(call_id, [Spec(submission=submission)])
    with pytest.raises(ValidationFailed) as caught:
        decide(pilote, candidacy, SELECTED)
    assert words in caught.value.errors["decision"]
    assert rows(call_id)[candidacy] == (PENDING, None, 1, 0)


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_only_the_lead_decides(pilote, role):
    call_id = make_selection_call()
    [candidacy] = make_candidacies(call_id, 1)
    someone = make_user(role)
    for act in (lambda: decide(someone, candidacy, SELECTED),
                lambda: decide_many(someone, call_id, [candidacy], SELECTED)):
        with pytest.raises(NotAllowed):
            act()
    assert rows(call_id)[candidacy] == (PENDING, None, 1, 0)


@pytest.mark.parametrize("decision", ["retenue", "", None, "published"])
def test_decide_refuses_an_unknown_decision(pilote, decision):
    call_id = make_selection_call()
    [candidacy] = make_candidacies(call_id, 1)
    with pytest.raises(ValidationFailed) as caught:
        decide(pilote, candidacy, decision)
    assert "Choisissez une décision" in caught.value.errors["decision"]


def test_decide_refuses_an_unknown_candidacy(pilote):
    with pytest.raises(NotFound):
        decide(pilote, 999_999, SELECTED, expected_version=1)


def test_decide_refuses_once_the_decisions_are_published(pilote):
    call_id = make_selection_call()
    [candidacy] = make_candidacies(call_id, 1)
    with unit_of_work() as session:
        session.get(Call, call_id).decisions_published_at = datetime(2027, 3, 1, tzinfo=UTC)
    with pytest.raises(DecisionsPublished) as caught:
        decide(pilote, candidacy, SELECTED)
    assert "Réviser" in caught.value.message
    with pytest.raises(DecisionsPublished):
        decide_many(pilote, call_id, [candidacy], SELECTED)


def test_the_call_s_pitch_slots_cannot_drop_below_the_candidacies_already_retained(pilote):
    # The capacity rule holds from both sides: a decision cannot exceed the slots, nor the
    # slots be lowered under the decisions (the call row is locked by both).
    from dataclasses import replace

    from core.calls import calls

    call_id = make_selection_call(slots=3)
    ids = make_candidacies(call_id, 3)
    decide_many(pilote, call_id, ids[:2], SELECTED)
    with read_only() as session:
        shown = calls.call_detail(session, actor=pilote, call_id=call_id)
        version_shown = session.get(Call, call_id).version
    shown = replace(shown, data=replace(shown.data, eligible_kinds=("EI",), eligible_departements=("93",),
                                        criteria=calls.DEFAULT_CRITERIA))
    with pytest.raises(ValidationFailed) as refused, unit_of_work() as session:
        calls.save_call(session, actor=pilote, data=replace(shown.data, pitch_slots=1), call_id=call_id,
                        expected_version=version_shown)
    assert refused.value.errors == {"pitch_slots": "2 candidatures sont déjà retenues : indiquez au moins 2 "
                                                   "présentations, ou changez d'abord ces décisions."}
    with read_only() as session:
        assert session.get(Call, call_id).pitch_slots == 3
    with unit_of_work() as session:  # down to the number retained is fine
        calls.save_call(session, actor=pilote, data=replace(shown.data, pitch_slots=2), call_id=call_id,
                        expected_version=version_shown)
    with read_only() as session:
        assert session.get(Call, call_id).pitch_slots == 2
