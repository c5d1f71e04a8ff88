"""What a reviewer reads: the calls she reviews with her progress, her list of candidacies
(never one she is in conflict with, only submitted ones, only hers on an assigned call),
the next one to review, and a candidacy's review sheet — the whole candidacy, the criteria,
her review, and the others' reviews only once she has submitted her own (the lead, who
sees the board, sees them always)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.permissions import Action, Actor, can, require
from core.review import coverage
from core.review.board import ReviewView, candidacy_pairs, load_review_rows, review_views
from core.review.facts import CriterionInfo, Facts, load_criteria, load_facts
from core.review.rules import NotAssigned, NotReviewer, in_conflict, review_closed
from db.models import Call, CallReviewer, CallState, Candidacy, Edition, Network, ReviewState, Structure, Submission

DONE_STATES = (ReviewState.SUBMITTED.value, ReviewState.ABSTAINED.value)


def progress_label(done: int, expected: int) -> str:
    """« 12 / 40 évaluées »."""
    return f"{done} / {expected} évaluée{'s' if done > 1 else ''}"


@dataclass(frozen=True)
class MyCall:
    call_id: int
    theme_title: str
    edition_number: int
    edition_title: str
    closes_at: datetime
    closed: bool  # decisions published: reviews are read-only
    done: int
    expected: int

    @property
    def progress(self) -> str:
        return progress_label(self.done, self.expected)


def my_calls(session: Session, *, actor: Actor, progress: bool = True) -> list[MyCall]:
    """The published calls the actor was named to review, newest edition first, with her
    progress (zeros without `progress`: one query instead of six)."""
    require(actor, Action.REVIEW)
    rows = session.execute(
        select(Call, Edition.number, Edition.title)
        .join(CallReviewer, CallReviewer.call_id == Call.id).join(Edition, Edition.id == Call.edition_id)
        .where(CallReviewer.reviewer_id == actor.user_id, Call.state != CallState.DRAFT)
        .order_by(Edition.event_date.desc(), Call.id)
    ).all()
    call_ids = [call.id for call, _, _ in rows]
    pairs = coverage.load_pairs(session, call_ids, reviewer_id=actor.user_id) if call_ids and progress else None
    sums = pairs.groupby("call_id")[["done", "expected"]].sum() if pairs is not None else pd.DataFrame()
    return [MyCall(call_id=call.id, theme_title=call.theme_title, edition_number=number, edition_title=title,
                   closes_at=call.closes_at, closed=review_closed(call),
                   done=int(sums["done"].get(call.id, 0)) if not sums.empty else 0,
                   expected=int(sums["expected"].get(call.id, 0)) if not sums.empty else 0)
            for call, number, title in rows]


@dataclass(frozen=True, slots=True)  # slots: one object per item, not two (5,000 per run)
class QueueItem:
    candidacy_id: int
    structure: str
    kind: str | None
    departement: str | None
    network: str
    state: ReviewState | None  # of her review

    @property
    def waiting(self) -> bool:
        """Neither submitted nor abstained on: still to do."""
        return self.state is None or self.state.value not in DONE_STATES


@dataclass(frozen=True)
class Queue:
    call_id: int
    theme_title: str
    closed: bool
    items: list[QueueItem]
    done: int
    expected: int

    @property
    def progress(self) -> str:
        return progress_label(self.done, self.expected)


def _named_call(session: Session, actor: Actor, call_id: int) -> Call:
    require(actor, Action.REVIEW)
    call = session.get(Call, call_id)
    named = call is not None and session.get(CallReviewer, (call_id, actor.user_id)) is not None
    if not named or call.state == CallState.DRAFT:
        raise NotReviewer()
    return call


def queue(session: Session, *, actor: Actor, call_id: int) -> Queue:
    """The candidacies the actor may review in the call, in submission order, with her state
    and progress. A constant number of queries, reading her reviews only. The candidacies are
    read by slices and stay plain rows (no DataFrame round trip); only her items outlive a slice."""
    call = _named_call(session, actor, call_id)
    rule = coverage.load_rule(session, [call_id], reviewer_id=actor.user_id)
    given = coverage.load_states(session, [call_id], reviewer_id=actor.user_id)
    rows = session.connection().execute(
        select(Candidacy.id, Candidacy.call_id, Candidacy.network_id, Structure.siret, Candidacy.name,
               type_coerce(Candidacy.kind, String()), Candidacy.departement, Network.name)
        .join(Structure, Structure.id == Candidacy.structure_id).join(Network, Network.id == Candidacy.network_id)
        .where(Candidacy.call_id == call_id, Candidacy.submission == Submission.SUBMITTED)
        .order_by(Candidacy.submitted_at, Candidacy.id)
    )
    items, done, expected = [], 0, 0
    for part in rows.partitions(500):
        mine = rule.counted(part, given)
        done, expected = done + mine.done, expected + mine.expected
        states = {i: ReviewState(s) if s is not None else None
                  for i, s in zip(mine.candidacy_id, mine.state, strict=True)}
        items.extend(QueueItem(candidacy_id=i, structure=name or "", kind=kind, departement=departement,
                               network=network, state=states[i])
                     for i, _, _, _, name, kind, departement, network in part if i in states)
    return Queue(call_id=call_id, theme_title=call.theme_title, closed=review_closed(call), items=items,
                 done=done, expected=expected)


def next_candidacy(session: Session, *, actor: Actor, queue: Queue, after: int | None = None) -> int | None:
    """The next candidacy of her queue for her: one still waiting (not `after`), the one with
    the fewest counted reviews first, then the oldest. Read when asked (the page's first run,
    a save), from one aggregate query: fresh, and nothing over everyone's reviews in Python."""
    require(actor, Action.REVIEW)
    waiting = [i.candidacy_id for i in queue.items if i.waiting and i.candidacy_id != after]
    if not waiting:
        return None
    counts = coverage.done_counts(session, queue.call_id)
    return min(waiting, key=lambda i: (counts.get(i, 0), i))


