"""coverage.pairs, now in plain Python, answers exactly as the pandas pipeline it replaced
(kept here as the reference) on random calls: assigned or not, published or not, links
declared before and after publication, reviews in every state."""

import random
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from core.review import coverage

SUBMITTED, ABSTAINED = coverage.SUBMITTED, coverage.ABSTAINED
PAIR = coverage.PAIR


def _keys(table, columns):
    return pd.MultiIndex.from_frame(table[columns])


def _in_force(base, conflicts, key, published):
    matched = base[["reviewer_id", key]].reset_index().merge(conflicts[["reviewer_id", key, "declared_at"]],
                                                             on=["reviewer_id", key])
    if published is not None and not matched.empty:
        when = published.loc[matched["index"]].to_numpy()
        matched = matched[pd.isna(when) | (matched["declared_at"].to_numpy() <= when)]
    return pd.Series(base.index.isin(matched["index"]), index=base.index)


def reference_pairs(*, candidacies, calls, reviewers, conflicts, assignments, reviews):
    """The pandas pipeline coverage.pairs was until the review form's bench (issue 8)."""
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


T0 = datetime(2027, 1, 1, tzinfo=UTC)


def random_inputs(rng: random.Random):
    call_ids = [1, 2, 3]
    calls = pd.DataFrame({
        "call_id": pd.Series(call_ids, dtype="int64"),
        "assigned_reviews": pd.Series([rng.choice([None, 2]) for _ in call_ids], dtype="Int64"),
        "published_at": pd.to_datetime([rng.choice([None, T0 + timedelta(days=10)]) for _ in call_ids], utc=True)})
    candidacies = pd.DataFrame({
        "candidacy_id": pd.Series(range(1, 31), dtype="int64"),
        "call_id": pd.Series([rng.choice(call_ids) for _ in range(30)], dtype="int64"),
        "network_id": pd.Series([rng.randint(1, 4) for _ in range(30)], dtype="int64"),
        "siret": pd.Series([f"{rng.randint(1, 6):014d}" for _ in range(30)], dtype="object")})
    named = [(c, r) for c in call_ids for r in (10, 11, 12, 13) if rng.random() < 0.7]
    reviewers = pd.DataFrame({"call_id": pd.Series([c for c, _ in named], dtype="int64"),
                              "reviewer_id": pd.Series([r for _, r in named], dtype="int64")})
    links = []
    for reviewer in (10, 11, 12, 13):
        for network in (1, 2, 3):
            if rng.random() < 0.15:
                links.append((reviewer, network, None, T0 + timedelta(days=rng.choice([5, 15]))))
        for siret in range(1, 6):
            if rng.random() < 0.1:
                links.append((reviewer, None, f"{siret:014d}", T0 + timedelta(days=rng.choice([5, 15]))))
    conflicts = pd.DataFrame({
        "reviewer_id": pd.Series([x[0] for x in links], dtype="int64"),
        "network_id": pd.Series([x[1] for x in links], dtype="Int64"),
        "siret": pd.Series([x[2] for x in links], dtype="object"),
        "declared_at": pd.to_datetime([x[3] for x in links], utc=True)})
    everyone = [(c, r) for c in range(1, 31) for r in (10, 11, 12, 13, 14)]
    given = [p for p in everyone if rng.random() < 0.3]
    assignments = pd.DataFrame({"candidacy_id": pd.Series([c for c, _ in given], dtype="int64"),
                                "reviewer_id": pd.Series([r for _, r in given], dtype="int64")})
    started = [p for p in everyone if rng.random() < 0.4]
    reviews = pd.DataFrame({"candidacy_id": pd.Series([c for c, _ in started], dtype="int64"),
                            "reviewer_id": pd.Series([r for _, r in started], dtype="int64"),
                            "state": pd.Series([rng.choice(["draft", SUBMITTED, ABSTAINED]) for _ in started],
                                               dtype="object")})
    return dict(candidacies=candidacies, calls=calls, reviewers=reviewers, conflicts=conflicts,
                assignments=assignments, reviews=reviews)


@pytest.mark.parametrize("seed", range(40))
def test_pairs_answers_as_the_pandas_pipeline_did(seed):
    inputs = random_inputs(random.Random(seed))  # noqa: S311 — seeded test data
    expected = reference_pairs(**inputs)
    found = coverage.pairs(**inputs)
    pd.testing.assert_frame_equal(found, expected, check_index_type=False)
    assert not expected.empty


def test_pairs_of_nothing_is_an_empty_typed_frame():
    inputs = random_inputs(random.Random(0))  # noqa: S311 — seeded test data
    inputs["candidacies"] = inputs["candidacies"].iloc[0:0]
    found = coverage.pairs(**inputs)
    assert list(found.columns) == ["call_id", "candidacy_id", "reviewer_id", "state", "assigned", "expected", "done"]
    assert found.empty and found["candidacy_id"].dtype == "int64" and found["done"].dtype == "bool"


def test_calls_without_a_publication_column_count_every_link():
    inputs = random_inputs(random.Random(3))  # noqa: S311 — seeded test data
    inputs["calls"] = coverage.unassigned_calls([1, 2, 3]).drop(columns="published_at")
    pd.testing.assert_frame_equal(coverage.pairs(**inputs), reference_pairs(**inputs), check_index_type=False)
