"""The published programmes anyone may read, without signing in: the latest version of
each edition, upcoming editions first. Read from the versions only (never the working
copy), so nothing unpublished and no contact detail can show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.programme.snapshot import read_instant
from db.models import Edition, ItemKind, ProgrammeVersion, StructureKind


@dataclass(frozen=True)
class PublishedPitch:
    structure: str
    presenter: str | None
    kind: StructureKind | None
    departement: str | None
    title: str | None
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class PublishedItem:
    id: int
    kind: ItemKind
    title: str
    description: str | None
    speakers: str | None
    room: str | None
    starts_at: datetime
    ends_at: datetime
    pitches: tuple[PublishedPitch, ...]


@dataclass(frozen=True)
class PublishedProgramme:
    edition_number: int
    title: str
    event_date: date
    start_time: time
    end_time: time
    venue: str | None
    address: str | None
    city: str | None
    version: int
    note: str | None
    published_at: datetime
    items: tuple[PublishedItem, ...]


def _pitch(raw: dict) -> PublishedPitch:
    return PublishedPitch(structure=raw["structure"], presenter=raw.get("presenter"),
                          kind=StructureKind(raw["kind"]) if raw.get("kind") else None,
                          departement=raw.get("departement"), title=raw.get("title"),
                          starts_at=read_instant(raw["start"]), ends_at=read_instant(raw["end"]))


def read_version(version: ProgrammeVersion) -> PublishedProgramme:
    """A stored version as typed values (instants in UTC)."""
    return read_content(version.content, number=version.number, note=version.note,
                        published_at=version.published_at)


def read_content(content: dict, *, number: int, note: str | None, published_at: datetime) -> PublishedProgramme:
    """A version's content (core.programme.snapshot) as typed values (instants in UTC)."""
    edition = content["edition"]
    items = tuple(
        PublishedItem(id=raw["id"], kind=ItemKind(raw["kind"]), title=raw["title"], description=raw.get("description"),
                      speakers=raw.get("speakers"), room=raw.get("room"), starts_at=read_instant(raw["start"]),
                      ends_at=read_instant(raw["end"]), pitches=tuple(_pitch(p) for p in raw.get("pitches", [])))
        for raw in content["items"])
    return PublishedProgramme(
        edition_number=edition["number"], title=edition["title"], event_date=date.fromisoformat(edition["date"]),
        start_time=time.fromisoformat(edition["start_time"]), end_time=time.fromisoformat(edition["end_time"]),
        venue=edition.get("venue"), address=edition.get("address"), city=edition.get("city"),
        version=number, note=note, published_at=published_at, items=items)


def _latest_versions():
    latest = (select(ProgrammeVersion.edition_id, func.max(ProgrammeVersion.number).label("number"))
              .group_by(ProgrammeVersion.edition_id).subquery())
    return (select(ProgrammeVersion, Edition.event_date)
            .join(latest, (latest.c.edition_id == ProgrammeVersion.edition_id)
                  & (latest.c.number == ProgrammeVersion.number))
            .join(Edition, Edition.id == ProgrammeVersion.edition_id))


@dataclass(frozen=True)
class PastEdition:
    number: int
    title: str


def public_programmes(session: Session, *, today: date) -> tuple[list[PublishedProgramme], list[PastEdition]]:
    """(upcoming editions at their latest published version, soonest first; past editions
    with a published programme, latest first: read one with `latest_programme`). An edition
    held today counts as upcoming. Two queries whatever the history: the past versions'
    content is not read."""
    upcoming = session.execute(_latest_versions().where(Edition.event_date >= today)
                               .order_by(Edition.event_date)).all()
    past = session.execute(select(Edition.number, Edition.title).where(
        Edition.event_date < today, Edition.id.in_(select(ProgrammeVersion.edition_id)))
        .order_by(Edition.event_date.desc())).all()
    return [read_version(row.ProgrammeVersion) for row in upcoming], [PastEdition(*row) for row in past]


# Edition.number is an INTEGER column: a number beyond it names no edition, and the
# databases refuse to compare with it (an error, not an empty answer).
_NUMBERS = range(1, 2**31)


def latest_programme(session: Session, *, edition_number: int) -> PublishedProgramme | None:
    """The latest published version of the edition with this number, or None (also for a
    number no edition can have, such as one typed into a calendar address)."""
    if edition_number not in _NUMBERS:
        return None
    row = session.execute(_latest_versions().where(Edition.number == edition_number)).first()
    return read_version(row.ProgrammeVersion) if row else None


def calendar_path(edition_number: int) -> str:
    """The stable address a calendar app subscribes to (served by routes.programme)."""
    return f"/calendrier/rencontre-{edition_number}.ics"
