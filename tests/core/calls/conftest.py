"""Fixtures of the editions and calls tests."""

import pytest

from db.models import Role
from tests.factories import make_user


@pytest.fixture
def pilote(db):
    return make_user(Role.PILOTE)
import tests.core.calls.conftest_tmp  # noqa: F401,E402  TEMPORARY
