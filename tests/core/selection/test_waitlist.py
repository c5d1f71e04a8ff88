"""The waiting list: ranks 1..n without holes or duplicates whatever the operations."""

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from core.errors import CapacityReached, NotAllowed, StaleEdit, ValidationFailed
from core.selection import decisions, state, waitlist
from core.selection.errors import DecisionsPublished
from db.engine import unit_of_work
from db.models import Candidacy, Deliberation, Role, Submission
from tests.concurrency import race
from tests.core.selection.builders import audit_actions, make_candidacies, make_selection_call, ranks, rows, version
from tests.core.selection.builders import waitlist as listed
from tests.factories import make_user
from tests.querycount import statements_of

WAITLISTED = Deliberation.WAITLISTED


@pytest.fixture
def pilote(db):
    return make_user(Role.PILOTE)


def put_on_list(actor, ids, rank=None):
    for candidacy_id in ids:
        with unit_of_work() as session:
            decisions.decide(session, actor=actor, candidacy_id=candidacy_id, expected_version=version(candidacy_id),
                             decision=WAITLISTED, rank=rank)


def act(function, actor, candidacy_id, **kwargs):
    with unit_of_work() as session:
        return function(session, actor=actor, candidacy_id=candidacy_id, expected_version=version(candidacy_id),
                        **kwargs)


def withdraw(actor, candidacy_id):
    """What the withdrawal path does: the call locked first, the row withdrawn, the decision released."""
    with unit_of_work() as session:
        state.lock_call(session, state.call_of(session, candidacy_id))
        candidacy = session.get(Candidacy, candidacy_id, with_for_update=True)
        candidacy.submission, candidacy.version = Submission.WITHDRAWN, candidacy.version + 1
        return decisions.release_on_withdrawal(session, actor=actor, candidacy_id=candidacy_id)


@pytest.fixture
def five(pilote):
    call_id = make_selection_call()
    ids = make_candidacies(call_id, 5)
    put_on_list(pilote, ids)
    return call_id, ids


def test_waitlisting_appends_or_inserts_at_the_rank_given(pilote):
    call_id = make_selection_call()
    a, b, c, d = make_candidacies(call_id, 4)
    put_on_list(pilote, [a, b])
    put_on_list(pilote, [c], rank=1)
    put_on_list(pilote, [d], rank="3")
    assert listed(call_id) == [c, a, d, b]
    assert ranks(call_id) == [1, 2, 3, 4]


def test_moves_up_and_down_and_to_a_rank(pilote, five):
    call_id, (a, b, c, d, e) = five
    act(waitlist.move_up, pilote, c)
    assert listed(call_id) == [a, c, b, d, e]
    act(waitlist.move_down, pilote, a)
    assert listed(call_id) == [c, a, b, d, e]
    act(waitlist.set_rank, pilote, e, rank=1)
    assert listed(call_id) == [e, c, a, b, d]
    act(waitlist.set_rank, pilote, e, rank=" 5 ")
    assert listed(call_id) == [c, a, b, d, e]
    assert ranks(call_id) == [1, 2, 3, 4, 5]


def test_moves_at_the_ends_change_nothing(pilote, five):
    call_id, (a, b, c, d, e) = five
    assert act(waitlist.move_up, pilote, a) == {}
    assert act(waitlist.move_down, pilote, e) == {}
    assert listed(call_id) == [a, b, c, d, e]


def test_a_move_bumps_the_versions_of_the_rows_it_moves_and_audits_each(pilote, five):
    call_id, (a, b, c, d, _e) = five
    before = rows(call_id)
    assert act(waitlist.set_rank, pilote, d, rank=2) == {d: before[d].version + 1, b: before[b].version + 1,
                                                         c: before[c].version + 1}
    assert rows(call_id)[a].version == before[a].version
    assert audit_actions()[-3:] == ["waitlist_shifted", "waitlist_shifted", "waitlist_moved"]


def test_a_move_from_a_stale_view_is_refused(pilote, five):
    call_id, (a, b, c, d, e) = five
    stale = version(b)
    act(waitlist.move_up, pilote, c)  # another tab moved c above b
    with pytest.raises(StaleEdit), unit_of_work() as session:
        waitlist.move_up(session, actor=pilote, candidacy_id=b, expected_version=stale)
    assert listed(call_id) == [a, c, b, d, e]


@pytest.mark.parametrize(("rank", "message"), [
    (0, "compris entre 1 et 5"), (6, "compris entre 1 et 5"), (-1, "compris entre 1 et 5"),
    ("deux", "nombre entier"), ("2,5", "nombre entier"), ("", "obligatoire"), (None, "obligatoire"),
    (True, "nombre entier"),
])
def test_set_rank_refuses_bad_ranks_and_writes_nothing(pilote, five, rank, message):
    call_id, ids = five
    before = rows(call_id)
    with pytest.raises(ValidationFailed) as caught:
        act(waitlist.set_rank, pilote, ids[2], rank=rank)
    assert message in caught.value.errors["rank"]
    assert rows(call_id) == before


