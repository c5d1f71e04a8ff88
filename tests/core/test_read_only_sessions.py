"""A write use case handed a read-only session raises, and the database keeps nothing of it.

The refusal lives in db.engine.read_only(), so it holds for every use case; these cases
cover each capability that writes (networks, accounts, calls, candidacies, import, audit).
"""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from core import audit
from core.accounts import administration, invitations, networks
from core.accounts.networks import NetworkData
from core.calls import calls, editions
from core.candidacies import saving
from core.imports import write
from db.engine import ReadOnlySession, read_only
from db.models import Base, Role
from tests.core.imports.support import row as import_row
from tests.factories import complete_form, make_call, make_edition, make_network, make_user

CLOSES = datetime(2027, 2, 1, 17, 0, tzinfo=UTC)
NOW = CLOSES - timedelta(days=2)


def row_counts() -> dict[str, int]:
    with read_only() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}


def edition_data(**changes) -> editions.EditionData:
    values = dict(number=42, title="Rencontre", venue="", address="", city="Argenteuil",
                  event_date=date(2027, 3, 18), start_time=time(9, 0), end_time=time(12, 0))
    return editions.EditionData(**{**values, **changes})


@pytest.fixture
def world(db):
    network_id = make_network("Urtie")
    call_id = make_call(networks=(network_id,), opens_at=CLOSES - timedelta(days=30), closes_at=CLOSES)
    return {
        "admin": make_user(Role.ADMIN), "pilote": make_user(Role.PILOTE),
        "referent": make_user(Role.RESEAU, network_id=network_id), "network": network_id, "call": call_id,
        "edition": make_edition(),
    }


WRITES = {
    "create_network": lambda s, w: networks.create_network(s, actor=w["admin"], data=NetworkData(name="Nouveau")),
    "update_network": lambda s, w: networks.update_network(
        s, actor=w["admin"], network_id=w["network"], expected_version=1, data=NetworkData(name="Renommé")),
    "invite": lambda s, w: invitations.invite(
        s, actor=w["admin"], email="nouvelle@exemple.fr", full_name="Nouvelle Personne", role=Role.PILOTE),
    "update_account": lambda s, w: administration.update_account(
        s, actor=w["admin"], user_id=w["pilote"].user_id, expected_version=1, role=Role.PILOTE, network_id=None,
        active=False),
    "save_edition": lambda s, w: editions.save_edition(s, actor=w["pilote"], data=edition_data()),
    "close_call": lambda s, w: calls.close_call(s, actor=w["pilote"], call_id=w["call"], expected_version=1,
                                                now=NOW),
    "save_candidacy": lambda s, w: saving.save(
        s, actor=w["referent"], call_id=w["call"], form=complete_form(), submit=True, now=NOW),
    "import": lambda s, w: write.apply(s, actor=w["referent"], call_id=w["call"], rows=[import_row()],
                                       submit=True, now=NOW),
    "audit_record": lambda s, w: audit.record(s, actor=w["admin"], action="test", object_type="network",
                                              object_id=w["network"]),
}


@pytest.mark.parametrize("use_case", WRITES)
def test_write_use_case_in_a_read_only_session_raises_and_writes_nothing(world, use_case):
    before = row_counts()
    with pytest.raises(ReadOnlySession, match="unit_of_work"), read_only() as session:
        WRITES[use_case](session, world)
    assert row_counts() == before
