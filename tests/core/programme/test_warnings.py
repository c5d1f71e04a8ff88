"""Warnings: too short a pitch session, overlaps in one room, outside the edition's hours,
a retained structure that has not confirmed; a clean programme has none."""

from datetime import date

import pytest

from core.programme.warnings import programme_warnings
from db.engine import unit_of_work
from db.models import Confirmation, Edition, ItemKind, Role
from tests.core.programme.builders import add, decline, item, make_edition_with_call, programme, retained
from tests.factories import make_user


@pytest.fixture
def lead(db):
    return make_user(Role.PILOTE)


def codes(edition_id: int) -> list[str]:
    return [warning.code for warning in programme_warnings(programme(edition_id))]


def test_a_clean_morning_has_no_warning(lead):
    edition_id, call_id = make_edition_with_call()
    retained(call_id, 3)
    add(lead, edition_id, item(ItemKind.WELCOME, "09:00", "09:30"))
    add(lead, edition_id, item(ItemKind.PITCHES, "09:30", "09:47", call_id=call_id, changeover_minutes=1))
    add(lead, edition_id, item(ItemKind.CLOSING, "12:00", "12:30"))
    assert codes(edition_id) == []


def test_a_session_too_short_for_its_pitches_is_warned(lead):
    edition_id, call_id = make_edition_with_call()
    retained(call_id, 3)  # 3 × 5 min + 2 × 1 min = 17 min
    item_id = add(lead, edition_id, item(ItemKind.PITCHES, "09:30", "09:46", call_id=call_id))
    (warning,) = programme_warnings(programme(edition_id))
    assert warning.code == "too_short" and warning.item_ids == (item_id,)
    assert "16 min" in warning.message and "17" in warning.message


def test_a_decline_can_make_a_short_session_long_enough(lead):
    edition_id, call_id = make_edition_with_call()
    ids = retained(call_id, 3)
    add(lead, edition_id, item(ItemKind.PITCHES, "09:30", "09:46", call_id=call_id))
    decline(ids[0])
    assert codes(edition_id) == []


def test_two_items_overlapping_in_one_room_are_warned_not_in_two_rooms(lead):
    edition_id, _call_id = make_edition_with_call()
    first = add(lead, edition_id, item(ItemKind.WORKSHOP, "10:00", "11:00", room="Salle A"))
    second = add(lead, edition_id, item(ItemKind.BILATERAL, "10:30", "11:30", room=" salle  a "))
    add(lead, edition_id, item(ItemKind.PLENARY, "10:30", "11:30", room="Salle B"))
    (warning,) = programme_warnings(programme(edition_id))
    assert warning.code == "overlap" and set(warning.item_ids) == {first, second}


def test_items_that_touch_do_not_overlap(lead):
    edition_id, _call_id = make_edition_with_call()
    add(lead, edition_id, item(ItemKind.WORKSHOP, "10:00", "11:00"))
    add(lead, edition_id, item(ItemKind.BREAK, "11:00", "11:10"))
    assert codes(edition_id) == []


@pytest.mark.parametrize(("start", "end"), [("08:30", "09:15"), ("12:00", "12:45")])
def test_an_item_outside_the_edition_hours_is_warned(lead, start, end):
    edition_id, _call_id = make_edition_with_call()  # 09:00 – 12:30
    add(lead, edition_id, item(ItemKind.OTHER, start, end))
    assert codes(edition_id) == ["outside_hours"]


def test_a_structure_that_has_not_confirmed_is_warned_by_name(lead):
    edition_id, call_id = make_edition_with_call()
    retained(call_id, 1, confirmation=Confirmation.PENDING)
    add(lead, edition_id, item(ItemKind.PITCHES, "09:30", "10:00", call_id=call_id))
    (warning,) = programme_warnings(programme(edition_id))
    assert warning.code == "not_confirmed" and "Bâti'Insert 95" in warning.message


def test_items_left_on_the_old_day_of_a_moved_edition_are_warned_with_their_day(lead):
    edition_id, _call_id = make_edition_with_call(day=date(2027, 3, 18))
    add(lead, edition_id, item(ItemKind.WELCOME, "09:00", "09:30"))
    with unit_of_work() as session:
        session.get(Edition, edition_id).event_date = date(2027, 3, 25)
    (warning,) = programme_warnings(programme(edition_id))
    assert warning.code == "other_day" and "18 mars 2027" in warning.message and "25 mars 2027" in warning.message
