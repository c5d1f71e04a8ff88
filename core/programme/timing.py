"""The times of a programme's items: each one starts when the previous one ends.

Items carry a duration, not a time: the edition's start time and the durations in order
give every item's start and end, so that moving or resizing one moves those after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

# Any day serves: only the time of day is kept.
_ANY_DAY = date(2000, 1, 1)


def add_minutes(at: time, minutes: int) -> time:
    """The time of day `minutes` after `at`; past midnight it goes round, as a clock does."""
    return (datetime.combine(_ANY_DAY, at) + timedelta(minutes=minutes)).time()


def timetable(start: time, durations: Iterable[int]) -> list[tuple[time, time]]:
    """(start, end) of each item, in order, back to back from `start`."""
    times = []
    for minutes in durations:
        end = add_minutes(start, minutes)
        times.append((start, end))
        start = end
    return times
