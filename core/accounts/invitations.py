"""Invitations: creating an account without password and mailing its link, or sending it again."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit, mail
from core.accounts.administration import network_for_role
from core.accounts.links import IssuedLink, issue_link, link_url
from core.accounts.tokens import hash_token
from core.clock import format_datetime, utcnow
from core.errors import DomainError, NotAllowed, NotFound, ValidationFailed, clean_fields
from core.permissions import ROLE_LABELS, Action, Actor, can, invitable_roles, require
from core.settings import settings
from core.validation import clean_email, clean_text
from db.models import Network, OneTimeToken, Role, TokenPurpose, User

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
    network, network_error = network_for_role(session, role, network_id)
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
    token, expires_at = issue_link(
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
        personal_link=url,  # removed from the stored message once sent
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
