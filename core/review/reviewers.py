"""Who reviews: the reviewers the lead names for a call, and the links with networks and
structures (SIRET) that reviewers declare, which keep them away from those candidacies in
every call (never shown, assigned or counted)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.clock import utcnow
from core.errors import NotFound, ValidationFailed
from core.permissions import Action, Actor, require
from core.review.rules import conflicted
from core.validation import FieldError, clean_siret, clean_text
from db.models import (
    Call,
    CallReviewer,
    Candidacy,
    Network,
    Review,
    ReviewAssignment,
    ReviewerConflict,
    ReviewState,
    Role,
    Structure,
    User,
)

REVIEWER_ROLES = (Role.EVALUATEUR, Role.PILOTE)
REASON_LIMIT = 1000


@dataclass(frozen=True)
class Person:
    id: int
    full_name: str
    email: str
    role: Role

    @property
    def label(self) -> str:
        return f"{self.full_name} ({self.email})"


def _people(session: Session, query) -> list[Person]:
    return [Person(*row) for row in session.execute(query)]


def candidates(session: Session, *, actor: Actor) -> list[Person]:
    """The accounts the lead may name as reviewers: active, activated évaluateurs and leads, by name."""
    require(actor, Action.MANAGE_REVIEWERS)
    return _people(session, select(User.id, User.full_name, User.email, User.role)
                   .where(User.active.is_(True), User.password_hash.is_not(None), User.role.in_(REVIEWER_ROLES))
                   .order_by(User.full_name, User.id))


def reviewers_of(session: Session, *, actor: Actor, call_id: int) -> list[Person]:
    """The call's named reviewers, by name."""
    require(actor, Action.MANAGE_REVIEWERS)
    return _people(session, select(User.id, User.full_name, User.email, User.role)
                   .join(CallReviewer, CallReviewer.reviewer_id == User.id)
                   .where(CallReviewer.call_id == call_id).order_by(User.full_name, User.id))


def set_reviewers(session: Session, *, actor: Actor, call_id: int, reviewer_ids: Collection[int],
                  now: datetime | None = None) -> None:
    """Name exactly these reviewers for the call.

    Refuses an account that is not an active évaluateur or lead, an invitee who has not
    activated her account yet, and removing a reviewer
    who has submitted reviews of the call (her work would vanish from the board): both
    ValidationFailed under « reviewers », nothing written. A removed reviewer loses her
    assignments of the call. Side effect: one audit row (call_reviewers_updated).
    """
    require(actor, Action.MANAGE_REVIEWERS)
    call = session.get(Call, call_id, with_for_update=True)
    if call is None:
        raise NotFound("Appel introuvable.")
    wanted = set(reviewer_ids)
    current = dict(session.execute(select(User.id, User.full_name)
                                   .join(CallReviewer, CallReviewer.reviewer_id == User.id)
                                   .where(CallReviewer.call_id == call_id)).all())
    # Only newcomers are checked: a reviewer deactivated since she was named keeps her place
    # (and her reviews) without blocking every other change to the list.
    allowed = dict(session.execute(select(User.id, User.full_name).where(
        User.id.in_(wanted - set(current)), User.active.is_(True), User.role.in_(REVIEWER_ROLES))).all())
    if set(allowed) != wanted - set(current):
        raise ValidationFailed({"reviewers": "Seuls des comptes actifs d'évaluateur ou de cheffe de projet "
                                             "peuvent évaluer un appel."})
    # An invitee who never chose her password may never come: candidacies given to her would
    # wait for nobody. She is named once her account is activated.
    pending = sorted(session.scalars(select(User.full_name).where(User.id.in_(allowed),
                                                                  User.password_hash.is_(None))))
    if pending:
        raise ValidationFailed({"reviewers": f"{', '.join(pending)} n'a pas encore activé son compte (invitation "
                                             "en attente) : vous pourrez la nommer une fois son mot de passe choisi."})
    removed = set(current) - wanted
    busy = dict(session.execute(
        select(Review.reviewer_id, func.count()).join(Candidacy, Candidacy.id == Review.candidacy_id)
        .where(Candidacy.call_id == call_id, Review.reviewer_id.in_(removed), Review.state == ReviewState.SUBMITTED)
        .group_by(Review.reviewer_id)).all()) if removed else {}
    if busy:
        names = ", ".join(sorted(f"{current[i]} ({n} évaluation{'s' if n > 1 else ''})" for i, n in busy.items()))
        raise ValidationFailed({"reviewers": f"Ces personnes ont déjà soumis des évaluations de cet appel et "
                                             f"restent évaluatrices : {names}."})
    added = wanted - set(current)
    if removed:
        session.execute(delete(CallReviewer).where(CallReviewer.call_id == call_id,
                                                   CallReviewer.reviewer_id.in_(removed)))
        session.execute(delete(ReviewAssignment).where(
            ReviewAssignment.reviewer_id.in_(removed),
            ReviewAssignment.candidacy_id.in_(select(Candidacy.id).where(Candidacy.call_id == call_id))))
    if added:
        at = now or utcnow()
        session.execute(insert(CallReviewer), [{"call_id": call_id, "reviewer_id": i, "named_at": at,
                                                "named_by_id": actor.user_id} for i in sorted(added)])
    if added or removed:
        audit.record(session, actor=actor, action="call_reviewers_updated", object_type="call", object_id=call_id,
                     before={"reviewers": sorted(current.values())},
                     after={"reviewers": sorted({**current, **allowed}[i] for i in wanted)})


