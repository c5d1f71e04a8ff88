"""Programme times: entered and shown in Paris wall-clock time, stored and computed as UTC
instants, so that a morning on the day the clocks change is still right."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from core.clock import PARIS


def paris_instant(day: date, at: time) -> datetime:
    """The UTC instant of `at` on `day` in Paris. A time the clocks skip (02:30 on the last
    Sunday of March) is read with the winter offset, i.e. 03:30 summer time."""
    return datetime.combine(day, at, tzinfo=PARIS).astimezone(UTC)


def paris_time(moment: datetime) -> time:
    """The Paris wall-clock time of a UTC instant."""
    return moment.astimezone(PARIS).time()


def paris_date(moment: datetime) -> date:
    """The Paris calendar day of a UTC instant."""
    return moment.astimezone(PARIS).date()


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from `start` to `end` (real elapsed time, not wall-clock difference)."""
    return int((end - start).total_seconds() // 60)


def pitch_times(start: datetime, count: int, *, pitch_minutes: int, changeover_minutes: int
                ) -> list[tuple[datetime, datetime]]:
    """(start, end) of each of `count` pitches from `start`: one pitch, one changeover, the next."""
    step = timedelta(minutes=pitch_minutes + changeover_minutes)
    length = timedelta(minutes=pitch_minutes)
    return [(start + index * step, start + index * step + length) for index in range(count)]


def pitches_minutes(count: int, *, pitch_minutes: int, changeover_minutes: int) -> int:
    """The time `count` pitches need: their pitches and the changeovers between them."""
    return count * pitch_minutes + max(count - 1, 0) * changeover_minutes
