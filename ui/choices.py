"""Choice boxes whose choice never changes by itself while the user is on the page."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import streamlit as st


def sticky_selectbox(label: str, available: Sequence[Hashable], *, key: str, labels: Mapping[Hashable, str],
                     **options) -> Hashable | None:
    """A selectbox of `available` ids that keeps the chosen id even once it has left
    `available` (a call closed meanwhile). Streamlit would otherwise move the choice to
    another option silently, and the button below would act on that one; here the page
    still sees the user's choice and can say what became of it.

    `labels` names every id that may have been chosen, available or not.
    """
    chosen = st.session_state.get(key)
    choices = list(available)
    if chosen is not None and chosen not in choices and chosen in labels:
        choices.append(chosen)
    return st.selectbox(label, choices, key=key, format_func=lambda i: labels.get(i, str(i)), **options)
