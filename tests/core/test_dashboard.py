from datetime import UTC, datetime

import pytest

from core import dashboard
from core.candidacies import saving
from core.errors import NotAllowed
from db.engine import read_only, unit_of_work
from db.models import Role
from tests.factories import complete_form, make_call, make_network, make_user


def test_call_breakdown_counts_submitted_by_kind_and_departement(db):
    network = make_network()
    call_id = make_call(networks=(network,))
    referent = make_user(Role.RESEAU, network_id=network)
    now = datetime.now(UTC)
    with unit_of_work() as session:
        saving.save(session, actor=referent, call_id=call_id, form=complete_form(), submit=True, now=now)
        saving.save(session, actor=referent, call_id=call_id, submit=False, now=now,
                    form=complete_form(siret="35600000009075", kind="ESAT", postcode="77000", departement="77"))
    with read_only() as session:
        figures = dashboard.breakdowns(session, actor=make_user(Role.PILOTE), call_ids=[call_id])[call_id]
    assert (figures.submitted, figures.drafts) == (1, 1)
    assert figures.by_kind == {"EI": 1} and figures.by_departement == {"95": 1}
    assert list(figures.by_network.values()) == [1]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EVALUATEUR, Role.RESEAU])
def test_call_breakdown_is_for_the_project_lead_only(db, role):
    with pytest.raises(NotAllowed), read_only() as session:
        dashboard.breakdowns(session, actor=make_user(role), call_ids=[make_call()])


def test_call_breakdown_lists_networks_in_french_order(db):
    networks = [make_network(name) for name in ("Zèbre", "Écoles", "Brie", "eco", "Bâti'Insert")]
    call_id = make_call(networks=tuple(networks))
    with read_only() as session:
        figures = dashboard.breakdowns(session, actor=make_user(Role.PILOTE), call_ids=[call_id])[call_id]
    assert list(figures.by_network) == ["Bâti'Insert", "Brie", "eco", "Écoles", "Zèbre"]
