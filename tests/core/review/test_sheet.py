"""What a reviewer reads: her calls and progress, her list, the next candidacy, and the
review sheet where the others' reviews appear only once she has submitted hers."""

import pytest

from core.errors import NotFound
from core.review import coverage, sheet
from core.review.reviewers import declare_conflict
from core.review.rules import NotAssigned, NotReviewer
from db.engine import read_only, unit_of_work
from db.models import Call, CallReviewer, CallState, Candidacy, ReviewAssignment, ReviewState, Role, Submission
from tests.core.review.builders import name_reviewers, score
from tests.factories import make_call, make_edition, make_user


def my_queue(scene, actor):
    with read_only() as session:
        return sheet.queue(session, actor=actor, call_id=scene.call)


def next_for(actor, queue, after=None):
    with read_only() as session:
        return sheet.next_candidacy(session, actor=actor, queue=queue, after=after)


def read_sheet(actor, candidacy):
    with read_only() as session:
        return sheet.sheet(session, actor=actor, candidacy_id=candidacy)


def test_my_calls_lists_only_the_published_calls_she_reviews_with_her_progress(scene):
    first, second = scene.candidacy(), scene.candidacy()
    score(scene.alice, first, (3, 3, 3, 3), criteria=scene.criteria)
    draft_call = make_call(make_edition(), state=CallState.DRAFT)
    name_reviewers(draft_call, scene.alice)
    make_call(make_edition())  # not hers
    with read_only() as session:
        calls = sheet.my_calls(session, actor=scene.alice)
    assert [(c.call_id, c.done, c.expected, c.progress) for c in calls] == [(scene.call, 1, 2, "1 / 2 évaluée")]
    assert second


def test_progress_label_reads_like_the_issue():
    assert sheet.progress_label(12, 40) == "12 / 40 évaluées"
    assert sheet.progress_label(0, 3) == "0 / 3 évaluée"


def test_queue_hides_conflicts_drafts_and_withdrawn(scene):
    shown = scene.candidacy()
    scene.candidacy(network=scene.other_network)
    scene.candidacy(submission=Submission.DRAFT)
    scene.candidacy(submission=Submission.WITHDRAWN)
    with unit_of_work() as session:
        declare_conflict(session, actor=scene.alice, network_id=scene.other_network)
    assert [i.candidacy_id for i in my_queue(scene, scene.alice).items] == [shown]
    assert len(my_queue(scene, scene.bruno).items) == 2


def test_next_is_one_she_has_not_reviewed_with_the_fewest_reviews_first(scene):
    a, b, c = scene.candidacy(), scene.candidacy(), scene.candidacy()
    carla = make_user(Role.EVALUATEUR)
    name_reviewers(scene.call, carla)
    score(scene.bruno, a, (3, 3, 3, 3), criteria=scene.criteria)
    score(carla, a, (3, 3, 3, 3), criteria=scene.criteria)
    score(scene.bruno, b, (3, 3, 3, 3), criteria=scene.criteria)
    queue = my_queue(scene, scene.alice)
    assert next_for(scene.alice, queue) == c  # no review yet
    assert next_for(scene.alice, queue, after=c) == b  # one review, before a's two
    score(scene.alice, c, (3, 3, 3, 3), criteria=scene.criteria)
    score(scene.alice, b, (3, 3, 3, 3), criteria=scene.criteria, submit=False)  # a draft is not done
    queue = my_queue(scene, scene.alice)
    assert next_for(scene.alice, queue) == b
    assert (queue.done, queue.expected, queue.progress) == (1, 3, "1 / 3 évaluée")


def test_next_counts_only_the_reviews_the_board_counts(scene):
    """Fewest reviews as the board counts them: not a draft, nor the review of someone who
    declared a link afterwards, nor of someone no longer named."""
    linked, drafted, reviewed = scene.candidacy(), scene.candidacy(), scene.candidacy()
    carla, dora = make_user(Role.EVALUATEUR), make_user(Role.EVALUATEUR)
    name_reviewers(scene.call, carla, dora)
    score(scene.bruno, linked, (3, 3, 3, 3), criteria=scene.criteria)
    score(scene.bruno, drafted, (3, 3, 3, 3), criteria=scene.criteria, submit=False)
    score(carla, reviewed, (3, 3, 3, 3), criteria=scene.criteria)
    score(dora, drafted, (3, 3, 3, 3), criteria=scene.criteria)
    with unit_of_work() as session:
        declare_conflict(session, actor=scene.bruno, siret=scene_siret(linked))
        session.execute(CallReviewer.__table__.delete().where(CallReviewer.reviewer_id == dora.user_id))
    with read_only() as session:
        counts = coverage.done_counts(session, scene.call)
    assert counts == {reviewed: 1}
    assert next_for(scene.alice, my_queue(scene, scene.alice), after=linked) == drafted


