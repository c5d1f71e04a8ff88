"""Calls: who may manage them, what is refused, Paris times, criteria, transitions, races."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import partial

import pytest
from sqlalchemy import func, select

from core.calls import calls, listing
from core.calls.calls import DEFAULT_CRITERIA
from core.calls.listing import Phase
from core.candidacies import read, saving
from core.errors import DeadlinePassed, NotAllowed, StaleEdit, ValidationFailed
from db.engine import read_only, unit_of_work
from db.models import (
    AuditEntry,
    Call,
    CallState,
    Candidacy,
    Criterion,
    Network,
    Review,
    Role,
    Score,
    Submission,
)
from tests.concurrency import race
from tests.core.calls.support import call_data, count, edition_data, save_call, save_edition
from tests.factories import (
    complete_form,
    make_call,
    make_edition,
    make_network,
    make_user,
)


def test_save_call_creates_a_draft_with_default_criteria_and_audit(pilote):
    edition_id = make_edition()
    call_id = save_call(pilote, call_data(edition_id))
    with read_only() as session:
        call = session.get(Call, call_id)
        criteria = [(c.label, c.weight) for c in call.criteria]
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "call_created"))
        kinds = sorted(k.kind.value for k in call.eligible_kinds)
    assert call.state == CallState.DRAFT and call.version == 1
    assert tuple(criteria) == DEFAULT_CRITERIA and len(DEFAULT_CRITERIA) >= 1
    assert kinds == ["ACI", "EI"]
    assert entry.before is None and entry.object_id == call_id
    assert entry.after["criteria"] == [list(c) for c in DEFAULT_CRITERIA]
    assert entry.after["eligible_departements"] == ["93", "95"]


@pytest.mark.parametrize(("day", "expected"), [
    (date(2027, 1, 15), datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),    # winter: UTC+1
    (date(2027, 7, 15), datetime(2027, 7, 15, 7, 0, tzinfo=UTC)),    # summer: UTC+2
    (date(2027, 3, 27), datetime(2027, 3, 27, 8, 0, tzinfo=UTC)),    # the day before the switch
    (date(2027, 3, 28), datetime(2027, 3, 28, 7, 0, tzinfo=UTC)),    # the switch day, after 02:00
])
def test_save_call_stores_paris_times_in_utc_across_dst(pilote, day, expected):
    call_id = save_call(pilote, call_data(make_edition(), opens_on=day, opens_time=time(9, 0),
                                          closes_on=day + timedelta(days=30), closes_time=time(9, 0)))
    with read_only() as session:
        call = session.get(Call, call_id)
    assert call.opens_at == expected
    with read_only() as session:
        detail = calls.call_detail(session, actor=pilote, call_id=call_id)
    assert (detail.data.opens_on, detail.data.opens_time) == (day, time(9, 0))
    assert (detail.data.closes_on, detail.data.closes_time) == (day + timedelta(days=30), time(9, 0))


def test_save_call_window_across_the_dst_switch_is_23_hours_long(pilote):
    call_id = save_call(pilote, call_data(make_edition(), opens_on=date(2027, 3, 27), opens_time=time(9, 0),
                                          closes_on=date(2027, 3, 28), closes_time=time(9, 0)))
    with read_only() as session:
        call = session.get(Call, call_id)
    assert call.closes_at - call.opens_at == timedelta(hours=23)


@pytest.mark.parametrize("closes", [(date(2027, 1, 10), time(9, 0)), (date(2027, 1, 9), time(18, 0))])
def test_save_call_closing_not_after_opening_is_refused(pilote, closes):
    with pytest.raises(ValidationFailed) as refused:
        save_call(pilote, call_data(make_edition(), opens_on=date(2027, 1, 10), opens_time=time(9, 0),
                                    closes_on=closes[0], closes_time=closes[1]))
    assert refused.value.errors.keys() == {"closes_at"}
    assert count(Call) == 0


@pytest.mark.parametrize(("slots", "minutes", "refused_on"), [
    (0, 5, {"pitch_slots"}), (51, 5, {"pitch_slots"}), (None, 5, {"pitch_slots"}),
    (5, 0, {"pitch_minutes"}), (5, 61, {"pitch_minutes"}), (5, None, {"pitch_minutes"}),
    (1, 1, set()), (50, 60, set()),
])
def test_save_call_slots_and_minutes_bounds(pilote, slots, minutes, refused_on):
    data = call_data(make_edition(), pitch_slots=slots, pitch_minutes=minutes)
    if refused_on:
        with pytest.raises(ValidationFailed) as refused:
            save_call(pilote, data)
        assert refused.value.errors.keys() == refused_on
        assert count(Call) == 0
    else:
        call_id = save_call(pilote, data)
        with read_only() as session:
            call = session.get(Call, call_id)
        assert (call.pitch_slots, call.pitch_minutes) == (slots, minutes)


@pytest.mark.parametrize("departements", [("95", "99"), ("20",), ("75 ",), ()])
def test_save_call_unknown_or_missing_departement_is_refused(pilote, departements):
    with pytest.raises(ValidationFailed) as refused:
        save_call(pilote, call_data(make_edition(), eligible_departements=departements))
    assert refused.value.errors.keys() == {"eligible_departements"}


@pytest.mark.parametrize("kinds", [(), ("EI", "SCOP")])
def test_save_call_empty_or_unknown_kinds_are_refused(pilote, kinds):
    with pytest.raises(ValidationFailed) as refused:
        save_call(pilote, call_data(make_edition(), eligible_kinds=kinds))
    assert refused.value.errors.keys() == {"eligible_kinds"}


def test_save_call_duplicate_criterion_label_is_refused(pilote):
    with pytest.raises(ValidationFailed) as refused:
        save_call(pilote, call_data(make_edition(), criteria=(("Clarté", 1), (" clarté ", 2))))
    assert refused.value.errors.keys() == {"criteria"}
    assert count(Criterion) == 0


@pytest.mark.parametrize(("weight", "accepted"), [(0, False), (11, False), (-1, False), (1, True), (10, True)])
def test_save_call_criterion_weight_must_be_within_1_to_10(pilote, weight, accepted):
    data = call_data(make_edition(), criteria=(("Clarté", weight),))
    if accepted:
        call_id = save_call(pilote, data)
        with read_only() as session:
            assert [c.weight for c in session.get(Call, call_id).criteria] == [weight]
    else:
        with pytest.raises(ValidationFailed) as refused:
            save_call(pilote, data)
        assert refused.value.errors.keys() == {"criteria"}


@pytest.mark.parametrize("weight", [True, False, 2.7, 2.0, "3", None])
def test_save_call_criterion_weight_that_is_not_an_int_is_refused(pilote, weight):
    with pytest.raises(ValidationFailed) as refused:
        save_call(pilote, call_data(make_edition(), criteria=(("Clarté", weight),)))
    assert refused.value.errors == {"criteria": "Chaque poids est un nombre entier entre 1 et 10."}
    assert count(Call) == 0 and count(Criterion) == 0


def test_save_call_changing_a_weight_before_any_review_is_accepted(pilote):
    edition_id = make_edition()
    call_id = save_call(pilote, call_data(edition_id))
    changed = ((DEFAULT_CRITERIA[0][0], 5), *DEFAULT_CRITERIA[1:])
    save_call(pilote, call_data(edition_id, criteria=changed), call_id=call_id, expected_version=1)
    with read_only() as session:
        call = session.get(Call, call_id)
        assert tuple((c.label, c.weight) for c in call.criteria) == changed
    assert count(Criterion) == len(DEFAULT_CRITERIA)


def test_save_call_edit_keeps_eligibility_rows_consistent(pilote):
    edition_id = make_edition()
    call_id = save_call(pilote, call_data(edition_id, eligible_kinds=("EI", "ACI")))
    save_call(pilote, call_data(edition_id, eligible_kinds=("EI", "EA"), eligible_departements=("95",)),
              call_id=call_id, expected_version=1)
    with read_only() as session:
        detail = calls.call_detail(session, actor=pilote, call_id=call_id)
    assert sorted(detail.data.eligible_kinds) == ["EA", "EI"]
    assert detail.data.eligible_departements == ("95",)
    assert detail.version == 2


def test_save_call_with_stale_version_is_refused(pilote):
    edition_id = make_edition()
    call_id = save_call(pilote, call_data(edition_id))
    save_call(pilote, call_data(edition_id, theme_title="Premier"), call_id=call_id, expected_version=1)
    with pytest.raises(StaleEdit):
        save_call(pilote, call_data(edition_id, theme_title="Second"), call_id=call_id, expected_version=1)
    with read_only() as session:
        assert session.get(Call, call_id).theme_title == "Premier"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EVALUATEUR, Role.RESEAU])
def test_save_call_by_non_pilote_is_not_allowed(db, role):
    edition_id = make_edition()
    with pytest.raises(NotAllowed):
        save_call(make_user(role), call_data(edition_id))
    assert count(Call) == 0


def _call_with_a_scored_review(pilote):
    """A call through the use cases, with one submitted candidacy and a review scoring every criterion."""
    network_id = make_network()
    data = call_data(make_edition(), invited_network_ids=(network_id,), opens_on=date(2027, 1, 10),
                     closes_on=date(2027, 2, 10))
    call_id = save_call(pilote, data)
    with unit_of_work() as session:
        calls.open_call(session, actor=pilote, call_id=call_id, expected_version=1)
    referent = make_user(Role.RESEAU, network_id=network_id)
    with unit_of_work() as session:
        candidacy_id = saving.save(session, actor=referent, call_id=call_id, form=complete_form(), submit=True,
                                   now=datetime(2027, 1, 20, tzinfo=UTC))
    reviewer = make_user(Role.EVALUATEUR)
    with unit_of_work() as session:
        criteria = session.get(Call, call_id).criteria
        session.add(Review(candidacy_id=candidacy_id, reviewer_id=reviewer.user_id,
                           scores=[Score(criterion_id=c.id, value=4) for c in criteria]))
        criteria[0].description = "Le projet répond au thème de la rencontre."
    return call_id, data


def _criteria(call_id):
    with read_only() as session:
        return [(c.id, c.label, c.weight, c.description) for c in session.get(Call, call_id).criteria]


@pytest.mark.parametrize("change", ["added", "removed", "renamed"])
def test_save_call_criteria_cannot_be_added_removed_or_renamed_once_a_review_exists(pilote, change):
    call_id, data = _call_with_a_scored_review(pilote)
    before, audit_rows = _criteria(call_id), count(AuditEntry)
    changed = {"added": (*DEFAULT_CRITERIA, ("Ancrage local", 1)), "removed": DEFAULT_CRITERIA[:-1],
               "renamed": (("Adéquation au thème", 3), *DEFAULT_CRITERIA[1:])}[change]
    with pytest.raises(ValidationFailed) as refused:
        save_call(pilote, replace(data, criteria=changed), call_id=call_id, expected_version=2)
    assert refused.value.errors == {"criteria": calls.CRITERIA_FROZEN}
    assert "changer les poids" in calls.CRITERIA_FROZEN
    assert (_criteria(call_id), count(AuditEntry), count(Score)) == (before, audit_rows, len(DEFAULT_CRITERIA))
    # Other fields may still change when the criteria stay the same.
    save_call(pilote, replace(data, theme_title="Bâtiment et second œuvre"), call_id=call_id, expected_version=2)
    with read_only() as session:
        assert session.get(Call, call_id).theme_title == "Bâtiment et second œuvre"
    assert _criteria(call_id) == before


def test_save_call_weights_and_order_may_change_once_a_review_exists_keeping_scores(pilote):
    call_id, data = _call_with_a_scored_review(pilote)
    before = {label: (criterion_id, description) for criterion_id, label, _, description in _criteria(call_id)}
    changed = (DEFAULT_CRITERIA[1], (DEFAULT_CRITERIA[0][0], 9), *DEFAULT_CRITERIA[2:])
    save_call(pilote, replace(data, criteria=changed), call_id=call_id, expected_version=2)
    after = _criteria(call_id)
    assert [(label, weight) for _, label, weight, _ in after] == list(changed)
    # The same rows: the scores given and the descriptions stay attached to them.
    assert {label: (criterion_id, description) for criterion_id, label, _, description in after} == before
    assert count(Score) == len(DEFAULT_CRITERIA)
    with read_only() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "call_updated")).one()
    assert entry.before["criteria"] == [list(c) for c in DEFAULT_CRITERIA]
    assert entry.after["criteria"] == [list(c) for c in changed]


def test_save_call_stores_invited_networks(pilote):
    first, second, _uninvited = make_network("Alpha"), make_network("Bêta"), make_network("Gamma")
    call_id = save_call(pilote, call_data(make_edition(), invited_network_ids=(first, second)))
    with read_only() as session:
        detail = calls.call_detail(session, actor=pilote, call_id=call_id)
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "call_created"))
    assert sorted(detail.data.invited_network_ids) == sorted((first, second))
    assert entry.after["invited_networks"] == sorted((first, second))


def test_open_call_without_invited_networks_is_refused(pilote):
    call_id = save_call(pilote, call_data(make_edition()))
    with pytest.raises(ValidationFailed) as refused, unit_of_work() as session:
        calls.open_call(session, actor=pilote, call_id=call_id, expected_version=1)
    assert refused.value.errors.keys() == {"invited_networks"}
    with read_only() as session:
        call = session.get(Call, call_id)
    assert (call.state, call.version) == (CallState.DRAFT, 1)


def test_open_call_with_invited_network_publishes_it(pilote):
    call_id = save_call(pilote, call_data(make_edition(), invited_network_ids=(make_network(),)))
    with unit_of_work() as session:
        calls.open_call(session, actor=pilote, call_id=call_id, expected_version=1)
    with read_only() as session:
        call = session.get(Call, call_id)
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "call_opened"))
    assert (call.state, call.version) == (CallState.OPEN, 2)
    assert entry.before["state"] == "draft" and entry.after["state"] == "open"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EVALUATEUR, Role.RESEAU])
def test_call_transitions_by_non_pilote_are_not_allowed(db, role):
    call_id = make_call(networks=(make_network(),), state=CallState.DRAFT)
    actor = make_user(role)
    for transition in (calls.open_call, calls.close_call):
        with pytest.raises(NotAllowed), unit_of_work() as session:
            transition(session, actor=actor, call_id=call_id, expected_version=1)
    with read_only() as session:
        assert session.get(Call, call_id).state == CallState.DRAFT


NOW = datetime(2027, 1, 20, 12, 0, tzinfo=UTC)


def test_extend_call_must_move_closing_later(pilote):
    call_id = make_call(networks=(make_network(),), opens_at=datetime(2027, 1, 10, 8, tzinfo=UTC),
                        closes_at=datetime(2027, 2, 10, 17, tzinfo=UTC))   # 18:00 in Paris
    for earlier in (time(18, 0), time(17, 59)):
        with pytest.raises(ValidationFailed) as refused, unit_of_work() as session:
            calls.extend_call(session, actor=pilote, call_id=call_id, expected_version=1,
                              closes_on=date(2027, 2, 10), closes_time=earlier, now=NOW)
        assert refused.value.errors.keys() == {"closes_at"}
    with unit_of_work() as session:
        calls.extend_call(session, actor=pilote, call_id=call_id, expected_version=1, closes_on=date(2027, 2, 17),
                          closes_time=time(18, 0), now=NOW)
    with read_only() as session:
        call = session.get(Call, call_id)
    assert call.closes_at == datetime(2027, 2, 17, 17, 0, tzinfo=UTC)
    assert (call.state, call.version) == (CallState.OPEN, 2)


def test_extend_call_reopens_a_closed_call(pilote):
    network_id = make_network()
    call_id = make_call(networks=(network_id,), opens_at=datetime(2027, 1, 10, 8, tzinfo=UTC),
                        closes_at=datetime(2027, 2, 10, 17, tzinfo=UTC))
    with unit_of_work() as session:
        calls.close_call(session, actor=pilote, call_id=call_id, expected_version=1, now=NOW)
    with unit_of_work() as session:
        calls.extend_call(session, actor=pilote, call_id=call_id, expected_version=2, closes_on=date(2027, 3, 1),
                          closes_time=time(12, 0), now=NOW + timedelta(days=1))
    referent = make_user(Role.RESEAU, network_id=network_id)
    with read_only() as session:
        [summary] = listing.calls_for_network(session, actor=referent)
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "call_extended"))
    assert summary.state == CallState.OPEN and summary.phase(NOW + timedelta(days=1)) == Phase.OPEN
    assert entry.before["state"] == "closed" and entry.after["state"] == "open"
    with unit_of_work() as session:  # the referent can work again
        saving.save(session, actor=referent, call_id=call_id, form=complete_form(), submit=True,
                    now=NOW + timedelta(days=2))


def test_extend_call_on_a_draft_keeps_it_unpublished(pilote):
    call_id = make_call(state=CallState.DRAFT, opens_at=datetime(2027, 1, 10, 8, tzinfo=UTC),
                        closes_at=datetime(2027, 2, 10, 17, tzinfo=UTC))
    with unit_of_work() as session:
        calls.extend_call(session, actor=pilote, call_id=call_id, expected_version=1, closes_on=date(2027, 3, 1),
                          closes_time=time(12, 0), now=NOW)
    with read_only() as session:
        call = session.get(Call, call_id)
    assert call.state == CallState.DRAFT
    assert call.closes_at == datetime(2027, 3, 1, 11, 0, tzinfo=UTC)


def test_close_call_on_a_draft_is_refused_and_networks_never_see_it(pilote):
    network_id = make_network()
    call_id = make_call(networks=(network_id,), state=CallState.DRAFT,
                        opens_at=datetime(2027, 1, 10, 8, tzinfo=UTC), closes_at=datetime(2027, 2, 10, 17, tzinfo=UTC))
    with pytest.raises(ValidationFailed) as refused, unit_of_work() as session:
        calls.close_call(session, actor=pilote, call_id=call_id, expected_version=1, now=NOW)
    assert refused.value.errors == {"state": "Seul un appel ouvert peut être clos."}
    # Extending the draft still does not publish it either.
    with unit_of_work() as session:
        calls.extend_call(session, actor=pilote, call_id=call_id, expected_version=1, closes_on=date(2027, 3, 1),
                          closes_time=time(12, 0), now=NOW)
    referent = make_user(Role.RESEAU, network_id=network_id)
    with read_only() as session:
        call = session.get(Call, call_id)
        assert (call.state, call.version) == (CallState.DRAFT, 2)
        assert listing.calls_for_network(session, actor=referent) == []
        assert session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "call_closed")) == 0


def test_close_call_already_closed_is_refused(pilote):
    call_id = make_call(networks=(make_network(),), opens_at=datetime(2027, 1, 10, 8, tzinfo=UTC),
                        closes_at=datetime(2027, 2, 10, 17, tzinfo=UTC))
    with unit_of_work() as session:
        calls.close_call(session, actor=pilote, call_id=call_id, expected_version=1, now=NOW)
    with pytest.raises(ValidationFailed) as refused, unit_of_work() as session:
        calls.close_call(session, actor=pilote, call_id=call_id, expected_version=2, now=NOW + timedelta(hours=1))
    assert refused.value.errors.keys() == {"state"}
    with read_only() as session:
        call = session.get(Call, call_id)
    assert (call.state, call.closes_at, call.version) == (CallState.CLOSED, NOW, 2)


def test_close_call_open_but_past_its_closing_time_is_accepted(pilote):
    closes = datetime(2027, 1, 15, 17, tzinfo=UTC)  # before NOW: the clock already closed it
    call_id = make_call(networks=(make_network(),), opens_at=datetime(2027, 1, 10, 8, tzinfo=UTC), closes_at=closes)
    with unit_of_work() as session:
        calls.close_call(session, actor=pilote, call_id=call_id, expected_version=1, now=NOW)
    with read_only() as session:
        call = session.get(Call, call_id)
    assert (call.state, call.closes_at) == (CallState.CLOSED, closes)


def test_close_call_makes_candidacies_read_only_immediately(pilote):
    network_id = make_network()
    closes = datetime(2027, 2, 10, 17, tzinfo=UTC)
    call_id = make_call(networks=(network_id,), opens_at=datetime(2027, 1, 10, 8, tzinfo=UTC), closes_at=closes)
    referent = make_user(Role.RESEAU, network_id=network_id)
    with unit_of_work() as session:
        candidacy_id = saving.save(session, actor=referent, call_id=call_id, form=complete_form(), submit=True,
                                   now=NOW)
    with unit_of_work() as session:
        calls.close_call(session, actor=pilote, call_id=call_id, expected_version=1, now=NOW + timedelta(hours=1))
    later = NOW + timedelta(hours=1, seconds=1)  # well before the original closing time
    with pytest.raises(DeadlinePassed), unit_of_work() as session:
        saving.save(session, actor=referent, call_id=call_id, form=complete_form(pitch_title="Trop tard"),
                    submit=True, candidacy_id=candidacy_id, expected_version=1, now=later)
    with pytest.raises(DeadlinePassed), unit_of_work() as session:
        saving.withdraw(session, actor=referent, candidacy_id=candidacy_id, expected_version=1,
                        reason="Plus disponible", now=later)
    with pytest.raises(DeadlinePassed), unit_of_work() as session:
        saving.save(session, actor=referent, call_id=call_id, form=complete_form(siret="35600000009075"),
                    submit=False, now=later)
    with read_only() as session:
        call = session.get(Call, call_id)
        candidacy = session.get(Candidacy, candidacy_id)
        view = read.get(session, actor=referent, candidacy_id=candidacy_id, now=later)
    assert call.state == CallState.CLOSED and call.closes_at == NOW + timedelta(hours=1)
    assert (candidacy.pitch_title, candidacy.submission) == ("Second œuvre en insertion", Submission.SUBMITTED)
    assert view.editable is False


def test_save_call_concurrent_edits_with_one_version_keep_the_first(pilote):
    edition_id = make_edition()
    call_id = save_call(pilote, call_data(edition_id))
    outcome = race(
        lambda s: calls.save_call(s, actor=pilote, data=call_data(edition_id, theme_title="Premier"),
                                  call_id=call_id, expected_version=1),
        lambda s: calls.save_call(s, actor=pilote, data=call_data(edition_id, theme_title="Second"),
                                  call_id=call_id, expected_version=1),
    )
    assert outcome == "StaleEdit"
    with read_only() as session:
        call = session.get(Call, call_id)
    assert (call.theme_title, call.version) == ("Premier", 2)


def test_close_and_extend_racing_on_one_version_apply_only_the_first(pilote):
    call_id = make_call(networks=(make_network(),), opens_at=datetime(2027, 1, 10, 8, tzinfo=UTC),
                        closes_at=datetime(2027, 2, 10, 17, tzinfo=UTC))
    outcome = race(
        lambda s: calls.close_call(s, actor=pilote, call_id=call_id, expected_version=1, now=NOW),
        lambda s: calls.extend_call(s, actor=pilote, call_id=call_id, expected_version=1,
                                    closes_on=date(2027, 3, 1), closes_time=time(12, 0), now=NOW),
    )
    assert outcome == "StaleEdit"
    with read_only() as session:
        call = session.get(Call, call_id)
    assert (call.state, call.closes_at, call.version) == (CallState.CLOSED, NOW, 2)


@pytest.fixture
def submitted(pilote):
    network_id = make_network()
    call_id = make_call(networks=(network_id,), opens_at=datetime(2027, 1, 10, 8, tzinfo=UTC),
                        closes_at=datetime(2027, 2, 10, 17, tzinfo=UTC))
    referent = make_user(Role.RESEAU, network_id=network_id)
    with unit_of_work() as session:
        candidacy_id = saving.save(session, actor=referent, call_id=call_id, form=complete_form(), submit=True,
                                   now=NOW - timedelta(hours=1))
    return {"call": call_id, "referent": referent, "candidacy": candidacy_id}


def test_close_call_refuses_saves_racing_with_it(pilote, submitted):
    referent, call_id = submitted["referent"], submitted["call"]
    close = partial(calls.close_call, actor=pilote, call_id=call_id, expected_version=1, now=NOW)
    outcome = race(close, lambda s: saving.save(
        s, actor=referent, call_id=call_id, form=complete_form(siret="35600000009075"), submit=True,
        now=NOW + timedelta(seconds=1)))
    assert outcome == "DeadlinePassed"
    assert count(Candidacy) == 1


def test_close_call_refuses_edits_and_withdrawals_racing_with_it(pilote, submitted):
    referent, call_id, candidacy_id = submitted["referent"], submitted["call"], submitted["candidacy"]
    close = partial(calls.close_call, actor=pilote, call_id=call_id, expected_version=1, now=NOW)
    outcome = race(close, lambda s: saving.withdraw(
        s, actor=referent, candidacy_id=candidacy_id, expected_version=1, reason="Trop tard",
        now=NOW + timedelta(seconds=1)))
    assert outcome == "DeadlinePassed"
    with unit_of_work() as session:  # reopen, then race an edit against a second close
        calls.extend_call(session, actor=pilote, call_id=call_id, expected_version=2, closes_on=date(2027, 3, 1),
                          closes_time=time(12, 0), now=NOW + timedelta(seconds=2))
    close_again = partial(calls.close_call, actor=pilote, call_id=call_id, expected_version=3,
                          now=NOW + timedelta(seconds=3))
    outcome = race(close_again, lambda s: saving.save(
        s, actor=referent, call_id=call_id, form=complete_form(pitch_title="Trop tard"), submit=True,
        candidacy_id=candidacy_id, expected_version=1, now=NOW + timedelta(seconds=4)))
    assert outcome == "DeadlinePassed"
    with read_only() as session:
        candidacy = session.get(Candidacy, candidacy_id)
    assert (candidacy.submission, candidacy.pitch_title, candidacy.version) == (
        Submission.SUBMITTED, "Second œuvre en insertion", 1)


def test_save_call_with_unknown_or_inactive_network_is_refused_on_invited_networks(pilote):
    edition_id = save_edition(pilote, edition_data())
    inactive = make_network("Réseau fermé")
    with unit_of_work() as session:
        session.get(Network, inactive).active = False
    for ids in ((inactive,), (make_network(), 999_999)):
        with pytest.raises(ValidationFailed) as refused:
            save_call(pilote, call_data(edition_id, invited_network_ids=ids))
        assert refused.value.errors.keys() == {"invited_networks"}
    assert count(Call) == 0


def test_save_call_refuses_a_weight_change_once_the_decisions_are_published(pilote):
    edition_id = make_edition()
    call_id = save_call(pilote, call_data(edition_id))
    with unit_of_work() as session:
        session.get(Call, call_id).decisions_published_at = datetime.now(UTC)
    changed = ((DEFAULT_CRITERIA[0][0], DEFAULT_CRITERIA[0][1] % 10 + 1), *DEFAULT_CRITERIA[1:])
    with pytest.raises(ValidationFailed) as refused:
        save_call(pilote, call_data(edition_id, criteria=changed), call_id=call_id, expected_version=1)
    assert refused.value.errors == {"criteria": calls.CRITERIA_PUBLISHED}
    with read_only() as session:
        assert tuple((c.label, c.weight) for c in session.get(Call, call_id).criteria) == DEFAULT_CRITERIA
    # the rest of the call may still be corrected, its criteria as they are
    save_call(pilote, call_data(edition_id, theme_title="Thème corrigé"), call_id=call_id, expected_version=1)
