"""The review form's write path: save a draft, submit, revise, abstain.

Every function checks, in this order: the actor's right to review, the candidacy, that
she is named for its call, that she declared no link with its network or structure,
that it is submitted, that the call's decisions are not published, that she is assigned
to it (calls whose reviews are assigned), then the version she opened. Then the input,
all fields at once (ValidationFailed, nothing written). Each save leaves an audit row
with the review before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.clock import utcnow
from core.errors import DomainError, NotFound, StaleEdit, ValidationFailed, clean_fields
from core.permissions import Action, Actor, require
from core.review.rules import (
    InConflict,
    NotAssigned,
    NotReviewable,
    NotReviewer,
    ReviewClosed,
    in_conflict,
    is_named,
    review_closed,
)
from core.validation import FieldError, clean_text
from db.models import (
    Call,
    CallState,
    Candidacy,
    Criterion,
    Review,
    ReviewAssignment,
    ReviewState,
    Score,
    Submission,
)

LOWEST, HIGHEST = 1, 5
COMMENT_LIMIT = 5000
REASON_LIMIT = 1000


class AlreadySubmitted(DomainError):
    message = ("Cette évaluation est déjà soumise : elle ne redevient pas un brouillon. "
               "Modifiez-la et soumettez-la à nouveau.")


class StaleReview(StaleEdit):
    # Only she writes her review: the other save came from another tab or window of hers.
    message = ("Cette évaluation a été enregistrée entre-temps depuis un autre onglet ou une autre fenêtre. "
               "Vos modifications n'ont pas été enregistrées : chargez la version enregistrée pour la voir.")


def score_field(criterion_id: int) -> str:
    """The field name of a criterion's score in ValidationFailed.errors."""
    return f"score:{criterion_id}"


@dataclass(frozen=True)
class ReviewInput:
    """What the form holds: a score per criterion id (None: not scored yet) and two comments."""

    scores: Mapping[int, int | None] = field(default_factory=dict)
    comment: str = ""  # for the lead only, never shown to the network
    shared_comment: str = ""  # may later be shared with the structure


@dataclass(frozen=True)
class Saved:
    review_id: int
    version: int
    state: ReviewState


COMMENT_CHECKS = {
    "comment": partial(clean_text, label="Commentaire pour la cheffe de projet", required=False,
                       max_length=COMMENT_LIMIT, multiline=True),
    "shared_comment": partial(clean_text, label="Commentaire pour la structure", required=False,
                              max_length=COMMENT_LIMIT, multiline=True),
}


# ---------------------------------------------------------------- the checks


@dataclass(frozen=True)
class Target:
    candidacy: Candidacy
    call: Call
    review: Review | None


def _target(session: Session, actor: Actor, candidacy_id: int) -> Target:
    """The candidacy the actor may review now, with her review (locked), or the rule refused."""
    require(actor, Action.REVIEW)
    candidacy = session.get(Candidacy, candidacy_id)
    if candidacy is None:
        raise NotFound("Candidature introuvable.")
    # Read FOR SHARE: the publication of the decisions (FOR UPDATE) waits for this save, or
    # this save waits for it and then finds the review closed (PostgreSQL; SQLite serialises).
    call = session.get(Call, candidacy.call_id, with_for_update={"read": True})
    if call.state == CallState.DRAFT or not is_named(session, call_id=call.id, reviewer_id=actor.user_id):
        raise NotReviewer()
    if in_conflict(session, reviewer_id=actor.user_id, candidacy_id=candidacy.id):
        raise InConflict()
    if candidacy.submission != Submission.SUBMITTED:
        raise NotReviewable()
    if review_closed(call):
        raise ReviewClosed()
    review = session.scalar(
        select(Review).where(Review.candidacy_id == candidacy.id, Review.reviewer_id == actor.user_id)
        .with_for_update()
    )
    if call.assigned_reviews is not None and review is None and session.get(
            ReviewAssignment, (candidacy.id, actor.user_id)) is None:
        raise NotAssigned()
    return Target(candidacy, call, review)


def _check_version(review: Review | None, expected_version: int | None) -> None:
    """None means « no review yet »: another tab that created one meanwhile makes this stale."""
    if (review.version if review is not None else None) != expected_version:
        raise StaleReview()


# ---------------------------------------------------------------- the input


def _clean(session: Session, call: Call, data: ReviewInput, *, submit: bool) -> tuple[dict[int, int], dict]:
    """(scores by criterion id, comments), or ValidationFailed with every field's message."""
    comments, errors = clean_fields(COMMENT_CHECKS, vars(data))
    criteria = {c.id: c for c in session.scalars(select(Criterion).where(Criterion.call_id == call.id))}
    scores: dict[int, int] = {}
    for criterion_id, value in data.scores.items():
        if criterion_id not in criteria:
            errors[score_field(criterion_id)] = "Ce critère n'est pas un critère de cet appel."
        elif value is None:
            continue
        elif isinstance(value, bool) or not isinstance(value, int) or not LOWEST <= value <= HIGHEST:
            errors[score_field(criterion_id)] = f"Choisissez une note entière de {LOWEST} à {HIGHEST}."
        else:
            scores[criterion_id] = value
    if submit:
        for criterion_id, criterion in criteria.items():
            if criterion_id not in scores and score_field(criterion_id) not in errors:
                errors[score_field(criterion_id)] = f"Notez « {criterion.label} » pour soumettre l'évaluation."
    if errors:
        raise ValidationFailed(errors)
    return scores, comments


