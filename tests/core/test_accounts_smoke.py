from core import accounts
from db.engine import read_only, unit_of_work
from db.models import Role
from tests.factories import PASSWORD, make_user


def test_sign_in_with_right_password_opens_a_live_session(db):
    actor = make_user(Role.PILOTE)
    with unit_of_work() as session:
        outcome = accounts.sign_in(session, email=actor.email.upper(), password=PASSWORD, ip_address="127.0.0.1")
    assert outcome.error is None and outcome.actor.user_id == actor.user_id
    with read_only() as session:
        assert accounts.check_session(session, outcome.token).actor.email == actor.email
