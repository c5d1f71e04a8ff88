"""A published programme version: the edition and its items, with times from the edition's start."""

from datetime import date, time

from core.programme.snapshot import programme_snapshot
from db.models import Edition, ItemKind, ProgrammeItem


def edition() -> Edition:
    return Edition(number=6, title="6e rencontre", event_date=date(2019, 11, 21), start_time=time(9, 0),
                   end_time=time(12, 30), venue="Salle Jean Vilar", address="9 boulevard Héloïse", city="Argenteuil")


def item(position: int, kind: ItemKind, minutes: int, *, candidacy_id: int | None = None) -> ProgrammeItem:
    return ProgrammeItem(position=position, kind=kind, title=f"Point {position}", description=None, speakers=None,
                         duration_minutes=minutes, candidacy_id=candidacy_id)


def test_snapshot_gives_each_item_its_times_from_the_edition_start():
    items = [item(1, ItemKind.WELCOME, 30), item(2, ItemKind.PITCHES, 5), item(3, ItemKind.PITCH, 5, candidacy_id=41),
             item(4, ItemKind.BREAK, 10)]
    content = programme_snapshot(edition(), items)
    assert [(entry["start"], entry["end"]) for entry in content["items"]] == [
        ("09:00", "09:30"), ("09:30", "09:35"), ("09:35", "09:40"), ("09:40", "09:50")]
    assert content["items"][2] == {
        "position": 3, "kind": "pitch", "title": "Point 3", "description": None, "speakers": None,
        "start": "09:35", "end": "09:40", "duration_minutes": 5, "candidacy_id": 41,
    }


def test_snapshot_records_the_edition_as_published():
    assert programme_snapshot(edition(), [])["edition"] == {
        "number": 6, "title": "6e rencontre", "date": "2019-11-21", "start_time": "09:00", "end_time": "12:30",
        "venue": "Salle Jean Vilar", "address": "9 boulevard Héloïse", "city": "Argenteuil",
    }
