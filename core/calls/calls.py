"""Calls for candidates: setting one up (eligibility, invited networks, criteria), opening,
extending and closing it, and its detail for the edit form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.clock import paris_to_utc, to_paris, utcnow
from core.departements import DEPARTEMENTS
from core.errors import NotFound, StaleEdit, ValidationFailed, clean_fields
from core.permissions import Action, Actor, require
from core.review.rules import review_closed
from core.selection import state
from core.validation import clean_text
from db.models import (
    Call,
    CallDepartement,
    CallKind,
    CallState,
    Candidacy,
    Criterion,
    Edition,
    Network,
    Review,
    StructureKind,
)

DEFAULT_CRITERIA: tuple[tuple[str, int], ...] = (
    ("Adéquation avec le thème", 3),
    ("Capacité à répondre aux marchés publics", 2),
    ("Impact sur l'insertion et l'emploi", 2),
    ("Clarté de l'offre", 1),
)
CALL_FIELDS = ["theme_title", "theme_description", "opens_at", "closes_at", "state", "pitch_slots",
               "pitch_minutes"]


@dataclass(frozen=True)
class CallData:
    edition_id: int
    theme_title: str
    opens_on: date | None
    opens_time: time | None
    closes_on: date | None
    closes_time: time | None
    pitch_slots: int | None
    pitch_minutes: int | None
    theme_description: str = ""
    eligible_kinds: tuple[str, ...] = ()
    eligible_departements: tuple[str, ...] = ()
    invited_network_ids: tuple[int, ...] = ()
    criteria: tuple[tuple[str, int], ...] = DEFAULT_CRITERIA


CALL_CHECKS = {
    "theme_title": partial(clean_text, label="Thème", required=True, max_length=200),
    "theme_description": partial(clean_text, label="Description", required=False, max_length=5000, multiline=True),
}


def _call_values(data: CallData) -> dict:
    values, errors = clean_fields(CALL_CHECKS, vars(data))
    if None in (data.opens_on, data.opens_time):
        errors["opens_at"] = "Indiquez la date et l'heure d'ouverture."
    if None in (data.closes_on, data.closes_time):
        errors["closes_at"] = "Indiquez la date et l'heure de clôture."
    if not errors.keys() & {"opens_at", "closes_at"}:
        values["opens_at"] = paris_to_utc(data.opens_on, data.opens_time)
        values["closes_at"] = paris_to_utc(data.closes_on, data.closes_time)
        if values["closes_at"] <= values["opens_at"]:
            errors["closes_at"] = "La clôture doit être après l'ouverture."
    if not data.pitch_slots or not 1 <= data.pitch_slots <= 50:
        errors["pitch_slots"] = "Indiquez un nombre de présentations entre 1 et 50."
    if not data.pitch_minutes or not 1 <= data.pitch_minutes <= 60:
        errors["pitch_minutes"] = "Indiquez une durée entre 1 et 60 minutes."
    unknown_kinds = set(data.eligible_kinds) - {k.value for k in StructureKind}
    if unknown_kinds or not data.eligible_kinds:
        errors["eligible_kinds"] = "Choisissez au moins un type de structure éligible."
    bad_departements = [d for d in data.eligible_departements if d not in DEPARTEMENTS]
    if bad_departements or not data.eligible_departements:
        errors["eligible_departements"] = "Choisissez au moins un département éligible, dans la liste officielle."
    criteria_error = _criteria_error(data.criteria)
    if criteria_error:
        errors["criteria"] = criteria_error
    if errors:
        raise ValidationFailed(errors)
    return {**values, "pitch_slots": data.pitch_slots, "pitch_minutes": data.pitch_minutes}


def _criteria_error(criteria: tuple[tuple[str, int], ...]) -> str | None:
    labels = [label.strip() for label, _ in criteria]
    if not criteria:
        return "Indiquez au moins un critère d'évaluation."
    if any(not label or len(label) > 200 for label in labels):
        return "Chaque critère a un intitulé (200 caractères au maximum)."
    if len({label.lower() for label in labels}) != len(labels):
        return "Deux critères portent le même intitulé."
    # bool is a subclass of int: True would otherwise pass as a weight of 1.
    if any(isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 10
           for _, weight in criteria):
        return "Chaque poids est un nombre entier entre 1 et 10."
    return None


def save_call(session: Session, *, actor: Actor, data: CallData, call_id: int | None = None,
              expected_version: int | None = None) -> int:
    """Create (as a draft) or edit a call with its eligibility, invited networks and criteria.

    Once reviews exist, criteria keep their labels: weights may change, nothing is added,
    removed or renamed (scores would lose their meaning). Once the decisions are published,
    the criteria and weights are final (ValidationFailed on « criteria »).
    """
    require(actor, Action.MANAGE_CALLS)
    if session.get(Edition, data.edition_id) is None:
        raise ValidationFailed({"edition_id": "Choisissez la rencontre."})
    values = _call_values(data)
    call = (session.get(Call, call_id, with_for_update=True) if call_id
            else Call(edition_id=data.edition_id, state=CallState.DRAFT))
    if call is None:
        raise NotFound("Appel introuvable.")
    if call_id and call.version != expected_version:
        raise StaleEdit()
    if call_id:
        _refuse_fewer_slots_than_retained(session, call_id, data.pitch_slots)
    before = _call_state(call) if call_id else None
    for name, value in values.items():
        setattr(call, name, value)
    call.eligible_kinds = [CallKind(kind=StructureKind(k)) for k in sorted(set(data.eligible_kinds))]
    call.eligible_departements = [CallDepartement(departement=d) for d in sorted(set(data.eligible_departements))]
    invited = list(session.scalars(select(Network).where(Network.id.in_(data.invited_network_ids),
                                                          Network.active.is_(True))))
    if len(invited) != len(set(data.invited_network_ids)):
        raise ValidationFailed({"invited_networks": "Un des réseaux choisis n'existe pas ou n'est plus actif."})
    call.invited_networks = invited
    _replace_criteria(session, call, data.criteria)
    call.version = (call.version or 0) + 1
    session.add(call)
    session.flush()
    audit.record(session, actor=actor, action="call_updated" if before else "call_created", object_type="call",
                 object_id=call.id, before=before, after=_call_state(call))
    return call.id


def _refuse_fewer_slots_than_retained(session: Session, call_id: int, pitch_slots: int) -> None:
    """The capacity rule from the call's side: its slots never fall below the candidacies
    retained (the call row is locked, as every decision locks it)."""
    retained = state.retained_count(session, call_id)
    if pitch_slots < retained:
        raise ValidationFailed({"pitch_slots": f"{retained} candidatures sont déjà retenues : indiquez au moins "
                                               f"{retained} présentations, ou changez d'abord ces décisions."})


CRITERIA_PUBLISHED = ("Les décisions de cet appel sont publiées : ses critères et leurs poids ne changent plus "
                      "(les notes et le classement publiés en dépendent).")
CRITERIA_FROZEN = ("Des évaluations existent déjà : vous pouvez changer les poids, mais plus ajouter, retirer "
                   "ni renommer un critère (les notes déjà données perdraient leur sens).")


def _replace_criteria(session: Session, call: Call, criteria: tuple[tuple[str, int], ...]) -> None:
    """Kept criteria (same label) are updated in place, so their scores and descriptions stay;
    once a review exists only weights and order may change (the board recomputes from them);
    once the call's decisions are published, nothing changes."""
    wanted = [(label.strip(), weight) for label, weight in criteria]
    if wanted == [(c.label, c.weight) for c in call.criteria]:
        return
    if review_closed(call):
        raise ValidationFailed({"criteria": CRITERIA_PUBLISHED})
    current = {c.label: c for c in call.criteria}
    same_labels = {label for label, _ in wanted} == current.keys()
    if not same_labels and call.id and session.scalar(
            select(Review.id).join(Candidacy).where(Candidacy.call_id == call.id).limit(1)):
        raise ValidationFailed({"criteria": CRITERIA_FROZEN})
    kept = []
    for position, (label, weight) in enumerate(wanted):
        criterion = current.get(label) or Criterion(label=label)
        criterion.weight, criterion.position = weight, position
        kept.append(criterion)
    # A removed criterion is an orphan, deleted with its scores; a new label never collides
    # with a kept one (labels are unique), so insert-before-delete order does not matter.
    call.criteria = kept