@dataclass(frozen=True)
class MyReview:
    version: int
    state: ReviewState
    scores: dict[int, int]
    comment: str | None
    shared_comment: str | None
    abstention_reason: str | None


@dataclass(frozen=True)
class Sheet:
    facts: Facts
    theme_title: str
    criteria: list[CriterionInfo]
    mine: MyReview | None
    others: Sequence[ReviewView] | None  # None: hidden until she submits her own
    closed: bool

    @property
    def editable(self) -> bool:
        return not self.closed


def sheet(session: Session, *, actor: Actor, candidacy_id: int) -> Sheet:
    """The review sheet of a candidacy for the actor (named for its call). A candidacy she may
    not be shown — not submitted, in conflict with her — is not found; on an assigned call,
    one neither assigned to her nor started is refused (NotAssigned)."""
    require(actor, Action.REVIEW)
    facts = load_facts(session, candidacy_id)
    call = _named_call(session, actor, facts.call_id)
    if facts.submission != Submission.SUBMITTED:
        raise NotFound("Candidature introuvable.")
    rows = load_review_rows(session, candidacy_id)
    counted = set(candidacy_pairs(session, facts, rows)[1].reviewer_id)
    if actor.user_id not in counted:
        # Out of her pairs: a declared link (never shown), or an assigned call without her.
        if in_conflict(session, reviewer_id=actor.user_id, candidacy_id=candidacy_id):
            raise NotFound("Candidature introuvable.")
        raise NotAssigned()
    criteria = load_criteria(session, facts.call_id)
    views = review_views(rows, criteria, counted)
    own = next((v for v in views if v.reviewer_id == actor.user_id), None)
    version = next((r.version for r, _, _ in rows if r.reviewer_id == actor.user_id), None)
    mine = MyReview(version=version, state=own.state, scores=own.scores, comment=own.comment,
                    shared_comment=own.shared_comment, abstention_reason=own.abstention_reason) if own else None
    sees_others = can(actor, Action.VIEW_REVIEW_BOARD) or (mine is not None and mine.state == ReviewState.SUBMITTED)
    others = [v for v in views if v.reviewer_id != actor.user_id and v.counted] if sees_others else None
    return Sheet(facts=facts, theme_title=call.theme_title, criteria=criteria, mine=mine, others=others,
                 closed=review_closed(call))
