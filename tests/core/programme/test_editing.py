"""Editing the working copy: template, add, move, resize, remove; bad input refused with
a message per field and nothing written; stale edits refused; every change audited."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from core.errors import NotAllowed, StaleEdit, ValidationFailed
from core.programme.editing import (
    ItemData,
    ProgrammeNotEmpty,
    add_item,
    align_to_edition_day,
    apply_template,
    remove_item,
    shift_item,
    update_item,
)
from core.programme.warnings import programme_warnings
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, Edition, ItemKind, ProgrammeItem, Role
from tests.core.programme.builders import add, item, make_edition_with_call, programme, retained
from tests.core.selection.builders import audit_actions
from tests.factories import make_user


@pytest.fixture
def lead(db):
    return make_user(Role.PILOTE)


def count_items() -> int:
    with read_only() as session:
        return session.scalar(select(func.count()).select_from(ProgrammeItem))


def stored(item_id: int) -> ProgrammeItem:
    with read_only() as session:
        return session.get(ProgrammeItem, item_id)


def test_an_item_is_stored_in_utc_from_paris_times(lead):
    edition_id, _ = make_edition_with_call(day=date(2027, 6, 17))  # summer: UTC+2
    item_id = add(lead, edition_id, item(ItemKind.WORKSHOP, "9 h 30", "10:15", room="Salle 2", speakers="Juriste"))
    row = stored(item_id)
    assert row.starts_at == datetime(2027, 6, 17, 7, 30, tzinfo=UTC)
    assert row.ends_at == datetime(2027, 6, 17, 8, 15, tzinfo=UTC)
    assert (row.room, row.speakers, row.version) == ("Salle 2", "Juriste", 1)
    assert audit_actions(object_type="programme_item") == ["programme_item_created"]


@pytest.mark.parametrize(("fields", "errors"), [
    ({"start": "10:00", "end": "09:00"}, {"end": "L'heure de fin doit être après l'heure de début."}),
    ({"start": "24:00"}, {"start": "L'heure doit être comprise entre 0 et 23."}),
    ({"end": "10:75"}, {"end": "Les minutes doivent être comprises entre 0 et 59."}),
    ({"title": "   "}, {"title": "Le champ « Titre » est obligatoire."}),
    ({"start": "neuf heures"}, {"start": "Écrivez l'heure de début sous la forme 09:30."}),
    ({"kind": "pitches"}, {"call_id": "Choisissez l'appel dont cette séance présente les structures retenues."}),
    ({"kind": "concert"}, {"kind": "Choisissez le type de l'élément dans la liste."}),
])
def test_bad_input_gets_a_french_message_on_its_field_and_nothing_is_written(lead, fields, errors):
    edition_id, _ = make_edition_with_call()
    data = ItemData(**{"kind": "plenary", "title": "Plénière", "start": "09:00", "end": "09:30", **fields})
    with pytest.raises(ValidationFailed) as refused, unit_of_work() as session:
        add_item(session, actor=lead, edition_id=edition_id, data=data)
    assert refused.value.errors == errors
    assert count_items() == 0


def test_a_call_presented_by_a_second_pitch_session_is_refused_on_its_field(lead):
    # Each session shows all the call's pitches: a second one would put every structure on twice.
    edition_id, call_id = make_edition_with_call()
    first = add(lead, edition_id, item(ItemKind.PITCHES, "10:00", "10:30", call_id=call_id, title="Présentations"))
    assert add(lead, edition_id, item(ItemKind.PITCHES, "10:00", "10:30", call_id=call_id,
                                      title="Présentations")) == first  # a double click is no second session
    with pytest.raises(ValidationFailed) as refused, unit_of_work() as session:
        add_item(session, actor=lead, edition_id=edition_id,
                 data=item(ItemKind.PITCHES, "11:00", "11:30", call_id=call_id, title="Encore"))
    assert refused.value.errors == {"call_id": "Cet appel a déjà sa séance de présentations express "
                                               "(« Présentations ») : modifiez-la plutôt."}
    assert count_items() == 1
    with unit_of_work() as session:  # the session itself can still be edited
        update_item(session, actor=lead, item_id=first, expected_version=1,
                    data=item(ItemKind.PITCHES, "10:05", "10:35", call_id=call_id, title="Présentations"))
    assert stored(first).version == 2


def test_the_same_item_sent_twice_is_added_once(lead):
    # A double click on « Ajouter l'élément » sends the form twice.
    edition_id, _ = make_edition_with_call()
    data = item(ItemKind.WORKSHOP, "11:00", "11:20", title="Atelier", room="Salle B")
    first = add(lead, edition_id, data)
    assert add(lead, edition_id, data) == first
    assert count_items() == 1
    assert audit_actions(object_type="programme_item") == ["programme_item_created"]
    other = add(lead, edition_id, item(ItemKind.WORKSHOP, "11:00", "11:20", title="Atelier", room="Salle C"))
    assert other != first and count_items() == 2  # the same workshop in another room is another item


def test_update_moves_an_item_and_a_stale_update_is_refused(lead):
    edition_id, _ = make_edition_with_call()
    item_id = add(lead, edition_id, item(ItemKind.PLENARY, "09:00", "09:30"))
    with unit_of_work() as session:
        version = update_item(session, actor=lead, item_id=item_id, data=item(ItemKind.PLENARY, "09:10", "09:40",
                                                                              title="Plénière"), expected_version=1)
    assert version == 2 and stored(item_id).starts_at.minute == 10
    with pytest.raises(StaleEdit), unit_of_work() as session:
        update_item(session, actor=lead, item_id=item_id, data=item(title="Autre"), expected_version=1)
    assert stored(item_id).title == "Plénière"
    assert audit_actions(object_type="programme_item") == ["programme_item_created", "programme_item_updated"]


def test_saving_an_item_unchanged_writes_nothing(lead):
    """« Enregistrer » on an item as it is (or a double click on it): no new version, no audit row,
    so a colleague's tab holding that version is not told its copy is stale."""
    edition_id, _ = make_edition_with_call()
    item_id = add(lead, edition_id, item(ItemKind.PLENARY, "09:00", "09:30", title="Plénière", room="Salle A"))
    with unit_of_work() as session:
        version = update_item(session, actor=lead, item_id=item_id, expected_version=1,
                              data=item(ItemKind.PLENARY, "9 h", "09:30", title="Plénière", room="Salle A"))
    assert version == 1 and stored(item_id).version == 1
    assert audit_actions(object_type="programme_item") == ["programme_item_created"]
    with unit_of_work() as session:
        assert update_item(session, actor=lead, item_id=item_id,
                           data=item(ItemKind.PLENARY, "09:00", "09:30", title="Plénière", room="Salle B"),
                           expected_version=1) == 2


