"""The lead's review board: one typed DataFrame row per submitted candidacy of a call, from
seven queries whatever the number of candidacies, reviews and reviewers; its filters and
sorts (pure pandas); a candidacy's detail; the review progress per call and reviewer.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import String, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from core import audit
from core.clock import PARIS
from core.collation import french_key
from core.permissions import Action, Actor, require
from core.review import coverage, scoring
from core.review.facts import CriterionInfo, Facts, load_call, load_criteria, load_facts
from core.review.rules import review_closed
from core.validation import matching_key
from db.models import (
    AuditEntry,
    Call,
    CallState,
    Candidacy,
    Deliberation,
    Edition,
    Network,
    Review,
    ReviewState,
    Score,
    Structure,
    Submission,
    User,
)

SORTS = {"weighted": "Note pondérée", "normalised": "Rang normalisé"}
# A structure's name keeps its French sort key across the board's reruns (5,000 keys: ~0.15 s each run).
_name_key = functools.lru_cache(maxsize=65_536)(french_key)


@dataclass(frozen=True)
class Board:
    call_id: int
    theme_title: str
    assigned_reviews: int | None  # R when the call's reviews are assigned
    closed: bool  # decisions published: reviews no longer change
    criteria: list[CriterionInfo]
    frame: pd.DataFrame  # index candidacy_id; see `board`
    reviews: pd.DataFrame  # one row per counted submitted review: candidacy_id, reviewer, total, criterion_<id>


def _candidacies(session: Session, call_id: int) -> pd.DataFrame:
    """The call's submitted candidacies. Their dates and sectors come back as the driver gives
    them and are decoded here for the whole column at once (5,000 rows: ~0.1 s less than a
    decoding per row)."""
    query = (
        select(Candidacy.id, Candidacy.call_id, Candidacy.network_id, Structure.siret, Candidacy.name,
               type_coerce(Candidacy.kind, String()), Candidacy.departement, Network.name,
               type_coerce(Candidacy.sectors, String()), type_coerce(Candidacy.submitted_at, String()),
               type_coerce(Candidacy.deliberation, String()), Candidacy.waitlist_rank, Candidacy.version)
        .join(Structure, Structure.id == Candidacy.structure_id)
        .join(Network, Network.id == Candidacy.network_id)
        .where(Candidacy.call_id == call_id, Candidacy.submission == Submission.SUBMITTED)
        .order_by(Candidacy.id)
    )
    columns = ["candidacy_id", "call_id", "network_id", "siret", "structure", "kind", "departement", "network",
               "sectors", "submitted_at", "deliberation", "waitlist_rank", "version"]
    # Text as "object" columns: the board keeps them so, and inferring Arrow strings first, then
    # converting back, cost ~15 ms a run.
    candidacies = coverage.frame(session, query, columns, {
        "candidacy_id": "int64", "call_id": "int64", "network_id": "int64", "waitlist_rank": "Int64",
        "version": "int64",
        **dict.fromkeys(("siret", "structure", "kind", "departement", "network", "sectors", "submitted_at",
                         "deliberation"), "object")})
    candidacies["sectors"] = _json_lists(candidacies["sectors"])
    # Stored as UTC without a zone (SQLite: text, PostgreSQL: naive datetimes), as db.types does.
    candidacies["submitted_at"] = pd.to_datetime(candidacies["submitted_at"], utc=True, format="ISO8601")
    return candidacies


def _json_lists(values: pd.Series) -> list[list]:
    """JSON arrays as lists: SQLite gives their text (decoded in one json.loads), PostgreSQL's
    driver the lists themselves; NULL gives []."""
    texts = [v for v in values if isinstance(v, str)]
    decoded = iter(json.loads("[" + ",".join(texts) + "]")) if texts else iter(())
    return [next(decoded) if isinstance(v, str) else (v or []) for v in values]


def _reviews(session: Session, call_id: int, criteria: list[CriterionInfo]) -> pd.DataFrame:
    """Every review of the call's candidacies, whatever its state, one row each with its
    score per criterion side by side (NaN where not scored): one query, grouped in SQL, so
    that 5,000 candidacies × 3 reviews × 4 criteria come back as 15,000 rows, not 60,000."""
    columns = [scoring.criterion_column(c.id) for c in criteria]
    query = (
        select(Review.id, Review.candidacy_id, Review.reviewer_id, type_coerce(Review.state, String()),
               *(func.max(case((Score.criterion_id == c.id, Score.value))) for c in criteria))
        .join(Candidacy, Candidacy.id == Review.candidacy_id)
        .outerjoin(Score, Score.review_id == Review.id)
        .where(Candidacy.call_id == call_id)
        .group_by(Review.id, Review.candidacy_id, Review.reviewer_id, Review.state)
    )
    return coverage.frame(session, query, ["review_id", "candidacy_id", "reviewer_id", "state", *columns],
                          {"review_id": "int64", "candidacy_id": "int64", "reviewer_id": "int64", "state": "object",
                           **dict.fromkeys(columns, "float64")})


def _decision(deliberation: pd.Series, rank: pd.Series) -> pd.Series:
    """The decision's French label, empty while pending (« Liste d'attente (2) » with its rank).
    Over plain values: pandas string operations on 5,000 rows cost ~10 ms here."""
    labels = {k: v for k, v in Deliberation.labels().items() if k != Deliberation.PENDING.value}
    waitlisted = Deliberation.WAITLISTED.value
    return pd.Series([None if label is None else f"{label} ({_rank_text(r)})" if d == waitlisted else label
                      for d, r, label in zip(deliberation.tolist(), rank.tolist(),
                                             map(labels.get, deliberation.tolist()), strict=True)],
                     index=deliberation.index, dtype="object")


def _rank_text(rank) -> str:
    return "<NA>" if rank is None or rank != rank else str(int(rank))  # as pandas' Int64 would print it


def board(session: Session, *, actor: Actor, call_id: int) -> Board:
    """The call's board, as the actor (the lead) sees it. Columns of `frame`:

    structure, siret, kind, departement, network, sectors (list), submitted_at (Paris),
    reviews_done, reviews_expected (int), progress (done / expected, 0–1), weighted,
    median, spread, normalised (float, NaN without reviews), rank (Int64), contested,
    mine (bool: the actor submitted a review), criterion_<id> (mean, float), decision (label
    or None), deliberation (the Deliberation value), waitlist_rank (Int64), version (int: what
    a decision taken on this row must name, see core.selection.decisions), assigned_ids and
    assigned_to (ids and names of the reviewers assigned to it).
    """
    require(actor, Action.VIEW_REVIEW_BOARD)
    call = load_call(session, call_id)
    criteria = load_criteria(session, call_id)
    candidacies = _candidacies(session, call_id)
    reviews = _reviews(session, call_id, criteria)
    calls = pd.DataFrame({"call_id": [call_id], "assigned_reviews": pd.array([call.assigned_reviews], dtype="Int64"),
                          "published_at": pd.to_datetime([call.decisions_published_at], utc=True)})
    reviewers = coverage.load_reviewers(session, [call_id])
    pairs = coverage.pairs(candidacies=candidacies, calls=calls, reviewers=reviewers,
                           conflicts=coverage.load_conflicts(session, [call_id]),
                           assignments=coverage.load_assignments(session, [call_id]), reviews=reviews)
    counted = reviews.merge(pairs.loc[pairs["done"], coverage.PAIR], on=coverage.PAIR)
    weights = pd.Series({c.id: float(c.weight) for c in criteria}, dtype="float64")
    figures = scoring.figures_of(counted, weights)
    frame = _board_frame(candidacies, pairs, figures, actor.user_id, reviewers)
    return Board(call_id=call_id, theme_title=call.theme_title, assigned_reviews=call.assigned_reviews,
                 closed=review_closed(call), criteria=criteria, frame=frame,
                 reviews=_review_rows(counted, reviewers, weights))


def _board_frame(candidacies: pd.DataFrame, pairs: pd.DataFrame, figures: pd.DataFrame,
                 viewer_id: int | None, reviewers: pd.DataFrame) -> pd.DataFrame:
    per = pairs.groupby("candidacy_id")
    done = per["done"].sum().astype("int64")
    expected = per["expected"].sum().astype("int64")
    mine = pairs.loc[pairs["done"] & (pairs["reviewer_id"] == (viewer_id or 0)), "candidacy_id"]
    frame = candidacies.set_index("candidacy_id")
    index = frame.index
    # Gathered, then made into a frame at once: each column added to a frame one by one costs
    # an insertion into its (Arrow string) column index.
    result: dict[str, object] = {name: frame[name].astype("object")
                                 for name in ("structure", "siret", "kind", "departement", "network")}
    result["sectors"] = [s if type(s) is list else list(s or []) for s in frame["sectors"]]
    result["submitted_at"] = frame["submitted_at"].dt.tz_convert(PARIS)
    result["reviews_done"] = reviews_done = done.reindex(index, fill_value=0).astype("int64")
    result["reviews_expected"] = reviews_expected = expected.reindex(index, fill_value=0).astype("int64")
    result["progress"] = (reviews_done / reviews_expected.replace(0, np.nan)).astype("float64")
    figures = figures.reindex(index)
    for name in ("weighted", "median", "spread", "normalised"):
        result[name] = figures[name].astype("float64")
    result["rank"] = figures["rank"].astype("Int64")
    result["contested"] = scoring.contested(result["spread"])
    result["mine"] = index.isin(mine)
    for name in figures.columns:
        if name.startswith("criterion_"):
            result[name] = figures[name].astype("float64")
    result["decision"] = _decision(frame["deliberation"], frame["waitlist_rank"])
    result["deliberation"] = frame["deliberation"].astype("object")
    result["waitlist_rank"] = frame["waitlist_rank"].astype("Int64")
    result["version"] = frame["version"].astype("int64")
    assigned = pairs.loc[pairs["assigned"], ["candidacy_id", "reviewer_id"]]
    if assigned.empty:  # every reviewer reviews everything: no names to list
        result["assigned_ids"] = [[] for _ in range(len(index))]
        result["assigned_to"] = [[] for _ in range(len(index))]
    else:
        names = reviewers.drop_duplicates("reviewer_id").set_index("reviewer_id")["reviewer"]
        ids = assigned.groupby("candidacy_id")["reviewer_id"].agg(lambda found: sorted(int(i) for i in found))
        result["assigned_ids"] = [found if isinstance(found, list) else [] for found in ids.reindex(index)]
        result["assigned_to"] = [sorted((names[i] for i in found), key=_name_key) for found in result["assigned_ids"]]
    board_frame = pd.DataFrame(result, index=index)
    board_frame.index.name = "candidacy_id"
    return board_frame


def _review_rows(counted: pd.DataFrame, reviewers: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """One row per counted review: candidacy_id, reviewer_id, reviewer, total, its score per criterion."""
    columns = [scoring.criterion_column(c) for c in weights.index]
    names = reviewers.drop_duplicates("reviewer_id").set_index("reviewer_id")["reviewer"]
    rows = counted[["candidacy_id", "reviewer_id"]].copy()
    rows["reviewer"] = rows["reviewer_id"].map(names).astype("object")
    rows["total"] = scoring.review_totals(counted, weights) if not counted.empty else pd.Series(dtype="float64")
    for column in columns:
        rows[column] = counted[column].astype("float64")
    return rows.sort_values(coverage.PAIR).reset_index(drop=True)


@dataclass(frozen=True)
class CallChoice:
    id: int
    theme_title: str
    edition_number: int
    edition_title: str
    draft: bool
    closed: bool  # decisions published

    @property
    def label(self) -> str:
        return f"{self.theme_title} — rencontre n° {self.edition_number}" + (" (brouillon)" if self.draft else "")


def review_calls(session: Session, *, actor: Actor) -> list[CallChoice]:
    """Every call, newest edition first, for the lead's review pages (one query)."""
    require(actor, Action.VIEW_REVIEW_BOARD)
    rows = session.execute(select(Call, Edition.number, Edition.title).join(Edition, Edition.id == Call.edition_id)
                           .order_by(Edition.event_date.desc(), Call.id))
    return [CallChoice(id=call.id, theme_title=call.theme_title, edition_number=number, edition_title=title,
                       draft=call.state == CallState.DRAFT, closed=review_closed(call))
            for call, number, title in rows]