@pytest.mark.parametrize("rank", [0, 7, "x"])
def test_waitlisting_at_a_bad_rank_is_refused(pilote, five, rank):
    call_id, _ids = five
    [new] = make_candidacies(call_id, 1)
    with pytest.raises(ValidationFailed) as caught:
        put_on_list(pilote, [new], rank=rank)
    assert "rang" in caught.value.errors["rank"].lower()
    assert rows(call_id)[new].deliberation == Deliberation.PENDING


def test_moving_a_candidacy_not_on_the_list_is_refused(pilote, five):
    call_id, _ = five
    [new] = make_candidacies(call_id, 1)
    with pytest.raises(ValidationFailed) as caught:
        act(waitlist.move_up, pilote, new)
    assert "pas sur la liste" in caught.value.errors["rank"]


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_only_the_lead_reorders(five, role):
    call_id, ids = five
    someone = make_user(role)
    for function, kwargs in ((waitlist.move_up, {}), (waitlist.move_down, {}), (waitlist.set_rank, {"rank": 1})):
        with pytest.raises(NotAllowed):
            act(function, someone, ids[2], **kwargs)
    assert listed(call_id) == ids


def test_reordering_is_refused_once_published(pilote, five):
    call_id, ids = five
    with unit_of_work() as session:
        session.get(state.Call, call_id).decisions_published_at = state.utcnow()
    with pytest.raises(DecisionsPublished):
        act(waitlist.move_up, pilote, ids[1])


def test_leaving_the_list_closes_the_ranks_up(pilote, five):
    call_id, (a, b, c, d, e) = five
    act(decisions.decide, pilote, b, decision=Deliberation.NOT_SELECTED)
    act(decisions.decide, pilote, a, decision=Deliberation.SELECTED)
    assert listed(call_id) == [c, d, e]
    assert ranks(call_id) == [1, 2, 3]


def test_a_withdrawal_releases_the_decision_and_closes_the_ranks_up(pilote, five):
    call_id, (a, b, c, d, e) = five
    referent = make_user(Role.RESEAU)
    assert withdraw(referent, b) is True
    assert listed(call_id) == [a, c, d, e]
    assert rows(call_id)[b] == (Deliberation.PENDING, None, 3, 2)  # decided (2), withdrawn (3): no step more
    assert audit_actions(object_id=b)[-1] == "decision_released"
    assert audit_actions(object_id=c)[-1] == "waitlist_shifted"


def test_a_withdrawal_frees_a_retained_place(pilote):
    call_id = make_selection_call(slots=1)
    first, second = make_candidacies(call_id, 2)
    act(decisions.decide, pilote, first, decision=Deliberation.SELECTED)
    with pytest.raises(CapacityReached):
        act(decisions.decide, pilote, second, decision=Deliberation.SELECTED)
    withdraw(make_user(Role.RESEAU), first)
    act(decisions.decide, pilote, second, decision=Deliberation.SELECTED)
    assert rows(call_id)[first].deliberation == Deliberation.PENDING  # a new submission starts undecided


def test_a_withdrawal_without_decision_releases_nothing(pilote):
    call_id = make_selection_call()
    [candidacy] = make_candidacies(call_id, 1)
    assert withdraw(make_user(Role.RESEAU), candidacy) is False
    assert audit_actions() == []


def test_the_database_refuses_two_candidacies_at_one_rank(pilote, five):
    _call_id, ids = five
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.execute(update(Candidacy).where(Candidacy.id == ids[1]).values(waitlist_rank=1))


def test_ranks_are_per_call(pilote, five):
    other_call = make_selection_call()
    [other] = make_candidacies(other_call, 1)
    put_on_list(pilote, [other])
    assert ranks(other_call) == [1]


# ---------------------------------------------------------------- every sequence of operations


