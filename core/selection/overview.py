"""What the lead's selection page reads for one call: its pitch slots, whether its
decisions are published, the candidates frame (with the score the lead chose), and a
fingerprint of the decisions, so that a proposal made on one state of them is dropped
once they change. Reads only."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.permissions import Action, Actor, require
from core.review import board
from core.selection import frames
from db.models import Call, Deliberation

#: The scores a proposal can maximise: the review board's weighted total or normalised score.
SCORES = {"weighted": "Note pondérée", "normalised": "Score normalisé (corrige les évaluateurs sévères)"}


@dataclass(frozen=True)
class SelectionView:
    call_id: int
    pitch_slots: int
    published: bool
    candidates: pd.DataFrame  # frames.COLUMNS; score NaN unless a score was asked
    fingerprint: str

    def count(self, deliberation: Deliberation) -> int:
        return int((self.candidates["deliberation"] == deliberation.value).sum())

    @property
    def waitlist(self) -> pd.DataFrame:
        """The waiting-listed candidates by rank."""
        listed = self.candidates[self.candidates["deliberation"] == Deliberation.WAITLISTED.value]
        return listed.sort_values(["waitlist_rank", "candidacy_id"]).reset_index(drop=True)


def selection_view(session: Session, *, actor: Actor, call_id: int, score: str | None = None) -> SelectionView:
    """The call's candidates and decisions, the lead only; with `score` (a key of SCORES),
    each candidacy's score from the review board (NaN without reviews)."""
    require(actor, Action.DECIDE)
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound("Appel à candidatures introuvable.")
    candidates = frames.decisions_frame(session, actor=actor, call_id=call_id)
    if score is not None:
        if score not in SCORES:
            raise ValueError(score)
        candidates = frames.with_scores(candidates, board.board(session, actor=actor, call_id=call_id).frame[score])
    return SelectionView(call_id=call_id, pitch_slots=call.pitch_slots,
                         published=call.decisions_published_at is not None, candidates=candidates,
                         fingerprint=fingerprint(candidates))


def fingerprint(candidates: pd.DataFrame) -> str:
    """A digest of the decisions of a candidates frame: ids, versions, decisions, ranks.

    Hashed from the columns' bytes (fixed-width little-endian integers; the decisions joined
    by a separator none holds): the same digest in every process, for a few microseconds
    per thousand rows.
    """
    rows = candidates.sort_values("candidacy_id", kind="stable")
    digest = hashlib.sha256()
    for column, missing in (("candidacy_id", 0), ("version", 0), ("waitlist_rank", -1)):
        digest.update(rows[column].astype("Int64").fillna(missing).to_numpy(dtype="<i8").tobytes())
    digest.update("\x1f".join(rows["deliberation"].astype(str).tolist()).encode())
    return digest.hexdigest()
