"""The pitches of a call, read from the selection every time: a decline, a promotion from
the waiting list or a withdrawal changes the session with nothing else to do.

A pitch is a candidacy that is selected, still submitted (not withdrawn) and not
declined; the lead's order (PitchPosition) comes first, newcomers after, in French alphabetical order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.collation import french_key
from db.models import Candidacy, Confirmation, Deliberation, PitchPosition, StructureKind, Submission


@dataclass(frozen=True)
class Pitch:
    """One retained structure as the programme shows it: never its contact details."""

    candidacy_id: int
    call_id: int
    structure: str
    presenter: str | None
    kind: StructureKind | None
    departement: str | None
    title: str | None
    confirmation: Confirmation

    @property
    def confirmed(self) -> bool:
        return self.confirmation == Confirmation.CONFIRMED


def retained_pitches(session: Session, call_ids: Iterable[int]) -> dict[int, list[Pitch]]:
    """call id → its pitches in the lead's order (one query for all the calls)."""
    call_ids = sorted(set(call_ids))
    found: dict[int, list[Pitch]] = {call_id: [] for call_id in call_ids}
    if not call_ids:
        return found
    query = (
        select(Candidacy.id, Candidacy.call_id, Candidacy.name, Candidacy.presenter_name, Candidacy.kind,
               Candidacy.departement, Candidacy.pitch_title, Candidacy.confirmation, PitchPosition.position)
        .outerjoin(PitchPosition, (PitchPosition.call_id == Candidacy.call_id)
                   & (PitchPosition.candidacy_id == Candidacy.id))
        .where(Candidacy.call_id.in_(call_ids), Candidacy.deliberation == Deliberation.SELECTED,
               Candidacy.submission == Submission.SUBMITTED, Candidacy.confirmation != Confirmation.DECLINED)
    )
    rows = sorted(session.execute(query), key=lambda r: (r.position is None, r.position or 0,
                                                        french_key(r.name or ""), r.id))
    for row in rows:
        found[row.call_id].append(Pitch(
            candidacy_id=row.id, call_id=row.call_id, structure=row.name or "", presenter=row.presenter_name,
            kind=row.kind, departement=row.departement, title=row.pitch_title, confirmation=row.confirmation))
    return found