def _call_state(call: Call) -> dict:
    state = audit.snapshot(call, CALL_FIELDS)
    state["eligible_kinds"] = sorted(k.kind.value for k in call.eligible_kinds)
    state["eligible_departements"] = sorted(d.departement for d in call.eligible_departements)
    state["invited_networks"] = sorted(n.id for n in call.invited_networks)
    state["criteria"] = [[c.label, c.weight] for c in call.criteria]
    return state


def _transition(session: Session, *, actor: Actor, call_id: int, expected_version: int, action: str,
                change) -> None:
    require(actor, Action.MANAGE_CALLS)
    call = session.get(Call, call_id, with_for_update=True)
    if call is None:
        raise NotFound("Appel introuvable.")
    if call.version != expected_version:
        raise StaleEdit()
    before = _call_state(call)
    change(call)
    call.version += 1
    audit.record(session, actor=actor, action=action, object_type="call", object_id=call.id,
                 before=before, after=_call_state(call))


def open_call(session: Session, *, actor: Actor, call_id: int, expected_version: int) -> None:
    """Publish the call to its invited networks (it takes candidacies inside its window)."""
    def change(call: Call) -> None:
        if not call.invited_networks:
            raise ValidationFailed({"invited_networks": "Invitez au moins un réseau avant d'ouvrir l'appel."})
        call.state = CallState.OPEN
    _transition(session, actor=actor, call_id=call_id, expected_version=expected_version, action="call_opened",
                change=change)


