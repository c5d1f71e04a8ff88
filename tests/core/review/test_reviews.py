"""The review write path: who may score what, the input's rules, versions, revisions,
abstentions, and the audit row each leaves."""

import pytest
from sqlalchemy import func, select

from core.errors import NotAllowed, StaleEdit, ValidationFailed
from core.review import reviews
from core.review.reviewers import declare_conflict
from core.review.reviews import AlreadySubmitted, ReviewInput, score_field
from core.review.rules import InConflict, NotAssigned, NotReviewable, NotReviewer, ReviewClosed
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, Call, CallState, Review, ReviewAssignment, ReviewState, Role, Score, Submission
from tests.core.review.builders import make_criteria, publish_decisions, score
from tests.factories import make_call, make_edition, make_user


def save(actor, candidacy_id, scores, *, submit=True, version=None, **comments):
    with unit_of_work() as session:
        return reviews.save_review(session, actor=actor, candidacy_id=candidacy_id, submit=submit,
                                   data=ReviewInput(scores=scores, **comments), expected_version=version)


def stored(candidacy_id, reviewer):
    with read_only() as session:
        review = session.scalar(select(Review).where(Review.candidacy_id == candidacy_id,
                                                     Review.reviewer_id == reviewer.user_id))
        if review is None:
            return None
        return review.state, {s.criterion_id: s.value for s in review.scores}, review.comment, review.version


def audit_actions():
    with read_only() as session:
        return list(session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "review")
                                    .order_by(AuditEntry.id)))


def nothing_written():
    with read_only() as session:
        return (session.scalar(select(func.count()).select_from(Review)),
                session.scalar(select(func.count()).select_from(Score)), audit_actions())


def all_four(scene, values=(4, 3, 5, 2)):
    return dict(zip(scene.criteria, values, strict=True))


def test_save_review_as_draft_keeps_partial_scores(scene):
    candidacy = scene.candidacy()
    saved = save(scene.alice, candidacy, {scene.criteria[0]: 4, scene.criteria[1]: None}, submit=False,
                 comment="À revoir")
    assert (saved.state, saved.version) == (ReviewState.DRAFT, 1)
    assert stored(candidacy, scene.alice) == (ReviewState.DRAFT, {scene.criteria[0]: 4}, "À revoir", 1)
    assert audit_actions() == ["review_saved"]


def test_submit_needs_every_criterion_and_writes_nothing_otherwise(scene):
    candidacy = scene.candidacy()
    with pytest.raises(ValidationFailed) as refused:
        save(scene.alice, candidacy, {scene.criteria[0]: 4})
    assert set(refused.value.errors) == {score_field(c) for c in scene.criteria[1:]}
    assert refused.value.errors[score_field(scene.criteria[3])] == (
        "Notez « Clarté de l'offre » pour soumettre l'évaluation.")
    assert nothing_written() == (0, 0, [])


@pytest.mark.parametrize("value", [0, 6, -1, True, "3", 3.5])
def test_a_score_outside_one_to_five_is_refused_in_french_and_nothing_is_written(scene, value):
    candidacy = scene.candidacy()
    with pytest.raises(ValidationFailed) as refused:
        save(scene.alice, candidacy, {**all_four(scene), scene.criteria[2]: value})
    assert refused.value.errors == {score_field(scene.criteria[2]): "Choisissez une note entière de 1 à 5."}
    assert nothing_written() == (0, 0, [])


def test_a_score_for_a_criterion_of_another_call_is_refused(scene):
    candidacy = scene.candidacy()
    [foreign] = make_criteria(make_call(make_edition()), weights=(1,))
    with pytest.raises(ValidationFailed) as refused:
        save(scene.alice, candidacy, {**all_four(scene), foreign: 4})
    assert refused.value.errors == {score_field(foreign): "Ce critère n'est pas un critère de cet appel."}
    assert nothing_written() == (0, 0, [])


def test_a_comment_too_long_is_refused_next_to_its_field(scene):
    with pytest.raises(ValidationFailed) as refused:
        save(scene.alice, scene.candidacy(), all_four(scene), shared_comment="x" * 5001)
    assert refused.value.errors["shared_comment"].startswith("5\u202f000 caractères au maximum")


def test_submit_then_revise_keeps_it_submitted_and_audits_each_revision(scene):
    candidacy = scene.candidacy()
    first = save(scene.alice, candidacy, all_four(scene))
    second = save(scene.alice, candidacy, all_four(scene, (5, 5, 5, 5)), version=first.version)
    assert (first.state, second.state, second.version) == (ReviewState.SUBMITTED, ReviewState.SUBMITTED, 2)
    assert audit_actions() == ["review_submitted", "review_revised"]
    with read_only() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "review_revised")).one()
    labels = ["Adéquation avec le thème", "Capacité à répondre aux marchés publics",
              "Impact sur l'insertion et l'emploi", "Clarté de l'offre"]
    assert entry.before["scores"] == [[label, v] for label, v in zip(labels, (4, 3, 5, 2), strict=True)]
    assert entry.after["scores"] == [[label, 5] for label in labels]
    assert (entry.object_type, entry.actor_id, entry.after["candidacy_id"]) == ("review", scene.alice.user_id,
                                                                                 candidacy)