# ---------------------------------------------------------------- conflicts of interest


@dataclass(frozen=True)
class Conflict:
    id: int
    reviewer_id: int
    reviewer: str
    network_id: int | None
    siret: str | None
    link: str  # « Réseau Urtie », « Structure Bâti'Insert 95 (SIRET 73282932000074) »
    reason: str | None
    declared_at: datetime


def _conflicts(session: Session, query) -> list[Conflict]:
    rows = session.execute(
        query.add_columns(User.full_name, Network.name)
        .join(User, User.id == ReviewerConflict.reviewer_id)
        .outerjoin(Network, Network.id == ReviewerConflict.network_id)
        .order_by(User.full_name, ReviewerConflict.declared_at, ReviewerConflict.id)
    ).all()
    sirets = {row[0].siret for row in rows if row[0].siret}
    names = dict(session.execute(select(Structure.siret, Structure.name).where(Structure.siret.in_(sirets))).all()
                 ) if sirets else {}
    return [Conflict(id=c.id, reviewer_id=c.reviewer_id, reviewer=reviewer, network_id=c.network_id, siret=c.siret,
                     link=_link(network, c.siret, names.get(c.siret)), reason=c.reason, declared_at=c.declared_at)
            for c, reviewer, network in rows]


def _link(network: str | None, siret: str | None, structure: str | None) -> str:
    if network is not None:
        return f"Réseau {network}"
    return f"Structure {structure} (SIRET {siret})" if structure else f"Structure SIRET {siret}"


def my_conflicts(session: Session, *, actor: Actor) -> list[Conflict]:
    require(actor, Action.DECLARE_CONFLICT)
    return _conflicts(session, select(ReviewerConflict).where(ReviewerConflict.reviewer_id == actor.user_id))


def call_conflicts(session: Session, *, actor: Actor, call_id: int) -> list[Conflict]:
    """The links declared by the call's reviewers (the lead sees them all)."""
    require(actor, Action.MANAGE_REVIEWERS)
    return _conflicts(session, select(ReviewerConflict).join(
        CallReviewer, CallReviewer.reviewer_id == ReviewerConflict.reviewer_id).where(CallReviewer.call_id == call_id))


def network_choices(session: Session, *, actor: Actor) -> dict[int, str]:
    """The networks a reviewer may declare a link with (active ones), id → name, by name."""
    require(actor, Action.DECLARE_CONFLICT)
    return dict(session.execute(select(Network.id, Network.name).where(Network.active.is_(True))
                                .order_by(Network.name)).all())


