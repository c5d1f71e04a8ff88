"""The rules every review path checks, whatever calls it (page, manage.py, test), and the
errors named for them."""

from __future__ import annotations

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from core.errors import DomainError, NotAllowed
from db.models import (
    Call,
    CallReviewer,
    CallState,
    Candidacy,
    Review,
    ReviewAssignment,
    ReviewerConflict,
    Structure,
    Submission,
)


class NotReviewer(NotAllowed):
    message = "Vous n'êtes pas évaluateur de cet appel."


class InConflict(DomainError):
    message = ("Vous avez déclaré un lien avec le réseau ou la structure de cette candidature : "
               "vous ne pouvez pas l'évaluer.")


class NotReviewable(DomainError):
    message = "Cette candidature n'est pas (ou plus) déposée : elle ne peut pas être évaluée."


class NotAssigned(DomainError):
    message = "Cette candidature ne vous est pas attribuée : la cheffe de projet répartit les évaluations de cet appel."


class ReviewClosed(DomainError):
    message = "Les décisions de cet appel sont publiées : les évaluations ne peuvent plus changer."


def review_closed(call: Call) -> bool:
    """Reviews are revised until the call's decisions are published, not after."""
    return call.decisions_published_at is not None


def is_named(session: Session, *, call_id: int, reviewer_id: int | None) -> bool:
    return reviewer_id is not None and session.scalar(
        select(CallReviewer.call_id).where(CallReviewer.call_id == call_id, CallReviewer.reviewer_id == reviewer_id)
    ) is not None


def conflicted(reviewer_id):
    """SQL condition: the reviewer declared a link with the candidacy's network or structure
    (a query using it joins Candidacy and Structure). A link declared after the call's
    decisions were published does not apply to that call: its figures are final."""
    its_call = aliased(Call)
    published = (select(its_call.decisions_published_at).where(its_call.id == Candidacy.call_id)
                 .correlate(Candidacy).scalar_subquery())
    return exists().where(
        ReviewerConflict.reviewer_id == reviewer_id,
        or_(ReviewerConflict.network_id == Candidacy.network_id, ReviewerConflict.siret == Structure.siret),
        or_(published.is_(None), ReviewerConflict.declared_at <= published),
    )


def in_conflict(session: Session, *, reviewer_id: int, candidacy_id: int) -> bool:
    return session.scalar(
        select(Candidacy.id).join(Structure, Structure.id == Candidacy.structure_id)
        .where(and_(Candidacy.id == candidacy_id, conflicted(reviewer_id)))
    ) is not None


def reviews_call(reviewer_id):
    """SQL condition on Call: a published (non-draft) call the reviewer is named for."""
    return and_(Call.state != CallState.DRAFT, exists().where(
        CallReviewer.call_id == Call.id, CallReviewer.reviewer_id == reviewer_id))


def hers_to_review(reviewer_id):
    """SQL condition on Candidacy joined to Call: every candidacy of a call whose reviews are
    not assigned; on an assigned call, one assigned to her or whose review she began (as
    core.review.coverage.pairs counts them)."""
    return or_(
        Call.assigned_reviews.is_(None),
        exists().where(ReviewAssignment.candidacy_id == Candidacy.id, ReviewAssignment.reviewer_id == reviewer_id),
        exists().where(Review.candidacy_id == Candidacy.id, Review.reviewer_id == reviewer_id),
    )


def may_see(session: Session, *, reviewer_id: int, candidacy_id: int) -> bool:
    """What a reviewer is shown, wherever she reads a candidacy: a submitted one, of a call she
    reviews, hers to review when the call's reviews are assigned, with no declared link with
    its network or structure."""
    return session.scalar(
        select(Candidacy.id).join(Structure, Structure.id == Candidacy.structure_id)
        .join(Call, Call.id == Candidacy.call_id)
        .where(Candidacy.id == candidacy_id, Candidacy.submission == Submission.SUBMITTED,
               reviews_call(reviewer_id), hers_to_review(reviewer_id), ~conflicted(reviewer_id))
    ) is not None
