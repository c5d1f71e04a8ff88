"""A proposed balanced selection: an integer programme solved by HiGHS (scipy.optimize.milp).

Choose exactly k = min(slots, candidates) candidacies maximising the sum of their scores
under the lead's limits (`limits.Limit`: at least / at most so many per group). Ties are
broken the same way every time: among the selections of best score, the one preferring
the candidacies first in priority order (score descending, then candidacy id), found by
a second solve with the score held at its optimum. The waiting list of W follows, each
candidacy ranked by how many single declines among the chosen it could fill without
breaking a limit, then by priority, so that promoting the first keeps the limits
whenever some candidacy can. When the limits cannot all hold, `Infeasible` says which
and by how much the smallest relaxation (least total loosening, found with slack
variables) would loosen them, in French. The solve leaves out beforehand the candidacies
that can never be in the best selection (`_contenders`): on tied scores, most of them.
Pure: no database, except `propose_for_call`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from sqlalchemy.orm import Session

from core.errors import NotFound, ValidationFailed
from core.permissions import Action, Actor, require
from core.selection.limits import EACH, Dimension, Limit, bounds_text
from core.validation import FieldError, clean_int
from db.models import Call

DEFAULT_WAITLIST = 5
MAX_WAITLIST = 50
_OPTIONS = {"mip_rel_gap": 0.0, "presolve": True}
_TIE_TOLERANCE = 1e-7  # relative: selections whose scores differ by less are tied
_COLUMN = {Dimension.NETWORK: "network", Dimension.KIND: "kind", Dimension.FAMILY: "family",
           Dimension.DEPARTEMENT: "departement"}


@dataclass(frozen=True)
class Proposal:
    """The chosen candidacies (best score first), the waiting list by rank, and figures.

    `covers[i]`: of the chosen, how many the i-th waiting-listed candidacy could replace
    (after a decline) with every limit still met; `len(selected)` means any of them.
    """

    selected: tuple[int, ...]
    waitlist: tuple[int, ...]
    covers: tuple[int, ...]
    score: float
    best_score: float  # the top-k by score, with no limit
    limits: tuple[Limit, ...]

    @property
    def score_lost(self) -> float:
        return max(self.best_score - self.score, 0.0)


@dataclass(frozen=True)
class Reason:
    """One limit that cannot hold: what it asked, what the smallest relaxation allows."""

    limit: Limit
    message: str
    alone: bool  # refused by the candidacies themselves, whatever the other limits
    loosen_by: int  # total units the smallest relaxation loosens this limit by


@dataclass(frozen=True)
class Infeasible:
    """The limits cannot all hold; `loosening`: the total of the smallest relaxation (units)."""

    reasons: tuple[Reason, ...]
    loosening: int

    @property
    def messages(self) -> list[str]:
        return [reason.message for reason in self.reasons]


# ---------------------------------------------------------------- the programme


@dataclass(frozen=True)
class _Group:
    limit_index: int
    value: str
    members: np.ndarray  # bool, over the candidates in priority order
    at_least: int
    at_most: int | None


@dataclass
class _Problem:
    ids: np.ndarray  # candidacy ids, priority order
    scores: np.ndarray
    k: int
    groups: list[_Group]
    members: np.ndarray  # groups × candidates, float 0/1
    matrix: sparse.csr_array  # the same, for the solver
    lower: np.ndarray
    upper: np.ndarray
    fixed_low: np.ndarray  # bounds of each x: 1 for kept, 0 for excluded
    fixed_high: np.ndarray


def propose(
    candidates: pd.DataFrame,
    *,
    slots: int,
    limits: Sequence[Limit] = (),
    waitlist_size: int = DEFAULT_WAITLIST,
    keep: Collection[int] = (),
    exclude: Collection[int] = (),
) -> Proposal | Infeasible:
    """The best selection of `candidates` (a frame as `frames.COLUMNS`; a missing score counts 0).

    `keep` candidacies are chosen whatever their score, `exclude` ones never (nor waiting-
    listed). No candidate to choose: an empty proposal, whatever the limits. Raises
    ValidationFailed for more kept than places or a bad waiting-list size.
    """
    problem = _problem(candidates, slots=slots, limits=limits, keep=keep, exclude=exclude)
    waitlist_size = parse_waitlist_size(waitlist_size)
    if problem.k == 0:
        return Proposal((), (), (), 0.0, 0.0, tuple(limits))
    chosen = _solve(problem)
    if chosen is None:
        slack = _smallest_relaxation(problem)
        return Infeasible(tuple(_explain(problem, limits, slack)), int(sum(abs(s) for s in slack)))
    waitlist, covers = _waitlist(problem, chosen, waitlist_size)
    best = float(np.sort(problem.scores[problem.fixed_high > 0])[::-1][:problem.k].sum())
    return Proposal(
        selected=tuple(int(i) for i in problem.ids[chosen]), waitlist=tuple(int(problem.ids[i]) for i in waitlist),
        covers=tuple(covers), score=float(problem.scores[chosen].sum()), best_score=best, limits=tuple(limits),
    )


def propose_for_call(session: Session, *, actor: Actor, call_id: int, candidates: pd.DataFrame,
                     limits: Sequence[Limit] = (), waitlist_size: int = DEFAULT_WAITLIST) -> Proposal | Infeasible:
    """`propose` for the call's pitch slots; the lead only. Reads the call, writes nothing."""
    require(actor, Action.DECIDE)
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound("Appel à candidatures introuvable.")
    return propose(candidates, slots=call.pitch_slots, limits=limits, waitlist_size=waitlist_size)


