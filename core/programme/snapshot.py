"""What a published programme version holds: a JSON-serialisable picture of the edition
and its items with their times, frozen when it is published."""

from __future__ import annotations

from collections.abc import Sequence

from core.programme.timing import timetable
from db.models import Edition, ProgrammeItem


def programme_snapshot(edition: Edition, items: Sequence[ProgrammeItem]) -> dict:
    """The edition and its items in order, each item's times computed from the edition's start."""
    times = timetable(edition.start_time, [item.duration_minutes for item in items])
    entries = [
        {
            "position": item.position,
            "kind": item.kind.value,
            "title": item.title,
            "description": item.description,
            "speakers": item.speakers,
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
            "duration_minutes": item.duration_minutes,
            "candidacy_id": item.candidacy_id,
        }
        for item, (start, end) in zip(items, times, strict=True)
    ]
    return {
        "edition": {
            "number": edition.number,
            "title": edition.title,
            "date": edition.event_date.isoformat(),
            "start_time": edition.start_time.strftime("%H:%M"),
            "end_time": edition.end_time.strftime("%H:%M"),
            "venue": edition.venue,
            "address": edition.address,
            "city": edition.city,
        },
        "items": entries,
    }
