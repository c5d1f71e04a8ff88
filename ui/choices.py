"""Choice boxes whose choice never changes by itself while the user is on the page."""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Mapping, Sequence

import streamlit as st

from ui.tables import show_table


def sticky_selectbox(label: str, available: Sequence[Hashable], *, key: str, labels: Mapping[Hashable, str],
                     **options) -> Hashable | None:
    """A selectbox of `available` ids that keeps the chosen id even once it has left
    `available` (a call closed meanwhile). Streamlit would otherwise move the choice to
    another option silently, and the button below would act on that one; here the page
    still sees the user's choice and can say what became of it.

    `labels` names every id that may have been chosen, available or not. The chosen id is
    kept in `st.session_state[key]` (set it before the call to choose for the user). The
    browser holds a choice by its label: when labels change (a call renamed or closed), the
    box is drawn anew on the same id, so it shows the new label and the stale one can never
    land on the default option.
    """
    chosen = st.session_state.get(key)
    choices = list(available)
    if chosen is not None and chosen not in choices and chosen in labels:
        choices.append(chosen)
    shown = [labels.get(i, str(i)) for i in choices]
    widget = f"{key}:{hashlib.sha256(chr(31).join(shown).encode()).hexdigest()[:10]}"
    default = options.pop("index", 0)
    index = choices.index(chosen) if chosen in choices else default
    value = st.selectbox(label, choices, index=index, key=widget, format_func=lambda i: labels.get(i, str(i)),
                         **options)
    st.session_state[key] = value
    return value


def sticky_row(frame, ids: Sequence[Hashable], *, key: str, **options) -> Hashable | None:
    """A single-row selectable table (ui.tables.show_table) whose ticked row follows its id:
    the id of the chosen row, or None. Streamlit keeps a tick by position, so once the rows
    change (a colleague's new item sorts first, a move passes the next one) the tick would sit
    on another row and the buttons below would act on it. Then the grid is drawn anew under
    a new key, ticked on the chosen id's new row, or not at all if that row is gone."""
    order = tuple(ids)
    state = st.session_state.setdefault(f"{key}:rows", {"order": order, "generation": 0, "chosen": None})
    if state["order"] != order:
        state.update(order=order, generation=state["generation"] + 1,
                     chosen=state["chosen"] if state["chosen"] in order else None)
    default = None
    if state["chosen"] in order:
        default = {"selection": {"rows": [order.index(state["chosen"])], "columns": [], "cells": []}}
    grid = key + (f"-{state['generation']}" if state["generation"] else "")
    shown = show_table(frame, file_stem=None, key=grid, on_select="rerun", selection_mode="single-row",
                       selection_default=default, **options)
    rows = shown.selection.rows if shown is not None else []
    state["chosen"] = order[rows[0]] if rows and rows[0] < len(order) else None
    return state["chosen"]