def parse_waitlist_size(raw) -> int:
    """The size of the waiting list to propose, 0..MAX_WAITLIST; else ValidationFailed on « waitlist_size »."""
    try:
        return clean_int(str(raw), min_value=0, max_value=MAX_WAITLIST, required=True)
    except FieldError as error:
        raise ValidationFailed({"waitlist_size": error.message}) from None


def _problem(candidates, *, slots, limits, keep, exclude) -> _Problem:
    frame = candidates.assign(score=candidates["score"].fillna(0.0).astype("float64"))
    frame = frame.sort_values(["score", "candidacy_id"], ascending=[False, True], kind="stable")
    ids = frame["candidacy_id"].to_numpy(dtype=np.int64)
    keep_mask, exclude_mask = np.isin(ids, list(keep)), np.isin(ids, list(exclude))
    available = int((~exclude_mask).sum())
    k = min(int(slots), available)
    if int(keep_mask.sum()) > k:
        raise ValidationFailed({"keep": f"{int(keep_mask.sum())} candidatures imposées pour {k} place(s)."})
    groups = [group for index, limit in enumerate(limits) for group in _groups(frame, index, limit, k)]
    rows = np.vstack([g.members for g in groups]) if groups else np.zeros((0, len(ids)), dtype=bool)
    return _Problem(
        ids=ids, scores=frame["score"].to_numpy(), k=k, groups=groups, members=rows.astype(float),
        matrix=sparse.csr_array(rows.astype(float)),
        lower=np.array([g.at_least for g in groups], dtype=float),
        upper=np.array([k if g.at_most is None else min(g.at_most, k) for g in groups], dtype=float),
        fixed_low=keep_mask.astype(float), fixed_high=(~exclude_mask).astype(float),
    )


def _groups(frame: pd.DataFrame, index: int, limit: Limit, k: int) -> list[_Group]:
    if limit.dimension == Dimension.SECTOR:
        sectors = frame["sectors"]
        values = [limit.value] if limit.value is not None else sorted({s for row in sectors for s in row})
        masks = {value: sectors.map(lambda row, v=value: v in row).to_numpy(dtype=bool) for value in values}
    else:
        column = frame[_COLUMN[limit.dimension]]
        values = [limit.value] if limit.value is not None else sorted(column.dropna().unique())
        masks = {value: (column == value).fillna(False).to_numpy(dtype=bool) for value in values}
    return [_Group(index, value, masks[value], limit.at_least, limit.at_most) for value in values]


def _constraints(problem: _Problem, *, extra_rows=None) -> list[LinearConstraint]:
    n = len(problem.ids)
    constraints = [LinearConstraint(np.ones((1, n)), problem.k, problem.k)]
    if problem.groups:
        constraints.append(LinearConstraint(problem.matrix, problem.lower, problem.upper))
    return constraints + (extra_rows or [])


