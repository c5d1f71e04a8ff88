"""The working copy of an edition's programme, as the editor shows it and as a version is
frozen from: its items in time order, each pitch session with its timed pitches."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.programme.pitches import Pitch, retained_pitches
from core.programme.timing import paris_instant, pitch_times
from db.models import Call, Edition, ItemKind, ProgrammeItem


@dataclass(frozen=True)
class EditionInfo:
    id: int
    number: int
    title: str
    event_date: date
    start_time: time
    end_time: time
    venue: str | None
    address: str | None
    city: str | None

    @property
    def starts_at(self) -> datetime:
        return paris_instant(self.event_date, self.start_time)

    @property
    def ends_at(self) -> datetime:
        return paris_instant(self.event_date, self.end_time)


@dataclass(frozen=True)
class TimedPitch:
    pitch: Pitch
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class Item:
    """One item with its times (UTC); a pitch session also carries its call and pitches."""

    id: int
    kind: ItemKind
    title: str
    description: str | None
    speakers: str | None
    room: str | None
    starts_at: datetime
    ends_at: datetime
    version: int
    call_id: int | None = None
    call_title: str | None = None
    pitch_minutes: int | None = None
    changeover_minutes: int = 0
    pitches: tuple[TimedPitch, ...] = ()


@dataclass(frozen=True)
class Programme:
    edition: EditionInfo
    items: tuple[Item, ...]

    def only_confirmed(self) -> Programme:
        """The programme as it may be published: the pitches not yet confirmed left out, and
        the confirmed ones timed again back to back (no hole where a pending one was)."""
        return replace(self, items=tuple(_timed(item, [p.pitch for p in item.pitches if p.pitch.confirmed])
                                         for item in self.items))


def edition_info(edition: Edition) -> EditionInfo:
    return EditionInfo(id=edition.id, number=edition.number, title=edition.title, event_date=edition.event_date,
                       start_time=edition.start_time, end_time=edition.end_time, venue=edition.venue,
                       address=edition.address, city=edition.city)


def _timed(item: Item, pitches: list[Pitch]) -> Item:
    if item.kind != ItemKind.PITCHES or item.pitch_minutes is None:
        return item
    times = pitch_times(item.starts_at, len(pitches), pitch_minutes=item.pitch_minutes,
                        changeover_minutes=item.changeover_minutes)
    return replace(item, pitches=tuple(TimedPitch(p, s, e) for p, (s, e) in zip(pitches, times, strict=True)))


def working_programme(session: Session, edition_id: int) -> Programme:
    """The edition's items in time order with their pitch sessions filled (three queries)."""
    edition = session.get(Edition, edition_id)
    if edition is None:
        raise NotFound("Rencontre introuvable.")
    rows = session.execute(
        select(ProgrammeItem, Call.theme_title, Call.pitch_minutes)
        .outerjoin(Call, Call.id == ProgrammeItem.call_id)
        .where(ProgrammeItem.edition_id == edition_id)
        .order_by(ProgrammeItem.starts_at, ProgrammeItem.ends_at, ProgrammeItem.id)
    ).all()
    pitches = retained_pitches(session, [row.ProgrammeItem.call_id for row in rows if row.ProgrammeItem.call_id])
    items = []
    for row in rows:
        stored = row.ProgrammeItem
        item = Item(id=stored.id, kind=stored.kind, title=stored.title, description=stored.description,
                    speakers=stored.speakers, room=stored.room, starts_at=stored.starts_at, ends_at=stored.ends_at,
                    version=stored.version, call_id=stored.call_id, call_title=row.theme_title,
                    pitch_minutes=row.pitch_minutes, changeover_minutes=stored.changeover_minutes)
        items.append(_timed(item, pitches.get(stored.call_id, [])))
    return Programme(edition=edition_info(edition), items=tuple(items))
