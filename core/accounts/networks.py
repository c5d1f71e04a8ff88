"""Regional networks (réseaux) whose referents put forward candidacies."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.errors import NotAllowed, NotFound, StaleEdit, ValidationFailed, clean_fields
from core.permissions import Action, Actor, can, require
from core.validation import clean_email, clean_text, clean_url
from db.models import Network, User

FIELDS = ["name", "description", "contact_email", "website", "active"]
# Who may see the networks: who manages them, invites their referents or invites them to a call.
LISTING_RIGHTS = (Action.MANAGE_NETWORKS, Action.INVITE_ACCOUNT, Action.MANAGE_CALLS)


@dataclass(frozen=True)
class NetworkData:
    name: str
    description: str = ""
    contact_email: str = ""
    website: str = ""
    active: bool = True


@dataclass(frozen=True)
class NetworkRow:
    id: int
    name: str
    description: str | None
    contact_email: str | None
    website: str | None
    active: bool
    account_count: int
    version: int


CHECKS = {
    "name": partial(clean_text, label="Nom", required=True, max_length=120),
    "description": partial(clean_text, label="Description", required=False, max_length=2000, multiline=True),
    "contact_email": lambda raw: clean_email(raw) if (raw or "").strip() else None,
    "website": clean_url,
}


def _validated(session: Session, data: NetworkData, *, network_id: int | None) -> dict:
    values, errors = clean_fields(CHECKS, vars(data))
    if "name" in values:
        clash = session.scalar(
            select(Network.id).where(func.lower(Network.name) == values["name"].lower(),
                                     Network.id != (network_id or 0))
        )
        if clash is not None:
            errors["name"] = "Un réseau porte déjà ce nom."
    if errors:
        raise ValidationFailed(errors)
    values["active"] = bool(data.active)
    return values


def create_network(session: Session, *, actor: Actor, data: NetworkData) -> int:
    """Create a network; returns its id. Side effect: audit row."""
    require(actor, Action.MANAGE_NETWORKS)
    network = Network(**_validated(session, data, network_id=None))
    session.add(network)
    session.flush()
    audit.record(session, actor=actor, action="network_created", object_type="network",
                 object_id=network.id, network_id=network.id, after=audit.snapshot(network, FIELDS))
    return network.id


def update_network(session: Session, *, actor: Actor, network_id: int, expected_version: int,
                   data: NetworkData) -> None:
    """Edit a network; refused as stale if someone saved it since `expected_version`."""
    require(actor, Action.MANAGE_NETWORKS)
    # Locked until commit so that the version check holds against a concurrent save (PostgreSQL).
    network = session.get(Network, network_id, with_for_update=True)
    if network is None:
        raise NotFound("Réseau introuvable.")
    if network.version != expected_version:
        raise StaleEdit()
    values = _validated(session, data, network_id=network_id)
    before = audit.snapshot(network, FIELDS)
    for field, value in values.items():
        setattr(network, field, value)
    after = audit.snapshot(network, FIELDS)
    if before != after:
        network.version += 1
        audit.record(session, actor=actor, action="network_updated", object_type="network",
                     object_id=network.id, network_id=network.id, before=before, after=after)


def list_networks(session: Session, *, actor: Actor, active_only: bool = False) -> list[NetworkRow]:
    """Networks with their number of accounts, in one query; NotAllowed unless the actor
    manages networks, invites accounts or manages calls."""
    if not any(can(actor, right) for right in LISTING_RIGHTS):
        raise NotAllowed()
    accounts = (
        select(User.network_id, func.count(User.id).label("n")).group_by(User.network_id).subquery()
    )
    query = (
        select(Network, func.coalesce(accounts.c.n, 0))
        .outerjoin(accounts, accounts.c.network_id == Network.id)
        .order_by(Network.name)
    )
    if active_only:
        query = query.where(Network.active.is_(True))
    return [
        NetworkRow(id=n.id, name=n.name, description=n.description, contact_email=n.contact_email,
                   website=n.website, active=n.active, account_count=count, version=n.version)
        for n, count in session.execute(query)
    ]
