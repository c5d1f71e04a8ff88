"""The proposed selection: optimal (checked by brute force), limits respected, deterministic,
a waiting list that keeps the limits after a decline, infeasibility explained in French."""

import itertools

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import NotAllowed, ValidationFailed
from core.selection import frames
from core.selection.limits import Dimension, Limit, LimitInput, cover_sectors, parse_limits
from core.selection.proposal import Infeasible, Proposal, _lexicographic_costs, propose, propose_for_call
from db.engine import read_only
from db.models import Role
from tests.core.selection.builders import make_selection_call
from tests.factories import make_user

NETWORKS = ("Urtie", "Initiatives 77", "Inclusiv'Essonne")
KINDS = ("EI", "ACI", "EA", "ESAT")
DEPARTEMENTS = ("75", "93", "95")
SECTORS = ("Restauration", "Médico-social", "Hygiène et propreté")


def frame_of(rows) -> pd.DataFrame:
    """rows: (score, network, kind, departement, sectors), candidacy ids 1..n in that order."""
    return frames.candidates_frame([
        {"candidacy_id": i, "name": f"S{i}", "network_id": NETWORKS.index(network) + 1, "network": network,
         "kind": kind, "departement": departement, "sectors": list(sectors), "deliberation": "pending",
         "waitlist_rank": None, "version": 1, "score": score}
        for i, (score, network, kind, departement, sectors) in enumerate(rows, start=1)
    ])


def row(score=3.0, network="Urtie", kind="EI", departement="95", sectors=("Restauration",)):
    return (score, network, kind, departement, sectors)


# ---------------------------------------------------------------- a reference by brute force


def members(frame: pd.DataFrame, limit: Limit) -> dict[str, set[int]]:
    """group value → candidacy ids, written independently of the solver's code."""
    groups: dict[str, set[int]] = {}
    for record in frame.to_dict("records"):
        if limit.dimension == Dimension.SECTOR:
            values = record["sectors"]
        else:
            value = record[{"network": "network", "kind": "kind", "family": "family",
                            "departement": "departement"}[limit.dimension.value]]
            values = [] if pd.isna(value) else [value]
        for value in values:
            if limit.value is None or value == limit.value:
                groups.setdefault(value, set()).add(record["candidacy_id"])
    if limit.value is not None:
        groups.setdefault(limit.value, set())
    return groups


def violation(frame, chosen: set[int], limits) -> int:
    total = 0
    for limit in limits:
        for ids in members(frame, limit).values():
            count = len(ids & chosen)
            total += max(limit.at_least - count, 0)
            if limit.at_most is not None:
                total += max(count - limit.at_most, 0)
    return total


def brute(frame, slots, limits, keep=(), exclude=()):
    """(best score, best tie-break weight, minimal total violation) over every k-subset."""
    ordered = frame.assign(score=frame["score"].fillna(0.0)).sort_values(["score", "candidacy_id"],
                                                                         ascending=[False, True])
    ids = list(ordered["candidacy_id"])
    score = dict(zip(ids, ordered["score"], strict=True))
    weight = {candidacy: len(ids) - position for position, candidacy in enumerate(ids)}
    pool = [i for i in ids if i not in set(exclude)]
    k = min(slots, len(pool))
    best, least = None, None
    for combo in itertools.combinations(pool, k):
        chosen = set(combo)
        if not set(keep) <= chosen:
            continue
        broken = violation(frame, chosen, limits)
        least = broken if least is None else min(least, broken)
        if broken == 0:
            key = (round(sum(score[i] for i in chosen), 9), sum(weight[i] for i in chosen))
            best = key if best is None else max(best, key)
    return best, least, weight, k


def coverage(frame, selected: tuple[int, ...], candidate: int, limits) -> int:
    return sum(violation(frame, (set(selected) - {d}) | {candidate}, limits) == 0 for d in selected)


# ---------------------------------------------------------------- properties on random cases


# Few values: many ties. Halves take the one-solve path (scores on a grid), thirteenths the two solves.
halves = st.sampled_from([1.0, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0])
thirteenths = st.sampled_from([i / 13 for i in (3, 5, 8, 10, 13)])


def rows_of(scores):
    return st.lists(st.tuples(scores, st.sampled_from(NETWORKS), st.sampled_from(KINDS), st.sampled_from(DEPARTEMENTS),
                              st.lists(st.sampled_from(SECTORS), min_size=1, max_size=2, unique=True)),
                    min_size=1, max_size=9)


