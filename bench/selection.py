"""`python -m bench --only selection` (part of `make bench`): the proposed selection's cost.

A synthetic call of N candidacies (5,000 by default; 15 networks, the nine kinds, the eight
départements of Île-de-France, one to three sectors each, scores in tenths from 0 to 5)
and 30 group constraints (at most 2 per network: 15; at least 2 disability structures: 1;
at most 3 per département: 8; at least one in each of 6 sectors: 6). Printed, each beside
its baseline measured in the same run: `propose` (build, solve with its tie-break, waiting
list of 5) against the bare `scipy.optimize.milp` call on the same matrix (score alone, no
tie-break, no waiting list; on all the candidacies, where `propose` solves only those that
can be in the best selection, whose number is printed), each run followed by the bare one
so that a busy moment of the machine weighs on both; the verdict (under 2 s and within 3× of bare milp) is on the
medians. Then, for information, the balance of a decided frame and an infeasible set
explained. Never asserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Callable

import numpy as np
from scipy.optimize import Bounds, milp

from bench.output import Target, columns, ratio, seconds, spread, thousands, verdict
from bench.review import Timings, side_by_side
from core.reference import SECTORS, STRUCTURE_KINDS
from core.selection import frames
from core.selection.balance import balance
from core.selection.limits import Dimension, Limit, cover_sectors
from core.selection.proposal import _OPTIONS, Infeasible, Proposal, _constraints, _contenders, _problem, propose

DEPARTEMENTS = ("75", "77", "78", "91", "92", "93", "94", "95")
SLOTS = (8, 20)
LIMITS = [Limit(Dimension.NETWORK, at_most=2), Limit(Dimension.FAMILY, "handicap", at_least=2),
          Limit(Dimension.DEPARTEMENT, at_most=3), *cover_sectors(SECTORS[:6])]


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


def bare_milp(frame, slots: int, limits=LIMITS) -> tuple[Callable[[], object], int]:
    """The bare solve of the proposal's programme (its matrix, bounds and options), and its number of groups."""
    problem = _problem(frame, slots=slots, limits=limits, keep=(), exclude=())
    n = len(problem.ids)

    def solve():
        result = milp(-problem.scores, constraints=_constraints(problem), integrality=np.ones(n),
                      bounds=Bounds(problem.fixed_low, problem.fixed_high), options=_OPTIONS)
        assert result.x is not None, result.message
        return result

    return solve, len(problem.groups)


