"""What a published programme version holds: a JSON picture of the edition, its items and
their confirmed pitches with their instants (ISO 8601, UTC), frozen at publication.

It is what the public reads: structures appear by name, kind, département, presenter and
pitch title, never with their contact details.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.programme.working import Item, Programme


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def read_instant(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _item(item: Item) -> dict:
    return {
        "id": item.id, "kind": item.kind.value, "title": item.title, "description": item.description,
        "speakers": item.speakers, "room": item.room, "start": _instant(item.starts_at), "end": _instant(item.ends_at),
        "call_id": item.call_id,
        "pitches": [{"candidacy_id": timed.pitch.candidacy_id, "structure": timed.pitch.structure,
                     "presenter": timed.pitch.presenter, "kind": timed.pitch.kind.value if timed.pitch.kind else None,
                     "departement": timed.pitch.departement, "title": timed.pitch.title,
                     "start": _instant(timed.starts_at), "end": _instant(timed.ends_at)} for timed in item.pitches],
    }


def programme_snapshot(programme: Programme) -> dict:
    """The programme's content as a version stores it (pass `only_confirmed()` to publish)."""
    edition = programme.edition
    return {
        "edition": {"number": edition.number, "title": edition.title, "date": edition.event_date.isoformat(),
                    "start_time": edition.start_time.strftime("%H:%M"), "end_time": edition.end_time.strftime("%H:%M"),
                    "venue": edition.venue, "address": edition.address, "city": edition.city},
        "items": [_item(item) for item in programme.items],
    }


def pitch_starts(content: dict) -> dict[int, datetime]:
    """candidacy id → start of its pitch in a version's content."""
    return {pitch["candidacy_id"]: read_instant(pitch["start"])
            for item in content.get("items", []) for pitch in item.get("pitches", [])}
