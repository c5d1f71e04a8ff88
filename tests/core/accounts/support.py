"""What the accounts tests share: sign in, invite, use a link, read back rows and errors."""

import pytest
from sqlalchemy import select

from core.accounts import administration, invitations, links, resets, sessions, signin
from core.errors import ValidationFailed
from db.engine import read_only, unit_of_work
from db.models import (
    AuditEntry,
    Network,
    OutboxMessage,
    Role,
    User,
)
from tests.factories import PASSWORD

IP = "203.0.113.7"


NEW_PASSWORD = "un-nouveau-secret-42"


def sign_in(email, password=PASSWORD, *, ip=IP, now=None):
    with unit_of_work() as session:
        return signin.sign_in(session, email=email, password=password, ip_address=ip, now=now)


def live_actor(token, *, now=None):
    with read_only() as session:
        return sessions.check_session(session, token, now=now).actor


def loaded(query) -> list:
    """Rows of a query, detached with their values (read_only() rolls back, which expires)."""
    with read_only() as session:
        rows = list(session.scalars(query))
        session.expunge_all()
    return rows


def audit_rows(action: str) -> list[AuditEntry]:
    return loaded(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))


def outbox() -> list[OutboxMessage]:
    return loaded(select(OutboxMessage).order_by(OutboxMessage.id))


def invite(actor, email="nouvelle.personne@exemple.fr", *, role=Role.EVALUATEUR, network_id=None,
           full_name="Nouvelle Personne", now=None):
    with unit_of_work() as session:
        return invitations.invite(session, actor=actor, email=email, full_name=full_name, role=role,
                                  network_id=network_id, now=now)


def use_link(url_or_token, password=NEW_PASSWORD, confirmation=None, *, now=None):
    token = url_or_token.rsplit("/", 1)[-1]
    with unit_of_work() as session:
        return links.use_link(session, token=token, password=password,
                              password_confirmation=password if confirmation is None else confirmation,
                              ip_address=IP, now=now)


def user_row(user_id) -> User:
    [user] = loaded(select(User).where(User.id == user_id))
    return user


def field_errors(callable_, *args, **kwargs) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        callable_(*args, **kwargs)
    return caught.value.errors


def set_network_active(network_id, active):
    with unit_of_work() as session:
        session.get(Network, network_id).active = active


def reset_link_for(actor, *, now=None) -> str:
    with unit_of_work() as session:
        resets.request_password_reset(session, email=actor.email, ip_address=IP, now=now)
    body = outbox()[-1].body_text
    return next(word for word in body.split() if "/lien/" in word)


def update(actor, user_id, *, version, role, network_id=None, active=True):
    with unit_of_work() as session:
        administration.update_account(session, actor=actor, user_id=user_id, expected_version=version,
                                      role=role, network_id=network_id, active=active)