# ---------------------------------------------------------------- filters and sorts (pure)


@dataclass(frozen=True)
class BoardFilter:
    networks: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    departements: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()  # any of them
    reviewed: bool | None = None  # every expected review done (True), or not yet (False)
    by_me: bool | None = None  # the viewer submitted a review (True), or not (False)
    contested: bool = False  # spread ≥ 2 only
    search: str = ""  # in the structure's name, or its SIRET (digits, spaces allowed)


def filter_board(frame: pd.DataFrame, filters: BoardFilter) -> pd.DataFrame:
    """The rows matching every filter given, in the frame's order."""
    keep = pd.Series(True, index=frame.index)
    for column, wanted in (("network", filters.networks), ("kind", filters.kinds),
                           ("departement", filters.departements)):
        if wanted:
            keep &= frame[column].isin(wanted)
    if filters.sectors:
        wanted = set(filters.sectors)
        keep &= frame["sectors"].map(lambda sectors: not wanted.isdisjoint(sectors)).astype("bool")
    if filters.reviewed is not None:
        complete = (frame["reviews_done"] >= frame["reviews_expected"]) & (frame["reviews_expected"] > 0)
        keep &= complete if filters.reviewed else ~complete
    if filters.by_me is not None:
        keep &= frame["mine"] if filters.by_me else ~frame["mine"]
    if filters.contested:
        keep &= frame["contested"]
    if filters.search.strip():
        keep &= _matches(frame, filters.search)
    return frame[keep]