rows_strategy = rows_of(halves)
limit_strategy = st.builds(
    lambda dimension, value, low, high: Limit(dimension, value, low, None if high is None else low + high),
    st.sampled_from(list(Dimension)), st.none(), st.integers(0, 2), st.none() | st.integers(0, 2),
).filter(lambda limit: limit.at_least > 0 or limit.at_most is not None)
valued_limit = st.one_of(
    st.builds(lambda v, low, high: Limit(Dimension.KIND, v, low, high), st.sampled_from(KINDS), st.integers(0, 3),
              st.none() | st.integers(3, 4)),
    st.builds(lambda v: Limit(Dimension.SECTOR, v, 1), st.sampled_from(SECTORS)),
    st.builds(lambda v, high: Limit(Dimension.NETWORK, v, 0, high), st.sampled_from(NETWORKS), st.integers(0, 2)),
    st.builds(lambda v, low: Limit(Dimension.FAMILY, v, low), st.sampled_from(["IAE", "handicap"]),
              st.integers(1, 3)),
)


any_limits = st.lists(st.one_of(limit_strategy, valued_limit), max_size=3)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows_strategy, slots=st.integers(1, 5), limits=any_limits, waitlist_size=st.integers(0, 4))
def test_propose_is_optimal_respects_the_limits_and_ranks_the_waiting_list(rows, slots, limits, waitlist_size):
    check_proposal(frame_of(rows), slots, limits, waitlist_size)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows_of(thirteenths), slots=st.integers(1, 5), limits=any_limits, waitlist_size=st.integers(0, 4))
def test_propose_is_optimal_with_scores_off_any_grid(rows, slots, limits, waitlist_size):
    frame = frame_of(rows)
    if any(score != 1.0 for score, *_ in rows):
        assert _lexicographic_costs(frame["score"].to_numpy(), slots) is None  # the two-solve path
    check_proposal(frame, slots, limits, waitlist_size)


def check_proposal(frame, slots, limits, waitlist_size):
    best, least, weight, k = brute(frame, slots, limits)
    result = propose(frame, slots=slots, limits=limits, waitlist_size=waitlist_size)
    if best is None:
        assert isinstance(result, Infeasible)
        assert result.reasons and all(reason.message for reason in result.reasons)
        assert result.loosening == least  # the smallest relaxation, no more
        return
    assert isinstance(result, Proposal)
    chosen = set(result.selected)
    assert len(result.selected) == len(chosen) == k
    assert violation(frame, chosen, limits) == 0
    assert round(result.score, 9) == best[0]
    assert sum(weight[i] for i in chosen) == best[1]  # the tie-break: first in priority order
    outside = [i for i in frame["candidacy_id"] if i not in chosen]
    assert len(result.waitlist) == min(waitlist_size, len(outside))
    assert not set(result.waitlist) & chosen
    assert list(result.covers) == [coverage(frame, result.selected, w, limits) for w in result.waitlist]
    if result.waitlist:
        assert result.covers[0] == max(coverage(frame, result.selected, w, limits) for w in outside)
        keys = [(-c, -weight[w]) for w, c in zip(result.waitlist, result.covers, strict=True)]
        assert keys == sorted(keys)


@settings(max_examples=40, deadline=None)
@given(rows=rows_strategy, slots=st.integers(1, 5), limits=st.lists(limit_strategy, max_size=2),
       seed=st.integers(0, 1000))
def test_propose_is_deterministic_whatever_the_row_order(rows, slots, limits, seed):
    frame = frame_of(rows)
    shuffled = frame.sample(frac=1, random_state=seed)
    first, again, other = (propose(f, slots=slots, limits=limits) for f in (frame, frame, shuffled))
    assert first == again == other


@settings(max_examples=60, deadline=None)
@given(rows=rows_strategy, slots=st.integers(1, 4), data=st.data())
def test_propose_keeps_and_excludes_as_asked(rows, slots, data):
    frame = frame_of(rows)
    ids = list(frame["candidacy_id"])
    exclude = data.draw(st.sets(st.sampled_from(ids), max_size=2))
    rest = [i for i in ids if i not in exclude]
    keep = data.draw(st.sets(st.sampled_from(rest), max_size=min(slots, len(rest)))) if rest else set()
    best, *_ = brute(frame, slots, [], keep=keep, exclude=exclude)
    result = propose(frame, slots=slots, keep=keep, exclude=exclude)
    assert keep <= set(result.selected) and not exclude & set(result.selected)
    assert not exclude & set(result.waitlist)
    assert round(result.score, 9) == best[0]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows_strategy, slots=st.integers(1, 5), limits=any_limits, data=st.data())
