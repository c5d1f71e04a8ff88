"""Distribution of candidacies to reviewers: R each, conflicts respected, loads balanced
within one (checked against brute force on small cases), deterministic; by hand; audited."""

import itertools
import random
from collections import Counter

import pytest
from sqlalchemy import select

from core.errors import NotAllowed, ValidationFailed
from core.review import assignment
from core.review.assignment import NotAssignable, plan
from core.review.reviewers import declare_conflict
from core.review.rules import ReviewClosed
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, Call, ReviewAssignment, Role
from tests.core.review.builders import name_reviewers, publish_decisions, score
from tests.factories import make_user


def loads(pairs, reviewers):
    counts = Counter(r for _, r in pairs)
    return [counts[r] for r in reviewers]


def per_candidacy(pairs):
    return Counter(c for c, _ in pairs)


@pytest.mark.parametrize(("candidacies", "reviewers", "r"), [(10, 3, 2), (7, 4, 2), (40, 5, 3), (3, 5, 1), (1, 2, 2)])
def test_plan_gives_r_reviewers_each_and_balances_within_one(candidacies, reviewers, r):
    pairs = plan(range(candidacies), range(100, 100 + reviewers), per_candidacy=r)
    assert set(per_candidacy(pairs).values()) == {r}
    counts = loads(pairs, range(100, 100 + reviewers))
    assert max(counts) - min(counts) <= 1
    assert sum(counts) == candidacies * r


def test_plan_never_assigns_a_forbidden_pair_and_stays_balanced():
    # Reviewer 1 may review only candidacies 0-3; the greedy alone would leave her short.
    forbidden = {(c, 1) for c in range(4, 12)}
    pairs = plan(range(12), (1, 2, 3), per_candidacy=1, forbidden=forbidden)
    assert not pairs & forbidden
    assert loads(pairs, (1, 2, 3)) == [4, 4, 4]


def test_plan_gives_fewer_when_too_few_may_review():
    pairs = plan([1, 2], [7, 8, 9], per_candidacy=2, forbidden={(1, 7), (1, 8)})
    assert per_candidacy(pairs) == {1: 1, 2: 2}
    assert (1, 9) in pairs


def test_plan_keeps_the_pairs_already_started():
    kept = {(0, 1), (1, 1), (2, 1)}
    pairs = plan(range(6), (1, 2), per_candidacy=1, kept=kept)
    assert kept <= pairs
    assert loads(pairs, (1, 2)) == [3, 3]


def test_plan_is_deterministic_whatever_the_input_order():
    forbidden = {(3, 11), (5, 12), (8, 10)}
    first = plan(range(10), (10, 11, 12), per_candidacy=2, forbidden=forbidden)
    again = plan(reversed(range(10)), (12, 10, 11), per_candidacy=2, forbidden=sorted(forbidden, reverse=True))
    assert first == again


def best_spread(candidacies, reviewers, r, forbidden):
    """Brute force: the smallest max − min load of any valid assignment."""
    options = []
    for c in candidacies:
        allowed = [x for x in reviewers if (c, x) not in forbidden]
        options.append([{(c, x) for x in chosen} for chosen in itertools.combinations(allowed, min(r, len(allowed)))])
    best = None
    for choice in itertools.product(*options):
        counts = loads(set().union(*choice), reviewers)
        spread = max(counts) - min(counts)
        best = spread if best is None else min(best, spread)
    return best


def test_plan_balances_as_well_as_brute_force_on_random_small_cases():
    rng = random.Random(8)  # noqa: S311 — seeded test cases, not a secret
    for _ in range(150):
        candidacies = list(range(rng.randint(1, 5)))
        reviewers = list(range(10, 10 + rng.randint(2, 4)))
        r = rng.randint(1, 2)
        forbidden = {(c, x) for c in candidacies for x in reviewers if rng.random() < 0.3}
        pairs = plan(candidacies, reviewers, per_candidacy=r, forbidden=forbidden)
        assert not pairs & forbidden
        for c in candidacies:
            assert per_candidacy(pairs)[c] == min(r, sum((c, x) not in forbidden for x in reviewers))
        counts = loads(pairs, reviewers)
        assert max(counts) - min(counts) == best_spread(candidacies, reviewers, r, forbidden), (
            candidacies, reviewers, r, forbidden, pairs)


