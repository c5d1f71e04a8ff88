"""`python -m bench.selection [--candidates N] [--slots K]`: the proposed selection's cost.

A synthetic call of N candidacies (15 networks, the nine kinds, the eight départements of
Île-de-France, one to three sectors each, scores in tenths from 0 to 5) and 30 group
constraints (at most 2 per network: 15; at least 2 disability structures: 1; at most 3
per département: 8; at least one in each of 6 sectors: 6). Printed, never asserted, each
beside its baseline measured in the same run: `propose` (build, solve with its
tie-break, waiting list of 5) against the bare `scipy.optimize.milp` call on the same
matrix; then the balance of a decided frame, and an infeasible set explained.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable

import numpy as np
from scipy.optimize import Bounds, milp

from core.reference import SECTORS, STRUCTURE_KINDS
from core.selection import frames
from core.selection.balance import balance
from core.selection.limits import Dimension, Limit, cover_sectors
from core.selection.proposal import _OPTIONS, _constraints, _problem, propose

DEPARTEMENTS = ("75", "77", "78", "91", "92", "93", "94", "95")


def candidates(count: int, seed: int = 7):
    rng = random.Random(seed)  # noqa: S311 - synthetic data, repeatable
    networks = [f"Réseau {i:02d}" for i in range(15)]
    return frames.candidates_frame([
        {"candidacy_id": i, "name": f"Structure {i}", "network_id": 1 + i % 15, "network": rng.choice(networks),
         "kind": rng.choice(list(STRUCTURE_KINDS)), "departement": rng.choice(DEPARTEMENTS),
         "sectors": rng.sample(SECTORS, rng.randint(1, 3)), "deliberation": "pending", "waitlist_rank": None,
         "version": 1, "score": rng.randint(0, 50) / 10}
        for i in range(1, count + 1)
    ])


LIMITS = [Limit(Dimension.NETWORK, at_most=2), Limit(Dimension.FAMILY, "handicap", at_least=2),
          Limit(Dimension.DEPARTEMENT, at_most=3), *cover_sectors(SECTORS[:6])]


def best_of(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_milp(frame, slots: int) -> Callable[[], object]:
    problem = _problem(frame, slots=slots, limits=LIMITS, keep=(), exclude=())
    n = len(problem.ids)

    def solve():
        return milp(-problem.scores, constraints=_constraints(problem), integrality=np.ones(n),
                    bounds=Bounds(problem.fixed_low, problem.fixed_high), options=_OPTIONS)

    return solve, len(problem.groups)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--slots", type=int, nargs="+", default=[8, 20])
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    frame = candidates(options.candidates)
    print(f"{options.candidates} candidatures, meilleur de {options.runs} essais")
    print(f"{'mesure':<44}{'temps':>10}{'référence':>12}{'rapport':>9}")
    for slots in options.slots:
        solve, groups = bare_milp(frame, slots)
        ours = best_of(options.runs, lambda s=slots: propose(frame, slots=s, limits=LIMITS))
        bare = best_of(options.runs, solve)
        print(f"{f'proposition, {slots} places, {groups} contraintes':<44}{ours:>9.3f}s{bare:>11.3f}s"
              f"{ours / bare:>8.2f}×")
    result = propose(frame, slots=options.slots[0], limits=LIMITS)
    decided = frame.assign(deliberation=np.where(frame["candidacy_id"].isin(result.selected), "selected",
                                                 np.where(frame["candidacy_id"].isin(result.waitlist), "waitlisted",
                                                          "pending")))
    print(f"{'bilan (5 tableaux) du cadre décidé':<44}{best_of(options.runs, lambda: balance(decided)):>9.3f}s")
    half = options.slots[0] // 2 + 1  # more than half ESAT, more than half IAE: cannot hold together
    impossible = [*LIMITS, Limit(Dimension.KIND, "ESAT", at_least=half),
                  Limit(Dimension.FAMILY, "IAE", at_least=half)]
    spent = best_of(1, lambda: propose(frame, slots=options.slots[0], limits=impossible))
    label = "explication d'un ensemble impossible"
    print(f"{label:<44}{spent:>9.3f}s")
    for message in propose(frame, slots=options.slots[0], limits=impossible).messages:
        print(f"  {message}")


if __name__ == "__main__":
    main()
