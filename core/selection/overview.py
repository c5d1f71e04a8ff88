"""What the lead's selection page reads for one call: its pitch slots, whether its
decisions are published, the candidates frame (with the score the lead chose), and a
fingerprint of the decisions, so that a proposal made on one state of them is dropped
once they change. Reads only."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain
from types import MappingProxyType

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.permissions import Action, Actor, require
from core.review import board
from core.selection import frames
from core.selection.balance import Balance, balance
from db.models import Call, Deliberation

#: The scores a proposal can maximise: the review board's weighted total or normalised score.
SCORES = {"weighted": "Note pondérée", "normalised": "Score normalisé (corrige les évaluateurs sévères)"}


@dataclass(frozen=True)
class SelectionView:
    call_id: int
    pitch_slots: int
    published: bool
    fingerprint: str
    balance: Balance  # of the current decisions
    waitlist: pd.DataFrame  # the waiting-listed candidates by rank
    departements: tuple[str, ...]  # those of the candidates, in order
    sectors: frozenset[str]  # those of the candidates
    counts: Mapping[str, int]  # deliberation value → candidacies
    kept: pd.DataFrame = field(repr=False)  # the frame as kept for every reader: never changed
    scores: pd.Series | None = field(default=None, repr=False)

    @cached_property
    def candidates(self) -> pd.DataFrame:
        """frames.COLUMNS; score NaN unless a score was asked. This reader's own copy (copy-on-
        write: a change of a cell copies its column; lists of its own in `sectors`), made
        when first asked: a page run that does not read it does not pay for it."""
        sectors = np.empty(len(self.kept), dtype=object)
        for index, row in enumerate(self.kept["sectors"].tolist()):  # one by one: numpy would make lists 2-D
            sectors[index] = list(row)
        candidates = self.kept.assign(sectors=sectors)
        return candidates if self.scores is None else frames.with_scores(candidates, self.scores)

    def count(self, deliberation: Deliberation) -> int:
        return self.counts.get(deliberation.value, 0)

    def version_of(self, candidacy_id: int | None) -> int:
        """The version of a candidacy of the call as read (0 if it is not among them)."""
        found = self.kept["version"].to_numpy()[self.kept["candidacy_id"].to_numpy() == candidacy_id]
        return int(found[0]) if len(found) else 0


def selection_view(session: Session, *, actor: Actor, call_id: int, score: str | None = None) -> SelectionView:
    """The call's candidates and decisions, the lead only; with `score` (a key of SCORES),
    each candidacy's score from the review board (NaN without reviews)."""
    require(actor, Action.DECIDE)
    call = session.get(Call, call_id)  # no query when the session read the calls already (the page's menu)
    if call is None:
        raise NotFound("Appel à candidatures introuvable.")
    if score is not None and score not in SCORES:
        raise ValueError(score)
    read = _RECENT.get(frames.decision_rows(session, call_id))
    scores = None if score is None else board.board(session, actor=actor, call_id=call_id).frame[score]
    return SelectionView(call_id=call_id, pitch_slots=call.pitch_slots,
                         published=call.decisions_published_at is not None, fingerprint=read.fingerprint,
                         balance=read.balance, waitlist=read.waitlist.copy(), departements=read.departements,
                         sectors=read.sectors, counts=read.counts, kept=read.candidates, scores=scores)


@dataclass(frozen=True)
class _Read:
    """What the page derives from a call's rows (see SelectionView)."""

    candidates: pd.DataFrame
    fingerprint: str
    balance: Balance
    waitlist: pd.DataFrame
    departements: tuple[str, ...]
    sectors: frozenset[str]
    counts: Mapping[str, int]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Read:
        listed = frame[frame["deliberation"] == Deliberation.WAITLISTED.value]
        return cls(candidates=frame, fingerprint=fingerprint(frame), balance=balance(frame),
                   waitlist=listed.sort_values(["waitlist_rank", "candidacy_id"]).reset_index(drop=True),
                   departements=tuple(sorted(frame["departement"].dropna().unique())),
                   sectors=frozenset(chain.from_iterable(frame["sectors"].tolist())),
                   counts=MappingProxyType({str(k): int(v) for k, v in frame["deliberation"].value_counts().items()}))


class _Recent:
    """The `_Read` of the last few distinct row sets, kept while the rows are exactly the same.

    The page reads every submitted candidacy on each rerun, and building the frame and its
    balance costs more than the query; most reruns (a click, a field filled) find the very
    same rows. A kept value is used only for rows equal to those it was made from (compared
    whole): any change of a row builds anew, so it is never stale, and nothing depends on
    time or on another process."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._kept: OrderedDict[int, tuple[list[tuple], _Read]] = OrderedDict()
        self._lock = threading.Lock()  # sessions run in threads of one process

    def get(self, rows: list[tuple]) -> _Read:
        # A cheap key (the same call and bounds keep one entry); the rows compared whole decide.
        key = hash((len(rows), rows[0] if rows else None, rows[-1] if rows else None))
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] == rows:
                self._kept.move_to_end(key)
                return kept[1]
        read = _Read.of(frames.frame_of_rows(rows))
        with self._lock:
            self._kept[key] = (rows, read)
            self._kept.move_to_end(key)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return read


_RECENT = _Recent()


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
