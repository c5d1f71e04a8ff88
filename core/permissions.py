"""Who may do what. Every use case asks here first; pages only hide what this refuses."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from core.errors import NotAllowed
from db.models import Role

ROLE_LABELS = {
    Role.ADMIN: "Administration",
    Role.PILOTE: "Pilotage",
    Role.EVALUATEUR: "Évaluateur",
    Role.RESEAU: "Réseau",
}


@dataclass(frozen=True)
class Actor:
    """The signed-in person on whose behalf a use case runs."""

    user_id: int | None
    email: str
    full_name: str
    role: Role
    network_id: int | None = None
    network_name: str | None = None
    ip_address: str | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


SYSTEM = Actor(user_id=None, email="système", full_name="Système", role=Role.ADMIN)


class Action(str, Enum):
    MANAGE_ACCOUNTS = "manage_accounts"      # change role, network, deactivate
    INVITE_ACCOUNT = "invite_account"        # invite a network referent or reviewer
    INVITE_STAFF = "invite_staff"            # invite an admin or a project lead
    MANAGE_NETWORKS = "manage_networks"
    VIEW_AUDIT = "view_audit"
    MANAGE_CALLS = "manage_calls"            # editions, calls, structures directory
    VIEW_CALLS = "view_calls"
    VIEW_CANDIDACY = "view_candidacy"        # scoped by network for referents
    EDIT_CANDIDACY = "edit_candidacy"        # scoped by network
    REVIEW = "review"                        # score the calls one was named to review (core.review)
    DECLARE_CONFLICT = "declare_conflict"    # a reviewer's links with networks and structures
    MANAGE_REVIEWERS = "manage_reviewers"    # name reviewers, distribute, assign by hand, see conflicts
    VIEW_REVIEW_BOARD = "view_review_board"  # every score and comment, the board and its exports
    DECIDE = "decide"                        # select, waitlist, publish decisions
    MANAGE_PROGRAMME = "manage_programme"
    SEND_MAIL = "send_mail"


# Actions a role may take on anything; network-scoped actions are in SCOPED.
GLOBAL: dict[Role, frozenset[Action]] = {
    Role.ADMIN: frozenset({
        Action.MANAGE_ACCOUNTS, Action.INVITE_ACCOUNT, Action.INVITE_STAFF,
        Action.MANAGE_NETWORKS, Action.VIEW_AUDIT,
    }),
    Role.PILOTE: frozenset({
        Action.INVITE_ACCOUNT, Action.VIEW_AUDIT, Action.MANAGE_CALLS, Action.VIEW_CALLS,
        Action.VIEW_CANDIDACY, Action.REVIEW, Action.DECLARE_CONFLICT, Action.MANAGE_REVIEWERS,
        Action.VIEW_REVIEW_BOARD, Action.DECIDE, Action.MANAGE_PROGRAMME, Action.SEND_MAIL,
    }),
    Role.EVALUATEUR: frozenset({Action.VIEW_CALLS, Action.VIEW_CANDIDACY, Action.REVIEW, Action.DECLARE_CONFLICT}),
    Role.RESEAU: frozenset(),
}

# Actions a network referent may take on its own network's data only.
SCOPED: dict[Role, frozenset[Action]] = {
    Role.RESEAU: frozenset({Action.VIEW_CALLS, Action.VIEW_CANDIDACY, Action.EDIT_CANDIDACY}),
}


def can(actor: Actor | None, action: Action, *, network_id: int | None = None) -> bool:
    """True if the actor may take the action (on that network's data, when given).

    A network-scoped right with no network given means "on its own network".
    """
    if actor is None:
        return False
    if action in GLOBAL.get(actor.role, frozenset()):
        return True
    if action in SCOPED.get(actor.role, frozenset()):
        return actor.network_id is not None and network_id in (None, actor.network_id)
    return False


def require(actor: Actor | None, action: Action, *, network_id: int | None = None) -> Actor:
    """Return the actor if allowed, else raise NotAllowed."""
    if not can(actor, action, network_id=network_id):
        raise NotAllowed()
    return actor


def invitable_roles(actor: Actor) -> list[Role]:
    """Roles this actor may give to someone it invites."""
    roles = []
    if can(actor, Action.INVITE_STAFF):
        roles += [Role.ADMIN, Role.PILOTE]
    if can(actor, Action.INVITE_ACCOUNT):
        roles += [Role.EVALUATEUR, Role.RESEAU]
    return roles