def extend_call(session: Session, *, actor: Actor, call_id: int, expected_version: int, closes_on: date,
                closes_time: time, now: datetime | None = None) -> None:
    """Move the closing time later (a closed call reopens until then)."""
    new_close = paris_to_utc(closes_on, closes_time)

    def change(call: Call) -> None:
        if new_close <= max(call.closes_at, now or utcnow()):
            raise ValidationFailed(
                {"closes_at": "La nouvelle clôture doit être après la clôture actuelle et après maintenant."})
        call.closes_at = new_close
        if call.state == CallState.CLOSED:  # a draft stays unpublished: only open_call publishes
            call.state = CallState.OPEN
    _transition(session, actor=actor, call_id=call_id, expected_version=expected_version, action="call_extended",
                change=change)


def close_call(session: Session, *, actor: Actor, call_id: int, expected_version: int,
               now: datetime | None = None) -> None:
    """Close an open call now: from this instant every candidacy is read-only.

    Only an open call can be closed: closing a draft would publish to its networks a
    call that was never opened (networks see every non-draft call).
    """
    moment = now or utcnow()

    def change(call: Call) -> None:
        if call.state != CallState.OPEN:
            raise ValidationFailed({"state": "Seul un appel ouvert peut être clos."})
        call.state = CallState.CLOSED
        if call.closes_at > moment:
            call.closes_at = max(moment, call.opens_at + timedelta(seconds=1))
    _transition(session, actor=actor, call_id=call_id, expected_version=expected_version, action="call_closed",
                change=change)


@dataclass(frozen=True)
class CallDetail:
    id: int
    version: int
    state: CallState
    data: CallData
    opens_at: datetime
    closes_at: datetime


def call_detail(session: Session, *, actor: Actor, call_id: int) -> CallDetail:
    """A call as its edit form shows it (times back in Paris local time)."""
    require(actor, Action.MANAGE_CALLS)
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound("Appel introuvable.")
    opens, closes = to_paris(call.opens_at), to_paris(call.closes_at)
    data = CallData(
        edition_id=call.edition_id, theme_title=call.theme_title, theme_description=call.theme_description or "",
        opens_on=opens.date(), opens_time=opens.time().replace(tzinfo=None), closes_on=closes.date(),
        closes_time=closes.time().replace(tzinfo=None), pitch_slots=call.pitch_slots,
        pitch_minutes=call.pitch_minutes, eligible_kinds=tuple(k.kind.value for k in call.eligible_kinds),
        eligible_departements=tuple(d.departement for d in call.eligible_departements),
        invited_network_ids=tuple(n.id for n in call.invited_networks),
        criteria=tuple((c.label, c.weight) for c in call.criteria),
    )
    return CallDetail(id=call.id, version=call.version, state=call.state, data=data, opens_at=call.opens_at,
                      closes_at=call.closes_at)
