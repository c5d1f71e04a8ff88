"""The pitch session follows the selection by itself: decline, promotion, withdrawal, order."""

from datetime import UTC, datetime

import pytest

from core.errors import StaleEdit
from core.programme.editing import move_pitch, set_pitch_order
from db.engine import unit_of_work
from db.models import Confirmation, Deliberation, ItemKind, Role
from tests.core.programme.builders import (
    add,
    decline,
    item,
    make_edition_with_call,
    pitch_names,
    programme,
    retained,
    set_status,
    withdraw,
)
from tests.core.selection.builders import Spec, make_candidacies
from tests.factories import make_user


@pytest.fixture
def lead(db):
    return make_user(Role.PILOTE)


@pytest.fixture
def session_of(lead):
    """An edition whose call has three retained structures, and a pitch session 09:00–09:30."""
    edition_id, call_id = make_edition_with_call()
    ids = retained(call_id, 3)
    add(lead, edition_id, item(ItemKind.PITCHES, "09:00", "09:30", call_id=call_id, changeover_minutes=2))
    return edition_id, call_id, ids


def test_session_lists_each_retained_structure_with_computed_times(session_of):
    edition_id, _call_id, _ids = session_of
    (entry,) = programme(edition_id).items
    assert [t.pitch.structure for t in entry.pitches] == ["Bâti'Insert 95", "Élan Propreté", "Œuvre Verte"]
    # 09:00 Paris is 08:00 UTC in March before the change; 5 min pitches, 2 min changeovers.
    assert [(t.starts_at.minute, t.ends_at.minute) for t in entry.pitches] == [(0, 5), (7, 12), (14, 19)]
    assert entry.pitches[0].starts_at == datetime(2027, 3, 18, 8, 0, tzinfo=UTC)
    assert entry.pitches[0].pitch.presenter == "Présentatrice 1" and entry.pitches[0].pitch.departement == "95"


def test_a_decline_leaves_the_session_and_the_others_move_up(session_of):
    edition_id, _call_id, ids = session_of
    decline(ids[0])
    entry = programme(edition_id).items[0]
    assert [t.pitch.candidacy_id for t in entry.pitches] == [ids[1], ids[2]]  # French order: Élan, Œuvre
    assert entry.pitches[0].starts_at.minute == 0


def test_a_promotion_from_the_waiting_list_joins_the_session(session_of):
    edition_id, call_id, _ids = session_of
    (waiting,) = make_candidacies(call_id, [Spec(name="Aaa Insertion", extra={
        "deliberation": Deliberation.WAITLISTED, "waitlist_rank": 1})])
    assert "Aaa Insertion" not in pitch_names(edition_id)
    set_status(waiting, deliberation=Deliberation.SELECTED, waitlist_rank=None)
    assert pitch_names(edition_id)[0] == "Aaa Insertion"


def test_a_withdrawal_leaves_the_session(session_of):
    edition_id, _call_id, ids = session_of
    withdraw(ids[1])
    assert "Élan Propreté" not in pitch_names(edition_id)
    assert len(pitch_names(edition_id)) == 2


def test_a_pending_confirmation_is_listed_in_the_working_copy_but_not_published(session_of):
    edition_id, _call_id, ids = session_of
    set_status(ids[0], confirmation=Confirmation.PENDING)
    working = programme(edition_id)
    assert len(working.items[0].pitches) == 3
    published = working.only_confirmed()
    assert [t.pitch.candidacy_id for t in published.items[0].pitches] == [ids[1], ids[2]]
    assert published.items[0].pitches[0].starts_at.minute == 0  # timed again, no hole


def test_the_lead_orders_the_pitches_and_newcomers_come_after(session_of, lead):
    edition_id, call_id, ids = session_of
    shown = [t.pitch.candidacy_id for t in programme(edition_id).items[0].pitches]
    with unit_of_work() as session:
        set_pitch_order(session, actor=lead, call_id=call_id, order=[ids[1], ids[0], ids[2]], expected=shown)
    (newcomer,) = make_candidacies(call_id, [Spec(name="Aaa Insertion", extra={"deliberation": Deliberation.SELECTED})])
    order = [t.pitch.candidacy_id for t in programme(edition_id).items[0].pitches]
    assert order == [ids[1], ids[0], ids[2], newcomer]


def test_moving_a_pitch_up_swaps_it_with_the_one_before(session_of, lead):
    edition_id, call_id, _ids = session_of
    shown = [t.pitch.candidacy_id for t in programme(edition_id).items[0].pitches]
    with unit_of_work() as session:
        move_pitch(session, actor=lead, call_id=call_id, candidacy_id=shown[2], offset=-1, expected=shown)
    assert [t.pitch.candidacy_id for t in programme(edition_id).items[0].pitches] == [shown[0], shown[2], shown[1]]


def test_an_order_given_on_a_stale_list_is_refused(session_of, lead):
    edition_id, call_id, ids = session_of
    shown = [t.pitch.candidacy_id for t in programme(edition_id).items[0].pitches]
    decline(ids[0])  # meanwhile, a structure declines
    with pytest.raises(StaleEdit), unit_of_work() as session:
        move_pitch(session, actor=lead, call_id=call_id, candidacy_id=shown[1], offset=-1, expected=shown)
