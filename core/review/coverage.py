"""Who is expected to review which candidacy, and where each of those reviews stands.

One rule for the board, the dashboard and a reviewer's own list. A pair (candidacy,
reviewer) counts when the reviewer is named for the candidacy's call, has declared no
link with its network or structure, and, on a call whose reviews are assigned, is
assigned to it or has already started its review. A counted pair is expected unless the
reviewer abstained; it is done once her review is submitted. Reviews outside the counted
pairs (a conflict declared afterwards) are never counted.

The loaders read each table in one query for any number of calls; `pairs` is pure pandas.
"""

from __future__ import annotations

from collections.abc import Collection

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
SUBMITTED, ABSTAINED = ReviewState.SUBMITTED.value, ReviewState.ABSTAINED.value


def frame(session: Session, query, columns: list[str], dtypes: dict[str, str] | None = None) -> pd.DataFrame:
    """The query's rows as a DataFrame with these columns (and dtypes, empty or not).

    Run on the session's connection (Core: no ORM row processing) and turned into columns
    in one transposition: for the board's tens of thousands of scores this is several times
    faster than DataFrame.from_records over the rows.
    """
    rows = session.connection().execute(query).all()
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    dtypes = dtypes or {}
    # Each column built at its dtype: no second conversion, and no string inference for the
    # "object" columns (pandas 3 would otherwise turn them into Arrow strings first).
    return pd.DataFrame({name: pd.Series(list(column), dtype=dtypes.get(name))
                         for name, column in zip(columns, values, strict=True)}, columns=columns)


