"""Who is expected to review which candidacy, and where each of those reviews stands.

One rule for the board, the dashboard and a reviewer's own list. A pair (candidacy,
reviewer) counts when the reviewer is named for the candidacy's call, has declared no
link with its network or structure, and, on a call whose reviews are assigned, is
assigned to it or has already started its review. A counted pair is expected unless the
reviewer abstained; it is done once her review is submitted. Reviews outside the counted
pairs (a conflict declared afterwards) are never counted.

The loaders read each table in one query for any number of calls; `Rule.counted` applies the
rule in plain Python, `pairs` gives its answer as a DataFrame.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd
from sqlalchemy import String, and_, func, select, type_coerce
from sqlalchemy.orm import Session

from core.review.rules import conflicted
from db.models import (
    Call,
    CallReviewer,
    Candidacy,
    Review,
    ReviewAssignment,
    ReviewerConflict,
    ReviewState,
    Structure,
    Submission,
    User,
)

PAIR = ["candidacy_id", "reviewer_id"]
_SLICE = 500  # rows read at a time by `frame`
SUBMITTED, ABSTAINED = ReviewState.SUBMITTED.value, ReviewState.ABSTAINED.value


def frame(session: Session, query, columns: list[str], dtypes: dict[str, str] | None = None) -> pd.DataFrame:
    """The query's rows as a DataFrame with these columns (and dtypes, empty or not).

    Run on the session's connection (Core: no ORM row processing) and turned into columns
    in one transposition: for the board's tens of thousands of scores this is several times
    faster than DataFrame.from_records over the rows.
    """
    values: list[list] = [[] for _ in columns]
    # Read by slices, each transposed onto the columns then dropped: rows kept all at once
    # (15,000 on the board) outlive the collector's young generations, and a run that
    # promotes that many objects pays a full collection of the heap (~0.1 s).
    for rows in session.connection().execute(query).partitions(_SLICE):
        for column, found in zip(values, zip(*rows, strict=True), strict=True):
            column.extend(found)
    dtypes = dtypes or {}
    # Each column built at its dtype: no second conversion, and no string inference for the
    # "object" columns (pandas 3 would otherwise turn them into Arrow strings first).
    return pd.DataFrame({name: pd.Series(column, dtype=dtypes.get(name))
                         for name, column in zip(columns, values, strict=True)}, columns=columns)


def _calls_query(call_ids: Collection[int]):
    return select(Call.id, Call.assigned_reviews, Call.decisions_published_at).where(Call.id.in_(call_ids))


def load_calls(session: Session, call_ids: Collection[int]) -> pd.DataFrame:
    calls = frame(session, _calls_query(call_ids), ["call_id", "assigned_reviews", "published_at"],
                  {"call_id": "int64", "assigned_reviews": "Int64"})
    calls["published_at"] = pd.to_datetime(calls["published_at"], utc=True)
    return calls


def load_candidacies(session: Session, call_ids: Collection[int]) -> pd.DataFrame:
    """The submitted candidacies of the calls: the columns the rule needs."""
    query = (
        select(Candidacy.id, Candidacy.call_id, Candidacy.network_id, Structure.siret)
        .join(Structure, Structure.id == Candidacy.structure_id)
        .where(Candidacy.call_id.in_(call_ids), Candidacy.submission == Submission.SUBMITTED)
    )
    return frame(session, query, ["candidacy_id", "call_id", "network_id", "siret"],
                 {"candidacy_id": "int64", "call_id": "int64", "network_id": "int64", "siret": "object"})


def _reviewers_query(call_ids: Collection[int], reviewer_id: int | None):
    query = (
        select(CallReviewer.call_id, CallReviewer.reviewer_id, User.full_name, User.email)
        .join(User, User.id == CallReviewer.reviewer_id)
        .where(CallReviewer.call_id.in_(call_ids))
    )
    return query if reviewer_id is None else query.where(CallReviewer.reviewer_id == reviewer_id)


def load_reviewers(session: Session, call_ids: Collection[int], *, reviewer_id: int | None = None) -> pd.DataFrame:
    """Named reviewers of the calls (only `reviewer_id`, when given), with their names."""
    return frame(session, _reviewers_query(call_ids, reviewer_id), ["call_id", "reviewer_id", "reviewer", "email"],
                 {"call_id": "int64", "reviewer_id": "int64", "reviewer": "object", "email": "object"})


def _conflicts_query(call_ids: Collection[int], reviewer_id: int | None):
    query = select(ReviewerConflict.reviewer_id, ReviewerConflict.network_id, ReviewerConflict.siret,
                   ReviewerConflict.declared_at).distinct()
    if reviewer_id is not None:
        return query.where(ReviewerConflict.reviewer_id == reviewer_id)
    return query.join(CallReviewer, CallReviewer.reviewer_id == ReviewerConflict.reviewer_id).where(
        CallReviewer.call_id.in_(call_ids))


def load_conflicts(session: Session, call_ids: Collection[int], *, reviewer_id: int | None = None) -> pd.DataFrame:
    """The declared links of the calls' reviewers (only `reviewer_id`'s, when given)."""
    conflicts = frame(session, _conflicts_query(call_ids, reviewer_id), ["reviewer_id", "network_id", "siret",
                                                                         "declared_at"],
                      {"reviewer_id": "int64", "network_id": "Int64", "siret": "object"})
    conflicts["declared_at"] = pd.to_datetime(conflicts["declared_at"], utc=True)
    return conflicts


def _assignments_query(call_ids: Collection[int], reviewer_id: int | None, candidacy_id: int | None):
    query = select(ReviewAssignment.candidacy_id, ReviewAssignment.reviewer_id).where(
        _of_calls(ReviewAssignment.candidacy_id, call_ids))
    if reviewer_id is not None:
        query = query.where(ReviewAssignment.reviewer_id == reviewer_id)
    if candidacy_id is not None:
        query = query.where(ReviewAssignment.candidacy_id == candidacy_id)
    return query


def load_assignments(session: Session, call_ids: Collection[int], *, reviewer_id: int | None = None,
                     candidacy_id: int | None = None) -> pd.DataFrame:
    return frame(session, _assignments_query(call_ids, reviewer_id, candidacy_id), PAIR,
                 {"candidacy_id": "int64", "reviewer_id": "int64"})


def _of_calls(candidacy_id, call_ids: Collection[int]):
    """`candidacy_id` among the calls' candidacies, as a subquery rather than a join: the planner
    then reads the calls' candidacies first, with or without statistics, instead of every review
    or assignment a reviewer has in every call (ix_*_reviewer_id)."""
    return candidacy_id.in_(select(Candidacy.id).where(Candidacy.call_id.in_(call_ids)))


def _reviews_query(call_ids: Collection[int], reviewer_id: int | None):
    query = select(Review.candidacy_id, Review.reviewer_id, type_coerce(Review.state, String())).where(
        _of_calls(Review.candidacy_id, call_ids))
    return query if reviewer_id is None else query.where(Review.reviewer_id == reviewer_id)


def load_reviews(session: Session, call_ids: Collection[int], *, reviewer_id: int | None = None) -> pd.DataFrame:
    """Every review of the calls' candidacies (only `reviewer_id`'s, when given), whatever its
    state (no scores)."""
    return frame(session, _reviews_query(call_ids, reviewer_id), [*PAIR, "state"],
                 {"candidacy_id": "int64", "reviewer_id": "int64", "state": "object"})


def load_states(session: Session, call_ids: Collection[int], *, reviewer_id: int | None = None) -> dict[int, str]:
    """The state of every review of the calls (only `reviewer_id`'s), by pair_key: the query of
    `load_reviews`, without a DataFrame."""
    return {c * _SPAN + r: state for rows in session.connection().execute(_reviews_query(call_ids, reviewer_id))
            .partitions(_SLICE) for c, r, state in rows}


def load_rule(session: Session, call_ids: Collection[int], *, reviewer_id: int | None = None,
              candidacy_id: int | None = None) -> Rule:
    """The Rule of the calls (only `reviewer_id`'s part, when given; only `candidacy_id`'s
    assignments, when given), in four queries: those of the loaders, without DataFrames."""
    connection = session.connection()
    calls = connection.execute(_calls_query(call_ids)).all()
    named: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for call_id, reviewer, name, _ in connection.execute(_reviewers_query(call_ids, reviewer_id)).all():
        named.setdefault(call_id, []).append(reviewer)
        names[reviewer] = name
    return Rule(reviewers=named, names=names, assigned_calls={c for c, assigned, _ in calls if assigned is not None},
                published={c: published for c, _, published in calls if published is not None},
                **links_of(connection.execute(_conflicts_query(call_ids, reviewer_id)).all()),
                assignments={c * _SPAN + r for c, r in connection.execute(
                    _assignments_query(call_ids, reviewer_id, candidacy_id)).all()})


def unassigned_calls(call_ids: Collection[int]) -> pd.DataFrame:
    """The calls as if their reviews were not assigned (every reviewer may review everything)."""
    return pd.DataFrame({"call_id": pd.Series(list(call_ids), dtype="int64"),
                         "assigned_reviews": pd.Series([None] * len(call_ids), dtype="Int64"),
                         "published_at": pd.Series([pd.NaT] * len(call_ids), dtype="datetime64[us, UTC]")})


def no_assignments() -> pd.DataFrame:
    return pd.DataFrame({"candidacy_id": pd.Series(dtype="int64"), "reviewer_id": pd.Series(dtype="int64")})


# A pair as one int, candidacy_id * _SPAN + reviewer_id: ints are not tracked by the garbage
# collector, tuples are, and 15,000 of them per board run trigger collections of the whole heap.
_SPAN = 1 << 32


def pair_key(candidacy_id: int, reviewer_id: int) -> int:
    return candidacy_id * _SPAN + reviewer_id


@dataclass(frozen=True)
class Rule:
    """Everything the rule reads besides the candidacies and the reviews, as plain values:
    the calls' named reviewers, the calls whose reviews are assigned, the published calls
    with their publication time, the declared links and the assignments.

    The rule runs in plain Python over these: per pair it is a few set and dict look-ups, so
    one candidacy (the review sheet) costs microseconds where a pandas pipeline has a fixed
    cost of ~10 ms, and the board's 15,000 pairs cost no more than through pandas.
    """

    reviewers: Mapping[int, Sequence[int]]  # call_id -> reviewer ids
    assigned_calls: Collection[int]
    published: Mapping[int, datetime]  # call_id -> decisions published at (published calls only)
    network_links: Mapping[tuple[int, int], Sequence[datetime]]  # (reviewer, network) -> declared at
    siret_links: Mapping[tuple[int, str], Sequence[datetime]]  # (reviewer, siret) -> declared at
    assignments: Collection[int]  # pair_key of each assigned pair
    names: Mapping[int, str] = field(default_factory=dict)  # reviewer_id -> full name (load_rule)

    def _linked(self, reviewer_id: int, network_id: int, siret: str | None, published: datetime | None) -> bool:
        """A declared link with the network or the structure applies, unless it came after the
        call's decisions were published (that call's figures are final)."""
        for declared in (self.network_links.get((reviewer_id, network_id), ()),
                         self.siret_links.get((reviewer_id, siret), ())):
            if declared and (published is None or any(d <= published for d in declared)):
                return True
        return False

    def counted(self, candidacies: Iterable[Sequence], states: Mapping[int, str | None]) -> Counted:
        """The counted pairs of these candidacies (rows starting candidacy_id, call_id, network_id, siret),
        given the state of each review ({pair_key: state}), in candidacy then reviewer order."""
        found = Counted([], [], [], [], [])
        # Bound appends: the loop runs once per pair (15,000 on the board).
        calls, ids, reviewers = found.call_id.append, found.candidacy_id.append, found.reviewer_id.append
        states_of, assigned_of = found.state.append, found.assigned.append
        links = bool(self.network_links or self.siret_links)
        named = {call_id: sorted(ids) for call_id, ids in self.reviewers.items()}
        for row in sorted(candidacies, key=_first):
            candidacy_id, call_id, network_id, siret = row[0], row[1], row[2], row[3]
            free = call_id not in self.assigned_calls
            published = self.published.get(call_id)
            for reviewer_id in named.get(call_id, ()):
                key = candidacy_id * _SPAN + reviewer_id
                state = states.get(key)
                assigned = key in self.assignments
                if not (free or assigned or state is not None):
                    continue
                if links and self._linked(reviewer_id, network_id, siret, published):
                    continue
                calls(call_id)
                ids(candidacy_id)
                reviewers(reviewer_id)
                states_of(state)
                assigned_of(assigned)
        return found


def _first(row: tuple):
    return row[0]


@dataclass(frozen=True)
class Counted:
    """The counted pairs, column by column (no object per pair)."""

    call_id: list[int]
    candidacy_id: list[int]
    reviewer_id: list[int]
    state: list[str | None]  # of her review, None before she starts it
    assigned: list[bool]

    @property
    def expected(self) -> int:
        return sum(state != ABSTAINED for state in self.state)

    @property
    def done(self) -> int:
        return sum(state == SUBMITTED for state in self.state)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({
            "call_id": pd.Series(self.call_id, dtype="int64"),
            "candidacy_id": pd.Series(self.candidacy_id, dtype="int64"),
            "reviewer_id": pd.Series(self.reviewer_id, dtype="int64"),
            "state": pd.Series(self.state, dtype="object"),
            "assigned": pd.Series(self.assigned, dtype="bool"),
            "expected": pd.Series([state != ABSTAINED for state in self.state], dtype="bool"),
            "done": pd.Series([state == SUBMITTED for state in self.state], dtype="bool")})


def _missing(value) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def rule_of(*, calls: pd.DataFrame, reviewers: pd.DataFrame, conflicts: pd.DataFrame,
            assignments: pd.DataFrame) -> Rule:
    """The Rule of the loaders' frames."""
    named: dict[int, list[int]] = {}
    for call_id, reviewer_id in zip(reviewers["call_id"].tolist(), reviewers["reviewer_id"].tolist(), strict=True):
        named.setdefault(call_id, []).append(reviewer_id)
    published = {}
    if "published_at" in calls:
        published = {c: p for c, p in zip(calls["call_id"].tolist(), calls["published_at"].tolist(), strict=True)
                     if not _missing(p)}
    return Rule(reviewers=named, assigned_calls=set(calls.loc[calls["assigned_reviews"].notna(), "call_id"].tolist()),
                published=published,
                **links_of(zip(*(conflicts[c].tolist() for c in ("reviewer_id", "network_id", "siret", "declared_at")),
                               strict=True)),
                assignments={pair_key(c, r) for c, r in zip(assignments["candidacy_id"].tolist(),
                                                            assignments["reviewer_id"].tolist(), strict=True)})


