"""Sessions: who a token belongs to, idle expiry, activity, sign-out, tokens stored as digests."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.accounts import sessions, tokens
from db.engine import read_only, unit_of_work
from db.models import Base, Role, SignInSession
from tests.core.accounts.support import (
    audit_rows,
    live_actor,
    set_network_active,
    sign_in,
)
from tests.factories import make_session_token, make_user


def test_check_session_unknown_or_missing_token_is_nobody(db):
    actor = make_user(Role.PILOTE)
    real = make_session_token(actor)
    assert live_actor(real).user_id == actor.user_id
    assert live_actor(real + "x") is None
    assert live_actor("jeton-fabrique") is None
    assert live_actor("") is None
    assert live_actor(None) is None


def test_check_session_accepts_the_stored_hash_only_as_a_hash(db):
    actor = make_user(Role.PILOTE)
    token = make_session_token(actor)
    # Someone who reads the table gets the digest; presenting it as a cookie must fail.
    assert live_actor(tokens.hash_token(token)) is None


def test_sign_out_revokes_the_session(db):
    actor = make_user(Role.PILOTE)
    token = sign_in(actor.email).token
    other = sign_in(actor.email).token
    with unit_of_work() as session:
        sessions.sign_out(session, token)
    assert live_actor(token) is None
    assert live_actor(other) is not None  # only the session signed out from ends
    assert [row.actor_id for row in audit_rows("sign_out")] == [actor.user_id]


def test_sign_out_with_unknown_token_changes_nothing(db):
    with unit_of_work() as session:
        sessions.sign_out(session, "jeton-inconnu")
        sessions.sign_out(session, None)
    assert audit_rows("sign_out") == []


def test_check_session_referent_of_a_deactivated_network_is_nobody(db):
    referent = make_user(Role.RESEAU)
    token = sign_in(referent.email).token
    assert live_actor(token).network_id == referent.network_id
    set_network_active(referent.network_id, False)
    assert live_actor(token) is None
    with read_only() as session:
        check = sessions.check_session(session, token)
    assert (check.actor, check.session_id, check.needs_touch) == (None, None, False)


def test_check_session_deactivating_a_network_leaves_other_accounts_signed_in(db):
    referent = make_user(Role.RESEAU)
    other_referent = make_user(Role.RESEAU)  # another network
    pilote = make_user(Role.PILOTE)
    other_token, pilote_token = make_session_token(other_referent), make_session_token(pilote)
    set_network_active(referent.network_id, False)
    assert live_actor(other_token).user_id == other_referent.user_id
    assert live_actor(pilote_token).user_id == pilote.user_id


def test_check_session_expires_after_twelve_idle_hours(db):
    actor = make_user(Role.PILOTE)
    start = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
    token = sign_in(actor.email, now=start).token
    assert live_actor(token, now=start + timedelta(hours=11, minutes=59)) is not None
    assert live_actor(token, now=start + timedelta(hours=12, seconds=1)) is None


def test_touch_session_pushes_the_idle_expiry_back(db):
    actor = make_user(Role.PILOTE)
    start = datetime(2030, 1, 10, 9, 0, tzinfo=UTC)
    token = sign_in(actor.email, now=start).token
    with read_only() as session:
        check = sessions.check_session(session, token, now=start + timedelta(hours=10))
    assert check.needs_touch
    with unit_of_work() as session:
        sessions.touch_session(session, check.session_id, now=start + timedelta(hours=10))
    assert live_actor(token, now=start + timedelta(hours=21)) is not None
    assert live_actor(token, now=start + timedelta(hours=22, seconds=1)) is None


def test_session_token_is_stored_only_as_its_sha256(db):
    actor = make_user(Role.PILOTE)
    token = sign_in(actor.email).token
    with read_only() as session:
        stored = session.scalars(select(SignInSession.token_hash)).all()
        assert stored == [tokens.hash_token(token)]
        assert len(stored[0]) == 64
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                assert token not in repr(tuple(row)), table.name
