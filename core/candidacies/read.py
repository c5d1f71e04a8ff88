"""Reading candidacies: one as its form shows it, a network's list, the status a network reads.

Its own network always sees a candidacy; the project lead any; a reviewer only what
core.review.rules shows her (submitted, of a call she reviews, no declared link).
A candidacy the actor may not see is reported as not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.candidacies.form import CANDIDACY_FIELDS, SNAPSHOT_FIELDS, CandidacyForm
from core.candidacies.rules import accepts_changes
from core.clock import utcnow
from core.errors import NotAllowed, NotFound
from core.permissions import Action, Actor, can, require
from core.review import rules as review_rules
from db.models import Call, Candidacy, Deliberation, Publication, Structure, Submission, User


def status_label(submission: Submission, published_decision: Deliberation | None) -> str:
    """What a network reads as its candidacy's status, wherever it is shown: the decision
    once published (never before), otherwise the submission status."""
    if submission == Submission.SUBMITTED and published_decision not in (None, Deliberation.PENDING):
        return published_decision.label
    return submission.label


@dataclass(frozen=True)
class CandidacyView:
    """One candidacy as the form shows it, with what the actor may still do."""

    id: int
    call_id: int
    version: int
    submission: Submission
    submitted_at: datetime | None
    withdrawal_reason: str | None
    network_name: str
    form: CandidacyForm
    editable: bool
    published_decision: Deliberation | None = None

    @property
    def status_label(self) -> str:
        return status_label(self.submission, self.published_decision)


def get(session: Session, *, actor: Actor, candidacy_id: int, now: datetime | None = None) -> CandidacyView:
    """A candidacy of the actor's network (any, for the lead; for a reviewer, one she is shown)."""
    candidacy = session.get(Candidacy, candidacy_id)
    if candidacy is None or not _may_view(session, actor, candidacy):
        raise NotFound("Candidature introuvable.")
    form = CandidacyForm(
        siret=candidacy.structure.siret,
        **{name: _text(getattr(candidacy, name)) for name in SNAPSHOT_FIELDS},
        sectors=list(candidacy.sectors or []),
        **{name: getattr(candidacy, name) if name.startswith("consent") else _text(getattr(candidacy, name))
           for name in CANDIDACY_FIELDS},
    )
    # A withdrawn candidacy stays editable: its network may submit it again before the deadline.
    editable = actor.network_id == candidacy.network_id and accepts_changes(candidacy.call, now or utcnow())
    return CandidacyView(
        id=candidacy.id, call_id=candidacy.call_id, version=candidacy.version, submission=candidacy.submission,
        submitted_at=candidacy.submitted_at, withdrawal_reason=candidacy.withdrawal_reason,
        network_name=candidacy.network.name, form=form, editable=editable,
        published_decision=candidacy.deliberation if candidacy.publication == Publication.PUBLISHED else None,
    )


def _may_view(session: Session, actor: Actor, candidacy: Candidacy) -> bool:
    """Its own network always; the lead any; a reviewer what the review rule shows her."""
    if actor.network_id is not None:
        return can(actor, Action.VIEW_CANDIDACY, network_id=candidacy.network_id) and (
            candidacy.network_id == actor.network_id
        )
    if can(actor, Action.MANAGE_CALLS):
        return True
    return can(actor, Action.VIEW_CANDIDACY) and review_rules.may_see(
        session, reviewer_id=actor.user_id, candidacy_id=candidacy.id)


def _text(value) -> str:
    if value is None:
        return ""
    return value.value if hasattr(value, "value") else str(value)


@dataclass(frozen=True)
class CandidacyRow:
    id: int
    call_id: int
    theme_title: str
    structure_name: str
    siret: str
    kind: str
    departement: str | None
    submission: Submission
    submitted_at: datetime | None
    updated_at: datetime
    created_by: str | None
    published_decision: Deliberation | None = None
    published_rank: int | None = None  # the waiting-list rank, once the decisions are published


    @property
    def status_label(self) -> str:
        return status_label(self.submission, self.published_decision)


def list_for_network(session: Session, *, actor: Actor, call_id: int | None = None) -> list[CandidacyRow]:
    """The actor's network's candidacies (optionally of one call), newest change first, one query."""
    require(actor, Action.VIEW_CANDIDACY, network_id=actor.network_id)
    if actor.network_id is None:
        raise NotAllowed()
    query = (
        select(Candidacy, Structure.siret, Call.theme_title, User.full_name)
        .join(Structure, Structure.id == Candidacy.structure_id)
        .join(Call, Call.id == Candidacy.call_id)
        .outerjoin(User, User.id == Candidacy.created_by_id)
        .where(Candidacy.network_id == actor.network_id)
        .order_by(Candidacy.updated_at.desc())
    )
    if call_id is not None:
        query = query.where(Candidacy.call_id == call_id)
    return [
        CandidacyRow(
            id=c.id, call_id=c.call_id, theme_title=theme, structure_name=c.name or "", siret=siret,
            kind=c.kind.value if c.kind else "", departement=c.departement, submission=c.submission,
            submitted_at=c.submitted_at, updated_at=c.updated_at, created_by=creator,
            published_decision=c.deliberation if c.publication == Publication.PUBLISHED else None,
            published_rank=c.waitlist_rank if c.publication == Publication.PUBLISHED else None,
        )
        for c, siret, theme, creator in session.execute(query)
    ]
