"""What the lead should look at before publishing. Warnings never block an edit: the
working copy may be unfinished; they say plainly what is wrong and where."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from core.clock import format_date, format_time
from core.programme.timing import minutes_between, paris_date, pitches_minutes
from core.programme.working import Item, Programme
from db.models import Confirmation, ItemKind


@dataclass(frozen=True)
class Warning:
    code: str  # too_short, overlap, outside_hours, other_day, not_confirmed
    message: str
    item_ids: tuple[int, ...] = ()


def programme_warnings(programme: Programme) -> list[Warning]:
    """Every warning of the working copy, items in time order."""
    found: list[Warning] = []
    for item in programme.items:
        found += _too_short(item) + _outside_hours(programme, item) + _not_confirmed(item)
    found += _overlaps(programme.items)
    return found


def _too_short(item: Item) -> list[Warning]:
    if item.kind != ItemKind.PITCHES or item.pitch_minutes is None:
        return []
    needed = pitches_minutes(len(item.pitches), pitch_minutes=item.pitch_minutes,
                             changeover_minutes=item.changeover_minutes)
    available = minutes_between(item.starts_at, item.ends_at)
    if needed <= available:
        return []
    return [Warning("too_short", f"« {item.title} » dure {available} min, mais ses {len(item.pitches)} "
                                 f"présentations en demandent {needed} (changements compris).", (item.id,))]


def _outside_hours(programme: Programme, item: Item) -> list[Warning]:
    edition = programme.edition
    if edition.starts_at <= item.starts_at and item.ends_at <= edition.ends_at:
        return []
    day = paris_date(item.starts_at)
    if day != edition.event_date:  # the edition was moved to another day after the item was placed
        return [Warning("other_day", f"« {item.title} » est placé le {format_date(day)}, pas le jour de la "
                                         f"rencontre ({format_date(edition.event_date)}) : modifiez ses horaires.",
                        (item.id,))]
    return [Warning("outside_hours", f"« {item.title} » ({format_time(item.starts_at)} – "
                                     f"{format_time(item.ends_at)}) sort des horaires de la rencontre "
                                     f"({format_time(edition.start_time)} – {format_time(edition.end_time)}).",
                    (item.id,))]


def _not_confirmed(item: Item) -> list[Warning]:
    return [Warning("not_confirmed", f"{timed.pitch.structure} n'a pas encore confirmé sa présentation "
                                     f"(« {item.title} ») : elle n'apparaîtra pas dans le programme publié.",
                    (item.id,))
            for timed in item.pitches if timed.pitch.confirmation == Confirmation.PENDING]


def room_key(room: str | None) -> str:
    """Rooms compared as people write them; no room at all is the one main room."""
    return " ".join((room or "").split()).casefold()


def _overlaps(items: tuple[Item, ...]) -> list[Warning]:
    found = []
    for first, second in combinations(items, 2):
        if room_key(first.room) == room_key(second.room) and first.starts_at < second.ends_at \
                and second.starts_at < first.ends_at:
            where = f"en salle « {first.room.strip()} »" if room_key(first.room) else "dans la salle principale"
            found.append(Warning("overlap", f"« {first.title} » et « {second.title} » se chevauchent {where}.",
                                 (first.id, second.id)))
    return found
