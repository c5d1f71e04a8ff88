"""Publishing the programme: numbered versions with a change note, read back later.

Only confirmed pitches enter a version (`Programme.only_confirmed`). Edits made after a
publication stay in the working copy until the next one. `time_changes` tells, for a
version, which presenters' time moved since the version before: the programme change
message is queued for them (core.programme.changes, in the publication's transaction), and
for nobody else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.clock import utcnow
from core.errors import NotFound, StaleEdit, ValidationFailed
from core.permissions import Action, Actor, require
from core.programme.changes import queue_programme_changes
from core.programme.snapshot import pitch_starts, programme_snapshot
from core.programme.working import working_programme
from core.validation import FieldError, clean_text
from db.models import Edition, ProgrammeVersion

NOTE_LENGTH = 300


@dataclass(frozen=True)
class VersionRow:
    id: int
    number: int
    note: str | None
    published_at: datetime
    content: dict


@dataclass(frozen=True)
class TimeChange:
    candidacy_id: int
    old_start: datetime
    new_start: datetime


def latest_number(session: Session, edition_id: int) -> int:
    """The number of the edition's latest version, 0 before the first publication."""
    return session.scalar(select(func.max(ProgrammeVersion.number)).where(
        ProgrammeVersion.edition_id == edition_id)) or 0


def publish_programme(session: Session, *, actor: Actor, edition_id: int, note: str, expected_number: int,
                      now: datetime | None = None) -> int:
    """Freeze the working copy (confirmed pitches only) as version n + 1; its id. Audit row.

    `expected_number` is the latest version the lead saw: if another lead published in
    between, this publication is refused as stale rather than numbered after it unseen.
    Publishing again what the latest version holds, with its note (a double click, a
    retry), writes nothing and returns that version's id.
    """
    require(actor, Action.MANAGE_PROGRAMME)
    try:
        clean_note = clean_text(note, label="Note de version", required=True, max_length=NOTE_LENGTH)
    except FieldError as error:
        raise ValidationFailed({"note": error.message}) from None
    # The edition row is locked so that two publications cannot take the same number.
    if session.get(Edition, edition_id, with_for_update=True) is None:
        raise NotFound("Rencontre introuvable.")
    number = latest_number(session, edition_id)
    content = programme_snapshot(working_programme(session, edition_id).only_confirmed())
    latest = _version(session, edition_id, number)
    if latest is not None and latest.content == content and latest.note == clean_note:
        return latest.id  # a double click or a retry: the same publication, done once
    if number != expected_number:
        raise StaleEdit("Une autre version du programme a été publiée entre-temps. Rechargez la page "
                        "pour la voir avant de publier à nouveau.")
    version = ProgrammeVersion(edition_id=edition_id, number=number + 1, note=clean_note, content=content,
                               published_at=now or utcnow(), published_by_id=actor.user_id)
    session.add(version)
    session.flush()
    audit.record(session, actor=actor, action="programme_published", object_type="edition", object_id=edition_id,
                 after={"number": version.number, "note": clean_note,
                        "items": len(content["items"]), "pitches": len(pitch_starts(content))})
    queue_programme_changes(session, version_id=version.id, changes=time_changes(session, version.id))
    return version.id


def _version(session: Session, edition_id: int, number: int) -> ProgrammeVersion | None:
    return session.scalar(select(ProgrammeVersion).where(ProgrammeVersion.edition_id == edition_id,
                                                          ProgrammeVersion.number == number))


def list_versions(session: Session, edition_id: int) -> list[VersionRow]:
    """Every published version of the edition, newest first."""
    return [VersionRow(v.id, v.number, v.note, v.published_at, v.content) for v in session.scalars(
        select(ProgrammeVersion).where(ProgrammeVersion.edition_id == edition_id)
        .order_by(ProgrammeVersion.number.desc()))]


def time_changes(session: Session, version_id: int) -> list[TimeChange]:
    """The pitches of this version whose start differs from the version before, by candidacy.

    A pitch new to this version (or the first version) is no change of time: it is told
    by the selection's own messages. A pitch that left the programme is not either.
    """
    version = session.get(ProgrammeVersion, version_id)
    if version is None:
        raise NotFound("Version du programme introuvable.")
    previous = session.scalar(select(ProgrammeVersion).where(
        ProgrammeVersion.edition_id == version.edition_id, ProgrammeVersion.number < version.number)
        .order_by(ProgrammeVersion.number.desc()).limit(1))
    if previous is None:
        return []
    before, after = pitch_starts(previous.content), pitch_starts(version.content)
    return [TimeChange(candidacy_id, before[candidacy_id], start) for candidacy_id, start in after.items()
            if candidacy_id in before and before[candidacy_id] != start]
