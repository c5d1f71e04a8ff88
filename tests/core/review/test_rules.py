"""The rule of what a reviewer reads, wherever she reads a candidacy (core.candidacies.read)."""

from datetime import UTC, datetime

import pytest

from core.candidacies import read
from core.errors import NotFound
from db.engine import read_only, unit_of_work
from db.models import Call, ReviewAssignment
from tests.core.review.builders import score


def assign(scene, candidacy, reviewer) -> None:
    with unit_of_work() as session:
        session.get(Call, scene.call).assigned_reviews = 1
        session.add(ReviewAssignment(candidacy_id=candidacy, reviewer_id=reviewer.user_id,
                                     assigned_at=datetime.now(UTC), assigned_by_id=scene.lead.user_id))


def reads(actor, candidacy) -> bool:
    with read_only() as session:
        try:
            return read.get(session, actor=actor, candidacy_id=candidacy).id == candidacy
        except NotFound:
            return False


def test_on_an_assigned_call_a_reviewer_reads_only_what_is_hers_to_review(scene):
    hers, other, begun = scene.candidacy(), scene.candidacy(), scene.candidacy()
    score(scene.alice, begun, (3, 3, 3, 3), criteria=scene.criteria)  # begun before the distribution
    assign(scene, hers, scene.alice)
    assert reads(scene.alice, hers) and reads(scene.alice, begun)
    assert not reads(scene.alice, other)
    assert reads(scene.lead, other)  # the lead reads every one


@pytest.mark.parametrize("assigned", [False, True])
def test_a_candidacy_given_to_another_is_read_only_on_a_call_without_assignment(scene, assigned):
    candidacy = scene.candidacy()
    if assigned:
        assign(scene, candidacy, scene.bruno)
    assert reads(scene.alice, candidacy) is not assigned
