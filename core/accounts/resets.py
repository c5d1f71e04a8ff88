"""Password resets: a link asked for by its owner (throttled) or created by an administrator."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, mail
from core.accounts.links import IssuedLink, issue_link, link_url
from core.accounts.signin import normal_email
from core.accounts.tokens import hash_token
from core.clock import format_datetime, utcnow
from core.errors import NotFound
from core.permissions import Action, Actor, require
from core.settings import settings
from db.models import OneTimeToken, TokenPurpose, User

# Self-service password resets: at most this many links mailed per account per window.
MAX_RESETS_PER_WINDOW = 3
RESET_WINDOW = timedelta(hours=1)


def _recent_resets(session: Session, user_id: int, now: datetime) -> int:
    """Reset links created for the user within the last RESET_WINDOW (each one was mailed)."""
    return session.scalar(
        select(func.count())
        .select_from(OneTimeToken)
        .where(
            OneTimeToken.user_id == user_id,
            OneTimeToken.purpose == TokenPurpose.PASSWORD_RESET,
            OneTimeToken.created_at > now - RESET_WINDOW,
        )
    )


def request_password_reset(
    session: Session, *, email: str, ip_address: str | None, now: datetime | None = None
) -> None:
    """Self-service reset: queue a link if an active account has that address.

    At most MAX_RESETS_PER_WINDOW links per account per RESET_WINDOW: beyond that the
    request is only audited ("trop de demandes"), nothing is queued and the last link
    sent keeps working, so that anyone typing the address cannot flood the inbox or
    keep killing the link its owner is about to use.
    Says nothing about whether the account exists or was throttled (the page shows
    the same text). Side effects: audit row; link row and queued message when sent.
    """
    now = now or utcnow()
    address = normal_email(email)[:254]
    # Locked so that concurrent requests for one account count each other (PostgreSQL).
    user = session.scalar(
        select(User).where(User.email == address, User.active.is_(True)).with_for_update()
    )
    throttled = user is not None and _recent_resets(session, user.id, now) >= MAX_RESETS_PER_WINDOW
    if user is None:
        detail = "compte inconnu"
    elif throttled:
        detail = "trop de demandes"
    else:
        detail = None
    audit.record(
        session, actor=None, actor_label=address, action="password_reset_requested",
        object_type="user" if user else None, object_id=user.id if user else None,
        ip_address=ip_address, detail=detail,
    )
    if user is not None and not throttled:
        _queue_reset(session, user=user, created_by=None, now=now)


def issue_password_reset(session: Session, *, actor: Actor, user_id: int, now: datetime | None = None) -> IssuedLink:
    """Reset link created by an administrator for someone, shown to them to pass on."""
    require(actor, Action.MANAGE_ACCOUNTS)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Compte introuvable.")
    issued = _queue_reset(session, user=user, created_by=actor, now=now or utcnow())
    audit.record(
        session, actor=actor, action="password_reset_requested", object_type="user", object_id=user.id,
        detail="lien créé par un administrateur",
    )
    return issued


def _queue_reset(session: Session, *, user: User, created_by: Actor | None, now: datetime) -> IssuedLink:
    token, expires_at = issue_link(
        session, user=user, purpose=TokenPurpose.PASSWORD_RESET, validity=settings().reset_validity,
        created_by=created_by, now=now,
    )
    url = link_url(token)
    message = mail.queue(
        session,
        idempotency_key=f"password_reset:{hash_token(token)}",
        template_key="password_reset",
        to_address=user.email,
        user_id=user.id,
        personal_link=url,  # removed from the stored message once sent
        context={"full_name": user.full_name, "link": url, "expires": format_datetime(expires_at)},
    )
    return IssuedLink(user_id=user.id, email=user.email, url=url, expires_at=expires_at, outbox_id=message.id)
