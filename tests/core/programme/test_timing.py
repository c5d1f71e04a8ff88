"""Programme times: each item starts when the previous one ends, from the edition's start."""

from datetime import time

import pytest

from core.programme.timing import add_minutes, timetable


@pytest.mark.parametrize(("at", "minutes", "expected"), [
    (time(9, 0), 0, time(9, 0)),
    (time(9, 0), 35, time(9, 35)),
    (time(9, 50), 25, time(10, 15)),
    (time(11, 0), 90, time(12, 30)),
    (time(23, 50), 20, time(0, 10)),  # past midnight, as a clock goes round
])
def test_add_minutes_moves_the_time_of_day(at, minutes, expected):
    assert add_minutes(at, minutes) == expected


def test_timetable_puts_items_back_to_back_from_the_start():
    assert timetable(time(9, 0), [30, 35, 5, 5, 10]) == [
        (time(9, 0), time(9, 30)),
        (time(9, 30), time(10, 5)),
        (time(10, 5), time(10, 10)),
        (time(10, 10), time(10, 15)),
        (time(10, 15), time(10, 25)),
    ]


def test_timetable_of_no_item_is_empty():
    assert timetable(time(9, 0), []) == []


def test_timetable_a_longer_item_moves_every_later_one():
    shorter = timetable(time(9, 0), [30, 40, 10])
    longer = timetable(time(9, 0), [30, 50, 10])
    assert shorter[0] == longer[0]
    assert [end for _, end in longer[1:]] == [add_minutes(end, 10) for _, end in shorter[1:]]
