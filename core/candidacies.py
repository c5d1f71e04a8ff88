"""Candidacies put forward by networks: draft, submit, edit until the deadline, withdraw.

Every function checks the actor's right on the candidacy's network first, and the
call's window second: after the closing time nothing changes, whatever the path.
A candidacy of another network is reported as not found, so its existence leaks not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, mail
from core.candidacy_form import (
    CANDIDACY_FIELDS,
    SNAPSHOT_FIELDS,
    CandidacyForm,
    CleanCandidacy,
    validate,
)
from core.clock import format_datetime, utcnow
from core.errors import (
    DeadlinePassed,
    DuplicateCandidacy,
    NotAllowed,
    NotFound,
    StaleEdit,
    ValidationFailed,
)
from core.permissions import Action, Actor, can, require
from db.models import (
    Call,
    CallState,
    Candidacy,
    Deliberation,
    Network,
    Publication,
    Sector,
    Structure,
    StructureKind,
    Submission,
    User,
    call_networks,
)

AUDITED = ("submission", "withdrawal_reason", *CANDIDACY_FIELDS)


def status_label(submission: Submission, published_decision: Deliberation | None) -> str:
    """What a network reads as its candidacy's status, wherever it is shown: the decision
    once published (never before), otherwise the submission status."""
    if submission == Submission.SUBMITTED and published_decision not in (None, Deliberation.PENDING):
        return published_decision.label
    return submission.label


# ---------------------------------------------------------------- rules


def accepts_changes(call: Call, now: datetime) -> bool:
    """A call takes new and edited candidacies only while open, inside its window."""
    return call.state == CallState.OPEN and call.opens_at <= now < call.closes_at


def require_open(call: Call, now: datetime) -> None:
    if now < call.opens_at and call.state == CallState.OPEN:
        raise DeadlinePassed(f"L'appel n'ouvre que le {format_datetime(call.opens_at)}.")
    if not accepts_changes(call, now):
        raise DeadlinePassed()


def invited_call(session: Session, actor: Actor, call_id: int) -> Call:
    """The call, if the actor's network is invited to it (else NotFound).

    Read FOR SHARE: a concurrent close_call (FOR UPDATE) waits for this transaction, or this
    one waits for the close and then sees the call closed (PostgreSQL; SQLite serialises writers).
    """
    call = session.get(Call, call_id, with_for_update={"read": True})
    invited = session.scalar(
        select(call_networks.c.call_id).where(
            call_networks.c.call_id == call_id, call_networks.c.network_id == actor.network_id
        )
    )
    if call is None or invited is None or call.state == CallState.DRAFT:
        raise NotFound("Appel à candidatures introuvable.")
    return call


def _own_candidacy(session: Session, actor: Actor, candidacy_id: int) -> Candidacy:
    require(actor, Action.EDIT_CANDIDACY, network_id=actor.network_id)
    # Locked until commit, so the version check below holds against a concurrent save on
    # PostgreSQL (SQLite writers are already serialised by BEGIN IMMEDIATE).
    candidacy = session.get(Candidacy, candidacy_id, with_for_update=True)
    if candidacy is None or candidacy.network_id != actor.network_id:
        raise NotFound("Candidature introuvable.")
    return candidacy


def eligibility(call: Call) -> tuple[list[str] | None, list[str] | None]:
    kinds = [k.kind.value for k in call.eligible_kinds] or None
    departements = [d.departement for d in call.eligible_departements] or None
    return kinds, departements


def validate_for_call(call: Call, form: CandidacyForm, *, submit: bool) -> CleanCandidacy:
    kinds, departements = eligibility(call)
    return validate(form, submit=submit, eligible_kinds=kinds, eligible_departements=departements)


# ---------------------------------------------------------------- structures


def _upsert_structure(session: Session, clean: CleanCandidacy) -> Structure:
    """The directory entry for this SIRET, created or refreshed with what was typed."""
    structure = session.scalar(select(Structure).where(Structure.siret == clean.siret))
    values = clean.structure_values()
    if structure is None:
        structure = Structure(kind=StructureKind(values.pop("kind")), **values)
        session.add(structure)
    else:
        for name, value in values.items():
            if value is not None:
                setattr(structure, name, StructureKind(value) if name == "kind" else value)
    if clean.sectors:
        structure.sectors = list(session.scalars(select(Sector).where(Sector.label.in_(clean.sectors))))
    structure.contact_name = clean.contact_name or structure.contact_name
    structure.contact_email = clean.contact_email or structure.contact_email
    structure.contact_phone = clean.contact_phone or structure.contact_phone
    try:
        session.flush()
    except IntegrityError as error:  # the same new SIRET saved at the same instant by someone else
        raise StaleEdit() from error
    return structure


def _refuse_duplicate(session: Session, call_id: int, structure_id: int, candidacy_id: int | None) -> None:
    other = session.execute(
        select(Candidacy.id, Network.name)
        .join(Network, Network.id == Candidacy.network_id)
        .where(Candidacy.call_id == call_id, Candidacy.structure_id == structure_id,
               Candidacy.id != (candidacy_id or 0))
    ).first()
    if other is not None:
        raise DuplicateCandidacy(
            f"Cette structure a déjà été proposée pour cet appel par le réseau {other.name}."
        )


# ---------------------------------------------------------------- saving


def _state(candidacy: Candidacy, siret: str | None = None) -> dict:
    """What the audit row records of a candidacy (core.importing writes the same keys)."""
    state = audit.snapshot(candidacy, list(AUDITED))
    if siret is not None:
        state["structure.siret"] = siret
        state.update({f"structure.{k}": v for k, v in audit.snapshot(candidacy, list(SNAPSHOT_FIELDS)).items()})
        state["structure.sectors"] = list(candidacy.sectors or [])
    return state


def save(
    session: Session,
    *,
    actor: Actor,
    call_id: int,
    form: CandidacyForm,
    submit: bool,
    candidacy_id: int | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> int:
    """Create or edit a candidacy of the actor's network, as a draft or submitted.

    Refuses: another network's candidacy (NotFound), a closed call (DeadlinePassed),
    a stale edit (StaleEdit), a structure already proposed to the call
    (DuplicateCandidacy, naming the network), invalid fields (ValidationFailed).
    The candidacy keeps its own copy of the structure as typed; the directory entry of
    the SIRET is refreshed for future look-ups, without touching other candidacies.
    Side effects: directory entry upserted, audit row with before/after,
    and on the draft → submitted transition one acknowledgement queued.
    """
    now = now or utcnow()
    require(actor, Action.EDIT_CANDIDACY, network_id=actor.network_id)
    call = invited_call(session, actor, call_id)
    candidacy = _own_candidacy(session, actor, candidacy_id) if candidacy_id else None
    if candidacy is not None and candidacy.call_id != call_id:
        raise NotFound("Candidature introuvable.")
    require_open(call, now)
    if candidacy is not None and candidacy.version != expected_version:
        raise StaleEdit()
    keep_submitted = candidacy is not None and candidacy.submission == Submission.SUBMITTED
    clean = validate_for_call(call, form, submit=submit or keep_submitted)
    before = _state(candidacy, candidacy.structure.siret) if candidacy else None
    structure = _upsert_structure(session, clean)
    _refuse_duplicate(session, call_id, structure.id, candidacy_id)
    if candidacy is None:
        candidacy = Candidacy(call_id=call_id, network_id=actor.network_id, created_by_id=actor.user_id,
                              created_at=now)
        session.add(candidacy)
    candidacy.structure_id = structure.id
    for name, value in {**clean.candidacy_values(), **clean.snapshot_values()}.items():
        setattr(candidacy, name, StructureKind(value) if name == "kind" and value else value)
    candidacy.sectors = list(clean.sectors)
    newly_submitted = (submit or keep_submitted) and candidacy.submission != Submission.SUBMITTED
    if newly_submitted:
        candidacy.submission, candidacy.submitted_at = Submission.SUBMITTED, now
        candidacy.withdrawn_at = candidacy.withdrawal_reason = None
    candidacy.version = (candidacy.version or 0) + 1
    candidacy.updated_at = now
    try:
        session.flush()
    except IntegrityError as error:  # a concurrent proposal of the same structure
        raise DuplicateCandidacy() from error
    action = "candidacy_submitted" if newly_submitted else ("candidacy_updated" if before else "candidacy_created")
    audit.record(session, actor=actor, action=action, object_type="candidacy", object_id=candidacy.id,
                 network_id=actor.network_id, before=before, after=_state(candidacy, structure.siret))
    if newly_submitted:
        _queue_acknowledgement(session, actor=actor, candidacy=candidacy, call=call, siret=structure.siret)
    return candidacy.id


def _queue_acknowledgement(session: Session, *, actor: Actor, candidacy: Candidacy, call: Call,
                           siret: str) -> None:
    network = session.get(Network, candidacy.network_id)
    to_address = network.contact_email or actor.email
    cc = [actor.email] if actor.email != to_address else None
    mail.queue(
        session,
        idempotency_key=f"submission-ack:{candidacy.id}:{candidacy.submitted_at.isoformat()}",
        template_key="submission_ack",
        to_address=to_address,
        cc_addresses=cc,
        candidacy_id=candidacy.id,
        context={
            "network": network.name,
            "structure": candidacy.name,
            "siret": siret,
            "theme": call.theme_title,
            "edition": call.edition.title,
            "submitted_at": format_datetime(candidacy.submitted_at),
            "closes_at": format_datetime(call.closes_at),
            "referent": actor.full_name,
        },
    )


def withdraw(
    session: Session,
    *,
    actor: Actor,
    candidacy_id: int,
    expected_version: int,
    reason: str,
    now: datetime | None = None,
) -> None:
    """Withdraw a candidacy of the actor's network before the deadline; a reason is required."""
    now = now or utcnow()
    require(actor, Action.EDIT_CANDIDACY, network_id=actor.network_id)
    # The call, then the candidacy: the lock order of save(), so the two never deadlock.
    call_id = session.scalar(select(Candidacy.call_id).where(Candidacy.id == candidacy_id))
    call = session.get(Call, call_id, with_for_update={"read": True}) if call_id is not None else None
    candidacy = _own_candidacy(session, actor, candidacy_id)
    require_open(call, now)
    if candidacy.version != expected_version:
        raise StaleEdit()
    if candidacy.submission == Submission.WITHDRAWN:
        return
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "Indiquez la raison du retrait."})
    if len(reason) > 1000:
        raise ValidationFailed({"reason": f"1000 caractères au maximum (actuellement {len(reason)})."})
    before = _state(candidacy)
    candidacy.submission, candidacy.withdrawn_at, candidacy.withdrawal_reason = Submission.WITHDRAWN, now, reason
    candidacy.version += 1
    audit.record(session, actor=actor, action="candidacy_withdrawn", object_type="candidacy",
                 object_id=candidacy.id, network_id=candidacy.network_id, before=before, after=_state(candidacy))


# ---------------------------------------------------------------- reading


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
    """A candidacy of the actor's network (or any, for the lead and reviewers)."""
    candidacy = session.get(Candidacy, candidacy_id)
    if candidacy is None or not _may_view(actor, candidacy):
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


def _may_view(actor: Actor, candidacy: Candidacy) -> bool:
    """Its own network always; the lead any; reviewers only what was submitted."""
    if actor.network_id is not None:
        return can(actor, Action.VIEW_CANDIDACY, network_id=candidacy.network_id) and (
            candidacy.network_id == actor.network_id
        )
    if can(actor, Action.MANAGE_CALLS):
        return True
    return can(actor, Action.VIEW_CANDIDACY) and candidacy.submission == Submission.SUBMITTED


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
        )
        for c, siret, theme, creator in session.execute(query)
    ]
