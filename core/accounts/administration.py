"""Account administration: the list of accounts, changing one's role, network or activity,
and the first administrator created at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.accounts.passwords import check_password_strength, hash_password
from core.accounts.sessions import revoke_all_sessions
from core.clock import utcnow
from core.errors import NotAllowed, NotFound, StaleEdit, ValidationFailed, clean_fields
from core.permissions import Action, Actor, require
from core.validation import clean_email
from db.models import Network, Role, User


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


def network_for_role(session: Session, role: Role, network_id: int | None) -> tuple[Network | None, str | None]:
    """The active network a referent belongs to (or the French error); no network for other roles."""
    if role != Role.RESEAU:
        return None, None
    network = session.get(Network, network_id) if network_id else None
    if network is None or not network.active:
        return None, "Choisissez le réseau de ce référent."
    return network, None


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
    network, network_error = network_for_role(session, role, network_id)
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
        revoke_all_sessions(session, user.id, now)
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
