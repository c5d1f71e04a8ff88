"""Accounts, sign-in sessions and single-use links (invitation, password reset).

Secrets never reach the database in clear: passwords are argon2 hashes, session
and link tokens are stored as SHA-256 digests of random values.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core import audit, mail
from core.clock import format_datetime, utcnow
from core.errors import (
    DomainError,
    InvalidLink,
    NotAllowed,
    NotFound,
    SignInFailed,
    StaleEdit,
    TooManyAttempts,
    ValidationFailed,
    clean_fields,
)
from core.permissions import ROLE_LABELS, Action, Actor, can, invitable_roles, require
from core.settings import settings
from core.validation import clean_email, clean_text
from db.models import (
    FailedSignIn,
    Network,
    OneTimeToken,
    Role,
    SignInSession,
    TokenPurpose,
    User,
)

MIN_PASSWORD_LENGTH = 10
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)
# Self-service password resets: at most this many links mailed per account per window.
MAX_RESETS_PER_WINDOW = 3
RESET_WINDOW = timedelta(hours=1)

_hasher = PasswordHasher()
# Verified against when the account does not exist, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash("openmap-no-such-account")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh random token and the digest to store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


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


def _normal_email(value: str | None) -> str:
    return (value or "").strip().lower()


def check_password_strength(password: str, *, email: str) -> None:
    """Raise ValidationFailed (field "password") if the password is too weak."""
    if len(password) < MIN_PASSWORD_LENGTH:
        message = f"Le mot de passe doit comporter au moins {MIN_PASSWORD_LENGTH} caractères."
    elif password.strip().lower() == email.lower() or len(set(password)) < 4:
        message = "Ce mot de passe est trop facile à deviner : choisissez-en un autre."
    elif len(password) > 200:
        message = "Le mot de passe doit comporter au plus 200 caractères."
    else:
        return
    raise ValidationFailed({"password": message})


# ---------------------------------------------------------------- sign-in


@dataclass(frozen=True)
class SignInOutcome:
    """Result of a sign-in attempt. On failure `error` is set and the failure is
    recorded in the session: the caller commits it in both cases."""

    token: str | None = None
    actor: Actor | None = None
    error: DomainError | None = None


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
    email = _normal_email(email)[:254]
    config = settings()
    if _recent_failures(session, email, ip_address, now) >= config.max_failed_sign_ins:
        audit.record(session, actor=None, actor_label=email, action="sign_in_locked", ip_address=ip_address)
        return SignInOutcome(error=TooManyAttempts())

    user = session.scalar(select(User).where(User.email == email))
    password_ok = _password_matches(user, password)
    if not password_ok or not _account_usable(user):
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

    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.execute(
        delete(FailedSignIn).where(FailedSignIn.email == email, FailedSignIn.ip_address == ip_address)
    )
    token = _open_session(session, user, ip_address=ip_address, user_agent=user_agent, now=now)
    actor = actor_of(user, ip_address=ip_address)
    audit.record(session, actor=actor, action="sign_in", object_type="user", object_id=user.id)
    return SignInOutcome(token=token, actor=actor)


def _account_usable(user: User | None) -> bool:
    """True if the account may hold a session: active, and for a network referent,
    its network active too (deactivating a network shuts its referents out)."""
    if user is None or not user.active:
        return False
    if user.role == Role.RESEAU:
        return user.network is not None and user.network.active
    return True


def _password_matches(user: User | None, password: str) -> bool:
    stored = user.password_hash if user is not None else None
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def _open_session(
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
        or not _account_usable(user)
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


def _revoke_all_sessions(session: Session, user_id: int, now: datetime) -> None:
    for row in session.scalars(
        select(SignInSession).where(SignInSession.user_id == user_id, SignInSession.revoked_at.is_(None))
    ):
        row.revoked_at = now


# ---------------------------------------------------------------- single-use links


def _issue_link(
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


@dataclass(frozen=True)
class LinkInfo:
    purpose: TokenPurpose
    email: str
    full_name: str


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
    audit.record(session, actor=None, action="link_rejected", ip_address=ip_address, detail=reason)


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
        _revoke_all_sessions(session, user.id, now)
    user.password_hash = hash_password(password)
    user.version += 1
    session.execute(delete(FailedSignIn).where(FailedSignIn.email == user.email))
    session_token = _open_session(session, user, ip_address=ip_address, user_agent=user_agent, now=now)
    actor = actor_of(user, ip_address=ip_address)
    audit.record(
        session, actor=actor, action="password_set", object_type="user", object_id=user.id,
        detail="invitation" if link.purpose == TokenPurpose.INVITATION else "réinitialisation",
    )
    return session_token, actor


# ---------------------------------------------------------------- invitations and resets


@dataclass(frozen=True)
class IssuedLink:
    """A link created for someone; `url` is shown to the inviter until mail is sent."""

    user_id: int
    email: str
    url: str
    expires_at: datetime
    outbox_id: int


INVITE_CHECKS = {"email": clean_email, "full_name": partial(clean_text, label="Nom", required=True, max_length=120)}


def invite(
    session: Session,
    *,
    actor: Actor,
    email: str,
    full_name: str,
    role: Role,
    network_id: int | None = None,
    now: datetime | None = None,
) -> IssuedLink:
    """Create an account without password and an invitation link valid 7 days.

    An address whose invitation is still pending is refused (on `email`, saying when it
    was sent): inviting it again would rename the account and end the link already sent.
    `resend_invitation` sends a fresh link instead. A deactivated account that never chose
    a password may be invited again by an administrator, which reactivates it.
    Side effects: user row, link row, audit row, invitation queued in the outbox.
    """
    now = now or utcnow()
    require(actor, Action.INVITE_ACCOUNT)
    if role not in invitable_roles(actor):
        raise NotAllowed("Vous ne pouvez pas inviter un compte avec ce rôle.")
    values, errors = clean_fields(INVITE_CHECKS, {"email": email, "full_name": full_name})
    network, network_error = _network_for_role(session, role, network_id)
    if network_error:
        errors["network_id"] = network_error
    clean_address, clean_name = values.get("email", "").lower(), values.get("full_name")
    existing = session.scalar(select(User).where(User.email == clean_address)) if clean_address else None
    if existing is not None and existing.password_hash is not None:
        errors.setdefault("email", "Un compte existe déjà avec cette adresse e-mail.")
    if existing is not None and existing.password_hash is None and (
        existing.role not in invitable_roles(actor) or not (existing.active or can(actor, Action.MANAGE_ACCOUNTS))
    ):
        # Re-inviting changes role and activity: only who may manage that account may do it.
        raise NotAllowed(
            "Une invitation est déjà en attente pour cette adresse : seul un administrateur peut la modifier."
        )
    if existing is not None and existing.password_hash is None and existing.active:
        errors.setdefault("email", (
            f"Une invitation est déjà en attente pour cette adresse (envoyée le "
            f"{format_datetime(_invited_at(session, existing))}). Pour envoyer un nouveau lien, utilisez "
            "« Renvoyer le lien d'invitation » sous « Invitations en attente »."))
    if errors:
        raise ValidationFailed(errors)

    user = existing or User(email=clean_address, created_at=now)
    before = audit.snapshot(user, ["full_name", "role", "network_id", "active"]) if existing else None
    user.full_name, user.role, user.network_id, user.active = clean_name, role, network_id if network else None, True
    session.add(user)
    session.flush()
    issued = _send_invitation(session, user=user, network=network, actor=actor, now=now)
    audit.record(
        session, actor=actor, action="account_invited", object_type="user", object_id=user.id,
        network_id=user.network_id, before=before,
        after={"email": user.email, "full_name": user.full_name, "role": role, "network_id": user.network_id,
               **({"active": True} if existing else {})},
    )
    return issued


def resend_invitation(session: Session, *, actor: Actor, user_id: int, now: datetime | None = None) -> IssuedLink:
    """A fresh invitation link for an active account that has not chosen its password yet.

    Who may invite an account's role may send it again; the earlier link stops working.
    Side effects: link row, invitation queued in the outbox, audit row.
    """
    now = now or utcnow()
    require(actor, Action.INVITE_ACCOUNT)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("Compte introuvable.")
    if user.role not in invitable_roles(actor):
        raise NotAllowed("Vous ne pouvez pas renvoyer l'invitation d'un compte avec ce rôle.")
    if user.password_hash is not None:
        raise DomainError(
            "Ce compte a déjà choisi son mot de passe : créez plutôt un lien de réinitialisation du mot de passe.")
    if not user.active:
        raise DomainError("Ce compte est désactivé : réactivez-le avant de renvoyer l'invitation.")
    network = session.get(Network, user.network_id) if user.network_id else None
    issued = _send_invitation(session, user=user, network=network, actor=actor, now=now)
    audit.record(session, actor=actor, action="invitation_resent", object_type="user", object_id=user.id,
                 network_id=user.network_id, detail=f"lien envoyé à {user.email}")
    return issued


def _invited_at(session: Session, user: User) -> datetime:
    """When the account's latest invitation link was sent (its creation if none was)."""
    sent = session.scalar(select(func.max(OneTimeToken.created_at)).where(
        OneTimeToken.user_id == user.id, OneTimeToken.purpose == TokenPurpose.INVITATION))
    return sent or user.created_at


