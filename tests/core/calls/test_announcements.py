"""The call's announcement and closing reminder to the invited networks' referents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.calls.announcements import queue_call_announcements, queue_closing_reminders
from db.engine import read_only, unit_of_work
from db.models import Call, CallState, OutboxMessage, Role, Submission, call_networks
from tests.core.selection.builders import Spec, make_candidacies
from tests.factories import make_call, make_network, make_user

NOW = datetime(2027, 2, 1, 9, tzinfo=UTC)


@pytest.fixture
def scene(db):
    """An open call inviting two networks (two referents, one referent), and one network not invited."""
    urtie, grafie, outside = make_network("Urtie"), make_network("Grafie"), make_network("Hors appel")
    referents = {
        "urtie-1": make_user(Role.RESEAU, network_id=urtie, email="une@urtie.exemple.fr"),
        "urtie-2": make_user(Role.RESEAU, network_id=urtie, email="deux@urtie.exemple.fr"),
        "grafie": make_user(Role.RESEAU, network_id=grafie, email="seule@grafie.exemple.fr"),
        "outside": make_user(Role.RESEAU, network_id=outside, email="loin@hors.exemple.fr"),
    }
    make_user(Role.RESEAU, network_id=grafie, email="partie@grafie.exemple.fr", active=False)
    call_id = make_call(networks=(urtie, grafie), opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=2))
    return call_id, referents


def outbox(template_key: str) -> list[OutboxMessage]:
    with read_only() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.template_key == template_key)
                               .order_by(OutboxMessage.to_address)).all()
        session.expunge_all()
        return rows


def announce(now=NOW) -> int:
    with unit_of_work() as session:
        return queue_call_announcements(session, now=now)


def remind(now=NOW, days_before=3) -> int:
    with unit_of_work() as session:
        return queue_closing_reminders(session, now=now, days_before=days_before)


def test_open_call_is_announced_once_to_each_active_referent_of_the_invited_networks(scene):
    call_id, _ = scene
    assert announce() == 3
    messages = outbox("call_opened")
    assert [m.to_address for m in messages] == ["deux@urtie.exemple.fr", "seule@grafie.exemple.fr",
                                                "une@urtie.exemple.fr"]
    assert all(m.call_id == call_id and "Thème de test" in m.body_text for m in messages)
    assert announce() == 0 and announce(NOW + timedelta(hours=5)) == 0
    assert len(outbox("call_opened")) == 3


@pytest.mark.parametrize("state, opens_in", [(CallState.DRAFT, -1), (CallState.OPEN, 1), (CallState.CLOSED, -1)])
def test_draft_upcoming_or_closed_call_is_not_announced(db, state, opens_in):
    network = make_network()
    make_user(Role.RESEAU, network_id=network)
    make_call(networks=(network,), state=state, opens_at=NOW + timedelta(hours=opens_in),
              closes_at=NOW + timedelta(days=5))
    assert announce() == 0


def test_a_network_invited_later_gets_the_announcement_then(scene):
    call_id, _ = scene
    announce()
    late = make_network("Tardif")
    make_user(Role.RESEAU, network_id=late, email="tard@tardif.exemple.fr")
    with unit_of_work() as session:
        session.execute(call_networks.insert().values(call_id=call_id, network_id=late))
    assert announce() == 1
    assert "tard@tardif.exemple.fr" in [m.to_address for m in outbox("call_opened")]


def test_closing_reminder_goes_to_networks_with_drafts_or_nothing_submitted(scene):
    call_id, _ = scene
    make_candidacies(call_id, [Spec(network="Urtie", submission=Submission.SUBMITTED)])
    make_candidacies(call_id, [Spec(network="Grafie", submission=Submission.SUBMITTED),
                               Spec(network="Grafie", submission=Submission.DRAFT)])
    assert remind() == 1
    [message] = outbox("call_closing_reminder")
    assert message.to_address == "seule@grafie.exemple.fr"
    assert remind() == 0


def test_closing_reminder_waits_until_the_days_before_closing(scene):
    assert remind(days_before=1) == 0
    assert remind(NOW + timedelta(days=1, hours=1), days_before=1) == 3


def test_a_prolonged_call_gets_its_reminder_again(scene):
    call_id, _ = scene
    assert remind() == 3
    with unit_of_work() as session:
        session.get(Call, call_id).closes_at = NOW + timedelta(days=2, hours=6)
    assert remind() == 3
    assert len(outbox("call_closing_reminder")) == 6


def test_no_reminder_once_the_call_has_closed(scene):
    assert remind(NOW + timedelta(days=3)) == 0