def test_propose_with_kept_and_excluded_under_limits_is_the_brute_force_best(rows, slots, limits, data):
    # Kept and excluded candidacies change which ones the solve may leave out beforehand
    # (those that could never be chosen): the best selection and its tie-break must not move.
    frame = frame_of(rows)
    ids = list(frame["candidacy_id"])
    exclude = data.draw(st.sets(st.sampled_from(ids), max_size=2))
    rest = [i for i in ids if i not in exclude]
    keep = data.draw(st.sets(st.sampled_from(rest), max_size=min(slots, len(rest)))) if rest else set()
    best, _, weight, _ = brute(frame, slots, limits, keep=keep, exclude=exclude)
    result = propose(frame, slots=slots, limits=limits, keep=keep, exclude=exclude)
    if not rest:  # nobody left to choose: an empty proposal, whatever the limits
        assert result.selected == ()
    elif best is None:
        assert isinstance(result, Infeasible)
    else:
        assert isinstance(result, Proposal) and keep <= set(result.selected) and not exclude & set(result.selected)
        assert (round(result.score, 9), sum(weight[i] for i in result.selected)) == best


def test_propose_among_many_alike_takes_the_first_of_each_kind_and_breaks_ties_by_id():
    # Forty candidacies in four classes of ten, all tied: « at most 1 per network » leaves the
    # solve one contender per class; the best is the first by id of each network.
    rows = [row(3.0, network=NETWORKS[i % 3], kind=KINDS[i % 2]) for i in range(40)]
    frame = frame_of(rows)
    limits = [Limit(Dimension.NETWORK, at_most=1), Limit(Dimension.KIND, "EI", at_least=1)]
    result = propose(frame, slots=3, limits=limits, waitlist_size=2)
    assert result.selected == (1, 2, 3) and result.score == 9.0


# ---------------------------------------------------------------- cases


def test_propose_without_limits_takes_the_top_scores():
    frame = frame_of([row(2.0), row(5.0), row(4.0), row(1.0)])
    result = propose(frame, slots=2)
    assert result.selected == (2, 3) and result.waitlist == (1, 4)
    assert (result.score, result.best_score, result.score_lost) == (9.0, 9.0, 0.0)
    assert result.covers == (2, 2)


def test_propose_breaks_ties_by_candidacy_id():
    frame = frame_of([row(4.0)] * 6)
    assert propose(frame, slots=3).selected == (1, 2, 3)
    assert propose(frame.iloc[::-1], slots=3).selected == (1, 2, 3)


def test_propose_at_most_one_per_network_loses_score_against_the_top_n():
    frame = frame_of([row(5.0, "Urtie"), row(4.8, "Urtie"), row(3.0, "Initiatives 77"), row(1.0, "Inclusiv'Essonne")])
    result = propose(frame, slots=2, limits=[Limit(Dimension.NETWORK, at_most=1)])
    assert result.selected == (1, 3)
    assert result.best_score == pytest.approx(9.8) and result.score_lost == pytest.approx(1.8)


def test_propose_puts_the_score_before_the_tie_break_under_limits():
    # One per network and one disability structure: the best score takes the ESAT of
    # Initiatives 77 and the ACI of Urtie, although a tie-break alone would prefer other ranks.
    frame = frame_of([row(2.5, "Urtie", "ACI"), row(2.0, "Urtie", "ESAT"), row(4.0, "Initiatives 77", "ACI"),
                      row(4.0, "Initiatives 77", "ESAT"), row(4.0, "Inclusiv'Essonne", "EI")])
    limits = [Limit(Dimension.NETWORK, at_most=1), Limit(Dimension.FAMILY, "handicap", at_least=1)]
    assert propose(frame, slots=3, limits=limits).selected == (4, 5, 1)


def test_propose_takes_everyone_when_there_are_fewer_candidates_than_places():
    result = propose(frame_of([row(1.0), row(2.0)]), slots=5)
    assert set(result.selected) == {1, 2} and result.waitlist == ()


def test_propose_with_no_candidate():
    result = propose(frames.candidates_frame([]), slots=5)
    assert (result.selected, result.waitlist, result.score) == ((), (), 0.0)


def test_propose_counts_a_missing_score_as_zero():
    frame = frame_of([row(None), row(1.0), row(None)])
    assert propose(frame, slots=2).selected == (2, 1)


