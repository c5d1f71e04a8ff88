"""Single-use links: unknown, empty or dead tokens are refused; tokens are stored as digests."""

import pytest
from sqlalchemy import select

from core.accounts import administration, links, tokens
from core.errors import InvalidLink
from db.engine import read_only, unit_of_work
from db.models import OneTimeToken, Role
from tests.core.accounts.support import (
    IP,
    NEW_PASSWORD,
    invite,
    use_link,
)
from tests.factories import make_user


def test_use_link_unknown_or_empty_token_is_invalid(db):
    with pytest.raises(InvalidLink):
        use_link("jeton-inconnu")
    with unit_of_work() as session, pytest.raises(InvalidLink):
        links.use_link(session, token=None, password=NEW_PASSWORD, password_confirmation=NEW_PASSWORD,
                       ip_address=IP)


def test_use_link_of_deactivated_account_is_invalid(db):
    admin = make_user(Role.ADMIN)
    issued = invite(admin)
    with unit_of_work() as session:
        administration.update_account(session, actor=admin, user_id=issued.user_id, expected_version=1,
                                      role=Role.EVALUATEUR, network_id=None, active=False)
    with pytest.raises(InvalidLink):
        use_link(issued.url)


def test_link_token_is_stored_only_as_its_sha256(db):
    admin = make_user(Role.ADMIN)
    issued = invite(admin)
    token = issued.url.rsplit("/", 1)[-1]
    with read_only() as session:
        assert session.scalars(select(OneTimeToken.token_hash)).all() == [tokens.hash_token(token)]