def _matches(frame: pd.DataFrame, text: str) -> pd.Series:
    needle = matching_key(text)
    found = frame["structure"].map(lambda name: needle in matching_key(name or "")).astype("bool")
    digits = re.sub(r"[\s.\-]", "", text)
    if digits.isdigit():
        found |= frame["siret"].str.contains(digits, regex=False).astype("bool")
    return found


def sort_board(frame: pd.DataFrame, by: str = "weighted") -> pd.DataFrame:
    """Best first by the weighted total (`weighted`) or the normalised rank (`normalised`);
    candidacies without reviews last; ties by name in French order."""
    if by not in SORTS:
        raise ValueError(by)
    names = frame["structure"].map(lambda n: _name_key(n or ""))
    key = -frame["weighted"] if by == "weighted" else frame["rank"].astype("float64")
    order = pd.DataFrame({"missing": key.isna(), "key": key.fillna(0.0), "name": names}, index=frame.index)
    return frame.loc[order.sort_values(["missing", "key", "name"], kind="stable").index]


# ---------------------------------------------------------------- a candidacy's detail


@dataclass(frozen=True)
class ReviewView:
    reviewer_id: int
    reviewer: str
    state: ReviewState
    scores: dict[int, int]
    total: float | None
    comment: str | None
    shared_comment: str | None
    abstention_reason: str | None
    updated_at: datetime
    counted: bool  # on the board (submitted, by a named reviewer without conflict)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str | None
    action: str
    object_type: str | None
    object_id: int | None
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class EarlierCandidacy:
    candidacy_id: int
    edition_number: int
    event_date: object
    theme_title: str
    network: str
    outcome: str