def links_of(rows: Iterable[tuple]) -> dict[str, dict]:
    """Rule's network_links and siret_links of (reviewer_id, network_id, siret, declared_at) rows."""
    network_links: dict[tuple[int, int], list] = {}
    siret_links: dict[tuple[int, str], list] = {}
    for reviewer_id, network_id, siret, declared_at in rows:
        when = None if _missing(declared_at) else declared_at
        if not _missing(network_id):
            network_links.setdefault((reviewer_id, int(network_id)), []).append(when)
        if not _missing(siret):
            siret_links.setdefault((reviewer_id, siret), []).append(when)
    return {"network_links": network_links, "siret_links": siret_links}


def pairs(*, candidacies: pd.DataFrame, calls: pd.DataFrame, reviewers: pd.DataFrame, conflicts: pd.DataFrame,
          assignments: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """The counted pairs: call_id, candidacy_id, reviewer_id, state (of her review, or None),
    assigned, expected, done — one row per pair, in candidacy then reviewer order."""
    rule = rule_of(calls=calls, reviewers=reviewers, conflicts=conflicts, assignments=assignments)
    states = {c * _SPAN + r: s if s.__class__ is str else None if _missing(s) else s
              for c, r, s in zip(*(reviews[c].tolist() for c in (*PAIR, "state")), strict=True)}
    rows = list(zip(*(candidacies[c].tolist() for c in ("candidacy_id", "call_id", "network_id", "siret")),
                    strict=True))
    return rule.counted(rows, states).frame()


def load_pairs(session: Session, call_ids: Collection[int], *, reviewer_id: int | None = None,
               candidacies: pd.DataFrame | None = None, reviews: pd.DataFrame | None = None) -> pd.DataFrame:
    """`pairs` of the calls (only `reviewer_id`'s, when given), in five queries at most;
    a caller that has read the candidacies or the reviews already passes them."""
    return pairs(
        candidacies=load_candidacies(session, call_ids) if candidacies is None else candidacies,
        calls=load_calls(session, call_ids),
        reviewers=load_reviewers(session, call_ids, reviewer_id=reviewer_id),
        conflicts=load_conflicts(session, call_ids, reviewer_id=reviewer_id),
        assignments=load_assignments(session, call_ids, reviewer_id=reviewer_id),
        reviews=load_reviews(session, call_ids, reviewer_id=reviewer_id) if reviews is None else reviews,
    )


def done_counts(session: Session, call_id: int) -> dict[int, int]:
    """The done pairs per candidacy of the call ({candidacy_id: count}), aggregated in SQL.

    The same rule as `pairs`: a submitted review is a started pair, so it is done exactly
    when the candidacy is submitted, its reviewer named for the call and without a declared
    link with its network or structure.
    """
    query = (
        select(Review.candidacy_id, func.count())
        .join(Candidacy, Candidacy.id == Review.candidacy_id)
        .join(Structure, Structure.id == Candidacy.structure_id)
        .join(CallReviewer, and_(CallReviewer.call_id == Candidacy.call_id,
                                 CallReviewer.reviewer_id == Review.reviewer_id))
        .where(Candidacy.call_id == call_id, Candidacy.submission == Submission.SUBMITTED,
               Review.state == ReviewState.SUBMITTED, ~conflicted(Review.reviewer_id))
        .group_by(Review.candidacy_id)
    )
    return dict(session.connection().execute(query).all())
