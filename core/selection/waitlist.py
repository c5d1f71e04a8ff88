"""The waiting list of a call, reordered by the lead: move up, move down, or set the rank.

Ranks stay 1..n without holes or duplicates whatever the operation (the unique
(call, rank) index of the database backs it); a move changes the versions of the rows
whose rank changes, so a tab that showed the old order refuses its next act on them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.permissions import Action, Actor, require
from core.selection import state
from db.models import Deliberation


def move_up(session: Session, *, actor: Actor, candidacy_id: int, expected_version: int,
            now: datetime | None = None) -> dict[int, int]:
    """One place towards the head of the list (nothing at the head). See `set_rank`."""
    return _move(session, actor=actor, candidacy_id=candidacy_id, expected_version=expected_version,
                 to=lambda rank, size: max(rank - 1, 1), now=now)


def move_down(session: Session, *, actor: Actor, candidacy_id: int, expected_version: int,
              now: datetime | None = None) -> dict[int, int]:
    """One place towards the end of the list (nothing at the end). See `set_rank`."""
    return _move(session, actor=actor, candidacy_id=candidacy_id, expected_version=expected_version,
                 to=lambda rank, size: min(rank + 1, size), now=now)


def set_rank(session: Session, *, actor: Actor, candidacy_id: int, expected_version: int,
             rank: int | str | None, now: datetime | None = None) -> dict[int, int]:
    """Put a waiting-listed candidacy at `rank` (1..n); the ones between move by one place.

    Returns the new version of each candidacy whose rank changed. Refuses: NotAllowed,
    NotFound, StaleEdit, ValidationFailed (not on the list; rank empty, not a whole
    number or outside 1..n), DecisionsPublished (use « Réviser »). Side effects: one
    audit row per candidacy moved (« waitlist_moved », « waitlist_shifted »).
    """
    return _move(session, actor=actor, candidacy_id=candidacy_id, expected_version=expected_version,
                 to=lambda current, size: state.parse_rank(rank, largest=size, required=True), now=now)


def _move(session, *, actor, candidacy_id, expected_version, to, now) -> dict[int, int]:
    require(actor, Action.DECIDE)
    decisions = state.lock(session, state.call_of(session, candidacy_id), targets=[candidacy_id])
    decisions.refuse_if_published()
    decisions.target(candidacy_id, expected_version)
    current = decisions.rank(candidacy_id)
    if current is None:
        raise ValidationFailed({"rank": "Cette candidature n'est pas sur la liste d'attente."})
    wanted = to(current, len(decisions.waitlist))
    decisions.set(candidacy_id, Deliberation.WAITLISTED, wanted - 1)
    return state.write(session, decisions, actor=actor, action="waitlist_moved", now=now)