def scene_siret(candidacy_id):
    with read_only() as session:
        return session.get(Candidacy, candidacy_id).structure.siret


def test_on_an_assigned_call_her_list_holds_only_her_candidacies(scene):
    mine, other = scene.candidacy(), scene.candidacy()
    with unit_of_work() as session:
        session.get(Call, scene.call).assigned_reviews = 1
        session.add(ReviewAssignment(candidacy_id=mine, reviewer_id=scene.alice.user_id))
    assert [i.candidacy_id for i in my_queue(scene, scene.alice).items] == [mine]
    with pytest.raises(NotAssigned):
        read_sheet(scene.alice, other)


def test_queue_of_a_call_she_does_not_review_is_refused(scene):
    with pytest.raises(NotReviewer):
        my_queue(scene, make_user(Role.EVALUATEUR))


def test_others_reviews_appear_only_after_she_submits_hers(scene):
    candidacy = scene.candidacy()
    score(scene.bruno, candidacy, (5, 5, 5, 5), criteria=scene.criteria, comment="Excellent")
    before = read_sheet(scene.alice, candidacy)
    assert before.mine is None and before.others is None
    version = score(scene.alice, candidacy, (2, 2, 2, 2), criteria=scene.criteria, submit=False)
    assert read_sheet(scene.alice, candidacy).others is None  # a draft is not enough
    score(scene.alice, candidacy, (2, 2, 2, 2), criteria=scene.criteria, version=version)
    after = read_sheet(scene.alice, candidacy)
    assert after.mine.state == ReviewState.SUBMITTED and after.mine.version == 2
    assert [(o.reviewer_id, o.scores[scene.criteria[0]], o.comment) for o in after.others] == [
        (scene.bruno.user_id, 5, "Excellent")]


def test_the_lead_reviewing_sees_the_others_at_once(scene):
    candidacy = scene.candidacy()
    name_reviewers(scene.call, scene.lead)
    score(scene.bruno, candidacy, (5, 5, 5, 5), criteria=scene.criteria)
    assert [o.reviewer_id for o in read_sheet(scene.lead, candidacy).others] == [scene.bruno.user_id]


def test_sheet_shows_the_whole_candidacy_and_the_criteria(scene):
    candidacy = scene.candidacy(name="Bâti'Insert 95", siret="73282932000074")
    found = read_sheet(scene.alice, candidacy)
    assert (found.facts.name, found.facts.siret, found.facts.pitch_summary) == (
        "Bâti'Insert 95", "73282932000074", "Résumé de l'offre.")
    assert found.facts.network and found.facts.sectors == ["Bâtiment et travaux publics"]
    assert [c.weight for c in found.criteria] == [3, 2, 2, 1]
    assert found.editable


@pytest.mark.parametrize("submission", [Submission.DRAFT, Submission.WITHDRAWN])
def test_sheet_of_a_draft_or_withdrawn_candidacy_is_not_found(scene, submission):
    with pytest.raises(NotFound):
        read_sheet(scene.alice, scene.candidacy(submission=submission))


def test_sheet_of_a_candidacy_she_is_in_conflict_with_is_not_found(scene):
    candidacy = scene.candidacy(siret="73282932000074")
    with unit_of_work() as session:
        declare_conflict(session, actor=scene.alice, siret="73282932000074")
    with pytest.raises(NotFound):
        read_sheet(scene.alice, candidacy)


@pytest.mark.parametrize("role", [Role.RESEAU, Role.ADMIN])
def test_networks_and_admins_read_no_review_sheet_list_or_call(scene, role):
    from core.errors import NotAllowed

    candidacy = scene.candidacy()
    score(scene.alice, candidacy, (4, 4, 4, 4), criteria=scene.criteria, comment="Privé")
    someone = make_user(role, network_id=scene.network if role == Role.RESEAU else None)
    with read_only() as session:
        for read_it in (lambda: sheet.sheet(session, actor=someone, candidacy_id=candidacy),
                        lambda: sheet.queue(session, actor=someone, call_id=scene.call),
                        lambda: sheet.my_calls(session, actor=someone)):
            with pytest.raises(NotAllowed):
                read_it()
