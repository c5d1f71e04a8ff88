"""The lead's decisions on submitted candidacies, one at a time or on the board's selected rows.

A decision is retenue, liste d'attente (at a rank), non retenue, or back to pending.
Rules, all checked inside the write transaction with the call locked (see `state`):
only the lead decides; only submitted candidacies; a decision made on a stale view is
refused (the candidacy's version); never more retained than the call's pitch slots;
the waiting list stays ranked 1..n; once the call's decisions are published, changes go
through `publication.revise` only. A withdrawal releases the decision (`release_on_withdrawal`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.orm import Session

from core.errors import ValidationFailed
from core.permissions import Action, Actor, require
from core.selection import state
from db.models import Deliberation


def decide(
    session: Session,
    *,
    actor: Actor,
    candidacy_id: int,
    expected_version: int,
    decision: Deliberation | str,
    rank: int | str | None = None,
    now: datetime | None = None,
) -> dict[int, int]:
    """Give one submitted candidacy a decision; return the new version of each candidacy changed.

    On the waiting list it goes at `rank` (1..n + 1; the others below move down), or last
    when no rank is given; leaving the list closes the ranks up. Giving the decision it
    already has changes nothing. Refuses: NotAllowed (not the lead), NotFound, StaleEdit,
    ValidationFailed (draft or withdrawn, bad decision, bad rank), CapacityReached,
    DecisionsPublished. Side effects: the changed rows (version +1)
    and one audit row each (« decision_set », « waitlist_shifted » for the others moved).
    """
    require(actor, Action.DECIDE)
    decision = state.parse_decision(decision)
    decisions = state.lock(session, state.call_of(session, candidacy_id), targets=[candidacy_id])
    decisions.refuse_if_published()
    decisions.target(candidacy_id, expected_version)
    position = None
    if decision == Deliberation.WAITLISTED:
        others = len([i for i in decisions.waitlist if i != candidacy_id])
        chosen = state.parse_rank(rank, largest=others + 1)
        position = None if chosen is None else chosen - 1
    decisions.set(candidacy_id, decision, position)
    decisions.require_capacity()
    return state.write(session, decisions, actor=actor, action="decision_set", now=now)


def decide_many(
    session: Session,
    *,
    actor: Actor,
    call_id: int,
    expected_versions: Mapping[int, int],
    decision: Deliberation | str,
    now: datetime | None = None,
) -> dict[int, int]:
    """Give the same decision to several candidacies of one call (the board's selected rows), all or none.

    Waiting-listed ones are appended in the order given. The rules and refusals are
    `decide`'s, checked for every candidacy before anything is written; the slot limit
    is checked on the whole act.
    """
    require(actor, Action.DECIDE)
    decision = state.parse_decision(decision)
    if not expected_versions:
        raise ValidationFailed({"decision": "Sélectionnez au moins une candidature."})
    decisions = state.lock(session, call_id, targets=list(expected_versions))
    decisions.refuse_if_published()
    for candidacy_id, version in expected_versions.items():
        decisions.target(candidacy_id, version)
    for candidacy_id in expected_versions:
        if decisions.outcome[candidacy_id] != decision:  # a waitlisted one keeps its rank
            decisions.set(candidacy_id, decision)
    decisions.require_capacity()
    detail = f"Décision groupée ({len(expected_versions)} candidatures)" if len(expected_versions) > 1 else None
    return state.write(session, decisions, actor=actor, action="decision_set", detail=detail, now=now)


def release_on_withdrawal(session: Session, *, actor: Actor, candidacy_id: int,
                          now: datetime | None = None) -> bool:
    """Inside a withdrawal's transaction: the withdrawn candidacy loses its decision.

    It goes back to pending; if it was on the waiting list, it leaves it and the ranks
    behind it close up. Returns whether there was a decision to release. The withdrawal
    path checks its actor and version itself; it must take `state.lock_call` before it
    locks the candidacy (not a FOR SHARE lock on the call: two withdrawals upgrading it
    at once would deadlock). Side effects: audit rows « decision_released » and
    « waitlist_shifted »; the withdrawn row's version is the withdrawal's to count.
    """
    session.flush()  # the withdrawal's own changes first: the rows are rewritten below
    decisions = state.lock(session, state.call_of(session, candidacy_id), targets=[candidacy_id])
    if decisions.stored[candidacy_id].deliberation == Deliberation.PENDING:
        return False
    decisions.targets.append(candidacy_id)
    decisions.set(candidacy_id, Deliberation.PENDING)
    state.write(session, decisions, actor=actor, action="decision_released", keep_version={candidacy_id},
                detail="Candidature retirée par son réseau", now=now)
    return True