def declare_conflict(session: Session, *, actor: Actor, network_id: int | None = None, siret: str | None = None,
                     reason: str = "", now: datetime | None = None) -> int:
    """Declare a link of the actor with one network or one structure (SIRET, checked).

    From then on she is never shown, assigned or counted for their candidacies; her
    assignments to them are dropped, except on calls whose decisions are published.
    Refuses: both or neither given, an unknown network, a wrong SIRET, a link already
    declared (ValidationFailed). Side effect: one audit row (conflict_declared).
    """
    require(actor, Action.DECLARE_CONFLICT)
    errors: dict[str, str] = {}
    if (network_id is None) == (not (siret or "").strip()):
        errors["link"] = "Choisissez un réseau, ou indiquez le SIRET d'une structure (l'un ou l'autre)."
    if network_id is not None and session.get(Network, network_id) is None:
        errors["network_id"] = "Ce réseau n'existe pas."
    clean = None
    if network_id is None and (siret or "").strip():
        try:
            clean = clean_siret(siret)
        except FieldError as error:
            errors["siret"] = error.message
    try:
        cleaned_reason = clean_text(reason, label="Nature du lien", required=False, max_length=REASON_LIMIT,
                                    multiline=True)
    except FieldError as error:
        errors["reason"] = error.message
    if not errors and session.scalar(select(ReviewerConflict.id).where(
            ReviewerConflict.reviewer_id == actor.user_id,
            ReviewerConflict.network_id == network_id if network_id is not None else ReviewerConflict.siret == clean)):
        errors["link"] = "Ce lien est déjà déclaré."
    if errors:
        raise ValidationFailed(errors)
    conflict = ReviewerConflict(reviewer_id=actor.user_id, network_id=network_id, siret=clean,
                                reason=cleaned_reason, declared_at=now or utcnow())
    session.add(conflict)
    try:
        session.flush()
    except IntegrityError as error:  # the same link declared at the same instant in another tab
        raise ValidationFailed({"link": "Ce lien est déjà déclaré."}) from error
    dropped = _drop_conflicted_assignments(session, actor.user_id)
    audit.record(session, actor=actor, action="conflict_declared", object_type="reviewer_conflict",
                 object_id=conflict.id, after={"network_id": network_id, "siret": clean, "reason": cleaned_reason,
                                               "assignments_dropped": dropped})
    return conflict.id


def _drop_conflicted_assignments(session: Session, reviewer_id: int) -> list[int]:
    """Remove the reviewer's assignments to candidacies she is now in conflict with (open calls)."""
    ids = list(session.scalars(
        select(ReviewAssignment.candidacy_id)
        .join(Candidacy, Candidacy.id == ReviewAssignment.candidacy_id)
        .join(Structure, Structure.id == Candidacy.structure_id)
        .join(Call, Call.id == Candidacy.call_id)
        .where(ReviewAssignment.reviewer_id == reviewer_id, Call.decisions_published_at.is_(None),
               conflicted(reviewer_id))
        .order_by(ReviewAssignment.candidacy_id)
    ))
    if ids:
        session.execute(delete(ReviewAssignment).where(ReviewAssignment.reviewer_id == reviewer_id,
                                                       ReviewAssignment.candidacy_id.in_(ids)))
    return ids


def withdraw_conflict(session: Session, *, actor: Actor, conflict_id: int) -> None:
    """Withdraw one of the actor's own declarations. Side effect: an audit row (conflict_withdrawn)."""
    require(actor, Action.DECLARE_CONFLICT)
    conflict = session.get(ReviewerConflict, conflict_id)
    if conflict is None or conflict.reviewer_id != actor.user_id:
        raise NotFound("Déclaration introuvable.")
    if _counted_on_a_published_call(session, conflict):
        raise ValidationFailed({"conflict": "Ce lien a compté dans les évaluations d'un appel dont les décisions sont "
                                            "publiées : il reste déclaré, pour que ces résultats ne changent pas."})
    before = {"network_id": conflict.network_id, "siret": conflict.siret, "reason": conflict.reason}
    session.delete(conflict)
    audit.record(session, actor=actor, action="conflict_withdrawn", object_type="reviewer_conflict",
                 object_id=conflict_id, before=before)


def _counted_on_a_published_call(session: Session, conflict: ReviewerConflict) -> bool:
    """The link hid candidacies of a call she reviews whose decisions came after it."""
    matches = (Candidacy.network_id == conflict.network_id if conflict.network_id is not None
               else Structure.siret == conflict.siret)
    return session.scalar(
        select(Candidacy.id).join(Structure, Structure.id == Candidacy.structure_id)
        .join(Call, Call.id == Candidacy.call_id)
        .join(CallReviewer, (CallReviewer.call_id == Call.id) & (CallReviewer.reviewer_id == conflict.reviewer_id))
        .where(matches, Call.decisions_published_at >= conflict.declared_at).limit(1)
    ) is not None
