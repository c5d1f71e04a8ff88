"""The lead's changes to the working copy of a programme: start from a template, add,
move, resize and remove items, order a call's pitches.

Each change checks the right, validates every field (all messages at once, nothing
written on a refusal), refuses a stale edit, and leaves an audit row with before/after.
Times are typed as Paris wall-clock times of the edition's day and stored as UTC instants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import audit
from core.errors import DomainError, NotFound, StaleEdit, ValidationFailed, clean_fields
from core.permissions import Action, Actor, require
from core.programme.pitches import retained_pitches
from core.programme.timing import paris_date, paris_instant, paris_time, pitches_minutes
from core.validation import FieldError, clean_text
from db.models import Call, Edition, ItemKind, PitchPosition, ProgrammeItem

ITEM_FIELDS = ["kind", "title", "description", "speakers", "room", "starts_at", "ends_at", "call_id",
               "changeover_minutes"]


def _audited(item: ProgrammeItem) -> dict:
    """The item's fields for the audit log; its kind as « item_kind », not a structure's kind."""
    values = audit.snapshot(item, ITEM_FIELDS)
    values["item_kind"] = values.pop("kind")
    return values
MAX_CHANGEOVER = 30


class ProgrammeNotEmpty(DomainError):
    message = "Le programme a déjà des éléments : le modèle ne s'applique qu'à un programme vide."


@dataclass(frozen=True)
class ItemData:
    """An item as the lead types it: times as text (« 09:30 », « 9 h 30 »), Paris time."""

    kind: str
    title: str
    start: str
    end: str
    description: str = ""
    speakers: str = ""
    room: str = ""
    call_id: int | None = None
    changeover_minutes: int = 1


_TIME = re.compile(r"\s*(\d{1,2})\s*(?:[:hH.]\s*(\d{1,2})?)?\s*")


def parse_time(text: str | None, *, label: str) -> time:
    """« 09:30 », « 9h30 », « 9 h » → a time of day; a French message for anything else."""
    match = _TIME.fullmatch(text or "")
    if not (text or "").strip():
        raise FieldError(f"Indiquez l'heure de {label} (par exemple 09:30).")
    if match is None:
        raise FieldError(f"Écrivez l'heure de {label} sous la forme 09:30.")
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if not 0 <= hours <= 23:
        raise FieldError("L'heure doit être comprise entre 0 et 23.")
    if not 0 <= minutes <= 59:
        raise FieldError("Les minutes doivent être comprises entre 0 et 59.")
    return time(hours, minutes)


def _kind(value: str | ItemKind) -> ItemKind:
    try:
        return ItemKind(value)
    except ValueError:
        raise FieldError("Choisissez le type de l'élément dans la liste.") from None


CHECKS = {
    "kind": _kind,
    "title": lambda v: clean_text(v, label="Titre", required=True, max_length=200),
    "description": lambda v: clean_text(v, label="Description", required=False, max_length=2000, multiline=True),
    "speakers": lambda v: clean_text(v, label="Intervenants", required=False, max_length=500, multiline=True),
    "room": lambda v: clean_text(v, label="Salle", required=False, max_length=120),
    "start": lambda v: parse_time(v, label="début"),
    "end": lambda v: parse_time(v, label="fin"),
}


def _one_session_per_call(session: Session, values: dict, item_id: int | None) -> None:
    """A call has one pitch session (each shows all its pitches): refuse another item than
    `item_id` presenting it, on its field."""
    if values["call_id"] is None:
        return
    taken = session.scalar(select(ProgrammeItem.title).where(
        ProgrammeItem.call_id == values["call_id"], ProgrammeItem.kind == ItemKind.PITCHES,
        ProgrammeItem.id != (item_id or 0)).limit(1))
    if taken is not None:
        raise ValidationFailed({"call_id": f"Cet appel a déjà sa séance de présentations express (« {taken} ») : "
                                           "modifiez-la plutôt."})


def _item_values(session: Session, edition: Edition, data: ItemData) -> dict:
    """The columns of a valid item, or ValidationFailed with every field's message."""
    values, errors = clean_fields(CHECKS, vars(data))
    if "start" in values and "end" in values and values["end"] <= values["start"]:
        errors["end"] = "L'heure de fin doit être après l'heure de début."
    call_id = None
    if values.get("kind") == ItemKind.PITCHES:
        call_id = data.call_id
        if call_id is None or session.scalar(select(Call.edition_id).where(Call.id == call_id)) != edition.id:
            errors["call_id"] = "Choisissez l'appel dont cette séance présente les structures retenues."
    if not isinstance(data.changeover_minutes, int) or not 0 <= data.changeover_minutes <= MAX_CHANGEOVER:
        errors["changeover_minutes"] = f"Indiquez un temps de changement entre 0 et {MAX_CHANGEOVER} minutes."
    if errors:
        raise ValidationFailed(errors)
    day = edition.event_date
    return {"kind": values["kind"], "title": values["title"], "description": values["description"],
            "speakers": values["speakers"], "room": values["room"], "call_id": call_id,
            "starts_at": paris_instant(day, values["start"]), "ends_at": paris_instant(day, values["end"]),
            "changeover_minutes": data.changeover_minutes}