def test_waiting_list_head_keeps_the_limits_after_any_decline():
    # At least one ESAT: the best replacement for the chosen ESAT is the other ESAT,
    # however low its score, and it can replace the EI as well.
    frame = frame_of([row(5.0, kind="ESAT"), row(4.0), row(3.9), row(1.0, kind="ESAT", network="Initiatives 77")])
    result = propose(frame, slots=2, limits=[Limit(Dimension.KIND, "ESAT", at_least=1)], waitlist_size=2)
    assert result.selected == (1, 2)
    assert result.waitlist == (4, 3) and result.covers == (2, 1)


def test_cover_sectors_asks_one_per_sector():
    frame = frame_of([row(5.0, sectors=("Restauration",)), row(4.0, sectors=("Restauration",)),
                      row(1.0, sectors=("Médico-social",)), row(0.5, sectors=("Hygiène et propreté",))])
    result = propose(frame, slots=3, limits=cover_sectors(["Médico-social", "Hygiène et propreté", "Médico-social"]))
    assert result.selected == (1, 3, 4)


# ---------------------------------------------------------------- infeasible, explained


def messages(frame, slots, limits):
    result = propose(frame, slots=slots, limits=limits)
    assert isinstance(result, Infeasible)
    return result.messages


def test_too_few_candidacies_of_a_kind_is_explained_in_french():
    frame = frame_of([row(kind="ESAT"), row(), row(), row()])
    assert messages(frame, 3, [Limit(Dimension.KIND, "ESAT", at_least=2)]) == [
        "Impossible d'avoir au moins 2 ESAT : une seule candidature ESAT."]
    assert messages(frame, 3, [Limit(Dimension.KIND, "EA", at_least=1)]) == [
        "Impossible d'avoir au moins 1 EA : aucune candidature EA."]


def test_more_asked_than_places_is_explained():
    frame = frame_of([row()] * 6)
    assert messages(frame, 3, [Limit(Dimension.FAMILY, "IAE", at_least=4)]) == [
        "Impossible d'avoir au moins 4 structures d'insertion (IAE) : 3 places seulement."]


def test_too_few_networks_for_at_most_one_each_says_the_smallest_relaxation():
    frame = frame_of([row(network="Urtie")] * 3 + [row(network="Initiatives 77")] * 2)
    assert messages(frame, 4, [Limit(Dimension.NETWORK, at_most=1)]) == [
        "Impossible d'avoir au plus 1 par réseau : 2 réseaux seulement pour 4 places ; "
        "il faudrait au plus 2 par réseau."]


def test_each_value_with_too_few_candidacies_names_the_group():
    frame = frame_of([row(departement="75"), row(departement="93"), row(departement="93")])
    assert messages(frame, 3, [Limit(Dimension.DEPARTEMENT, at_least=2)]) == [
        "Impossible d'avoir au moins 2 par département pour le département 75 (Paris) : "
        "une seule candidature du département 75 (Paris)."]


def test_limits_that_hold_alone_but_not_together_say_the_smallest_correction():
    # Two ESAT, both of Urtie: « au moins 2 ESAT » and « au plus 1 par réseau » each hold alone.
    frame = frame_of([row(kind="ESAT", network="Urtie"), row(kind="ESAT", network="Urtie"),
                      row(network="Initiatives 77"), row(network="Inclusiv'Essonne")])
    result = propose(frame, slots=3, limits=[Limit(Dimension.KIND, "ESAT", at_least=2),
                                             Limit(Dimension.NETWORK, at_most=1)])
    assert isinstance(result, Infeasible) and result.loosening == 1
    [reason] = result.reasons
    assert not reason.alone and reason.loosen_by == 1
    assert reason.message in (
        "« au moins 2 ESAT » ne tient pas avec les autres contraintes : la plus petite correction serait "
        "d'en demander au moins 1.",
        "« au plus 1 par réseau » ne tient pas avec les autres contraintes : la plus petite correction serait "
        "d'en accepter au plus 2 par réseau (pour le réseau Urtie).")


def test_infeasibility_explanation_is_deterministic():
    frame = frame_of([row(kind="ESAT", network="Urtie"), row(kind="ESAT", network="Urtie"),
                      row(network="Initiatives 77"), row(network="Inclusiv'Essonne")])
    limits = [Limit(Dimension.KIND, "ESAT", at_least=2), Limit(Dimension.NETWORK, at_most=1)]
    assert len({tuple(propose(frame.sample(frac=1, random_state=s), slots=3, limits=limits).messages)
                for s in range(5)}) == 1