def load_calls(session: Session, call_ids: Collection[int]) -> pd.DataFrame:
    calls = frame(session, select(Call.id, Call.assigned_reviews, Call.decisions_published_at)
                  .where(Call.id.in_(call_ids)), ["call_id", "assigned_reviews", "published_at"],
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


def load_reviewers(session: Session, call_ids: Collection[int], *, reviewer_id: int | None = None) -> pd.DataFrame:
    """Named reviewers of the calls (only `reviewer_id`, when given), with their names."""
    query = (
        select(CallReviewer.call_id, CallReviewer.reviewer_id, User.full_name, User.email)
        .join(User, User.id == CallReviewer.reviewer_id)
        .where(CallReviewer.call_id.in_(call_ids))
    )
    if reviewer_id is not None:
        query = query.where(CallReviewer.reviewer_id == reviewer_id)
    return frame(session, query, ["call_id", "reviewer_id", "reviewer", "email"],
                 {"call_id": "int64", "reviewer_id": "int64"})


def load_conflicts(session: Session, call_ids: Collection[int], *, reviewer_id: int | None = None) -> pd.DataFrame:
    """The declared links of the calls' reviewers (only `reviewer_id`'s, when given)."""
    query = select(ReviewerConflict.reviewer_id, ReviewerConflict.network_id, ReviewerConflict.siret,
                   ReviewerConflict.declared_at).distinct()
    if reviewer_id is not None:
        query = query.where(ReviewerConflict.reviewer_id == reviewer_id)
    else:
        query = query.join(CallReviewer, CallReviewer.reviewer_id == ReviewerConflict.reviewer_id).where(
            CallReviewer.call_id.in_(call_ids))
    conflicts = frame(session, query, ["reviewer_id", "network_id", "siret", "declared_at"],
                      {"reviewer_id": "int64", "network_id": "Int64", "siret": "object"})
    conflicts["declared_at"] = pd.to_datetime(conflicts["declared_at"], utc=True)
    return conflicts


def load_assignments(session: Session, call_ids: Collection[int], *, reviewer_id: int | None = None,
                     candidacy_id: int | None = None) -> pd.DataFrame:
    query = (
        select(ReviewAssignment.candidacy_id, ReviewAssignment.reviewer_id)
        .join(Candidacy, Candidacy.id == ReviewAssignment.candidacy_id)
        .where(Candidacy.call_id.in_(call_ids))
    )
    if reviewer_id is not None:
        query = query.where(ReviewAssignment.reviewer_id == reviewer_id)
    if candidacy_id is not None:
        query = query.where(ReviewAssignment.candidacy_id == candidacy_id)
    return frame(session, query, PAIR, {"candidacy_id": "int64", "reviewer_id": "int64"})


def load_reviews(session: Session, call_ids: Collection[int], *, reviewer_id: int | None = None) -> pd.DataFrame:
    """Every review of the calls' candidacies (only `reviewer_id`'s, when given), whatever its
    state (no scores)."""
    query = (
        select(Review.candidacy_id, Review.reviewer_id, type_coerce(Review.state, String()))
        .join(Candidacy, Candidacy.id == Review.candidacy_id)
        .where(Candidacy.call_id.in_(call_ids))
    )
    if reviewer_id is not None:
        query = query.where(Review.reviewer_id == reviewer_id)
    return frame(session, query, [*PAIR, "state"], {"candidacy_id": "int64", "reviewer_id": "int64",
                                                    "state": "object"})


def unassigned_calls(call_ids: Collection[int]) -> pd.DataFrame:
    """The calls as if their reviews were not assigned (every reviewer may review everything)."""
    return pd.DataFrame({"call_id": pd.Series(list(call_ids), dtype="int64"),
                         "assigned_reviews": pd.Series([None] * len(call_ids), dtype="Int64"),
                         "published_at": pd.Series([pd.NaT] * len(call_ids), dtype="datetime64[us, UTC]")})


def no_assignments() -> pd.DataFrame:
    return pd.DataFrame({"candidacy_id": pd.Series(dtype="int64"), "reviewer_id": pd.Series(dtype="int64")})


def _keys(table: pd.DataFrame, columns: list[str]) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(table[columns])


def _in_force(base: pd.DataFrame, conflicts: pd.DataFrame, key: str, published: pd.Series | None) -> pd.Series:
    """For each pair of `base`: a link on `key` applies to it. One declared after the call's
    decisions were published does not: that call's figures are final."""
    matched = base[["reviewer_id", key]].reset_index().merge(conflicts[["reviewer_id", key, "declared_at"]],
                                                             on=["reviewer_id", key])
    if published is not None and not matched.empty:
        when = published.loc[matched["index"]].to_numpy()
        matched = matched[pd.isna(when) | (matched["declared_at"].to_numpy() <= when)]
    return pd.Series(base.index.isin(matched["index"]), index=base.index)


def pairs(*, candidacies: pd.DataFrame, calls: pd.DataFrame, reviewers: pd.DataFrame, conflicts: pd.DataFrame,
          assignments: pd.DataFrame, reviews: pd.DataFrame) -> pd.DataFrame:
    """The counted pairs: call_id, candidacy_id, reviewer_id, state (of her review, or None),
    assigned, expected, done — one row per pair, in candidacy then reviewer order."""
    base = candidacies[["candidacy_id", "call_id", "network_id", "siret"]].merge(
        reviewers[["call_id", "reviewer_id"]], on="call_id")
    base = base.merge(reviews[[*PAIR, "state"]], on=PAIR, how="left")
    base["state"] = base["state"].astype("object").where(base["state"].notna(), None)
    keys = _keys(base, PAIR)
    base["assigned"] = keys.isin(_keys(assignments, PAIR))
    assigned_calls = set(calls.loc[calls["assigned_reviews"].notna(), "call_id"])
    free = ~base["call_id"].isin(assigned_calls)
    started = base["state"].notna()
    published = base["call_id"].map(calls.set_index("call_id")["published_at"]) if "published_at" in calls else None
    conflict = (_in_force(base, conflicts.dropna(subset=["network_id"]).astype({"network_id": "int64"}),
                          "network_id", published)
                | _in_force(base, conflicts.dropna(subset=["siret"]), "siret", published))
    counted = base[(free | base["assigned"] | started) & ~conflict].copy()
    counted["expected"] = counted["state"] != ABSTAINED
    counted["done"] = counted["state"] == SUBMITTED
    counted = counted.sort_values(PAIR, kind="stable").reset_index(drop=True)
    return counted[["call_id", "candidacy_id", "reviewer_id", "state", "assigned", "expected", "done"]]


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
