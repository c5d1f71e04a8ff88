"""Tables with the app's own exports.

Streamlit's built-in « Download as CSV » writes cells as they are, so a name such as
`=HYPERLINK(...)` becomes a live formula in the user's spreadsheet. It is switched off
for the whole app (`client.disableDataExport` in .streamlit/config.toml: Streamlit has no
per-table switch); tables offer instead the CSV and Excel files of core.exports, built
from the same typed DataFrame, generated only when the user clicks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from core import exports

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MISSING = "—"  # shown for missing values, instead of Streamlit's « None »


def download_buttons(frame: pd.DataFrame | Callable[[], pd.DataFrame], file_stem: str) -> None:
    """« Excel » and « CSV » buttons for `frame` (or the function that builds it), side by
    side; each file is built on click (a large table costs nothing until then) and the page
    does not rerun."""
    def table() -> pd.DataFrame:
        return frame() if callable(frame) else frame

    with st.container(horizontal=True):
        st.download_button("Télécharger (Excel)", lambda: exports.to_xlsx(table()), f"{file_stem}.xlsx",
                           mime=XLSX_MIME, on_click="ignore", icon=":material/download:",
                           key=f"export-xlsx-{file_stem}")
        st.download_button("Télécharger (CSV)", lambda: exports.to_csv(table()), f"{file_stem}.csv",
                           mime="text/csv", on_click="ignore", icon=":material/download:",
                           key=f"export-csv-{file_stem}")


def show_table(frame: pd.DataFrame, *, file_stem: str | None, column_config: dict[str, Any] | None = None,
               empty: str | None = None, **options: Any):
    """Show `frame` across the page, then its exports if `file_stem` is given.

    `empty`: a French message shown instead of an empty table (and its buttons).
    Other keyword arguments go to st.dataframe (key, on_select, selection_mode, height...);
    its return value is returned (the selection when `on_select` is set).
    """
    if frame.empty and empty is not None:
        st.info(empty)
        return None
    options = {"hide_index": True, "width": "stretch", "placeholder": MISSING, **options}
    shown = st.dataframe(frame, column_config=column_config, **options)
    if file_stem is not None:
        download_buttons(frame, file_stem)
    return shown
