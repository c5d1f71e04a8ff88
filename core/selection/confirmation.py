"""The retained structure confirms or declines its pitch through a personal link, without an account.

The link's token is handed out once, in the retained message; the database keeps its
SHA-256 digest. It works once, until the call's confirmation deadline.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.accounts.tokens import new_token
from core.clock import paris_to_utc
from core.settings import settings
from db.models import OneTimeToken, TokenPurpose

CONFIRMATION_DAYS = 10


def default_confirm_by(published_at: datetime, event_date: date) -> datetime:
    """Ten days after publication, and never after the edition's day (its start, Paris time)."""
    return min(published_at + timedelta(days=CONFIRMATION_DAYS), paris_to_utc(event_date, time(0, 0)))


def confirmation_url(token: str) -> str:
    return f"{settings().base_url}/confirmation/{token}"


def issue_confirmation_link(session: Session, *, candidacy_id: int, expires_at: datetime, now: datetime) -> str:
    """A new personal link for the candidacy (its URL); earlier unused ones stop working."""
    for old in session.scalars(select(OneTimeToken).where(
            OneTimeToken.candidacy_id == candidacy_id, OneTimeToken.purpose == TokenPurpose.CONFIRMATION,
            OneTimeToken.used_at.is_(None))):
        old.used_at = now
    token, digest = new_token()
    session.add(OneTimeToken(token_hash=digest, purpose=TokenPurpose.CONFIRMATION, candidacy_id=candidacy_id,
                             created_at=now, expires_at=expires_at))
    return confirmation_url(token)
