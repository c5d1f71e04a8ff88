"""The rules every entry point to a candidacy checks: the call's window, the network's
invitation, ownership of the candidacy, and the call's eligibility.

A candidacy of another network is reported as not found, so its existence leaks not.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.candidacies.form import CandidacyForm, CleanCandidacy, validate
from core.clock import format_datetime
from core.errors import DeadlinePassed, NotFound
from core.permissions import Action, Actor, require
from db.models import Call, CallState, Candidacy, call_networks


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


def own_candidacy(session: Session, actor: Actor, candidacy_id: int) -> Candidacy:
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