def _send_invitation(session: Session, *, user: User, network: Network | None, actor: Actor,
                     now: datetime) -> IssuedLink:
    """A new invitation link for the user (earlier ones stop working), queued as a message."""
    token, expires_at = _issue_link(
        session, user=user, purpose=TokenPurpose.INVITATION, validity=settings().invitation_validity,
        created_by=actor, now=now,
    )
    url = link_url(token)
    message = mail.queue(
        session,
        idempotency_key=f"invitation:{hash_token(token)}",
        template_key="invitation",
        to_address=user.email,
        user_id=user.id,
        context={
            "full_name": user.full_name,
            "inviter": actor.full_name,
            "role": ROLE_LABELS[user.role],
            "network": network.name if network else "",
            "link": url,
            "expires": format_datetime(expires_at),
        },
    )
    return IssuedLink(user_id=user.id, email=user.email, url=url, expires_at=expires_at, outbox_id=message.id)


def _network_for_role(session: Session, role: Role, network_id: int | None) -> tuple[Network | None, str | None]:
    if role != Role.RESEAU:
        return None, None
    network = session.get(Network, network_id) if network_id else None
    if network is None or not network.active:
        return None, "Choisissez le réseau de ce référent."
    return network, None


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
    address = _normal_email(email)[:254]
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
    token, expires_at = _issue_link(
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
        context={"full_name": user.full_name, "link": url, "expires": format_datetime(expires_at)},
    )
    return IssuedLink(user_id=user.id, email=user.email, url=url, expires_at=expires_at, outbox_id=message.id)