def test_a_submitted_review_does_not_become_a_draft_again(scene):
    candidacy = scene.candidacy()
    first = save(scene.alice, candidacy, all_four(scene))
    with pytest.raises(AlreadySubmitted):
        save(scene.alice, candidacy, all_four(scene), submit=False, version=first.version)


def test_two_tabs_saving_the_same_review_the_stale_one_is_refused_not_lost(scene):
    candidacy = scene.candidacy()
    draft = save(scene.alice, candidacy, {scene.criteria[0]: 2}, submit=False)
    save(scene.alice, candidacy, all_four(scene), version=draft.version)  # tab 1
    with pytest.raises(StaleEdit):
        save(scene.alice, candidacy, all_four(scene, (1, 1, 1, 1)), version=draft.version)  # tab 2, opened before
    assert stored(candidacy, scene.alice)[:2] == (ReviewState.SUBMITTED, all_four(scene))


def test_a_tab_opened_before_the_first_save_is_stale_once_another_tab_created_the_review(scene):
    candidacy = scene.candidacy()
    save(scene.alice, candidacy, {scene.criteria[0]: 2}, submit=False)
    with pytest.raises(StaleEdit):
        save(scene.alice, candidacy, all_four(scene), version=None)


def test_reviewer_not_named_for_the_call_cannot_score(scene):
    outsider = make_user(Role.EVALUATEUR)
    with pytest.raises(NotReviewer):
        save(outsider, scene.candidacy(), all_four(scene))


def test_lead_must_name_herself_to_score(scene):
    candidacy = scene.candidacy()
    with pytest.raises(NotReviewer):
        save(scene.lead, candidacy, all_four(scene))


@pytest.mark.parametrize("role", [Role.RESEAU, Role.ADMIN])
def test_networks_and_admins_never_score(scene, role):
    with pytest.raises(NotAllowed):
        save(make_user(role), scene.candidacy(), all_four(scene))


@pytest.mark.parametrize("link", ["network", "siret"])
def test_a_reviewer_in_conflict_cannot_score(scene, link):
    siret = "73282932000074"
    candidacy = scene.candidacy(siret=siret)
    with unit_of_work() as session:
        declare_conflict(session, actor=scene.alice, **({"network_id": scene.network} if link == "network"
                                                        else {"siret": "732 829 320 00074"}))
    with pytest.raises(InConflict):
        save(scene.alice, candidacy, all_four(scene))
    save(scene.bruno, candidacy, all_four(scene))  # the other reviewer is not concerned


@pytest.mark.parametrize("submission", [Submission.DRAFT, Submission.WITHDRAWN])
def test_a_draft_or_withdrawn_candidacy_cannot_be_scored(scene, submission):
    with pytest.raises(NotReviewable):
        save(scene.alice, scene.candidacy(submission=submission), all_four(scene))
    assert nothing_written() == (0, 0, [])


def test_a_draft_call_cannot_be_scored(scene):
    with unit_of_work() as session:
        session.get(Call, scene.call).state = CallState.DRAFT
    with pytest.raises(NotReviewer):
        save(scene.alice, scene.candidacy(), all_four(scene))


def test_reviews_close_when_the_decisions_are_published(scene):
    candidacy = scene.candidacy()
    first = save(scene.alice, candidacy, all_four(scene))
    publish_decisions(scene.call)
    with pytest.raises(ReviewClosed):
        save(scene.alice, candidacy, all_four(scene, (1, 1, 1, 1)), version=first.version)
    with pytest.raises(ReviewClosed), unit_of_work() as session:
        reviews.abstain(session, actor=scene.bruno, candidacy_id=candidacy, reason="Lien", expected_version=None)


def test_on_an_assigned_call_only_assigned_candidacies_are_scored(scene):
    mine, other = scene.candidacy(), scene.candidacy()
    with unit_of_work() as session:
        session.get(Call, scene.call).assigned_reviews = 1
        session.add(ReviewAssignment(candidacy_id=mine, reviewer_id=scene.alice.user_id))
    save(scene.alice, mine, all_four(scene))
    with pytest.raises(NotAssigned):
        save(scene.alice, other, all_four(scene))


def test_abstention_needs_a_reason_then_drops_the_scores_and_is_audited(scene):
    candidacy = scene.candidacy()
    draft = save(scene.alice, candidacy, all_four(scene), submit=False)
    with pytest.raises(ValidationFailed) as refused, unit_of_work() as session:
        reviews.abstain(session, actor=scene.alice, candidacy_id=candidacy, reason="  ",
                        expected_version=draft.version)
    assert refused.value.errors == {"reason": "Le champ « Raison de l'abstention » est obligatoire."}
    with unit_of_work() as session:
        abstained = reviews.abstain(session, actor=scene.alice, candidacy_id=candidacy,
                                    reason="J'ai travaillé pour cette structure.", expected_version=draft.version)
    assert stored(candidacy, scene.alice)[:2] == (ReviewState.ABSTAINED, {})
    again = save(scene.alice, candidacy, all_four(scene), version=abstained.version)
    assert again.state == ReviewState.SUBMITTED
    assert audit_actions() == ["review_saved", "review_abstained", "review_submitted"]


def test_score_helper_returns_the_new_version(scene):
    candidacy = scene.candidacy()
    assert score(scene.alice, candidacy, (1, 2, 3, 4), criteria=scene.criteria, submit=False) == 1
    assert score(scene.alice, candidacy, (1, 2, 3, 4), criteria=scene.criteria, version=1) == 2
