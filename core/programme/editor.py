"""What the programme editor shows for one edition, read in one go: the working copy, its
warnings, the published versions and the calls a pitch session may present."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.permissions import Action, Actor, require
from core.programme.publishing import VersionRow, list_versions
from core.programme.warnings import Warning, programme_warnings
from core.programme.working import Programme, working_programme
from db.models import Call, Edition


@dataclass(frozen=True)
class EditionChoice:
    id: int
    number: int
    title: str
    event_date: date


@dataclass(frozen=True)
class EditorView:
    programme: Programme
    warnings: list[Warning]
    versions: list[VersionRow]
    calls: dict[int, str]  # call id → theme title, in creation order

    @property
    def latest_number(self) -> int:
        return self.versions[0].number if self.versions else 0


def programme_editions(session: Session, *, actor: Actor) -> list[EditionChoice]:
    """The editions whose programme the lead may build, the latest first."""
    require(actor, Action.MANAGE_PROGRAMME)
    return [EditionChoice(e.id, e.number, e.title, e.event_date)
            for e in session.scalars(select(Edition).order_by(Edition.number.desc()))]


def editor_view(session: Session, *, actor: Actor, edition_id: int) -> EditorView:
    require(actor, Action.MANAGE_PROGRAMME)
    programme = working_programme(session, edition_id)
    calls = dict(session.execute(select(Call.id, Call.theme_title).where(Call.edition_id == edition_id)
                                 .order_by(Call.id)).all())
    return EditorView(programme=programme, warnings=programme_warnings(programme),
                      versions=list_versions(session, edition_id), calls=calls)
