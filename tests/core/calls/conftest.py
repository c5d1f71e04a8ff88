"""Fixtures of the editions and calls tests."""

import pytest

from db.models import Role
from tests.factories import make_user


@pytest.fixture
def pilote(db):
    return make_user(Role.PILOTE)