def _solve(problem: _Problem) -> np.ndarray | None:
    """Indices (priority order) of the chosen, or None when the limits cannot all hold."""
    among = _contenders(problem)
    if not len(among):  # every candidacy in a group allowing none, and places to fill
        return None
    problem = _restricted(problem, among)
    n = len(problem.ids)
    bounds = Bounds(problem.fixed_low, problem.fixed_high)
    integrality = np.ones(n)
    costs = _lexicographic_costs(problem.scores, problem.k)
    if costs is not None:  # one solve gives the best score and, among equals, the tie-break
        result = milp(-costs, constraints=_constraints(problem), integrality=integrality, bounds=bounds,
                      options=_OPTIONS)
        return None if result.x is None else among[np.flatnonzero(np.round(result.x) > 0)]
    first = milp(-problem.scores, constraints=_constraints(problem), integrality=integrality, bounds=bounds,
                 options=_OPTIONS)
    if first.x is None:
        return None
    best = float(problem.scores @ np.round(first.x))
    # The tie-break: the same best score, preferring candidacies early in priority order.
    floor = best - _TIE_TOLERANCE * max(1.0, abs(best))
    held = LinearConstraint(problem.scores.reshape(1, -1), floor, np.inf)
    second = milp(-_priority(n), constraints=_constraints(problem, extra_rows=[held]),
                  integrality=integrality, bounds=bounds, options=_OPTIONS)
    x = second.x if second.x is not None else first.x
    return among[np.flatnonzero(np.round(x) > 0)]


def _contenders(problem: _Problem) -> np.ndarray:
    """Indices (priority order) of the candidacies the best selection can hold: the others
    are left out of the solve, which it then makes on a few hundred instead of thousands.

    Candidacies of one « class » (in exactly the same groups, none kept) can replace one
    another without breaking a limit, and the class can never have more chosen than its
    capacity c (the places, or the smallest « at most » of its groups). So in a best
    selection, a candidacy with c of its class before it in priority order (as good a
    score or better, then first by id) is never chosen: one of those c is not, and taking
    it instead would raise the score or win the tie-break. The best selection, its score
    and its tie-break are those of the whole programme; so is whether one exists at all
    (any selection maps onto the first of each class)."""
    n = len(problem.ids)
    capacity = np.full(n, float(problem.k))
    if problem.groups:
        capacity = np.minimum(capacity, np.where(problem.members > 0, problem.upper[:, None], np.inf).min(axis=0))
    signature = np.vstack([problem.members, problem.fixed_low, problem.fixed_high]).T
    _, classes = np.unique(signature, axis=0, return_inverse=True)
    classes = classes.ravel()
    by_class = np.argsort(classes, kind="stable")  # each class in priority order (the index order)
    starts = np.flatnonzero(np.r_[True, np.diff(classes[by_class]) != 0])
    rank = np.empty(n, dtype=np.int64)
    rank[by_class] = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    wanted = ((rank < capacity) | (problem.fixed_low > 0)) & (problem.fixed_high > 0)
    return np.flatnonzero(wanted)


def _restricted(problem: _Problem, among: np.ndarray) -> _Problem:
    """The programme over the candidacies `among` only (same places and bounds; its groups'
    own `members` still span every candidacy: the solve reads the matrix)."""
    return _Problem(
        ids=problem.ids[among], scores=problem.scores[among], k=problem.k, groups=problem.groups,
        members=problem.members[:, among], matrix=sparse.csr_array(problem.members[:, among]),
        lower=problem.lower, upper=problem.upper, fixed_low=problem.fixed_low[among],
        fixed_high=problem.fixed_high[among],
    )


def _priority(n: int) -> np.ndarray:
    """The tie-break's weights: n for the first in priority order, down to 1 for the last."""
    return np.arange(n, 0, -1, dtype=float)


# Scores as people give them (halves, tenths, thirds of averages...) lie on a grid 1/L.
_GRIDS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 20, 24, 30, 60, 100, 120, 360, 1000, 2520, 10_000)
_EXACT = 2.0 ** 50  # whole numbers a double and HiGHS's gaps (1e-6 absolute) keep exact