def test_kept_candidacies_beyond_a_maximum_are_explained():
    frame = frame_of([row(network="Urtie"), row(network="Urtie"), row(network="Initiatives 77")])
    result = propose(frame, slots=2, limits=[Limit(Dimension.NETWORK, "Urtie", at_most=1)], keep={1, 2})
    assert result.messages == ["Impossible d'avoir au plus 1 du réseau Urtie : 2 candidatures imposées en font partie."]


def test_more_kept_than_places_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        propose(frame_of([row()] * 3), slots=2, keep={1, 2, 3})
    assert "3 candidatures imposées pour 2 place(s)" in caught.value.errors["keep"]


@pytest.mark.parametrize("size", [-1, 51, "cinq", ""])
def test_a_bad_waiting_list_size_is_refused(size):
    with pytest.raises(ValidationFailed) as caught:
        propose(frame_of([row()]), slots=1, waitlist_size=size)
    assert "waitlist_size" in caught.value.errors


# ---------------------------------------------------------------- the lead's input


def test_parse_limits_accepts_typed_numbers_and_each_value():
    assert parse_limits([LimitInput("network", "", None, " 1 "), LimitInput("kind", "ESAT", "2", ""),
                         {"dimension": "sector", "value": "Restauration", "at_least": 1}]) == [
        Limit(Dimension.NETWORK, None, 0, 1), Limit(Dimension.KIND, "ESAT", 2, None),
        Limit(Dimension.SECTOR, "Restauration", 1, None)]


def test_parse_limits_refuses_what_makes_no_sense_field_by_field():
    with pytest.raises(ValidationFailed) as caught:
        parse_limits([LimitInput("network", None, "3", "1"), LimitInput("kind", "ESAT", "-1", None),
                      LimitInput("kind", "XYZ", "1", None), LimitInput("couleur", None, "1", None),
                      LimitInput("departement", "93", "deux", None), LimitInput("sector", None, "", ""),
                      LimitInput("departement", "99", "1", None)])
    assert caught.value.errors == {
        "limits.0.at_most": "Le maximum (1) est inférieur au minimum (3).",
        "limits.1.at_least": "Indiquez un nombre entier positif ou nul.",
        "limits.2.value": "Type de structure inconnu.",
        "limits.3.dimension": "Choisissez sur quoi porte la contrainte (réseau, type, famille, département "
                              "ou secteur).",
        "limits.4.at_least": "Indiquez un nombre entier positif ou nul.",
        "limits.5.at_least": "Indiquez un minimum, un maximum ou les deux.",
        "limits.6.value": "Département inconnu.",
    }


def test_limit_descriptions_read_as_french():
    assert [limit.describe() for limit in (
        Limit(Dimension.KIND, "ESAT", 2), Limit(Dimension.NETWORK, None, 0, 1),
        Limit(Dimension.DEPARTEMENT, "93", 1, 3), Limit(Dimension.FAMILY, "handicap", 2, 2),
        Limit(Dimension.SECTOR, "Restauration", 1))] == [
        "au moins 2 ESAT", "au plus 1 par réseau", "entre 1 et 3 du département 93 (Seine-Saint-Denis)",
        "exactement 2 structures du handicap (EA, EATT, ESAT)", "au moins 1 du secteur « Restauration »"]


# ---------------------------------------------------------------- for a call


@pytest.fixture
def pilote(db):
    return make_user(Role.PILOTE)


def test_propose_for_call_uses_the_call_slots(pilote):
    call_id = make_selection_call(slots=2)
    frame = frame_of([row(float(score)) for score in (3, 1, 5, 2, 4)])
    with read_only() as session:
        result = propose_for_call(session, actor=pilote, call_id=call_id, candidates=frame)
    assert len(result.selected) == 2


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_propose_for_call_is_for_the_lead_only(db, role):
    with pytest.raises(NotAllowed), read_only() as session:
        propose_for_call(session, actor=make_user(role), call_id=1, candidates=frame_of([row()]))


@pytest.mark.parametrize("raw", ["beaucoup", "-1", "", "51"])
def test_parse_waitlist_size_refuses_what_is_not_a_size_in_french(raw):
    from core.selection.proposal import parse_waitlist_size

    with pytest.raises(ValidationFailed) as refused:
        parse_waitlist_size(raw)
    assert set(refused.value.errors) == {"waitlist_size"}
    assert parse_waitlist_size(" 3 ") == 3
