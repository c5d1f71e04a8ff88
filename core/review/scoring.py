"""The arithmetic of the scores, pure pandas over the counted, submitted reviews.

A review's **total** is the weighted mean of its scores with the call's current weights
(on the same 1–5 scale, so totals read like scores and compare across calls). Per
candidacy: the mean of each criterion, the **weighted total** (mean of its reviews'
totals), the median and the spread (max − min) of those totals, the number of reviews.

Some reviewers mark harder than others: the **normalised** score turns each reviewer's
totals into z-scores over the candidacies she reviewed (population standard deviation),
then averages them per candidacy, and ranks candidacies on it (1 = best, ties share a
rank). A reviewer whose totals are all equal, or who reviewed one candidacy, tells
nothing about order: her z-scores are 0.

Nothing is stored: weights changed tomorrow give tomorrow's figures.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

PAIR = ["candidacy_id", "reviewer_id"]
FIGURES = ["reviews", "weighted", "median", "spread", "normalised", "rank"]
CONTESTED_SPREAD = 2.0  # the board's « contestée » filter: reviews this far apart or more
_DIGITS = 9  # z-score means equal up to float noise are a tie

#: What each level of the 1–5 scale means, shown beside every score of the review form.
LEVELS = {
    1: "1 — Insuffisant : ne répond pas au critère",
    2: "2 — Faible : y répond peu, avec des manques importants",
    3: "3 — Correct : y répond en partie",
    4: "4 — Bon : y répond bien",
    5: "5 — Excellent : y répond pleinement, de façon remarquable",
}


def criterion_column(criterion_id: int) -> str:
    """The column of a criterion's score (one row per review) and of its mean (board)."""
    return f"criterion_{criterion_id}"


def review_totals(reviews: pd.DataFrame, weights: pd.Series) -> pd.Series:
    """Each review's weighted mean over the criteria it scored (NaN if none).

    `reviews` has one row per review and a `criterion_column(id)` per criterion of
    `weights` (criterion id → weight), NaN where not scored.
    """
    values = reviews[[criterion_column(c) for c in weights.index]].to_numpy(dtype="float64")
    w = weights.to_numpy(dtype="float64")
    scored = ~np.isnan(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = np.nansum(values * w, axis=1) / (scored * w).sum(axis=1)
    return pd.Series(total, index=reviews.index, dtype="float64")


def z_scores(reviewer_ids: pd.Series, totals: pd.Series) -> pd.Series:
    """Each review's total as a z-score among the totals of its reviewer (0 when they do not vary)."""
    by_reviewer = totals.groupby(reviewer_ids)
    mean = by_reviewer.transform("mean")
    spread = by_reviewer.transform(lambda t: t.std(ddof=0))
    z = (totals - mean) / spread.where(spread > 1e-12)
    return z.fillna(0.0)


def candidacy_figures(reviews: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """Per candidacy that has reviews (index candidacy_id): FIGURES, then the mean of each
    criterion of `weights` (columns `criterion_column(id)`, NaN when none scored it).

    `reviews`: candidacy_id, reviewer_id and the criterion columns, one row per counted review.
    """
    columns = [criterion_column(c) for c in weights.index]
    totals = review_totals(reviews, weights)
    z = z_scores(reviews["reviewer_id"], totals)
    per = pd.DataFrame({"candidacy_id": reviews["candidacy_id"], "total": totals, "z": z}).groupby("candidacy_id")
    figures = pd.DataFrame({
        "reviews": per.size().astype("int64"),
        "weighted": per["total"].mean(),
        "median": per["total"].median(),
        "spread": per["total"].max() - per["total"].min(),
        "normalised": per["z"].mean(),
    })
    figures["rank"] = figures["normalised"].round(_DIGITS).rank(method="min", ascending=False).astype("Int64")
    means = reviews[["candidacy_id", *columns]].astype(dict.fromkeys(columns, "float64")).groupby("candidacy_id").mean()
    figures = figures.join(means)
    figures.index.name = "candidacy_id"
    return figures


def empty_figures(criterion_ids: list[int]) -> pd.DataFrame:
    columns = {"reviews": "int64", "weighted": "float64", "median": "float64", "spread": "float64",
               "normalised": "float64", "rank": "Int64", **{criterion_column(c): "float64" for c in criterion_ids}}
    figures = pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})
    figures.index = pd.Index([], dtype="int64", name="candidacy_id")
    return figures


def figures_of(reviews: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """`candidacy_figures`, or its empty frame with the same typed columns."""
    if reviews.empty:
        return empty_figures(list(weights.index))
    return candidacy_figures(reviews, weights)


def contested(spread: pd.Series) -> pd.Series:
    """True where the reviews lie CONTESTED_SPREAD apart or more (NaN spread: no)."""
    return (spread.fillna(0.0) >= CONTESTED_SPREAD - 1e-9).astype("bool")


def round_score(value: float | None, digits: int = 2) -> float | None:
    """A figure as shown and exported: `digits` decimals, half rounded up (4.625 → 4.63, as
    2.875 → 2.88), None or NaN kept as None. Python's round and pandas' round go half to
    even (4.625 → 4.62); the decimal written by repr is rounded instead, so 1.005 → 1.01."""
    if value is None or value != value:  # NaN
        return None
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(exact) + 0.0  # never « -0.00 »


def rounded(values: pd.Series, digits: int = 2) -> pd.Series:
    """Figures as shown and exported, as `round_score` rounds each (halves away from zero, NaN
    kept), in whole arrays: a board has some 50,000 figures, one Decimal each cost ~0.2 s.
    Rounding the scaled value to 6 decimals first drops the binary noise (1.005 × 100 =
    100.4999…) that `repr` drops in `round_score`."""
    scale = 10.0 ** digits
    x = values.astype("float64").to_numpy()
    halves_up = np.floor(np.round(np.abs(x) * scale, 6) + 0.5)
    return pd.Series(np.sign(x) * halves_up / scale + 0.0, index=values.index, dtype="float64")  # + 0.0: no -0.0
