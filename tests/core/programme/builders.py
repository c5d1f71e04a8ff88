"""A call of an edition with retained candidacies, and its programme, through the models."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.programme.editing import ItemData, add_item
from core.programme.working import working_programme
from db.engine import read_only, unit_of_work
from db.models import Call, Candidacy, Confirmation, Deliberation, Edition, ItemKind, Submission
from tests.core.selection.builders import Spec, make_candidacies
from tests.factories import make_call, make_edition

NAMES = ("Bâti'Insert 95", "Élan Propreté", "Œuvre Verte", "Chantier École Ça Bouge", "Recyclerie « L'Étape »")


def make_edition_with_call(*, day: date = date(2027, 3, 18), pitch_minutes: int = 5) -> tuple[int, int]:
    edition_id = make_edition(event_date=day)
    call_id = make_call(edition_id)
    with unit_of_work() as session:
        session.get(Call, call_id).pitch_minutes = pitch_minutes
    return edition_id, call_id


def retained(call_id: int, count: int, *, confirmation: Confirmation = Confirmation.CONFIRMED) -> list[int]:
    """`count` selected candidacies of the call, named from NAMES, with their presenters."""
    specs = [Spec(name=NAMES[index % len(NAMES)] + ("" if index < len(NAMES) else f" {index}"),
                  contact_email=f"contact{index}@structure.exemple.fr",
                  extra={"deliberation": Deliberation.SELECTED, "confirmation": confirmation,
                         "presenter_name": f"Présentatrice {index + 1}", "pitch_title": "Second œuvre",
                         "contact_phone": "01 39 00 00 00"})
             for index in range(count)]
    return make_candidacies(call_id, specs)


def set_status(candidacy_id: int, **values) -> None:
    with unit_of_work() as session:
        candidacy = session.get(Candidacy, candidacy_id)
        for name, value in values.items():
            setattr(candidacy, name, value)


def decline(candidacy_id: int) -> None:
    set_status(candidacy_id, confirmation=Confirmation.DECLINED)


def withdraw(candidacy_id: int) -> None:
    set_status(candidacy_id, submission=Submission.WITHDRAWN, deliberation=Deliberation.PENDING)


def item(kind: ItemKind = ItemKind.PLENARY, start: str = "09:00", end: str = "09:30", **fields) -> ItemData:
    return ItemData(kind=kind.value, title=fields.pop("title", f"{kind.value} {start}"), start=start, end=end,
                    **fields)


def add(actor, edition_id: int, data: ItemData) -> int:
    with unit_of_work() as session:
        return add_item(session, actor=actor, edition_id=edition_id, data=data)


def programme(edition_id: int):
    with read_only() as session:
        return working_programme(session, edition_id)


def pitch_names(edition_id: int) -> list[str]:
    return [timed.pitch.structure for entry in programme(edition_id).items for timed in entry.pitches]


def edition_number(edition_id: int) -> int:
    with read_only() as session:
        return session.scalar(select(Edition.number).where(Edition.id == edition_id))

