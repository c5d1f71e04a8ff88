"""The arithmetic of the scores, on hand-computed cases (no database)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.review import scoring
from core.review.scoring import round_score, rounded

WEIGHTS = pd.Series({10: 3.0, 11: 1.0})


def scores(*rows) -> pd.DataFrame:
    """One row per review, from (candidacy, reviewer, {criterion: value}); NaN where not scored."""
    columns = [scoring.criterion_column(c) for c in WEIGHTS.index]
    frame = pd.DataFrame([(c, r, *(values.get(k) for k in WEIGHTS.index)) for c, r, values in rows],
                         columns=["candidacy_id", "reviewer_id", *columns])
    return frame.astype({"candidacy_id": "int64", "reviewer_id": "int64", **dict.fromkeys(columns, "float64")})


def test_review_total_is_the_weighted_mean_on_the_same_scale():
    totals = scoring.review_totals(scores((1, 7, {10: 5, 11: 3}), (2, 7, {11: 2})), WEIGHTS)
    assert totals.tolist() == [(5 * 3 + 3 * 1) / 4, 2.0]  # 4.5; the second scored one criterion


def test_changing_the_weights_recomputes_the_totals():
    given = scores((1, 7, {10: 5, 11: 1}), (2, 7, {10: 1, 11: 5}))
    before = scoring.candidacy_figures(given, WEIGHTS)["weighted"]
    after = scoring.candidacy_figures(given, pd.Series({10: 1.0, 11: 3.0}))["weighted"]
    assert before.tolist() == [4.0, 2.0]
    assert after.tolist() == [2.0, 4.0]


def test_weighted_total_median_spread_and_count_per_candidacy():
    # totals 2, 3 and 5 (both criteria equal within each review)
    given = scores((1, 7, {10: 2, 11: 2}), (1, 8, {10: 3, 11: 3}), (1, 9, {10: 5, 11: 5}))
    figure = scoring.candidacy_figures(given, WEIGHTS).loc[1]
    assert figure["reviews"] == 3
    assert figure["weighted"] == pytest.approx(10 / 3)
    assert figure["median"] == 3.0
    assert figure["spread"] == 3.0


def test_mean_per_criterion_and_a_criterion_nobody_scored_is_missing():
    given = scores((1, 7, {10: 4}), (1, 8, {10: 5}))
    figures = scoring.candidacy_figures(given, WEIGHTS)
    assert figures.loc[1, scoring.criterion_column(10)] == 4.5
    assert math.isnan(figures.loc[1, scoring.criterion_column(11)])
    assert figures.loc[1, "weighted"] == 4.5  # the mean over what was scored


def test_z_scores_undo_a_harsh_reviewer():
    # A marks harshly (1 and 2) candidacies 1 and 2; B marks leniently (4 and 5) candidacies 3 and 4.
    given = scores((1, 7, {10: 1, 11: 1}), (2, 7, {10: 2, 11: 2}), (3, 8, {10: 4, 11: 4}), (4, 8, {10: 5, 11: 5}))
    figures = scoring.candidacy_figures(given, WEIGHTS)
    assert figures["weighted"].tolist() == [1.0, 2.0, 4.0, 5.0]
    assert figures["normalised"].tolist() == [-1.0, 1.0, -1.0, 1.0]
    # each reviewer's best shares the first rank; ties share a rank and the next one is skipped
    assert figures["rank"].tolist() == [3, 1, 3, 1]


def test_z_scores_average_over_the_reviewers_of_a_candidacy():
    # A's totals: c1 = 2, c2 = 4 (mean 3, std 1); B's: c1 = 1, c2 = 3, c3 = 5 (mean 3, std √(8/3))
    given = scores((1, 7, {10: 2, 11: 2}), (2, 7, {10: 4, 11: 4}),
                   (1, 8, {10: 1, 11: 1}), (2, 8, {10: 3, 11: 3}), (3, 8, {10: 5, 11: 5}))
    figures = scoring.candidacy_figures(given, WEIGHTS)
    b = 2 / math.sqrt(8 / 3)
    assert figures["normalised"].tolist() == pytest.approx([(-1 - b) / 2, (1 + 0) / 2, b])
    assert figures["rank"].tolist() == [3, 2, 1]


def test_a_reviewer_with_one_review_gets_a_z_score_of_zero():
    given = scores((1, 7, {10: 5, 11: 5}), (2, 8, {10: 1, 11: 1}))
    figures = scoring.candidacy_figures(given, WEIGHTS)
    assert figures["normalised"].tolist() == [0.0, 0.0]
    assert figures["rank"].tolist() == [1, 1]


def test_a_reviewer_giving_the_same_total_everywhere_gets_zeros_not_nan():
    given = scores((1, 7, {10: 3, 11: 3}), (2, 7, {10: 3, 11: 3}), (3, 7, {10: 3, 11: 3}))
    assert scoring.candidacy_figures(given, WEIGHTS)["normalised"].tolist() == [0.0, 0.0, 0.0]


def test_ties_on_the_normalised_score_share_a_rank():
    given = scores((1, 7, {10: 5, 11: 5}), (2, 7, {10: 5, 11: 5}), (3, 7, {10: 1, 11: 1}))
    assert scoring.candidacy_figures(given, WEIGHTS)["rank"].tolist() == [1, 1, 3]


def test_no_scores_give_the_same_typed_columns_empty():
    figures = scoring.figures_of(scores(), WEIGHTS)
    assert figures.empty
    assert str(figures["rank"].dtype) == "Int64"
    assert list(figures.columns) == [*scoring.FIGURES, "criterion_10", "criterion_11"]
    assert scoring.figures_of(scores((1, 7, {10: 4, 11: 4})), WEIGHTS).dtypes.equals(figures.dtypes)


@pytest.mark.parametrize(("spread", "expected"), [(2.0, True), (2.5, True), (1.99, False), (float("nan"), False)])
def test_contested_means_a_spread_of_two_or_more(spread, expected):
    assert scoring.contested(pd.Series([spread])).tolist() == [expected]


def test_round_score_rounds_every_half_up_not_to_even():
    from core.review.scoring import round_score

    assert [round_score(v) for v in (4.625, 2.875, 1.005, 3.125, 4.0)] == [4.63, 2.88, 1.01, 3.13, 4.0]
    assert round_score(None) is None and round_score(float("nan")) is None
    assert round_score(2.25, 1) == 2.3


def test_rounded_figures_round_half_up_and_keep_missing_ones():
    from core.review.scoring import rounded

    figures = rounded(pd.Series([4.625, 2.875, np.nan], index=[7, 8, 9]))
    assert list(figures.index) == [7, 8, 9] and figures.dtype == "float64"
    assert figures.iloc[:2].tolist() == [4.63, 2.88] and np.isnan(figures.iloc[2])


@settings(max_examples=300)
@given(st.lists(st.integers(-50_000, 50_000), min_size=1, max_size=30), st.integers(1, 3))
def test_rounded_arrays_round_as_round_score_does_each_figure(thousandths, digits):
    # The vectorised rounding of the board must agree with the scalar rule, halves and signs included.
    values = pd.Series([t / 1000 for t in thousandths] + [t / 8 for t in thousandths[:5]], dtype="float64")
    expected = [round_score(v, digits) for v in values]
    assert list(rounded(values, digits)) == expected
    assert not any(str(v) == "-0.0" for v in rounded(values, digits))