def measure(count: int, repeat: int, slots: tuple[int, ...] = SLOTS) -> dict[str, object]:
    """Interleaved timings of `propose` and of the bare milp for each number of slots
    ({"proposal-8": Timings, "proposal-8_bare": Timings, "groups-8": 30...}), then of the
    balance of the decided frame and of the infeasible set's explanation."""
    frame = candidates(count)
    figures: dict[str, object] = {"count": count, "slots": slots}
    for k in slots:
        solve, figures[f"groups-{k}"] = bare_milp(frame, k)
        figures[f"contenders-{k}"] = len(_contenders(_problem(frame, slots=k, limits=LIMITS, keep=(), exclude=())))
        result = propose(frame, slots=k, limits=LIMITS)
        assert isinstance(result, Proposal) and len(result.selected) == k, result
        figures[f"proposal-{k}"], figures[f"proposal-{k}_bare"] = side_by_side(
            repeat, lambda k=k: propose(frame, slots=k, limits=LIMITS), solve)
    result = propose(frame, slots=slots[0], limits=LIMITS)
    decided = frame.assign(deliberation=np.where(frame["candidacy_id"].isin(result.selected), "selected",
                                                 np.where(frame["candidacy_id"].isin(result.waitlist), "waitlisted",
                                                          "pending")))
    figures["balance"] = Timings()
    for _ in range(repeat):
        figures["balance"].time(lambda: balance(decided))
    half = slots[0] // 2 + 1  # more than half ESAT, more than half IAE: cannot hold together
    impossible = [*LIMITS, Limit(Dimension.KIND, "ESAT", at_least=half), Limit(Dimension.FAMILY, "IAE", at_least=half)]
    explained = propose(frame, slots=slots[0], limits=impossible)
    assert isinstance(explained, Infeasible), explained
    figures["infeasible"], figures["messages"] = Timings(), explained.messages
    for _ in range(max(repeat // 3, 1)):
        figures["infeasible"].time(lambda: propose(frame, slots=slots[0], limits=impossible))
    return figures


def targets(figures: dict) -> list[Target]:
    """The proposal's target (issue 9): under 2 s and within 3× of the bare milp, for each number of places."""
    lines = []
    for k in figures["slots"]:
        value = statistics.median(figures[f"proposal-{k}"].wall)
        bare = statistics.median(figures[f"proposal-{k}_bare"].wall)
        lines.append(Target(f"Proposition, {thousands(figures['count'])} candidatures (issue 9)",
                            f"Proposition : {k} places, {figures[f'groups-{k}']} contraintes (milp nu)",
                            f"{seconds(value)} ; {ratio(value / bare)}", "< 2 s et ≤ 3×",
                            value < 2 and value / bare <= 3))
    return lines


def table(figures: dict) -> list[str]:
    """The figures as printed: medians (the verdict's), then each side's best and spread."""
    rows, details = [], []
    for k in figures["slots"]:
        runs, bares = figures[f"proposal-{k}"], figures[f"proposal-{k}_bare"]
        value, bare = statistics.median(runs.wall), statistics.median(bares.wall)
        label = f"Proposition : {k} places, {figures[f'groups-{k}']} contraintes"
        rows.append((label, seconds(value), seconds(bare), ratio(value / bare), "< 2 s et ≤ 3×",
                     verdict(value < 2 and value / bare <= 3)))
        details.append(f"  {label} : meilleur {seconds(min(runs.wall))} (milp nu {seconds(min(bares.wall))}) ; "
                       f"étendue {spread(runs.wall)} (milp nu {spread(bares.wall)}) ; temps processeur (médianes) "
                       f"{seconds(statistics.median(runs.cpu))} contre {seconds(statistics.median(bares.cpu))} ; "
                       f"la proposition résout sur {thousands(figures[f'contenders-{k}'])} candidatures pouvant être "
                       f"retenues, le milp nu sur les {thousands(figures['count'])}.")
    for label, key in (("Bilan (5 tableaux) du cadre décidé", "balance"),
                       ("Explication d'un ensemble impossible", "infeasible")):
        runs = figures[key]
        rows.append((label, seconds(statistics.median(runs.wall)), "—", "—", "—", "pour information"))
        details.append(f"  {label} : étendue {spread(runs.wall)} sur {len(runs.wall)} exécutions.")
    repeat = len(figures[f"proposal-{figures['slots'][0]}"].wall)
    lines = [f"Proposition de sélection — {thousands(figures['count'])} candidatures (15 réseaux, 9 types, "
             "8 départements, 1 à 3 secteurs, notes au dixième)",
             "Référence : l'appel nu à scipy.optimize.milp sur la même matrice (le score seul, sans départage "
             "ni liste d'attente) ; la proposition comprend la construction du programme, sa résolution avec "
             "départage et la liste d'attente de 5.",
             f"Médianes de {repeat} exécutions, chacune suivie de sa référence.", ""]
    lines += columns(("Mesure", "Médiane", "milp nu", "Rapport", "Objectif", "Verdict"), rows)
    lines += ["", *details, "", "Explication affichée pour l'ensemble impossible :",
              *(f"  {message}" for message in figures["messages"])]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.selection", description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--slots", type=int, nargs="+", default=list(SLOTS))
    parser.add_argument("--repeat", type=int, default=9)
    options = parser.parse_args(argv)
    for line in table(measure(options.candidates, options.repeat, tuple(options.slots))):
        print(line)


if __name__ == "__main__":
    main()
