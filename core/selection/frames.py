"""The candidates of a call as one typed DataFrame: what the balance, the proposal and the
diff read. The review board adds its score column (`with_scores`) to the same frame.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.permissions import Action, Actor, require
from core.reference import DISABILITY_KINDS, IAE_KINDS
from db.models import Candidacy, Deliberation, Network, Submission

IAE, DISABILITY = "IAE", "handicap"
FAMILY_LABELS = {IAE: "Insertion (IAE)", DISABILITY: "Handicap (EA, EATT, ESAT)"}
_FAMILY_OF = {**dict.fromkeys(IAE_KINDS, IAE), **dict.fromkeys(DISABILITY_KINDS, DISABILITY)}

#: The columns of a candidates frame and their dtypes (sectors: a list of labels per row).
COLUMNS: dict[str, str | type] = {
    "candidacy_id": "int64",
    "name": "string",
    "network_id": "int64",
    "network": "string",
    "kind": "string",
    "family": "string",
    "departement": "string",
    "sectors": object,
    "deliberation": "string",
    "waitlist_rank": "Int64",
    "version": "int64",
    "score": "float64",
}


def family_of(kind: str | None) -> str | None:
    """« IAE » for the insertion kinds, « handicap » for EA, EATT and ESAT."""
    return _FAMILY_OF.get(kind or "")


def candidates_frame(records: list[Mapping]) -> pd.DataFrame:
    """A typed frame from plain rows (keys of COLUMNS; family derived from kind, score NaN if absent).

    Tests and the review board build frames this way; rows keep their order.
    """
    frame = pd.DataFrame.from_records(list(records), columns=[c for c in COLUMNS if c != "family"])
    frame["family"] = frame["kind"].map(family_of)
    frame["sectors"] = frame["sectors"].map(lambda value: list(value) if isinstance(value, (list, tuple)) else [])
    frame["deliberation"] = frame["deliberation"].fillna("pending")
    frame["version"] = frame["version"].fillna(1)
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce")
    return frame[list(COLUMNS)].astype(COLUMNS)


def decisions_frame(session: Session, *, actor: Actor, call_id: int) -> pd.DataFrame:
    """The call's submitted candidacies with their decisions, by id, in one query.

    Decisions are private until published: the lead only. Scores are NaN until `with_scores`.
    """
    require(actor, Action.DECIDE)
    rows = session.execute(
        select(Candidacy.id, Candidacy.name, Candidacy.network_id, Network.name, Candidacy.kind,
               Candidacy.departement, Candidacy.sectors, Candidacy.deliberation, Candidacy.waitlist_rank,
               Candidacy.version)
        .join(Network, Network.id == Candidacy.network_id)
        .where(Candidacy.call_id == call_id, Candidacy.submission == Submission.SUBMITTED)
        .order_by(Candidacy.id)
    ).all()
    return candidates_frame([
        {"candidacy_id": r[0], "name": r[1] or "", "network_id": r[2], "network": r[3],
         "kind": r[4].value if r[4] else None, "departement": r[5], "sectors": r[6] or [],
         "deliberation": r[7].value, "waitlist_rank": r[8], "version": r[9], "score": np.nan}
        for r in rows
    ])


def with_scores(frame: pd.DataFrame, scores: Mapping[int, float] | pd.Series) -> pd.DataFrame:
    """The frame with its score column from `scores` (candidacy id → score; NaN when unscored)."""
    scores = pd.Series(scores, dtype="float64")
    return frame.assign(score=frame["candidacy_id"].map(scores).astype("float64"))


#: The export's columns, in French, from a candidates frame (decision as its label).
EXPORT_COLUMNS = {"name": "Structure", "network": "Réseau", "kind": "Type", "departement": "Département",
                  "sectors": "Secteurs", "decision": "Décision", "waitlist_rank": "Rang en liste d'attente",
                  "score": "Score"}


def decisions_export(frame: pd.DataFrame) -> pd.DataFrame:
    """The decisions as the lead exports them (CSV, .xlsx through core.exports, which
    neutralises formulas): retained first, then the waiting list by rank, then the others."""
    order = {"selected": 0, "waitlisted": 1, "not_selected": 2, "pending": 3}
    rows = frame.assign(decision=frame["deliberation"].map(Deliberation.labels()).astype("string"),
                        _order=frame["deliberation"].map(order))
    rows = rows.sort_values(["_order", "waitlist_rank", "name"], na_position="last", kind="stable")
    return rows[list(EXPORT_COLUMNS)].rename(columns=EXPORT_COLUMNS).reset_index(drop=True)
