"""A proposal against the current decisions, and applying it when the lead accepts.

`diff` is pure: who comes in, who goes out, who stays, the proposed waiting list beside
the current ranks, and the score lost against the unconstrained top-N. `apply_proposal`
writes it as one audited act, refused if any decision it would change moved since the
candidates were read (their versions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy.orm import Session

from core import audit
from core.errors import StaleEdit, ValidationFailed
from core.permissions import Action, Actor, require
from core.selection import state
from core.selection.proposal import Proposal
from db.models import Deliberation

_SHOWN = ["candidacy_id", "name", "network", "kind", "departement", "score"]
_ROW_DTYPES = {"candidacy_id": "int64", "name": "string", "network": "string", "kind": "string",
               "departement": "string", "score": "float64", "now": "string"}
_LABELS = Deliberation.labels()


@dataclass(frozen=True)
class ProposalDiff:
    """The proposal as changes. Frames: candidacy_id, name, network, kind, departement,
    score, now (the current decision, in French); `waitlist` adds rank, current_rank, covers."""

    comes_in: pd.DataFrame
    goes_out: pd.DataFrame
    stays: pd.DataFrame
    waitlist: pd.DataFrame
    current_score: float  # of the candidacies retained now
    score: float
    best_score: float
    expected_versions: dict[int, int]  # what `apply_proposal` checks, as the frame read them
    leaves_waitlist: bool  # someone on the current waiting list is on neither proposed list

    @property
    def score_lost(self) -> float:
        """Against the top-N by score with no limit."""
        return max(self.best_score - self.score, 0.0)

    @property
    def changes_anything(self) -> bool:
        moved = (self.waitlist["current_rank"].fillna(0) != self.waitlist["rank"]).any()
        return not (self.comes_in.empty and self.goes_out.empty) or bool(moved) or self.leaves_waitlist


def diff(proposal: Proposal, candidates: pd.DataFrame) -> ProposalDiff:
    """Compare a proposal with the decisions of the same candidates frame (see `frames`)."""
    frame = candidates.assign(score=candidates["score"].fillna(0.0))
    now = frame["deliberation"].map(_LABELS).astype("string")
    ranked = frame["waitlist_rank"].notna()
    now = now.where(~ranked, now + " (rang " + frame["waitlist_rank"].astype("string") + ")")
    frame = frame.assign(now=now)
    retained_now = frame["deliberation"] == Deliberation.SELECTED.value
    proposed = frame["candidacy_id"].isin(proposal.selected)
    by_id = frame.set_index("candidacy_id")
    waitlist = pd.DataFrame({
        "rank": pd.Series(range(1, len(proposal.waitlist) + 1), dtype="int64"),
        "candidacy_id": pd.Series(proposal.waitlist, dtype="int64"),
        "covers": pd.Series(proposal.covers, dtype="int64"),
    })
    waitlist = waitlist.join(by_id[["name", "network", "kind", "departement", "score", "waitlist_rank"]],
                             on="candidacy_id").rename(columns={"waitlist_rank": "current_rank"})
    leaves = bool((ranked & ~frame["candidacy_id"].isin([*proposal.waitlist, *proposal.selected])).any())
    return ProposalDiff(
        comes_in=_rows(frame[proposed & ~retained_now], order=proposal.selected),
        goes_out=_rows(frame[retained_now & ~proposed]),
        stays=_rows(frame[retained_now & proposed], order=proposal.selected),
        waitlist=waitlist.astype({"current_rank": "Int64", "name": "string", "network": "string",
                                  "kind": "string", "departement": "string", "score": "float64"}),
        current_score=float(frame.loc[retained_now, "score"].sum()),
        score=proposal.score, best_score=proposal.best_score,
        expected_versions={int(i): int(v) for i, v in zip(frame["candidacy_id"], frame["version"], strict=True)},
        leaves_waitlist=leaves,
    )


def _rows(frame: pd.DataFrame, order: Sequence[int] = ()) -> pd.DataFrame:
    rows = frame[[*_SHOWN, "now"]]
    if order:
        position = {candidacy_id: index for index, candidacy_id in enumerate(order)}
        rows = rows.assign(_at=rows["candidacy_id"].map(position)).sort_values("_at").drop(columns="_at")
    else:
        rows = rows.sort_values(["score", "candidacy_id"], ascending=[False, True])
    return rows.reset_index(drop=True).astype(_ROW_DTYPES)


def apply_proposal(
    session: Session,
    *,
    actor: Actor,
    call_id: int,
    selected: Sequence[int],
    waitlist: Sequence[int],
    expected_versions: Mapping[int, int],
    description: str | None = None,
    now: datetime | None = None,
) -> dict[int, int]:
    """Make the proposal the call's decisions, in one act; return the new versions.

    The `selected` are retained, the `waitlist` becomes the whole waiting list in that
    order, and the candidacies retained or waiting-listed now but in neither go back to
    pending (non retenues stay so). Refuses: NotAllowed, StaleEdit (a decision to change
    whose version is not the expected one, or that the proposal did not see), NotFound,
    ValidationFailed (a candidacy twice, not submitted), CapacityReached, DecisionsPublished.
    Side effects: the candidacies' rows (« decision_set », « waitlist_shifted » audit rows) and
    one « proposal_applied » row on the call with the selection, the list and `description`.
    """
    require(actor, Action.DECIDE)
    if len(set(selected) | set(waitlist)) != len(selected) + len(waitlist):
        raise ValidationFailed({"proposal": "Une candidature figure deux fois dans la proposition."})
    decisions = state.lock(session, call_id, targets=[*selected, *waitlist])
    decisions.refuse_if_published()
    missing = [i for i in (*selected, *waitlist) if i not in decisions.stored]
    if missing:
        raise StaleEdit("Une candidature de la proposition n'est plus dans cet appel : refaites la proposition.")
    for candidacy_id in list(decisions.stored):
        if decisions.outcome[candidacy_id] in (Deliberation.SELECTED, Deliberation.WAITLISTED) and \
                candidacy_id not in selected and candidacy_id not in waitlist:
            decisions.set(candidacy_id, Deliberation.PENDING)
    for candidacy_id in selected:
        decisions.set(candidacy_id, Deliberation.SELECTED)
    for position, candidacy_id in enumerate(waitlist):
        decisions.set(candidacy_id, Deliberation.WAITLISTED, position)
    for row, _, _ in decisions.changes():
        if row.id not in expected_versions:
            raise StaleEdit("Les décisions ont changé depuis la proposition : refaites-la avant de l'appliquer.")
        decisions.target(row.id, expected_versions[row.id])
    decisions.require_capacity()
    versions = state.write(session, decisions, actor=actor, action="decision_set",
                           detail="Proposition de sélection appliquée", now=now)
    audit.record(session, actor=actor, action="proposal_applied", object_type="call", object_id=call_id,
                 after={"selected": list(selected), "waitlist": list(waitlist)}, detail=description)
    return versions
