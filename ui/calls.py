"""Showing calls for candidates."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from core.calls import STATE_LABELS, CallSummary
from core.clock import format_date, format_time, utcnow
from ui.format import when


def calls_table(calls: list[CallSummary], now: datetime | None = None) -> None:
    now = now or utcnow()
    st.dataframe(
        [
            {
                "Rencontre": f"n° {c.edition_number} — {c.edition_title}",
                "Date": format_date(c.event_date),
                "Horaires": f"{format_time(c.start_time)} – {format_time(c.end_time)}",
                "Lieu": c.city or "",
                "Thème": c.theme_title,
                "Ouverture": when(c.opens_at),
                "Clôture": when(c.closes_at),
                "État": STATE_LABELS[c.phase(now)],
            }
            for c in calls
        ],
        hide_index=True, width="stretch",
    )
