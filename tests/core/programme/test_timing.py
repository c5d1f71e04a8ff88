"""Programme times: Paris wall clock in, UTC instants stored, pitches one after the other."""

from datetime import UTC, date, datetime, time

from core.programme.timing import minutes_between, paris_instant, paris_time, pitch_times, pitches_minutes


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_paris_instant_is_utc_plus_one_in_winter_and_plus_two_in_summer():
    assert paris_instant(date(2019, 11, 21), time(9, 0)) == utc(2019, 11, 21, 8, 0)
    assert paris_instant(date(2027, 6, 17), time(9, 0)) == utc(2027, 6, 17, 7, 0)


def test_pitch_times_follow_the_order_with_pitch_and_changeover():
    start = utc(2027, 3, 18, 8, 0)
    times = pitch_times(start, 3, pitch_minutes=5, changeover_minutes=2)
    assert times == [(utc(2027, 3, 18, 8, 0), utc(2027, 3, 18, 8, 5)),
                     (utc(2027, 3, 18, 8, 7), utc(2027, 3, 18, 8, 12)),
                     (utc(2027, 3, 18, 8, 14), utc(2027, 3, 18, 8, 19))]


def test_pitch_times_without_changeover_are_back_to_back():
    times = pitch_times(utc(2027, 3, 18, 8, 0), 2, pitch_minutes=7, changeover_minutes=0)
    assert times[0][1] == times[1][0]


def test_pitches_minutes_counts_changeovers_between_pitches_only():
    assert pitches_minutes(6, pitch_minutes=5, changeover_minutes=1) == 35
    assert pitches_minutes(1, pitch_minutes=5, changeover_minutes=3) == 5
    assert pitches_minutes(0, pitch_minutes=5, changeover_minutes=3) == 0


def test_on_the_spring_change_day_a_session_across_the_jump_keeps_real_durations():
    # 28 March 2027: at 02:00 in Paris the clocks go to 03:00.
    day = date(2027, 3, 28)
    start = paris_instant(day, time(1, 50))
    times = pitch_times(start, 3, pitch_minutes=5, changeover_minutes=0)
    assert [paris_time(s) for s, _ in times] == [time(1, 50), time(1, 55), time(3, 0)]
    assert minutes_between(paris_instant(day, time(1, 0)), paris_instant(day, time(4, 0))) == 120


def test_on_the_autumn_change_day_a_morning_is_at_the_winter_offset():
    # 31 October 2027: clocks go back at 03:00; a 09:00 meeting is 08:00 UTC, three hours from 06:00 local.
    day = date(2027, 10, 31)
    assert paris_instant(day, time(9, 0)) == utc(2027, 10, 31, 8, 0)
    assert minutes_between(paris_instant(day, time(0, 30)), paris_instant(day, time(9, 0))) == 9 * 60 - 30 + 60
