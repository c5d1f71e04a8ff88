"""Messages that fall due with time, queued by `manage.py send-mail` (and the « Courriels »
page's sending) before it sends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.calls.announcements import queue_call_announcements, queue_closing_reminders
from core.selection.confirmation import queue_confirmation_reminders


def queue_due_messages(session: Session, *, now: datetime) -> int:
    """Queue every message due at `now` that is not queued yet; return how many were queued:
    the announcement of each open call, the reminder before a call closes, the reminder to
    the retained structures that have not confirmed."""
    return (queue_call_announcements(session, now=now) + queue_closing_reminders(session, now=now)
            + queue_confirmation_reminders(session, now=now))
