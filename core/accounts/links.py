"""Single-use links (invitation, password reset): issuing one, reading it, using it once.

A link's token is mailed (or shown to pass on) once; the database keeps its SHA-256 digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.passwords import check_password_strength, hash_password
from core.accounts.sessions import actor_of, open_session, revoke_all_sessions
from core.accounts.tokens import hash_token, new_token
from core.clock import utcnow
from core.errors import InvalidLink, ValidationFailed
from core.permissions import Actor
from core.settings import settings
from db.models import FailedSignIn, OneTimeToken, TokenPurpose, User


@dataclass(frozen=True)
class IssuedLink:
    """A link created for someone; `url` is shown to the inviter until mail is sent."""

    user_id: int
    email: str
    url: str
    expires_at: datetime
    outbox_id: int


@dataclass(frozen=True)
class LinkInfo:
    purpose: TokenPurpose
    email: str
    full_name: str


def issue_link(
    session: Session, *, user: User, purpose: TokenPurpose, validity: timedelta, created_by: Actor | None, now: datetime
) -> tuple[str, datetime]:
    """A new link for the user; earlier unused links of the same purpose stop working."""
    for old in session.scalars(
        select(OneTimeToken).where(
            OneTimeToken.user_id == user.id, OneTimeToken.purpose == purpose, OneTimeToken.used_at.is_(None)
        )
    ):
        old.used_at = now
    token, digest = new_token()
    expires_at = now + validity
    session.add(
        OneTimeToken(
            token_hash=digest,
            purpose=purpose,
            user_id=user.id,
            created_by_id=created_by.user_id if created_by else None,
            created_at=now,
            expires_at=expires_at,
        )
    )
    return token, expires_at


def link_url(token: str) -> str:
    return f"{settings().base_url}/lien/{token}"


def _live_link(session: Session, token: str | None, now: datetime) -> tuple[OneTimeToken, User]:
    if not token:
        raise InvalidLink()
    row = session.execute(
        select(OneTimeToken, User)
        .join(User, User.id == OneTimeToken.user_id)
        .where(
            OneTimeToken.token_hash == hash_token(token),
            OneTimeToken.purpose.in_([TokenPurpose.INVITATION, TokenPurpose.PASSWORD_RESET]),
        )
    ).first()
    if row is None:
        raise InvalidLink()
    link, user = row
    if link.used_at is not None or link.expires_at <= now or not user.active:
        raise InvalidLink()
    return link, user


def peek_link(session: Session, token: str | None, *, now: datetime | None = None) -> LinkInfo:
    """What a link is for, without using it; raises InvalidLink if it cannot be used."""
    link, user = _live_link(session, token, now or utcnow())
    return LinkInfo(purpose=link.purpose, email=user.email, full_name=user.full_name)


def reject_link(session: Session, *, ip_address: str | None, reason: str) -> None:
    audit.record_refusal(session, action="link_rejected", ip_address=ip_address, detail=reason)


def use_link(
    session: Session,
    *,
    token: str | None,
    password: str,
    password_confirmation: str,
    ip_address: str | None,
    user_agent: str | None = None,
    now: datetime | None = None,
) -> tuple[str, Actor]:
    """Set the password through an invitation or reset link, and sign the user in.

    The link is consumed; a password reset also ends the user's other sessions.
    Returns the new session token and the actor.
    """
    now = now or utcnow()
    link, user = _live_link(session, token, now)
    check_password_strength(password, email=user.email)
    if password != password_confirmation:
        raise ValidationFailed({"password_confirmation": "Les deux mots de passe ne sont pas identiques."})
    link.used_at = now
    if link.purpose == TokenPurpose.PASSWORD_RESET:
        revoke_all_sessions(session, user.id, now)
    user.password_hash = hash_password(password)
    user.version += 1
    session.execute(delete(FailedSignIn).where(FailedSignIn.email == user.email))
    session_token = open_session(session, user, ip_address=ip_address, user_agent=user_agent, now=now)
    actor = actor_of(user, ip_address=ip_address)
    audit.record(
        session, actor=actor, action="password_set", object_type="user", object_id=user.id,
        detail="invitation" if link.purpose == TokenPurpose.INVITATION else "réinitialisation",
    )
    return session_token, actor
