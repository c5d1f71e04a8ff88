"""Fixtures of the import tests: two networks invited to an open call."""

from __future__ import annotations

from datetime import timedelta

import pytest

from db.models import Role
from tests.core.imports.support import CLOSES
from tests.factories import make_call, make_network, make_user


@pytest.fixture
def setting(db):
    return _two_networks_invited()


@pytest.fixture
def sqlite_setting(sqlite_db):
    """The same on SQLite only: for what only SQLite does (its planner statistics)."""
    return _two_networks_invited()


def _two_networks_invited() -> dict:
    network_a, network_b = make_network("Urtie"), make_network("Initiatives 77")
    call_id = make_call(networks=(network_a, network_b), opens_at=CLOSES - timedelta(days=30), closes_at=CLOSES)
    return {
        "call": call_id,
        "a": make_user(Role.RESEAU, network_id=network_a),
        "b": make_user(Role.RESEAU, network_id=network_b),
    }
