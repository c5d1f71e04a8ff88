"""Display helpers: French dates and labels for tables."""

from __future__ import annotations

from datetime import datetime

from core.clock import format_datetime


def when(moment: datetime | None, empty: str = "—") -> str:
    return format_datetime(moment) if moment else empty