# ---------------------------------------------------------------- account administration


@dataclass(frozen=True)
class AccountRow:
    id: int
    email: str
    full_name: str
    role: Role
    network_id: int | None
    network_name: str | None
    active: bool
    pending: bool
    last_sign_in_at: datetime | None
    version: int


def list_accounts(session: Session, *, actor: Actor) -> list[AccountRow]:
    """Every account with its network, in one query."""
    require(actor, Action.INVITE_ACCOUNT)
    rows = session.execute(
        select(User, Network.name).outerjoin(Network, Network.id == User.network_id).order_by(User.email)
    )
    return [
        AccountRow(
            id=user.id, email=user.email, full_name=user.full_name, role=user.role,
            network_id=user.network_id, network_name=network_name, active=user.active,
            pending=user.password_hash is None, last_sign_in_at=user.last_sign_in_at, version=user.version,
        )
        for user, network_name in rows
    ]


def update_account(
    session: Session,
    *,
    actor: Actor,
    user_id: int,
    expected_version: int,
    role: Role,
    network_id: int | None,
    active: bool,
    now: datetime | None = None,
) -> None:
    """Change an account's role, network or activity; deactivation ends its sessions.

    An administrator cannot demote or deactivate themself (someone must stay able to
    manage accounts).
    """
    require(actor, Action.MANAGE_ACCOUNTS)
    now = now or utcnow()
    # Locked until commit so that the version check holds against a concurrent save (PostgreSQL).
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound("Compte introuvable.")
    if user.version != expected_version:
        raise StaleEdit()
    if user.id == actor.user_id and (role != user.role or not active):
        raise NotAllowed("Vous ne pouvez pas retirer vos propres droits d'administration ni désactiver votre compte.")
    network, network_error = _network_for_role(session, role, network_id)
    if network_error:
        raise ValidationFailed({"network_id": network_error})
    fields = ["role", "network_id", "active"]
    before = audit.snapshot(user, fields)
    user.role, user.network_id, user.active = role, network.id if network else None, active
    after = audit.snapshot(user, fields)
    if before == after:
        return
    user.version += 1
    if not active or before["role"] != after["role"] or before["network_id"] != after["network_id"]:
        _revoke_all_sessions(session, user.id, now)
    audit.record(
        session, actor=actor, action="account_updated", object_type="user", object_id=user.id,
        network_id=user.network_id, before=before, after=after,
    )


def ensure_admin(session: Session, *, email: str, password: str, full_name: str = "Administrateur") -> bool:
    """Create an active administrator unless an account has that e-mail. True if created."""
    values, errors = clean_fields({"email": clean_email}, {"email": email})
    if errors:
        raise ValidationFailed(errors)
    address = values["email"].lower()
    if session.scalar(select(User.id).where(User.email == address)) is not None:
        return False
    check_password_strength(password, email=address)
    user = User(email=address, full_name=full_name, role=Role.ADMIN, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    audit.record(session, actor=None, actor_label="système", action="admin_bootstrapped",
                 object_type="user", object_id=user.id, after={"email": address, "role": Role.ADMIN})
    return True


def change_password(
    session: Session, *, actor: Actor, current_password: str, new_password: str, confirmation: str,
    current_token: str | None = None,
) -> None:
    """Change one's own password; the current one must be given.

    Side effects: the user's other sessions (all but `current_token`'s) end; audit row.
    """
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        raise NotAllowed()
    if not _password_matches(user, current_password):
        raise ValidationFailed({"current_password": "Le mot de passe actuel est incorrect."})
    check_password_strength(new_password, email=user.email)
    if new_password != confirmation:
        raise ValidationFailed({"password_confirmation": "Les deux mots de passe ne sont pas identiques."})
    user.password_hash = hash_password(new_password)
    user.version += 1
    _revoke_other_sessions(session, user.id, keep_token=current_token, now=utcnow())
    audit.record(session, actor=actor, action="password_set", object_type="user", object_id=user.id,
                 detail="changement par l'utilisateur")


def _revoke_other_sessions(session: Session, user_id: int, *, keep_token: str | None, now: datetime) -> None:
    """A changed password ends the user's other browsers' sessions, not this one."""
    keep = hash_token(keep_token) if keep_token else None
    for row in session.scalars(
        select(SignInSession).where(SignInSession.user_id == user_id, SignInSession.revoked_at.is_(None))
    ):
        if row.token_hash != keep:
            row.revoked_at = now
