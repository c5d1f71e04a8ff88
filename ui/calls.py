"""Showing calls for candidates."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from core.calls.listing import CallSummary
from core.clock import PARIS, format_time, utcnow
from ui.tables import show_table

# Least widths, about 930 px in all: the table fits beside the sidebar at 1,400 px.
CALL_COLUMNS = {
    "Rencontre": st.column_config.TextColumn(width=155),
    "Date": st.column_config.DateColumn(format="DD/MM/YYYY", width=90),
    "Horaires": st.column_config.TextColumn(width=110),
    "Lieu": st.column_config.TextColumn(width=105),
    "Thème": st.column_config.TextColumn(width=150),
    "Ouverture": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm", width=120),
    "Clôture": st.column_config.DatetimeColumn(format="DD/MM/YYYY HH:mm", width=120),
    "État": st.column_config.TextColumn(width=80),
}


def calls_frame(calls: list[CallSummary], now: datetime) -> pd.DataFrame:
    """One row per call; dates and times typed (Paris), so they sort as dates."""
    frame = pd.DataFrame(
        [[f"n° {c.edition_number} — {c.edition_title}", c.event_date,
          f"{format_time(c.start_time)} – {format_time(c.end_time)}", c.city, c.theme_title,
          c.opens_at, c.closes_at, c.phase(now).label] for c in calls],
        columns=list(CALL_COLUMNS),
    )
    for column in ("Ouverture", "Clôture"):
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_convert(PARIS)
    return frame


def calls_table(calls: list[CallSummary], now: datetime | None = None, *, file_stem: str | None = None) -> None:
    show_table(calls_frame(calls, now or utcnow()), file_stem=file_stem, column_config=CALL_COLUMNS)