@dataclass(frozen=True)
class Detail:
    facts: Facts
    criteria: list[CriterionInfo]
    reviews: list[ReviewView]
    assignees: list[str]
    history: list[HistoryEntry]
    earlier: list[EarlierCandidacy] = field(default_factory=list)
    networks: dict[int, str] = field(default_factory=dict)  # names of the networks the history names by id


def load_review_rows(session: Session, candidacy_id: int) -> list[tuple[Review, str, dict[int, int]]]:
    """Every review of the candidacy with its reviewer's name and scores, by name, in two queries."""
    rows = session.execute(select(Review, User.full_name).join(User, User.id == Review.reviewer_id)
                           .where(Review.candidacy_id == candidacy_id).order_by(User.full_name, Review.id)).all()
    scores: dict[int, dict[int, int]] = {}
    if rows:
        for review_id, criterion_id, value in session.execute(
                select(Score.review_id, Score.criterion_id, Score.value)
                .where(Score.review_id.in_([r.id for r, _ in rows]))):
            scores.setdefault(review_id, {})[criterion_id] = value
    return [(review, name, scores.get(review.id, {})) for review, name in rows]


def review_total(scores: dict[int, int], criteria: list[CriterionInfo]) -> float | None:
    """A review's weighted mean over the criteria it scored (as scoring.review_totals)."""
    weights = {c.id: c.weight for c in criteria}
    weighted = [(weights[c], v) for c, v in scores.items() if c in weights]
    return sum(w * v for w, v in weighted) / sum(w for w, _ in weighted) if weighted else None


def review_views(rows: list[tuple[Review, str, dict[int, int]]], criteria: list[CriterionInfo],
                 counted_reviewers: Collection[int]) -> list[ReviewView]:
    return [ReviewView(
        reviewer_id=review.reviewer_id, reviewer=name, state=review.state, scores=given,
        total=review_total(given, criteria), comment=review.comment, shared_comment=review.shared_comment,
        abstention_reason=review.abstention_reason, updated_at=review.updated_at,
        counted=review.state == ReviewState.SUBMITTED and review.reviewer_id in counted_reviewers,
    ) for review, name, given in rows]


