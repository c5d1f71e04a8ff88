"""How balanced a selection is: retained and waiting-list counts by network, kind,
département, sector and family (insertion vs disability), as long DataFrames ready for
Altair (one row per group and outcome, zeros included so that a group with nobody
retained shows). Pure: it reads a candidates frame (see `frames`), current or proposed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import chain

import pandas as pd

from core.collation import french_key
from core.departements import departement_label
from core.reference import SECTORS, STRUCTURE_KINDS
from core.selection.frames import DISABILITY, FAMILY_LABELS, IAE
from db.models import Deliberation

OUTCOMES = {Deliberation.SELECTED.value: Deliberation.SELECTED.label,
            Deliberation.WAITLISTED.value: Deliberation.WAITLISTED.label}
DIMENSIONS = {"network": "Réseau", "kind": "Type de structure", "departement": "Département",
              "sector": "Secteur", "family": "Famille"}
_COUNT_DTYPES = {"group": "string", "outcome": "string", "count": "int64", "share": "float64"}
_NONE = "Non renseigné"


@dataclass(frozen=True)
class Balance:
    """Counts of one selection. Each frame: group (its label), outcome (« Retenue »,
    « Liste d'attente »), count, share (of that outcome's total; 0 when it is empty).
    A candidacy counts once in each of its sectors."""

    retained: int
    waitlisted: int
    by_network: pd.DataFrame
    by_kind: pd.DataFrame
    by_departement: pd.DataFrame
    by_sector: pd.DataFrame
    by_family: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        """dimension → frame, in the panel's order, with DIMENSIONS as titles."""
        return {"network": self.by_network, "kind": self.by_kind, "departement": self.by_departement,
                "sector": self.by_sector, "family": self.by_family}


def balance(frame: pd.DataFrame, *, outcome: str = "deliberation") -> Balance:
    """The balance of the decisions in column `outcome` of a candidates frame.

    Groups are every value found among the frame's candidacies (all submitted ones, not
    only the decided), so the lead sees who is missing: networks and départements in
    French order, kinds, sectors and families in the reference order.
    """
    decided = frame[frame[outcome].isin(list(OUTCOMES))]
    networks = sorted(frame["network"].dropna().unique(), key=french_key)
    kinds_present = set(frame["kind"].dropna().unique())
    kinds = [k for k in STRUCTURE_KINDS if k in kinds_present]
    departements = sorted(frame["departement"].dropna().unique())
    sectors_present = set(chain.from_iterable(frame["sectors"].tolist()))
    sectors = [s for s in SECTORS if s in sectors_present] + sorted(sectors_present - set(SECTORS), key=french_key)
    outcomes = decided[outcome].tolist()
    # The decided are a handful: plain lists, not pandas operations, whose fixed cost was most of the panel's.
    sector_values, sector_outcomes = [], []
    for row, decision in zip(decided["sectors"].tolist(), outcomes, strict=True):
        row = row or [_NONE]  # no sector given: counted under « Non renseigné », as for the other dimensions
        sector_values += row
        sector_outcomes += [decision] * len(row)
    return Balance(
        retained=outcomes.count(Deliberation.SELECTED.value),
        waitlisted=outcomes.count(Deliberation.WAITLISTED.value),
        by_network=_counts(_values(decided["network"]), outcomes, networks, dict(zip(networks, networks, strict=True))),
        by_kind=_counts(_values(decided["kind"]), outcomes, kinds, {k: k for k in kinds}),
        by_departement=_counts(_values(decided["departement"]), outcomes, departements,
                               {d: departement_label(d) for d in departements}),
        by_sector=_counts(sector_values, sector_outcomes, sectors, {s: s for s in sectors}),
        by_family=_counts(_values(decided["family"]), outcomes, [IAE, DISABILITY], FAMILY_LABELS),
    )


def _values(column: pd.Series) -> list:
    """The column's values (labels), « Non renseigné » for a missing one."""
    return [value if isinstance(value, str) else _NONE for value in column.tolist()]


def _counts(values: list, outcomes: list, groups: list[str], labels: dict[str, str]) -> pd.DataFrame:
    """Long counts: every group × outcome (zeros included), then the groups no value matched."""
    table = Counter(zip(values, outcomes, strict=True))
    order = list(groups) + ([_NONE] if _NONE in values else [])
    columns: dict[str, list] = {name: [] for name in _COUNT_DTYPES}
    for code, label in OUTCOMES.items():
        total = sum(count for (_, outcome), count in table.items() if outcome == code)
        for group in order:
            count = table.get((group, code), 0)
            columns["group"].append(labels.get(group, group))
            columns["outcome"].append(label)
            columns["count"].append(count)
            columns["share"].append(count / total if total else 0.0)
    return pd.DataFrame({name: pd.array(values, dtype=_COUNT_DTYPES[name]) for name, values in columns.items()})