def _lexicographic_costs(scores: np.ndarray, k: int) -> np.ndarray | None:
    """Whole-number costs ordering selections by score, then by the tie-break, or None.

    When every score is a multiple of 1/L, score × L × D + priority weight, with D above
    any k weights' sum, compares two selections by score first (they differ by D at
    least) and by the weights only between equal scores: one solve instead of two.
    """
    n = len(scores)
    weights = _priority(n)
    spread = float(weights[:k].sum()) + 1
    for grid in _GRIDS:
        scaled = scores * grid
        whole = np.round(scaled)
        if np.all(np.abs(scaled - whole) <= 1e-9 * np.maximum(1.0, np.abs(scaled))):
            costs = whole * spread + weights
            return costs if float(np.abs(costs).max()) * k < _EXACT else None
    return None


# ---------------------------------------------------------------- the waiting list


def _waitlist(problem: _Problem, chosen: np.ndarray, size: int) -> tuple[list[int], list[int]]:
    """The `size` best replacements, by the number of single declines each can fill, then priority."""
    n = len(problem.ids)
    outside = np.ones(n, dtype=bool)
    outside[chosen] = False
    outside &= problem.fixed_high > 0
    if not outside.any() or size == 0:
        return [], []
    covers = np.zeros(n, dtype=np.int64)
    if not problem.groups:
        covers[outside] = len(chosen)
    else:
        # After a decline of d and the promotion of w, a group's count is base + (w in it), base
        # being the count without d: w breaks the groups it joins where base + 1 is out of
        # bounds, and those it does not join where base is.
        members = problem.members
        counts = members[:, chosen].sum(axis=1)
        for declined in chosen:
            base = counts - members[:, declined]
            bad_out = ~((problem.lower <= base) & (base <= problem.upper))
            bad_in = ~((problem.lower <= base + 1) & (base + 1 <= problem.upper))
            violations = bad_out.sum() + (bad_in.astype(float) - bad_out.astype(float)) @ members
            covers += np.round(violations).astype(np.int64) == 0
    candidates = np.flatnonzero(outside)
    # Priority order is the index itself: a stable sort on covers alone keeps it among equals.
    ranked = candidates[np.argsort(-covers[candidates], kind="stable")][:size]
    return [int(i) for i in ranked], [int(covers[i]) for i in ranked]


# ---------------------------------------------------------------- infeasibility


def _explain(problem: _Problem, limits: Sequence[Limit], slack: list[int]) -> list[Reason]:
    """Each limit that cannot hold, the ones refused by the data alone first."""
    reasons = _alone(problem, limits, slack)
    explained = {id(reason.limit) for reason in reasons}
    for index, limit in enumerate(limits):
        if id(limit) in explained:
            continue
        loosened = {g.value: amount for g, amount in zip(problem.groups, slack, strict=True)
                    if g.limit_index == index and amount}
        if loosened:
            reasons.append(Reason(limit, _together_message(limit, problem, loosened), False,
                                  int(sum(abs(a) for a in loosened.values()))))
    return reasons


def _smallest_relaxation(problem: _Problem) -> list[int]:
    """Per group: how much to lower its minimum (< 0) or raise its maximum (> 0), with the
    least total loosening (one integer programme, slack variables on every bound)."""
    n, m = len(problem.ids), len(problem.groups)
    eye = sparse.eye_array(m, format="csr")
    a = sparse.hstack([problem.matrix, eye, -eye], format="csr")  # x, slack below, slack above
    constraints = [
        LinearConstraint(sparse.hstack([sparse.csr_array(np.ones((1, n))), sparse.csr_array((1, 2 * m))]),
                         problem.k, problem.k),
        LinearConstraint(a, problem.lower, np.inf),  # counts + below >= minimum
        LinearConstraint(sparse.hstack([problem.matrix, sparse.csr_array((m, m)), -eye], format="csr"),
                         -np.inf, problem.upper),  # counts - above <= maximum
    ]
    cost = np.concatenate([np.zeros(n), np.ones(2 * m)])
    bounds = Bounds(np.concatenate([problem.fixed_low, np.zeros(2 * m)]),
                    np.concatenate([problem.fixed_high, np.full(2 * m, np.inf)]))
    result = milp(cost, constraints=constraints, integrality=np.ones(n + 2 * m), bounds=bounds, options=_OPTIONS)
    slack = np.round(result.x[n:]).astype(int)
    return [int(above - below) for below, above in zip(slack[:m], slack[m:], strict=True)]


