"""Account administration: changing role, network or activity, the list of accounts, the first administrator."""

import pytest
from sqlalchemy import func, select

from core.accounts import administration
from core.errors import NotAllowed, StaleEdit
from db.engine import read_only, unit_of_work
from db.models import Role, User
from tests.concurrency import race
from tests.core.accounts.support import (
    NEW_PASSWORD,
    audit_rows,
    field_errors,
    invite,
    live_actor,
    loaded,
    sign_in,
    update,
    user_row,
)
from tests.factories import make_network, make_user


def test_update_account_deactivation_kills_sessions_for_good(db):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.PILOTE)
    token = sign_in(person.email).token
    with unit_of_work() as session:
        administration.update_account(session, actor=admin, user_id=person.user_id, expected_version=1,
                                      role=Role.PILOTE, network_id=None, active=False)
    assert live_actor(token) is None
    with unit_of_work() as session:
        administration.update_account(session, actor=admin, user_id=person.user_id, expected_version=2,
                                      role=Role.PILOTE, network_id=None, active=True)
    # Reactivation does not bring the old session back: it was revoked, not just hidden.
    assert live_actor(token) is None
    assert sign_in(person.email).error is None


def test_update_account_concurrent_saves_with_one_version_keep_the_first(db):
    """Two administrators save the same account from the same loaded version at once: the
    second is refused as stale (the row is locked while the first saves), never both applied."""
    admin = make_user(Role.ADMIN)
    person = make_user(Role.PILOTE)

    def save(role, active):
        return lambda session: administration.update_account(
            session, actor=admin, user_id=person.user_id, expected_version=1, role=role, network_id=None,
            active=active)

    assert race(save(Role.EVALUATEUR, True), save(Role.PILOTE, False)) == "StaleEdit"
    user = user_row(person.user_id)
    assert (user.role, user.active, user.version) == (Role.EVALUATEUR, True, 2)
    assert len(audit_rows("account_updated")) == 1


def test_update_account_records_before_and_after(db):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.EVALUATEUR)
    network_id = make_network()
    update(admin, person.user_id, version=1, role=Role.RESEAU, network_id=network_id)
    row = user_row(person.user_id)
    assert row.role == Role.RESEAU and row.network_id == network_id and row.version == 2
    [entry] = audit_rows("account_updated")
    assert entry.actor_id == admin.user_id and entry.object_id == person.user_id
    assert entry.before == {"role": "evaluateur", "network_id": None, "active": True}
    assert entry.after == {"role": "reseau", "network_id": network_id, "active": True}


def test_update_account_with_stale_version_is_refused(db):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.EVALUATEUR)
    update(admin, person.user_id, version=1, role=Role.PILOTE)
    with pytest.raises(StaleEdit):
        update(admin, person.user_id, version=1, role=Role.EVALUATEUR)
    assert user_row(person.user_id).role == Role.PILOTE


def test_update_account_without_change_keeps_version_and_writes_no_audit(db):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.EVALUATEUR)
    update(admin, person.user_id, version=1, role=Role.EVALUATEUR)
    assert user_row(person.user_id).version == 1 and audit_rows("account_updated") == []


def test_update_account_admin_cannot_deactivate_or_demote_self(db):
    admin = make_user(Role.ADMIN)
    with pytest.raises(NotAllowed):
        update(admin, admin.user_id, version=1, role=Role.ADMIN, active=False)
    with pytest.raises(NotAllowed):
        update(admin, admin.user_id, version=1, role=Role.PILOTE)
    row = user_row(admin.user_id)
    assert row.active and row.role == Role.ADMIN


def test_update_account_referent_without_network_is_refused(db):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.EVALUATEUR)
    assert set(field_errors(update, admin, person.user_id, version=1, role=Role.RESEAU)) == {"network_id"}


def test_update_account_by_pilote_is_not_allowed(db):
    pilote = make_user(Role.PILOTE)
    person = make_user(Role.EVALUATEUR)
    with pytest.raises(NotAllowed):
        update(pilote, person.user_id, version=1, role=Role.PILOTE)


def test_update_account_role_change_ends_sessions(db):
    admin = make_user(Role.ADMIN)
    person = make_user(Role.PILOTE)
    token = sign_in(person.email).token
    update(admin, person.user_id, version=1, role=Role.EVALUATEUR)
    assert live_actor(token) is None


def test_list_accounts_shows_pending_and_network(db):
    admin = make_user(Role.ADMIN, email="a@exemple.fr")
    network_id = make_network("Réseau Val-d'Oise")
    invite(admin, "b@exemple.fr", role=Role.RESEAU, network_id=network_id)
    with read_only() as session:
        rows = administration.list_accounts(session, actor=admin)
    assert [(r.email, r.pending, r.network_name) for r in rows] == [
        ("a@exemple.fr", False, None), ("b@exemple.fr", True, "Réseau Val-d'Oise"),
    ]
    with read_only() as session, pytest.raises(NotAllowed):
        administration.list_accounts(session, actor=make_user(Role.EVALUATEUR))


def test_ensure_admin_is_idempotent(db):
    with unit_of_work() as session:
        assert administration.ensure_admin(session, email="Admin@Exemple.fr", password=NEW_PASSWORD) is True
    with unit_of_work() as session:
        assert administration.ensure_admin(session, email="admin@exemple.fr", password="autre-secret-123") is False
    [user] = loaded(select(User))
    assert user.email == "admin@exemple.fr" and user.role == Role.ADMIN and user.active
    assert sign_in("admin@exemple.fr", NEW_PASSWORD).error is None
    assert len(audit_rows("admin_bootstrapped")) == 1


def test_ensure_admin_refuses_weak_password_and_bad_email(db):
    ensure_admin = administration.ensure_admin
    with unit_of_work() as session:
        assert set(field_errors(ensure_admin, session, email="admin@exemple.fr", password="court")) == {"password"}
        assert set(field_errors(ensure_admin, session, email="pas-une-adresse", password=NEW_PASSWORD)) == {"email"}
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