class WaitingList(RuleBasedStateMachine):
    """Random decisions, moves, ranks and withdrawals on one call, against a plain Python list."""

    def __init__(self):
        super().__init__()
        self.lead = make_user(Role.PILOTE)
        self.call_id = make_selection_call(slots=3)
        self.ids = make_candidacies(self.call_id, 6)
        self.expected: list[int] = []  # the waiting list as it should be
        self.withdrawn: set[int] = set()

    @initialize()
    def start(self):
        pass

    def _run(self, function, candidacy_id, **kwargs):
        try:
            act(function, self.lead, candidacy_id, **kwargs)
            return True
        except (ValidationFailed, CapacityReached):
            return False

    @rule(index=st.integers(0, 5), rank=st.none() | st.integers(-1, 8))
    def waitlist_at(self, index, rank):
        candidacy_id = self.ids[index]
        others = [i for i in self.expected if i != candidacy_id]
        if self._run(decisions.decide, candidacy_id, decision=WAITLISTED, rank=rank):
            assert candidacy_id not in self.withdrawn
            position = len(others) if rank is None else rank - 1
            others.insert(position, candidacy_id)
            self.expected = others
        else:
            assert candidacy_id in self.withdrawn or (rank is not None and not 1 <= rank <= len(others) + 1)

    @rule(index=st.integers(0, 5), decision=st.sampled_from([Deliberation.SELECTED, Deliberation.NOT_SELECTED,
                                                              Deliberation.PENDING]))
    def decide_off_the_list(self, index, decision):
        candidacy_id = self.ids[index]
        if self._run(decisions.decide, candidacy_id, decision=decision) and candidacy_id in self.expected:
            self.expected.remove(candidacy_id)

    @rule(index=st.integers(0, 5), direction=st.sampled_from(["up", "down"]))
    def move(self, index, direction):
        candidacy_id = self.ids[index]
        function = waitlist.move_up if direction == "up" else waitlist.move_down
        if self._run(function, candidacy_id):
            position = self.expected.index(candidacy_id)
            target = max(position - 1, 0) if direction == "up" else min(position + 1, len(self.expected) - 1)
            self.expected.insert(target, self.expected.pop(position))
        else:
            assert candidacy_id not in self.expected

    @rule(index=st.integers(0, 5), rank=st.integers(-1, 8))
    def set_rank(self, index, rank):
        candidacy_id = self.ids[index]
        if self._run(waitlist.set_rank, candidacy_id, rank=rank):
            self.expected.remove(candidacy_id)
            self.expected.insert(rank - 1, candidacy_id)
        else:
            assert candidacy_id not in self.expected or not 1 <= rank <= len(self.expected)

    @rule(index=st.integers(0, 5))
    def withdraw(self, index):
        candidacy_id = self.ids[index]
        if candidacy_id in self.withdrawn:
            return
        withdraw(self.lead, candidacy_id)
        self.withdrawn.add(candidacy_id)
        if candidacy_id in self.expected:
            self.expected.remove(candidacy_id)

    @invariant()
    def ranks_are_one_to_n_in_the_expected_order(self):
        assert listed(self.call_id) == self.expected
        assert ranks(self.call_id) == list(range(1, len(self.expected) + 1))
        stored = rows(self.call_id)
        assert all((row.deliberation == WAITLISTED) == (row.rank is not None) for row in stored.values())
        assert sum(row.deliberation == Deliberation.SELECTED for row in stored.values()) <= 3


def test_waiting_list_ranks_hold_under_every_sequence_of_operations(db):
    run_state_machine_as_test(WaitingList, settings=settings(
        max_examples=20, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))


def test_two_tabs_waitlisting_at_rank_one_at_once_keep_ranks_one_to_n(pilote, five):
    call_id, ids = five
    c, d = make_candidacies(call_id, 2)
    at_head = lambda candidacy: lambda s: decisions.decide(  # noqa: E731
        s, actor=pilote, candidacy_id=candidacy, expected_version=1, decision=WAITLISTED, rank=1)
    assert race(at_head(c), at_head(d)) == "saved"
    assert listed(call_id) == [d, c, *ids]
    assert ranks(call_id) == list(range(1, 8))


def test_a_move_runs_as_many_statements_whatever_the_length_of_the_list(pilote, db):
    call_id = make_selection_call()
    few, many = make_candidacies(call_id, 3), make_candidacies(call_id, 30)
    put_on_list(pilote, few)

    def to_head(candidacy_id):
        return lambda: act(waitlist.set_rank, pilote, candidacy_id, rank=1)

    short = statements_of(db, to_head(few[-1]))
    put_on_list(pilote, many)
    assert statements_of(db, to_head(many[-1])) == short  # 33 ranks rewritten, as few statements as 3
    assert ranks(call_id) == list(range(1, 34))


def test_a_network_withdrawing_a_waitlisted_candidacy_closes_the_ranks_up(pilote, five):
    from core.candidacies import saving
    from db.engine import read_only

    call_id, (a, b, c, d, e) = five
    with read_only() as session:
        network_id = session.get(Candidacy, b).network_id
    referent = make_user(Role.RESEAU, network_id=network_id)
    with unit_of_work() as session:  # the network withdraws it through its own page's use case
        saving.withdraw(session, actor=referent, candidacy_id=b, expected_version=version(b),
                        reason="La structure ne peut pas venir.")
    assert listed(call_id) == [a, c, d, e]
    assert ranks(call_id) == [1, 2, 3, 4]
    row = rows(call_id)[b]
    assert (row[0], row[1]) == (Deliberation.PENDING, None)
    assert audit_actions(object_id=b)[-2:] == ["candidacy_withdrawn", "decision_released"]
