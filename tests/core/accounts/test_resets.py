"""Password resets: asked for (throttled, silent about unknown addresses), used, or created by an administrator."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.accounts import resets
from core.errors import InvalidLink, NotAllowed
from db.engine import read_only, unit_of_work
from db.models import OneTimeToken, Role
from tests.core.accounts.support import (
    IP,
    NEW_PASSWORD,
    audit_rows,
    field_errors,
    live_actor,
    outbox,
    reset_link_for,
    sign_in,
    use_link,
)
from tests.factories import PASSWORD, make_user


def test_request_password_reset_unknown_email_queues_nothing_but_is_audited(db):
    with unit_of_work() as session:
        resets.request_password_reset(session, email="Inconnu@Exemple.fr", ip_address=IP)
    assert outbox() == []
    [entry] = audit_rows("password_reset_requested")
    assert entry.actor_label == "inconnu@exemple.fr" and entry.object_id is None and entry.ip_address == IP
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(OneTimeToken)) == 0


def test_request_password_reset_inactive_account_queues_nothing(db):
    actor = make_user(Role.PILOTE, active=False)
    with unit_of_work() as session:
        resets.request_password_reset(session, email=actor.email, ip_address=IP)
    assert outbox() == []


def test_request_password_reset_known_email_queues_a_link(db):
    actor = make_user(Role.PILOTE)
    with unit_of_work() as session:
        resets.request_password_reset(session, email=actor.email.upper(), ip_address=IP)
    [message] = outbox()
    assert message.template_key == "password_reset" and message.to_address == actor.email
    assert message.subject == "Réinitialisation de votre mot de passe OpenMap"
    assert "http://testserver/lien/" in message.body_text
    [entry] = audit_rows("password_reset_requested")
    assert entry.object_id == actor.user_id


def test_request_password_reset_at_most_three_links_per_hour_and_the_last_one_keeps_working(db):
    actor = make_user(Role.PILOTE)
    start = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)
    reset_links = [reset_link_for(actor, now=start + timedelta(minutes=i)) for i in range(3)]
    assert len(set(reset_links)) == 3 and len(outbox()) == 3
    for minute in (3, 30, 59):  # flooding within the hour: audited, nothing queued
        assert reset_link_for(actor, now=start + timedelta(minutes=minute)) == reset_links[-1]
    assert len(outbox()) == 3
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(OneTimeToken)) == 3
    entries = audit_rows("password_reset_requested")
    assert [e.detail for e in entries] == [None] * 3 + ["trop de demandes"] * 3
    assert {e.object_id for e in entries} == {actor.user_id} and entries[-1].ip_address == IP
    # The refused requests did not invalidate the link already sent.
    token, _ = use_link(reset_links[-1], now=start + timedelta(minutes=60))
    assert live_actor(token, now=start + timedelta(minutes=60)).user_id == actor.user_id


def test_request_password_reset_limit_slides_with_the_hour(db):
    actor = make_user(Role.PILOTE)
    start = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)
    for minute in (0, 10, 20):
        reset_link_for(actor, now=start + timedelta(minutes=minute))
    reset_link_for(actor, now=start + timedelta(minutes=59, seconds=59))
    assert len(outbox()) == 3
    fresh = reset_link_for(actor, now=start + timedelta(minutes=60))  # the first one is an hour old
    assert len(outbox()) == 4
    use_link(fresh, now=start + timedelta(minutes=61))


def test_request_password_reset_limit_is_per_account(db):
    first, second = make_user(Role.PILOTE), make_user(Role.PILOTE)
    for _ in range(4):
        reset_link_for(first)
    reset_link_for(second)
    assert [m.to_address for m in outbox()] == [first.email] * 3 + [second.email]


def test_use_link_reset_sets_password_and_revokes_other_sessions(db):
    actor = make_user(Role.PILOTE)
    old_session = sign_in(actor.email).token
    token, _ = use_link(reset_link_for(actor))
    assert live_actor(old_session) is None
    assert live_actor(token).user_id == actor.user_id
    assert sign_in(actor.email, PASSWORD).error is not None
    assert sign_in(actor.email, NEW_PASSWORD).error is None
    assert audit_rows("password_set")[0].detail == "réinitialisation"


def test_use_link_reset_expires_after_twenty_four_hours(db):
    actor = make_user(Role.PILOTE)
    start = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)
    link = reset_link_for(actor, now=start)
    with pytest.raises(InvalidLink):
        use_link(link, now=start + timedelta(hours=24, seconds=1))


def test_use_link_reset_clears_the_lockout(db):
    actor = make_user(Role.PILOTE)
    for _ in range(5):
        sign_in(actor.email, "mauvais-mot-de-passe")
    use_link(reset_link_for(actor))
    assert sign_in(actor.email, NEW_PASSWORD).error is None


def test_use_link_weak_password_is_refused_on_password_and_link_stays_usable(db):
    actor = make_user(Role.PILOTE)
    link = reset_link_for(actor)
    assert set(field_errors(use_link, link, "court")) == {"password"}
    assert set(field_errors(use_link, link, "aaaaaaaaaaaa")) == {"password"}
    assert set(field_errors(use_link, link, actor.email)) == {"password"}
    errors = field_errors(use_link, link, NEW_PASSWORD, "autre-chose-encore")
    assert errors == {"password_confirmation": "Les deux mots de passe ne sont pas identiques."}
    use_link(link)  # nothing above consumed the link


def test_issue_password_reset_by_admin_only(db):
    admin = make_user(Role.ADMIN)
    pilote = make_user(Role.PILOTE)
    with unit_of_work() as session:
        issued = resets.issue_password_reset(session, actor=admin, user_id=pilote.user_id)
    assert issued.email == pilote.email and [m.id for m in outbox()] == [issued.outbox_id]
    with unit_of_work() as session, pytest.raises(NotAllowed):
        resets.issue_password_reset(session, actor=pilote, user_id=admin.user_id)