def candidacy_pairs(session: Session, facts: Facts, rows: list[tuple[Review, str, dict[int, int]]]
                    ) -> tuple[coverage.Rule, coverage.Counted]:
    """The counted pairs of this one candidacy (none unless submitted), with the rule they came
    from (its reviewers' names), in four queries."""
    rule = coverage.load_rule(session, [facts.call_id], candidacy_id=facts.id)
    one = [(facts.id, facts.call_id, facts.network_id, facts.siret)] if facts.submission == Submission.SUBMITTED else []
    return rule, rule.counted(one, {coverage.pair_key(facts.id, r.reviewer_id): r.state.value for r, _, _ in rows})


def detail(session: Session, *, actor: Actor, candidacy_id: int) -> Detail:
    """Everything about one candidacy for the lead: its fields, every review with scores and
    comments, who is assigned, its history (its own audit rows and its reviews'), and the
    structure's candidacies in earlier editions. A constant number of queries."""
    require(actor, Action.VIEW_REVIEW_BOARD)
    facts = load_facts(session, candidacy_id)
    criteria = load_criteria(session, facts.call_id)
    rows = load_review_rows(session, candidacy_id)
    rule, pairs = candidacy_pairs(session, facts, rows)
    assigned = (r for r, given in zip(pairs.reviewer_id, pairs.assigned, strict=True) if given)
    assignees = sorted((rule.names[r] for r in assigned), key=french_key)
    history = _history(session, candidacy_id)
    return Detail(facts=facts, criteria=criteria, reviews=review_views(rows, criteria, set(pairs.reviewer_id)),
                  assignees=assignees, history=history, earlier=_earlier(session, facts),
                  networks=audit.network_names(session, history))


def _history(session: Session, candidacy_id: int) -> list[HistoryEntry]:
    reviews = select(Review.id).where(Review.candidacy_id == candidacy_id)
    query = (
        select(AuditEntry)
        .where(or_((AuditEntry.object_type == "candidacy") & (AuditEntry.object_id == candidacy_id),
                   (AuditEntry.object_type == "review") & AuditEntry.object_id.in_(reviews)))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    return [HistoryEntry(at=e.at, actor=e.actor_label, action=e.action, object_type=e.object_type,
                         object_id=e.object_id, before=e.before, after=e.after) for e in session.scalars(query)]


def _earlier(session: Session, facts: Facts) -> list[EarlierCandidacy]:
    """The structure's candidacies to other calls, newest edition first, with their outcome."""
    rows = session.execute(
        select(Candidacy.id, Edition.number, Edition.event_date, Call.theme_title, Network.name,
               Candidacy.submission, Candidacy.deliberation)
        .join(Call, Call.id == Candidacy.call_id).join(Edition, Edition.id == Call.edition_id)
        .join(Network, Network.id == Candidacy.network_id)
        .where(Candidacy.structure_id == facts.structure_id, Candidacy.id != facts.id)
        .order_by(Edition.event_date.desc(), Candidacy.id.desc())
    )
    return [EarlierCandidacy(candidacy_id=i, edition_number=number, event_date=day, theme_title=theme, network=network,
                             outcome=deliberation.label if submission == Submission.SUBMITTED
                             and deliberation != Deliberation.PENDING else submission.label)
            for i, number, day, theme, network, submission, deliberation in rows]


# ---------------------------------------------------------------- progress for the dashboard


def progress(session: Session, *, actor: Actor, call_ids: Collection[int]) -> pd.DataFrame:
    """Reviews done and expected per call and reviewer: call_id, reviewer_id, reviewer, email,
    done, expected (int64), one row per named reviewer, by call then name. Six queries whatever
    the number of calls."""
    require(actor, Action.VIEW_REVIEW_BOARD)
    columns = {"call_id": "int64", "reviewer_id": "int64", "reviewer": "object", "email": "object", "done": "int64",
               "expected": "int64"}
    if not call_ids:
        return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
    reviewers = coverage.load_reviewers(session, call_ids)
    pairs = coverage.pairs(candidacies=coverage.load_candidacies(session, call_ids),
                           calls=coverage.load_calls(session, call_ids), reviewers=reviewers,
                           conflicts=coverage.load_conflicts(session, call_ids),
                           assignments=coverage.load_assignments(session, call_ids),
                           reviews=coverage.load_reviews(session, call_ids))
    sums = pairs.groupby(["call_id", "reviewer_id"])[["done", "expected"]].sum()
    result = reviewers[["call_id", "reviewer_id", "reviewer", "email"]].merge(
        sums.reset_index(), on=["call_id", "reviewer_id"], how="left").fillna({"done": 0, "expected": 0})
    result = result.astype(columns)
    result["_name"] = result["reviewer"].map(french_key)
    return result.sort_values(["call_id", "_name"]).drop(columns="_name").reset_index(drop=True)
