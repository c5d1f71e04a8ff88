"""The candidates of a call as one typed DataFrame: what the balance, the proposal and the
diff read. The review board adds its score column (`with_scores`) to the same frame.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd
from sqlalchemy import String, Text, cast, select, type_coerce
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
    return frame_of_rows(decision_rows(session, call_id))


def decision_rows(session: Session, call_id: int) -> list[tuple]:
    """The query of `decisions_frame`, as the driver's plain tuples (enums as their stored
    values, sectors as their JSON text: no column needs SQLAlchemy's processing). The page
    runs it on every rerun, over every submitted candidacy, and row objects or per-row
    decoding cost several times the query itself. No permission check: for
    `decisions_frame` and the selection page's reading, which check."""
    c = Candidacy.__table__.c
    result = session.execute(
        select(c.id, c.name, c.network_id, Network.__table__.c.name, type_coerce(c.kind, String),
               c.departement, cast(c.sectors, Text), type_coerce(c.deliberation, String), c.waitlist_rank,
               c.version)
        .join(Network.__table__, Network.__table__.c.id == c.network_id)
        .where(c.call_id == call_id, c.submission == Submission.SUBMITTED)
        .order_by(c.id)
    )
    try:
        rows = result.cursor.fetchall()
    finally:
        result.close()
    return rows if not rows or type(rows[0]) is tuple else [tuple(row) for row in rows]


def frame_of_rows(rows: list[tuple]) -> pd.DataFrame:
    """The typed candidates frame (COLUMNS) of `decision_rows`, score NaN."""
    ids, names, network_ids, networks, kinds, departements, sectors, decided, ranks, versions = (
        zip(*rows, strict=True) if rows else ((),) * 10)
    return pd.DataFrame({
        "candidacy_id": np.array(ids, dtype=np.int64),
        "name": pd.array([name or "" for name in names], dtype="string"),
        "network_id": np.array(network_ids, dtype=np.int64),
        "network": pd.array(networks, dtype="string"),
        "kind": pd.array(kinds, dtype="string"),
        "family": pd.array([_FAMILY_OF.get(kind) for kind in kinds], dtype="string"),
        "departement": pd.array(departements, dtype="string"),
        "sectors": _sector_lists(sectors),
        "deliberation": pd.array(decided, dtype="string"),
        "waitlist_rank": pd.array(ranks, dtype="Int64"),
        "version": np.array(versions, dtype=np.int64),
        "score": np.full(len(ids), np.nan),
    }, columns=list(COLUMNS))


def _sector_lists(texts: tuple[str | None, ...]) -> np.ndarray:
    """Each row's sectors from its JSON text (none: an empty list), each distinct text decoded
    once (the same few combinations recur), every row its own list."""
    decoded = {text: json.loads(text) for text in set(texts) if text is not None}
    lists = np.empty(len(texts), dtype=object)
    for index, text in enumerate(texts):
        value = decoded.get(text)
        lists[index] = list(value) if isinstance(value, list) else []
    return lists


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