# ---------------------------------------------------------------- audit


AUDITED = ("comment", "shared_comment", "abstention_reason")


def _state(review: Review, labels: Mapping[int, str]) -> dict:
    """A review as its audit row records it: candidacy, state, comments, scores by criterion."""
    state = {"candidacy_id": review.candidacy_id, "review_state": review.state.value,
             **audit.snapshot(review, list(AUDITED))}
    state["scores"] = [[labels.get(s.criterion_id, str(s.criterion_id)), s.value]
                       for s in sorted(review.scores, key=lambda s: s.criterion_id)]
    return state


def _labels(session: Session, call_id: int) -> dict[int, str]:
    return dict(session.execute(select(Criterion.id, Criterion.label).where(Criterion.call_id == call_id)).all())


def _record(session: Session, actor: Actor, review: Review, before: dict | None, labels: Mapping[int, str], *,
            action: str) -> None:
    audit.record(session, actor=actor, action=action, object_type="review", object_id=review.id,
                 before=before, after=_state(review, labels), detail=f"Candidature n° {review.candidacy_id}")


def _flush(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as error:  # the same review created at the same instant in another tab
        raise StaleReview() from error


# ---------------------------------------------------------------- the use cases


def save_review(session: Session, *, actor: Actor, candidacy_id: int, data: ReviewInput, submit: bool,
                expected_version: int | None, now: datetime | None = None) -> Saved:
    """Save the actor's review of a candidacy as a draft, or submit it (every criterion scored).

    A submitted review stays submitted: saving it again is a revision (AlreadySubmitted if
    asked to become a draft). An abstention saved again is a review again. Refuses what the
    module's checks refuse, a stale version (StaleReview), a score outside 1–5 or for a
    criterion of another call (ValidationFailed, nothing written). Side effects: the scores
    replaced, version + 1, one audit row (review_saved, review_submitted or review_revised).
    """
    now = now or utcnow()
    target = _target(session, actor, candidacy_id)
    review = target.review
    _check_version(review, expected_version)
    if review is not None and review.state == ReviewState.SUBMITTED and not submit:
        raise AlreadySubmitted()
    scores, comments = _clean(session, target.call, data, submit=submit)
    labels = _labels(session, target.call.id)
    before = _state(review, labels) if review is not None else None
    was_submitted = review is not None and review.state == ReviewState.SUBMITTED
    if review is None:
        review = Review(candidacy_id=candidacy_id, reviewer_id=actor.user_id, version=0, created_at=now)
        session.add(review)
    review.state = ReviewState.SUBMITTED if submit else ReviewState.DRAFT
    review.comment, review.shared_comment = comments["comment"], comments["shared_comment"]
    review.abstention_reason = None
    if submit:
        review.submitted_at = now
    _replace_scores(session, review, scores)
    review.version += 1
    review.updated_at = now
    _flush(session)
    action = "review_revised" if was_submitted else ("review_submitted" if submit else "review_saved")
    _record(session, actor, review, before, labels, action=action)
    return Saved(review.id, review.version, review.state)


def _replace_scores(session: Session, review: Review, scores: Mapping[int, int]) -> None:
    kept = {s.criterion_id: s for s in review.scores}
    for criterion_id, score in kept.items():
        if criterion_id not in scores:
            review.scores.remove(score)
    for criterion_id, value in scores.items():
        if criterion_id in kept:
            kept[criterion_id].value = value
        else:
            review.scores.append(Score(criterion_id=criterion_id, value=value))


def abstain(session: Session, *, actor: Actor, candidacy_id: int, reason: str, expected_version: int | None,
            now: datetime | None = None) -> Saved:
    """Abstain on a candidacy, with a reason (required, 1,000 characters at most): the review
    keeps no scores, is neither expected of her nor counted. Same checks as save_review; a
    submitted review can be withdrawn this way too. Side effect: an audit row (review_abstained)."""
    now = now or utcnow()
    target = _target(session, actor, candidacy_id)
    review = target.review
    _check_version(review, expected_version)
    try:
        cleaned = clean_text(reason, label="Raison de l'abstention", required=True, max_length=REASON_LIMIT,
                             multiline=True)
    except FieldError as error:
        raise ValidationFailed({"reason": error.message}) from error
    labels = _labels(session, target.call.id)
    before = _state(review, labels) if review is not None else None
    if review is None:
        review = Review(candidacy_id=candidacy_id, reviewer_id=actor.user_id, version=0, created_at=now)
        session.add(review)
    review.state, review.abstention_reason = ReviewState.ABSTAINED, cleaned
    review.scores = []
    review.version += 1
    review.updated_at = now
    _flush(session)
    _record(session, actor, review, before, labels, action="review_abstained")
    return Saved(review.id, review.version, review.state)