def _alone(problem: _Problem, limits: Sequence[Limit], slack: list[int]) -> list[Reason]:
    """Limits the candidacies refuse whatever the others: too few in a group, more than the
    places, more kept than allowed, or too few groups for « au plus N par … »."""
    reasons = []
    k, available = problem.k, problem.fixed_high > 0
    for index, limit in enumerate(limits):
        groups = [g for g in problem.groups if g.limit_index == index]
        loosen = int(sum(abs(s) for g, s in zip(problem.groups, slack, strict=True) if g.limit_index == index))
        asked = f"Impossible d'avoir {limit.describe()}"
        message = None
        if limit.at_least > k:
            message = f"{asked} : {k} place{'s' if k > 1 else ''} seulement."
        for group in groups if message is None else ():
            present = int((group.members & available).sum())
            kept = int((group.members & (problem.fixed_low > 0)).sum())
            where = f" {_for(limit, group.value)}" if limit.value is None else ""
            if limit.at_least > present:
                message = f"{asked}{where} : {limit.candidacies(present, group.value)}."
                break
            if limit.at_most is not None and kept > limit.at_most:
                message = f"{asked}{where} : {kept} candidatures imposées en font partie."
                break
        if message is None and limit.value is None and limit.at_most is not None and \
                limit.dimension != Dimension.SECTOR:
            message = _too_few_groups(limit, groups, available, k)
        if message is not None:
            reasons.append(Reason(limit, message, True, loosen))
    return reasons


def _too_few_groups(limit: Limit, groups: list[_Group], available: np.ndarray, k: int) -> str | None:
    sizes = [int((g.members & available).sum()) for g in groups]
    unbounded = int(available.sum()) - sum(sizes)  # no value in this dimension: no group, no limit
    if sum(min(limit.at_most, size) for size in sizes) + unbounded >= k:
        return None
    needed = next(h for h in range(limit.at_most + 1, k + 1)
                  if sum(min(h, size) for size in sizes) + unbounded >= k)
    kinds = {Dimension.NETWORK: "réseau", Dimension.KIND: "type", Dimension.FAMILY: "famille",
             Dimension.DEPARTEMENT: "département"}[limit.dimension]
    plural = "x" if kinds == "réseau" else "s"
    count = f"{len(groups)} {kinds}{plural if len(groups) > 1 else ''}"
    return (f"Impossible d'avoir {limit.describe()} : {count} seulement pour {k} places ; "
            f"il faudrait {bounds_text(limit.at_least, needed)} {EACH[limit.dimension]}.")


def _together_message(limit: Limit, problem: _Problem, loosened: dict[str, int]) -> str:
    if limit.value is not None:
        [amount] = loosened.values()
        if amount < 0:
            relaxed = bounds_text(limit.at_least + amount, limit.at_most)
        else:
            relaxed = bounds_text(limit.at_least, (limit.at_most or problem.k) + amount)
        return (f"« {limit.describe()} » ne tient pas avec les autres contraintes : la plus petite correction "
                f"serait d'en demander {relaxed}.")
    worst = max(loosened.values(), key=abs)
    if worst < 0:
        relaxed = bounds_text(max(limit.at_least + worst, 0), limit.at_most)
    else:
        relaxed = bounds_text(limit.at_least, (limit.at_most or problem.k) + worst)
    where = ", ".join(_label(limit, value) for value in loosened)
    return (f"« {limit.describe()} » ne tient pas avec les autres contraintes : la plus petite correction "
            f"serait d'en accepter {relaxed} {EACH[limit.dimension]} (pour {where}).")


def _for(limit: Limit, value: str) -> str:
    """« pour le réseau Urtie », « pour ESAT »: one group of a limit on each value."""
    return f"pour {_label(limit, value)}"


def _label(limit: Limit, value: str) -> str:
    return {Dimension.NETWORK: f"le réseau {value}", Dimension.KIND: value,
            Dimension.FAMILY: limit.subject(value).replace("structures", "les structures", 1),
            Dimension.DEPARTEMENT: f"le département {limit.subject(value).removeprefix('du département ')}",
            Dimension.SECTOR: f"le secteur « {value} »"}[limit.dimension]
