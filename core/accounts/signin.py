"""Sign-in: checking the credentials, the lockout after repeated failures, the audit of each attempt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.passwords import hash_password, needs_rehash, password_matches
from core.accounts.sessions import account_usable, actor_of, open_session
from core.clock import utcnow
from core.errors import DomainError, SignInFailed, TooManyAttempts
from core.permissions import Actor
from core.settings import settings
from db.models import FailedSignIn, User


@dataclass(frozen=True)
class SignInOutcome:
    """Result of a sign-in attempt. On failure `error` is set and the failure is
    recorded in the session: the caller commits it in both cases."""

    token: str | None = None
    actor: Actor | None = None
    error: DomainError | None = None


def normal_email(value: str | None) -> str:
    """An address as accounts are looked up by: trimmed, lower case."""
    return (value or "").strip().lower()


def _recent_failures(session: Session, email: str, ip_address: str, now: datetime) -> int:
    window_start = now - settings().lockout
    return session.scalar(
        select(func.count())
        .select_from(FailedSignIn)
        .where(
            FailedSignIn.email == email,
            FailedSignIn.ip_address == ip_address,
            FailedSignIn.at > window_start,
        )
    )


def sign_in(
    session: Session,
    *,
    email: str,
    password: str,
    ip_address: str,
    user_agent: str | None = None,
    now: datetime | None = None,
) -> SignInOutcome:
    """Check the credentials and open a sign-in session.

    After `max_failed_sign_ins` failures within the lockout window for the same
    e-mail and address, every attempt is refused until the window has passed.
    Side effects: a SignInSession row on success, a FailedSignIn row on failure,
    an audit row either way.
    """
    now = now or utcnow()
    email = normal_email(email)[:254]
    config = settings()
    if _recent_failures(session, email, ip_address, now) >= config.max_failed_sign_ins:
        audit.record(session, actor=None, actor_label=email, action="sign_in_locked", ip_address=ip_address)
        return SignInOutcome(error=TooManyAttempts())

    user = session.scalar(select(User).where(User.email == email))
    password_ok = password_matches(user, password)
    if not password_ok or not account_usable(user):
        session.add(FailedSignIn(email=email, ip_address=ip_address, at=now))
        if user is None:
            detail = "compte inconnu"
        elif password_ok and user.active:
            detail = "réseau désactivé"  # the only other reason a right password is refused
        else:
            detail = None
        audit.record(
            session,
            actor=None,
            actor_label=email,
            action="sign_in_failed",
            object_type="user" if user else None,
            object_id=user.id if user else None,
            ip_address=ip_address,
            detail=detail,
        )
        # Same message whatever the reason: the page must not tell which part was wrong.
        return SignInOutcome(error=SignInFailed())

    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.execute(
        delete(FailedSignIn).where(FailedSignIn.email == email, FailedSignIn.ip_address == ip_address)
    )
    token = open_session(session, user, ip_address=ip_address, user_agent=user_agent, now=now)
    actor = actor_of(user, ip_address=ip_address)
    audit.record(session, actor=actor, action="sign_in", object_type="user", object_id=user.id)
    return SignInOutcome(token=token, actor=actor)