def test_shift_moves_or_resizes_and_refuses_an_end_before_the_start(lead):
    edition_id, _ = make_edition_with_call()
    item_id = add(lead, edition_id, item(ItemKind.PLENARY, "09:00", "09:30"))
    with unit_of_work() as session:
        shift_item(session, actor=lead, item_id=item_id, expected_version=1, start_minutes=15, end_minutes=15)
    with unit_of_work() as session:
        shift_item(session, actor=lead, item_id=item_id, expected_version=2, start_minutes=0, end_minutes=10)
    row = stored(item_id)
    assert (row.starts_at.minute, row.ends_at.minute, row.version) == (15, 55, 3)
    with pytest.raises(ValidationFailed), unit_of_work() as session:
        shift_item(session, actor=lead, item_id=item_id, expected_version=3, start_minutes=0, end_minutes=-40)
    assert stored(item_id).version == 3


def test_remove_takes_the_item_out_and_is_audited(lead):
    edition_id, _ = make_edition_with_call()
    item_id = add(lead, edition_id, item())
    with pytest.raises(StaleEdit), unit_of_work() as session:
        remove_item(session, actor=lead, item_id=item_id, expected_version=7)
    with unit_of_work() as session:
        remove_item(session, actor=lead, item_id=item_id, expected_version=1)
    assert count_items() == 0
    assert audit_actions(object_type="programme_item")[-1] == "programme_item_removed"


def test_the_template_is_a_real_morning_within_the_edition_hours(lead):
    edition_id, call_id = make_edition_with_call()
    retained(call_id, 5)
    with unit_of_work() as session:
        apply_template(session, actor=lead, edition_id=edition_id)
    working = programme(edition_id)
    kinds = [entry.kind for entry in working.items]
    assert kinds == [ItemKind.WELCOME, ItemKind.PLENARY, ItemKind.WORKSHOP, ItemKind.PITCHES, ItemKind.BREAK,
                     ItemKind.BILATERAL, ItemKind.CLOSING]
    assert working.items[0].starts_at == working.edition.starts_at
    assert working.items[-1].ends_at == working.edition.ends_at
    assert programme_warnings(working) == []  # 5 slots of 5 min fit the session made for them
    with pytest.raises(ProgrammeNotEmpty), unit_of_work() as session:
        apply_template(session, actor=lead, edition_id=edition_id)


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_only_the_lead_edits_the_programme(db, role):
    edition_id, _ = make_edition_with_call()
    with pytest.raises(NotAllowed), unit_of_work() as session:
        apply_template(session, actor=make_user(role), edition_id=edition_id)


def test_an_edit_is_audited_with_before_and_after(lead):
    edition_id, _ = make_edition_with_call()
    item_id = add(lead, edition_id, item(ItemKind.PLENARY, "09:00", "09:30", title="Plénière"))
    with unit_of_work() as session:
        update_item(session, actor=lead, item_id=item_id, expected_version=1,
                    data=item(ItemKind.WORKSHOP, "09:00", "09:45", title="Atelier", room="Salle 2"))
    with read_only() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "programme_item_updated"))
    assert (entry.actor_id, entry.object_id) == (lead.user_id, item_id)
    assert (entry.before["item_kind"], entry.after["item_kind"]) == ("plenary", "workshop")
    assert entry.before["ends_at"] == "2027-03-18T08:30:00+00:00" and entry.after["room"] == "Salle 2"


def test_aligning_to_a_moved_edition_keeps_wall_clock_times_across_a_clock_change(lead):
    edition_id, _ = make_edition_with_call(day=date(2027, 3, 25))  # winter time: UTC+1
    item_id = add(lead, edition_id, item(ItemKind.WELCOME, "09:00", "09:30"))
    with unit_of_work() as session:
        session.get(Edition, edition_id).event_date = date(2027, 4, 1)  # summer time: UTC+2
    with unit_of_work() as session:
        assert align_to_edition_day(session, actor=lead, edition_id=edition_id) == 1
    row = stored(item_id)
    assert row.starts_at == datetime(2027, 4, 1, 7, 0, tzinfo=UTC)
    assert row.ends_at == datetime(2027, 4, 1, 7, 30, tzinfo=UTC)
    assert programme_warnings(programme(edition_id)) == []
    with unit_of_work() as session:
        assert align_to_edition_day(session, actor=lead, edition_id=edition_id) == 0
