"""The publication page's pieces: the decisions table and the counts the confirmation shows."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd
import streamlit as st

from db.models import Confirmation, Deliberation

#: The outcomes in the order the page names them, with the confirmation's wording.
OUTCOMES = {
    Deliberation.SELECTED: "Retenues",
    Deliberation.WAITLISTED: "Liste d'attente",
    Deliberation.NOT_SELECTED: "Non retenues",
    Deliberation.PENDING: "Sans décision",
}
#: What a published decision may become (never back to pending).
REVISED_TO = {d: d.label for d in (Deliberation.SELECTED, Deliberation.WAITLISTED, Deliberation.NOT_SELECTED)}

DECISION_COLUMNS = {
    "Structure": st.column_config.TextColumn(width=300),
    "Réseau": st.column_config.TextColumn(width=220),
    "Décision": st.column_config.TextColumn(width=170),
    "Rang en liste d'attente": st.column_config.NumberColumn(format="%d", width=170),
    "Publiée": st.column_config.CheckboxColumn(width=80),
}


CONFIRMATION_COLUMNS = {
    "Structure": st.column_config.TextColumn(width=230),
    "Réseau": st.column_config.TextColumn(width=180),
    "Statut de confirmation": st.column_config.TextColumn(width=180),
    "Répondu le": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm", width=130),
    "Motif du refus": st.column_config.TextColumn(width=220),
}
#: The answers in the order the page counts them.
ANSWERS = {Confirmation.CONFIRMED: "Confirmées", Confirmation.PENDING: "Sans réponse",
           Confirmation.DECLINED: "Déclinées"}


def show_answers(counts: dict[Confirmation, int]) -> None:
    """The number of retained candidacies of each answer, side by side."""
    for column, (answer, label) in zip(st.columns(len(ANSWERS)), ANSWERS.items(), strict=True):
        column.metric(label, counts.get(answer, 0))


def decisions_view(frame: pd.DataFrame, published: Collection[int]) -> pd.DataFrame:
    """One typed row per submitted candidacy of a decisions frame (core.selection.frames):
    retained first, then the waiting list by rank, then the others."""
    order = {"selected": 0, "waitlisted": 1, "not_selected": 2, "pending": 3}
    rows = frame.assign(_order=frame["deliberation"].map(order)).sort_values(
        ["_order", "waitlist_rank", "name"], na_position="last", kind="stable")
    return pd.DataFrame({
        "Structure": rows["name"].astype("string"),
        "Réseau": rows["network"].astype("string"),
        "Décision": rows["deliberation"].map(Deliberation.labels()).astype("string"),
        "Rang en liste d'attente": rows["waitlist_rank"].astype("Int64"),
        "Publiée": rows["candidacy_id"].isin(set(published)).astype("bool"),
    }).reset_index(drop=True)


def show_counts(counts: dict[Deliberation, int]) -> None:
    """The number of candidacies of each outcome, side by side."""
    for column, (outcome, label) in zip(st.columns(len(OUTCOMES)), OUTCOMES.items(), strict=True):
        column.metric(label, counts.get(outcome, 0))


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"
