"""Messages that fall due with time, queued by `manage.py send-mail` before it sends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.calls.announcements import queue_call_announcements, queue_closing_reminders


def queue_due_messages(session: Session, *, now: datetime) -> int:
    """Queue every message due at `now` that is not queued yet; return how many were queued."""
    return queue_call_announcements(session, now=now) + queue_closing_reminders(session, now=now)
