"""Sign-in sessions: opening one, who a cookie's token belongs to, activity, sign-out, revocation.

A session's token is handed to the browser once; the database keeps its SHA-256 digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.tokens import hash_token, new_token
from core.clock import utcnow
from core.permissions import Actor
from core.settings import settings
from db.models import Network, Role, SignInSession, User

SESSION_TOUCH_INTERVAL = timedelta(minutes=1)


def actor_of(user: User, *, ip_address: str | None = None) -> Actor:
    return Actor(
        user_id=user.id,
        email=user.email,
        full_name=user.full_name,
        role=user.role,
        network_id=user.network_id,
        network_name=user.network.name if user.network else None,
        ip_address=ip_address,
    )


def account_usable(user: User | None) -> bool:
    """True if the account may hold a session: active, and for a network referent,
    its network active too (deactivating a network shuts its referents out)."""
    if user is None or not user.active:
        return False
    if user.role == Role.RESEAU:
        return user.network is not None and user.network.active
    return True


def open_session(
    session: Session, user: User, *, ip_address: str | None, user_agent: str | None, now: datetime
) -> str:
    token, digest = new_token()
    session.add(
        SignInSession(
            token_hash=digest,
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            ip_address=ip_address,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    user.last_sign_in_at = now
    return token


@dataclass(frozen=True)
class SessionCheck:
    actor: Actor | None
    session_id: int | None = None
    needs_touch: bool = False


def check_session(session: Session, token: str | None, *, now: datetime | None = None) -> SessionCheck:
    """Who the cookie token belongs to, if its session is live (read-only).

    A session dies when revoked, when its user is deactivated, when the user is a
    network referent whose network is deactivated, or after the configured idle
    time without activity.
    """
    if not token:
        return SessionCheck(actor=None)
    now = now or utcnow()
    # The network is loaded in the same query, so the usability check below costs nothing more.
    row = session.execute(
        select(SignInSession, User, Network)
        .join(User, User.id == SignInSession.user_id)
        .outerjoin(Network, Network.id == User.network_id)
        .where(SignInSession.token_hash == hash_token(token))
    ).first()
    if row is None:
        return SessionCheck(actor=None)
    sign_in_session, user, _network = row
    if (
        sign_in_session.revoked_at is not None
        or not account_usable(user)
        or sign_in_session.last_seen_at + settings().session_idle < now
    ):
        return SessionCheck(actor=None)
    actor = actor_of(user, ip_address=sign_in_session.ip_address)
    stale = sign_in_session.last_seen_at + SESSION_TOUCH_INTERVAL < now
    return SessionCheck(actor=actor, session_id=sign_in_session.id, needs_touch=stale)


def touch_session(session: Session, session_id: int, *, now: datetime | None = None) -> None:
    """Record activity, which pushes the idle expiry back."""
    row = session.get(SignInSession, session_id)
    if row is not None and row.revoked_at is None:
        row.last_seen_at = now or utcnow()


def sign_out(session: Session, token: str | None, *, now: datetime | None = None) -> None:
    """Revoke the session the token opened; the cookie is worthless from then on."""
    if not token:
        return
    row = session.scalar(select(SignInSession).where(SignInSession.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        return
    row.revoked_at = now or utcnow()
    user = session.get(User, row.user_id)
    audit.record(
        session,
        actor=actor_of(user, ip_address=row.ip_address),
        action="sign_out",
        object_type="user",
        object_id=user.id,
    )


def revoke_all_sessions(session: Session, user_id: int, now: datetime) -> None:
    for row in session.scalars(
        select(SignInSession).where(SignInSession.user_id == user_id, SignInSession.revoked_at.is_(None))
    ):
        row.revoked_at = now


def revoke_other_sessions(session: Session, user_id: int, *, keep_token: str | None, now: datetime) -> None:
    """A changed password ends the user's other browsers' sessions, not this one."""
    keep = hash_token(keep_token) if keep_token else None
    for row in session.scalars(
        select(SignInSession).where(SignInSession.user_id == user_id, SignInSession.revoked_at.is_(None))
    ):
        if row.token_hash != keep:
            row.revoked_at = now
