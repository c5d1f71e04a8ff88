"""Editions (rencontres): creating and editing one, and the list the project lead manages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.clock import format_datetime
from core.errors import NotFound, StaleEdit, ValidationFailed, clean_fields
from core.permissions import Action, Actor, require
from core.validation import clean_text
from db.models import Call, Edition

MAX_NUMBER = 9999
EDITION_FIELDS = ["number", "title", "event_date", "start_time", "end_time", "venue", "address", "city",
                  "description"]


@dataclass(frozen=True)
class EditionData:
    number: int | None
    title: str
    event_date: date | None
    start_time: time | None
    end_time: time | None
    venue: str = ""
    address: str = ""
    city: str = ""
    description: str = ""


EDITION_CHECKS = {
    name: partial(clean_text, label=label, required=required, max_length=limit, multiline=name == "description")
    for name, label, limit, required in (
        ("title", "Titre", 200, True), ("venue", "Lieu", 200, False), ("address", "Adresse", 300, False),
        ("city", "Ville d'accueil", 120, True), ("description", "Description", 5000, False),
    )
}


def _edition_values(session: Session, data: EditionData, edition_id: int | None) -> dict:
    values, errors = clean_fields(EDITION_CHECKS, vars(data))
    if not data.number or data.number < 1:
        errors["number"] = "Indiquez le numéro de la rencontre (1, 2, 3…)."
    elif data.number > MAX_NUMBER:  # also keeps it inside the integer column
        errors["number"] = "Le numéro de la rencontre doit être compris entre 1 et 9 999."
    elif session.scalar(select(Edition.id).where(Edition.number == data.number, Edition.id != (edition_id or 0))):
        errors["number"] = f"La rencontre n° {data.number} existe déjà."
    if data.event_date is None:
        errors["event_date"] = "Indiquez la date de la rencontre."
    elif edition_id and (late := _deadline_after(session, edition_id, data.event_date)):
        errors["event_date"] = late
    if data.start_time is None or data.end_time is None:
        errors["start_time"] = "Indiquez les heures de début et de fin."
    elif data.end_time <= data.start_time:
        errors["end_time"] = "L'heure de fin doit être après l'heure de début."
    if errors:
        raise ValidationFailed(errors)
    return {**values, "number": data.number, "event_date": data.event_date, "start_time": data.start_time,
            "end_time": data.end_time}


def _deadline_after(session: Session, edition_id: int, event_date: date) -> str | None:
    """The refusal when a call of the edition would ask its presenters to confirm on the day or after."""
    from core.selection.confirmation import latest_confirm_by  # selection builds on calls

    late = session.execute(select(Call.theme_title, Call.confirm_by).where(
        Call.edition_id == edition_id, Call.confirm_by > latest_confirm_by(event_date)).order_by(Call.id)).first()
    if late is None:
        return None
    return (f"La date limite de confirmation de l'appel « {late.theme_title} » ({format_datetime(late.confirm_by)}) "
            "tomberait le jour de la rencontre ou après : avancez-la d'abord, page « Publication des décisions ».")


def save_edition(session: Session, *, actor: Actor, data: EditionData, edition_id: int | None = None,
                 expected_version: int | None = None) -> int:
    """Create or edit an edition (rencontre). Audit row with before/after."""
    require(actor, Action.MANAGE_CALLS)
    values = _edition_values(session, data, edition_id)
    # Locked until commit so that the version check holds against a concurrent save (PostgreSQL).
    edition = session.get(Edition, edition_id, with_for_update=True) if edition_id else Edition()
    if edition is None:
        raise NotFound("Rencontre introuvable.")
    if edition_id and edition.version != expected_version:
        raise StaleEdit()
    before = audit.snapshot(edition, EDITION_FIELDS) if edition_id else None
    for name, value in values.items():
        setattr(edition, name, value)
    edition.version = (edition.version or 0) + 1
    session.add(edition)
    session.flush()
    audit.record(session, actor=actor, action="edition_updated" if before else "edition_created",
                 object_type="edition", object_id=edition.id, before=before,
                 after=audit.snapshot(edition, EDITION_FIELDS))
    return edition.id


@dataclass(frozen=True)
class EditionRow:
    id: int
    number: int
    title: str
    event_date: date
    version: int
    data: EditionData


def list_editions(session: Session, *, actor: Actor) -> list[EditionRow]:
    """Editions, newest first, with what their edit form needs."""
    require(actor, Action.MANAGE_CALLS)
    return [
        EditionRow(
            id=e.id, number=e.number, title=e.title, event_date=e.event_date, version=e.version,
            data=EditionData(number=e.number, title=e.title, event_date=e.event_date, start_time=e.start_time,
                             end_time=e.end_time, venue=e.venue or "", address=e.address or "", city=e.city or "",
                             description=e.description or ""),
        )
        for e in session.scalars(select(Edition).order_by(Edition.number.desc()))
    ]