def _edition(session: Session, edition_id: int) -> Edition:
    edition = session.get(Edition, edition_id)
    if edition is None:
        raise NotFound("Rencontre introuvable.")
    return edition


def _locked_item(session: Session, item_id: int, expected_version: int | None) -> ProgrammeItem:
    # Locked until commit so that the version check holds against a concurrent save (PostgreSQL).
    item = session.get(ProgrammeItem, item_id, with_for_update=True)
    if item is None:
        raise NotFound("Cet élément du programme n'existe plus : rechargez la page.")
    if item.version != expected_version:
        raise StaleEdit()
    return item


def add_item(session: Session, *, actor: Actor, edition_id: int, data: ItemData) -> int:
    """A new item in the edition's working copy; its id. Audit row. The same item sent
    again (every field, times and room alike: a double click) is not added twice: the id
    of the one stored is returned, nothing written."""
    require(actor, Action.MANAGE_PROGRAMME)
    edition = _edition(session, edition_id)
    values = _item_values(session, edition, data)
    same = session.scalar(select(ProgrammeItem.id).where(
        ProgrammeItem.edition_id == edition.id,
        *(getattr(ProgrammeItem, name).is_not_distinct_from(value) for name, value in values.items())).limit(1))
    if same is not None:
        return same
    _one_session_per_call(session, values, None)
    item = ProgrammeItem(edition_id=edition.id, **values, version=1)
    session.add(item)
    session.flush()
    audit.record(session, actor=actor, action="programme_item_created", object_type="programme_item",
                 object_id=item.id, after=_audited(item))
    return item.id


def update_item(session: Session, *, actor: Actor, item_id: int, data: ItemData, expected_version: int) -> int:
    """Edit an item (moving or resizing it is changing its times); its new version. Audit row.
    The item sent as it is stored (saved unchanged, a double click) writes nothing: its version stays."""
    require(actor, Action.MANAGE_PROGRAMME)
    item = _locked_item(session, item_id, expected_version)
    values = _item_values(session, _edition(session, item.edition_id), data)
    if all(getattr(item, name) == value for name, value in values.items()):
        return item.version
    _one_session_per_call(session, values, item.id)
    before = _audited(item)
    for name, value in values.items():
        setattr(item, name, value)
    item.version += 1
    session.flush()
    audit.record(session, actor=actor, action="programme_item_updated", object_type="programme_item",
                 object_id=item.id, before=before, after=_audited(item))
    return item.version


def shift_item(session: Session, *, actor: Actor, item_id: int, expected_version: int,
               start_minutes: int, end_minutes: int) -> int:
    """Move (both ends by the same minutes) or resize (one end) an item; its new version.
    An end that would not stay after the start is refused with the end field's message."""
    require(actor, Action.MANAGE_PROGRAMME)
    item = _locked_item(session, item_id, expected_version)
    starts_at = item.starts_at + timedelta(minutes=start_minutes)
    ends_at = item.ends_at + timedelta(minutes=end_minutes)
    if ends_at <= starts_at:
        raise ValidationFailed({"end": "L'heure de fin doit être après l'heure de début."})
    before = _audited(item)
    item.starts_at, item.ends_at = starts_at, ends_at
    item.version += 1
    session.flush()
    audit.record(session, actor=actor, action="programme_item_updated", object_type="programme_item",
                 object_id=item.id, before=before, after=_audited(item))
    return item.version


def remove_item(session: Session, *, actor: Actor, item_id: int, expected_version: int) -> None:
    """Remove an item from the working copy (published versions keep it). Audit row."""
    require(actor, Action.MANAGE_PROGRAMME)
    item = _locked_item(session, item_id, expected_version)
    before = _audited(item)
    session.delete(item)
    session.flush()
    audit.record(session, actor=actor, action="programme_item_removed", object_type="programme_item",
                 object_id=item_id, before=before)


def align_to_edition_day(session: Session, *, actor: Actor, edition_id: int) -> int:
    """After the edition moved to another day: every item placed on another day moves to the
    edition's, at the same Paris wall-clock time and with the same length; the number moved.
    One audit row per item moved."""
    require(actor, Action.MANAGE_PROGRAMME)
    edition = session.get(Edition, edition_id, with_for_update=True)
    if edition is None:
        raise NotFound("Rencontre introuvable.")
    moved = 0
    for item in session.scalars(select(ProgrammeItem).where(ProgrammeItem.edition_id == edition_id)):
        if paris_date(item.starts_at) == edition.event_date:
            continue
        before = _audited(item)
        length = item.ends_at - item.starts_at
        item.starts_at = paris_instant(edition.event_date, paris_time(item.starts_at))
        item.ends_at = item.starts_at + length
        item.version += 1
        session.flush()
        audit.record(session, actor=actor, action="programme_item_updated", object_type="programme_item",
                     object_id=item.id, before=before, after=_audited(item))
        moved += 1
    return moved


# ---------------------------------------------------------------- the proposed template

