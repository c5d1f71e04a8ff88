"""A proposal against the current decisions, and applying it as one audited act."""

import pytest
from sqlalchemy import select

from core.errors import CapacityReached, NotAllowed, StaleEdit, ValidationFailed
from core.selection import decisions, frames
from core.selection.diff import apply_proposal, diff
from core.selection.errors import DecisionsPublished
from core.selection.limits import Dimension, Limit
from core.selection.proposal import propose
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, Call, Deliberation, Role
from tests.core.selection.builders import Spec, audit_actions, make_candidacies, make_selection_call, rows, version
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


def candidates(actor, call_id, scores):
    with read_only() as session:
        return frames.with_scores(frames.decisions_frame(session, actor=actor, call_id=call_id), scores)


def apply(actor, call_id, proposal, the_diff, **kwargs):
    with unit_of_work() as session:
        return apply_proposal(session, actor=actor, call_id=call_id, selected=proposal.selected,
                              waitlist=proposal.waitlist, expected_versions=the_diff.expected_versions, **kwargs)


@pytest.fixture
def setting(pilote):
    """Six candidacies of three networks; Urtie's two are the best; the lead retained a and b."""
    call_id = make_selection_call(slots=3)
    ids = make_candidacies(call_id, [Spec(network="Urtie"), Spec(network="Urtie"), Spec(network="PLIE"),
                                     Spec(network="Initiatives 77"), Spec(network="PLIE"), Spec(network="Urtie")])
    scores = dict(zip(ids, [5.0, 4.8, 3.0, 2.0, 1.0, 0.5], strict=True))
    decide(pilote, ids[0], SELECTED)
    decide(pilote, ids[1], SELECTED)
    decide(pilote, ids[4], WAITLISTED)
    decide(pilote, ids[5], NOT_SELECTED)
    return call_id, ids, scores


def test_diff_says_who_comes_in_goes_out_stays_and_the_score_lost(pilote, setting):
    call_id, (a, b, c, d, e, f), scores = setting
    frame = candidates(pilote, call_id, scores)
    proposal = propose(frame, slots=3, limits=[Limit(Dimension.NETWORK, at_most=1)], waitlist_size=2)
    assert proposal.selected == (a, c, d)
    changes = diff(proposal, frame)
    assert list(changes.comes_in["candidacy_id"]) == [c, d]
    assert list(changes.comes_in["now"]) == ["En attente de décision", "En attente de décision"]
    assert list(changes.goes_out["candidacy_id"]) == [b]
    assert list(changes.stays["candidacy_id"]) == [a]
    assert list(changes.waitlist["candidacy_id"]) == [b, e]
    assert list(changes.waitlist["current_rank"].astype("object").fillna(0)) == [0, 1]
    assert (changes.current_score, changes.score) == (pytest.approx(9.8), pytest.approx(10.0))
    assert changes.best_score == pytest.approx(12.8) and changes.score_lost == pytest.approx(2.8)
    assert changes.changes_anything
    assert changes.expected_versions == {i: version(i) for i in (a, b, c, d, e, f)}
    assert str(changes.comes_in["score"].dtype) == "float64" and str(changes.comes_in["name"].dtype) == "string"


def test_diff_of_a_proposal_keeping_the_retained_lists_only_the_newcomers(pilote, setting):
    call_id, (a, b, c, d, e, f), scores = setting
    frame = candidates(pilote, call_id, scores)
    proposal = propose(frame, slots=3, limits=[], waitlist_size=1, exclude={e, f, d})
    assert proposal.selected == (a, b, c)
    changes = diff(proposal, frame)
    assert list(changes.comes_in["candidacy_id"]) == [c] and changes.goes_out.empty
    assert list(changes.stays["candidacy_id"]) == [a, b]
    assert changes.leaves_waitlist  # e is on the current list, on neither proposed one


def test_diff_of_a_proposal_already_applied_changes_nothing(pilote, setting):
    call_id, _ids, scores = setting
    frame = candidates(pilote, call_id, scores)
    proposal = propose(frame, slots=3, limits=[Limit(Dimension.NETWORK, at_most=1)], waitlist_size=2)
    assert diff(proposal, frame).changes_anything
    apply(pilote, call_id, proposal, diff(proposal, frame))
    again = diff(proposal, candidates(pilote, call_id, scores))
    assert not again.changes_anything and again.comes_in.empty and again.goes_out.empty


