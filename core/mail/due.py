"""Messages that fall due with time (reminders), queued by `manage.py send-mail` before it sends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session


def queue_due_messages(session: Session, *, now: datetime) -> int:
    """Queue every reminder due at `now` that is not queued yet; return how many were queued."""
    return 0