TEMPLATE_CHANGEOVER = 1
MIN_BILATERAL = 20


@dataclass(frozen=True)
class TemplateItem:
    kind: ItemKind
    title: str
    minutes: int
    description: str | None = None
    call_id: int | None = None


def template_items(calls: list[Call], available_minutes: int) -> list[TemplateItem]:
    """A real OpenMap morning: welcome, plenary, workshop, one pitch session per call (sized
    for its slots), a break, bilateral meetings filling what is left, closing."""
    head = [TemplateItem(ItemKind.WELCOME, "Accueil des participants", 30, "Café d'accueil et remise des badges."),
            TemplateItem(ItemKind.PLENARY, "Plénière d'ouverture", 35),
            TemplateItem(ItemKind.WORKSHOP, "Atelier : les marchés réservés", 40)]
    sessions = [TemplateItem(ItemKind.PITCHES, f"Présentations express : {call.theme_title}"[:200],
                             max(10, pitches_minutes(call.pitch_slots, pitch_minutes=call.pitch_minutes,
                                                     changeover_minutes=TEMPLATE_CHANGEOVER)),
                             call_id=call.id) for call in calls]
    tail = [TemplateItem(ItemKind.BREAK, "Pause", 10)]
    closing = TemplateItem(ItemKind.CLOSING, "Clôture", 15)
    used = sum(item.minutes for item in [*head, *sessions, *tail, closing])
    bilateral = TemplateItem(ItemKind.BILATERAL, "Rendez-vous bilatéraux",
                             max(MIN_BILATERAL, available_minutes - used),
                             "Rencontres entre acheteurs et structures, sur inscription.")
    return [*head, *sessions, *tail, bilateral, closing]


def apply_template(session: Session, *, actor: Actor, edition_id: int) -> list[int]:
    """Fill an empty working copy with the proposed morning, from the edition's start."""
    require(actor, Action.MANAGE_PROGRAMME)
    edition = session.get(Edition, edition_id, with_for_update=True)
    if edition is None:
        raise NotFound("Rencontre introuvable.")
    if session.scalar(select(ProgrammeItem.id).where(ProgrammeItem.edition_id == edition_id).limit(1)):
        raise ProgrammeNotEmpty()
    start = paris_instant(edition.event_date, edition.start_time)
    available = int((paris_instant(edition.event_date, edition.end_time) - start).total_seconds() // 60)
    calls = list(session.scalars(select(Call).where(Call.edition_id == edition_id).order_by(Call.id)))
    ids = []
    for proposed in template_items(calls, available):
        end = start + timedelta(minutes=proposed.minutes)
        item = ProgrammeItem(edition_id=edition_id, kind=proposed.kind, title=proposed.title,
                             description=proposed.description, starts_at=start, ends_at=end,
                             call_id=proposed.call_id, changeover_minutes=TEMPLATE_CHANGEOVER, version=1)
        session.add(item)
        session.flush()
        ids.append(item.id)
        start = end
    audit.record(session, actor=actor, action="programme_template_applied", object_type="edition",
                 object_id=edition_id, after={"items": len(ids)})
    return ids


# ---------------------------------------------------------------- pitch order


def set_pitch_order(session: Session, *, actor: Actor, call_id: int, order: list[int], expected: list[int]) -> None:
    """Put the call's pitches in `order` (candidacy ids). `expected` is the order the lead
    saw: if the selection or another lead changed it since, the edit is refused as stale."""
    require(actor, Action.MANAGE_PROGRAMME)
    call = session.get(Call, call_id, with_for_update=True)
    if call is None:
        raise NotFound("Appel introuvable.")
    current = [pitch.candidacy_id for pitch in retained_pitches(session, [call_id])[call_id]]
    if current != list(expected):
        raise StaleEdit()
    if sorted(order) != sorted(current):
        raise ValidationFailed({"order": "L'ordre doit reprendre chaque structure retenue une fois."})
    session.execute(delete(PitchPosition).where(PitchPosition.call_id == call_id))
    session.add_all(PitchPosition(call_id=call_id, candidacy_id=candidacy_id, position=position)
                    for position, candidacy_id in enumerate(order, start=1))
    session.flush()
    audit.record(session, actor=actor, action="pitch_order_changed", object_type="call", object_id=call_id,
                 before={"order": current}, after={"order": list(order)})


def move_pitch(session: Session, *, actor: Actor, call_id: int, candidacy_id: int, offset: int,
               expected: list[int]) -> None:
    """One pitch `offset` places earlier (negative) or later; nothing past either end."""
    order = list(expected)
    if candidacy_id not in order:
        raise StaleEdit()
    index = order.index(candidacy_id)
    target = min(max(index + offset, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    set_pitch_order(session, actor=actor, call_id=call_id, order=order, expected=expected)


def item_form_values(starts_at: datetime, ends_at: datetime) -> tuple[str, str]:
    """An item's times as the form shows them (Paris, « 09:30 »)."""
    return paris_time(starts_at).strftime("%H:%M"), paris_time(ends_at).strftime("%H:%M")