def test_apply_makes_the_proposal_the_decisions_in_one_audited_act(pilote, setting):
    call_id, (a, b, c, d, e, f), scores = setting
    frame = candidates(pilote, call_id, scores)
    proposal = propose(frame, slots=3, limits=[Limit(Dimension.NETWORK, at_most=1)], waitlist_size=1)
    assert proposal.waitlist == (b,)
    versions = apply(pilote, call_id, proposal, diff(proposal, frame), description="au plus 1 par réseau")
    stored = rows(call_id)
    assert {i: stored[i].deliberation for i in (a, b, c, d, e, f)} == {
        a: SELECTED, b: WAITLISTED, c: SELECTED, d: SELECTED, e: PENDING, f: NOT_SELECTED}
    assert listed(call_id) == [b]
    assert set(versions) == {b, c, d, e}  # a stays retained, f stays not retained
    with read_only() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "proposal_applied")).one()
    assert (entry.object_type, entry.object_id, entry.detail) == ("call", call_id, "au plus 1 par réseau")
    assert entry.after == {"selected": [a, c, d], "waitlist": [b]}
    assert sorted(audit_actions()[-4:]) == ["decision_set"] * 4
    decide(pilote, d, NOT_SELECTED)  # the lead still changes any decision afterwards
    assert rows(call_id)[d].deliberation == NOT_SELECTED


def test_apply_is_refused_when_a_decision_changed_since_the_proposal(pilote, setting):
    call_id, ids, scores = setting
    c = ids[2]
    frame = candidates(pilote, call_id, scores)
    proposal = propose(frame, slots=3, limits=[Limit(Dimension.NETWORK, at_most=1)], waitlist_size=1)
    changes = diff(proposal, frame)
    decide(pilote, c, NOT_SELECTED)  # another tab, meanwhile
    before = rows(call_id)
    with pytest.raises(StaleEdit):
        apply(pilote, call_id, proposal, changes)
    assert rows(call_id) == before
    assert "proposal_applied" not in audit_actions(object_type="call")


def test_apply_is_refused_when_a_candidacy_was_decided_outside_the_proposal_frame(pilote, setting):
    call_id, _ids, scores = setting
    frame = candidates(pilote, call_id, scores)
    proposal = propose(frame, slots=3, waitlist_size=0)
    [late] = make_candidacies(call_id, [Spec(network="Urtie")])
    decide(pilote, late, WAITLISTED)
    with pytest.raises(StaleEdit):
        apply(pilote, call_id, proposal, diff(proposal, frame))


def test_apply_checks_the_slots_and_duplicates(pilote, setting):
    call_id, (a, b, c, d, e, f), _ = setting
    with pytest.raises(CapacityReached), unit_of_work() as session:
        apply_proposal(session, actor=pilote, call_id=call_id, selected=[a, b, c, d], waitlist=[],
                       expected_versions={i: version(i) for i in (a, b, c, d, e, f)})
    with pytest.raises(ValidationFailed), unit_of_work() as session:
        apply_proposal(session, actor=pilote, call_id=call_id, selected=[a], waitlist=[a], expected_versions={})


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_only_the_lead_applies_a_proposal(setting, role):
    call_id, ids, _ = setting
    with pytest.raises(NotAllowed), unit_of_work() as session:
        apply_proposal(session, actor=make_user(role), call_id=call_id, selected=ids[:1], waitlist=[],
                       expected_versions={i: version(i) for i in ids})


def test_apply_is_refused_once_published(pilote, setting):
    call_id, ids, _ = setting
    with unit_of_work() as session:
        session.get(Call, call_id).decisions_published_at = session.get(Call, call_id).created_at
    with pytest.raises(DecisionsPublished), unit_of_work() as session:
        apply_proposal(session, actor=pilote, call_id=call_id, selected=ids[:1], waitlist=[],
                       expected_versions={i: version(i) for i in ids})
