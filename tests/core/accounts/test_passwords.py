"""Passwords are stored as argon2 hashes, never as typed."""

from sqlalchemy import text

from core.accounts import administration
from db.engine import read_only, unit_of_work
from tests.core.accounts.support import NEW_PASSWORD


def test_password_hash_is_argon2_not_the_password(db):
    with unit_of_work() as session:
        administration.ensure_admin(session, email="admin@exemple.fr", password=NEW_PASSWORD)
    with read_only() as session:
        stored = session.scalar(text("SELECT password_hash FROM users"))
    assert stored.startswith("$argon2") and NEW_PASSWORD not in stored