# ---------------------------------------------------------------- the use cases


def assigned(scene):
    with read_only() as session:
        return {tuple(row) for row in session.execute(select(ReviewAssignment.candidacy_id,
                                                             ReviewAssignment.reviewer_id))}


def distribute(actor, call_id, per_candidacy=2):
    with unit_of_work() as session:
        return assignment.distribute(session, actor=actor, call_id=call_id, per_candidacy=per_candidacy)


def test_distribute_respects_conflicts_balances_and_is_audited(scene):
    carla = make_user(Role.EVALUATEUR)
    name_reviewers(scene.call, carla)
    # Alice may review only the six of the other network: 6 each is still possible.
    ours = [scene.candidacy() for _ in range(3)]
    theirs = [scene.candidacy(network=scene.other_network) for _ in range(6)]
    with unit_of_work() as session:
        declare_conflict(session, actor=scene.alice, network_id=scene.network)
    result = distribute(scene.lead, scene.call, per_candidacy=2)
    pairs = assigned(scene)
    assert not {(c, scene.alice.user_id) for c in ours} & pairs
    assert set(per_candidacy(pairs).values()) == {2} and set(per_candidacy(pairs)) == set(ours + theirs)
    counts = loads(pairs, [scene.alice.user_id, scene.bruno.user_id, carla.user_id])
    assert counts == [6, 6, 6]
    assert (result.assignments, result.short) == (18, 0)
    with read_only() as session:
        assert session.get(Call, scene.call).assigned_reviews == 2
        [entry] = session.scalars(select(AuditEntry).where(AuditEntry.action == "reviews_distributed")).all()
    assert entry.after["per_candidacy"] == 2 and sorted(n for _, n in entry.after["loads"]) == sorted(counts)


def test_distribute_again_keeps_the_reviews_started_and_is_the_same(scene):
    candidacies = [scene.candidacy() for _ in range(6)]
    distribute(scene.lead, scene.call, per_candidacy=1)
    first = assigned(scene)
    bruno_first = next(c for c, r in sorted(first) if r == scene.bruno.user_id)
    score(scene.bruno, bruno_first, (3, 3, 3, 3), criteria=scene.criteria)
    distribute(scene.lead, scene.call, per_candidacy=1)
    assert assigned(scene) == first
    distribute(scene.lead, scene.call, per_candidacy=2)
    assert set(per_candidacy(assigned(scene)).values()) == {2} and len(assigned(scene)) == 2 * len(candidacies)


def test_distribute_keeps_a_review_started_before_assignment(scene):
    candidacies = [scene.candidacy() for _ in range(4)]
    for c in candidacies:
        score(scene.alice, c, (3, 3, 3, 3), criteria=scene.criteria, submit=False)
    distribute(scene.lead, scene.call, per_candidacy=1)
    assert assigned(scene) == {(c, scene.alice.user_id) for c in candidacies}


@pytest.mark.parametrize("per", [0, 11, True, "2"])
def test_distribute_refuses_a_number_out_of_range(scene, per):
    scene.candidacy()
    with pytest.raises(ValidationFailed) as refused:
        distribute(scene.lead, scene.call, per_candidacy=per)
    assert refused.value.errors == {"per_candidacy": "Indiquez un nombre d'évaluateurs par candidature entre 1 et 10."}
    assert assigned(scene) == set()


def test_distribute_without_reviewers_is_refused(scene):
    with unit_of_work() as session:
        session.execute(ReviewAssignment.__table__.delete())
    from core.review.reviewers import set_reviewers

    with unit_of_work() as session:
        set_reviewers(session, actor=scene.lead, call_id=scene.call, reviewer_ids=[])
    with pytest.raises(ValidationFailed) as refused:
        distribute(scene.lead, scene.call)
    assert refused.value.errors == {"per_candidacy": "Nommez d'abord les évaluateurs de l'appel."}


def test_distribute_after_publication_is_refused(scene):
    publish_decisions(scene.call)
    with pytest.raises(ReviewClosed):
        distribute(scene.lead, scene.call)


def test_only_the_lead_distributes(scene):
    with pytest.raises(NotAllowed):
        distribute(scene.alice, scene.call)


def set_by_hand(scene, candidacy, *people):
    with unit_of_work() as session:
        assignment.set_assignees(session, actor=scene.lead, candidacy_id=candidacy,
                                 reviewer_ids=[p.user_id for p in people])


def test_lead_changes_an_assignment_by_hand_and_each_change_is_audited(scene):
    candidacy = scene.candidacy()
    distribute(scene.lead, scene.call, per_candidacy=1)
    [(_, first)] = assigned(scene)
    other = scene.bruno if first == scene.alice.user_id else scene.alice
    set_by_hand(scene, candidacy, other)
    assert assigned(scene) == {(candidacy, other.user_id)}
    with read_only() as session:
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "candidacy")
                                  .order_by(AuditEntry.id)).all()
    assert actions == ["review_unassigned", "review_assigned"]


def test_by_hand_a_reviewer_in_conflict_or_not_named_is_refused(scene):
    candidacy = scene.candidacy()
    distribute(scene.lead, scene.call, per_candidacy=1)
    before = assigned(scene)
    with unit_of_work() as session:
        declare_conflict(session, actor=scene.alice, network_id=scene.network)
    with pytest.raises(NotAssignable) as refused:
        set_by_hand(scene, candidacy, scene.alice)
    assert "a déclaré un lien" in refused.value.message
    with pytest.raises(NotAssignable):
        set_by_hand(scene, candidacy, make_user(Role.EVALUATEUR))
    assert assigned(scene) <= before


def test_by_hand_a_submitted_review_keeps_its_assignment(scene):
    candidacy = scene.candidacy()
    distribute(scene.lead, scene.call, per_candidacy=2)
    score(scene.alice, candidacy, (3, 3, 3, 3), criteria=scene.criteria)
    with pytest.raises(NotAssignable):
        set_by_hand(scene, candidacy, scene.bruno)


def test_by_hand_needs_an_assigned_call(scene):
    with pytest.raises(ValidationFailed):
        set_by_hand(scene, scene.candidacy(), scene.alice)


def test_stop_assignment_goes_back_to_everyone_reviews_everything(scene):
    scene.candidacy()
    distribute(scene.lead, scene.call, per_candidacy=1)
    with unit_of_work() as session:
        assignment.stop_assignment(session, actor=scene.lead, call_id=scene.call)
    assert assigned(scene) == set()
    with read_only() as session:
        assert session.get(Call, scene.call).assigned_reviews is None
        assert session.scalars(select(AuditEntry.action).where(
            AuditEntry.action == "reviews_assignment_stopped")).all() == ["reviews_assignment_stopped"]


def test_distribute_gives_nothing_new_to_a_deactivated_reviewer(scene):
    from db.models import User

    candidacies = [scene.candidacy() for _ in range(4)]
    with unit_of_work() as session:
        session.get(User, scene.bruno.user_id).active = False
    distribute(scene.lead, scene.call, per_candidacy=1)
    pairs = assigned(scene)
    assert {r for _, r in pairs} == {scene.alice.user_id}
    assert {c for c, _ in pairs} == set(candidacies)


def test_distribute_gives_nothing_to_a_reviewer_named_while_her_invitation_was_pending(scene):
    from db.models import User

    candidacies = [scene.candidacy() for _ in range(4)]
    with unit_of_work() as session:  # named before pending invitees were refused
        session.get(User, scene.bruno.user_id).password_hash = None
    distribute(scene.lead, scene.call, per_candidacy=1)
    pairs = assigned(scene)
    assert {r for _, r in pairs} == {scene.alice.user_id}
    assert {c for c, _ in pairs} == set(candidacies)


def test_by_hand_a_reviewer_whose_invitation_is_pending_is_refused(scene):
    from db.models import User

    candidacy = scene.candidacy()
    with unit_of_work() as session:
        session.get(User, scene.bruno.user_id).password_hash = None  # named before pending invitees were refused
    distribute(scene.lead, scene.call, per_candidacy=1)
    with pytest.raises(NotAssignable) as refused:
        set_by_hand(scene, candidacy, scene.alice, scene.bruno)
    assert "n'a pas encore activé son compte" in refused.value.message
    assert assigned(scene) == {(candidacy, scene.alice.user_id)}
