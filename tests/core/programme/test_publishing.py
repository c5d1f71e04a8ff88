"""Publishing: numbered versions with a note, confirmed pitches only, stale publication
refused, and the pitches whose time a new version changed."""

from datetime import timedelta

import pytest

from core.errors import StaleEdit, ValidationFailed
from core.programme.editing import shift_item
from core.programme.publishing import list_versions, publish_programme, time_changes
from core.programme.snapshot import read_instant
from db.engine import read_only, unit_of_work
from db.models import Confirmation, ItemKind, Role
from tests.core.programme.builders import add, decline, item, make_edition_with_call, retained, set_status
from tests.core.selection.builders import audit_actions
from tests.factories import make_user


@pytest.fixture
def lead(db):
    return make_user(Role.PILOTE)


def publish(lead, edition_id: int, expected: int, note: str = "Première version") -> int:
    with unit_of_work() as session:
        return publish_programme(session, actor=lead, edition_id=edition_id, note=note, expected_number=expected)


def changes(version_id: int):
    with read_only() as session:
        return time_changes(session, version_id)


@pytest.fixture
def morning(lead):
    edition_id, call_id = make_edition_with_call()
    ids = retained(call_id, 3)
    add(lead, edition_id, item(ItemKind.WELCOME, "09:00", "09:30"))
    session_id = add(lead, edition_id, item(ItemKind.PITCHES, "09:30", "10:00", call_id=call_id))
    return edition_id, call_id, ids, session_id


def test_a_version_holds_the_confirmed_pitches_only_and_no_contact(lead, morning):
    edition_id, _call_id, ids, _ = morning
    set_status(ids[1], confirmation=Confirmation.PENDING)
    publish(lead, edition_id, 0)
    with read_only() as session:
        (version,) = list_versions(session, edition_id)
    pitches = version.content["items"][1]["pitches"]
    assert [p["candidacy_id"] for p in pitches] == [ids[0], ids[2]]
    assert (version.number, version.note) == (1, "Première version")
    text = repr(version.content)
    assert "@structure.exemple.fr" not in text and "01 39" not in text
    assert audit_actions(object_type="edition") == ["programme_published"]


def test_later_edits_stay_in_the_working_copy_until_the_next_version(lead, morning):
    edition_id, _call_id, _ids, session_id = morning
    publish(lead, edition_id, 0)
    with unit_of_work() as session:
        shift_item(session, actor=lead, item_id=session_id, expected_version=1, start_minutes=10, end_minutes=10)
    with read_only() as session:
        (first,) = list_versions(session, edition_id)
    assert first.content["items"][1]["start"].endswith("08:30:00+00:00")
    publish(lead, edition_id, 1, "Séance décalée de dix minutes")
    with read_only() as session:
        newest, older = list_versions(session, edition_id)
    assert (newest.number, older.number) == (2, 1)
    assert read_instant(newest.content["items"][1]["start"]) - read_instant(older.content["items"][1]["start"]) \
        == timedelta(minutes=10)


def test_a_publication_after_someone_elses_is_refused_as_stale(lead, morning):
    edition_id, *_ = morning
    publish(lead, edition_id, 0)
    with pytest.raises(StaleEdit):
        publish(lead, edition_id, 0, "Je n'avais pas vu la version 1")


@pytest.mark.parametrize("second_expected", [1, 0])
def test_a_double_click_on_publish_publishes_one_version(lead, morning, second_expected):
    # The second click's run sees version 1 as the latest (1), or still the page before it (0).
    edition_id, *_ = morning
    first = publish(lead, edition_id, 0, "Première version")
    assert publish(lead, edition_id, second_expected, "Première version") == first
    with read_only() as session:
        assert [v.number for v in list_versions(session, edition_id)] == [1]
    assert audit_actions(object_type="edition") == ["programme_published"]


def test_an_empty_note_is_refused_on_its_field(lead, morning):
    edition_id, *_ = morning
    with pytest.raises(ValidationFailed) as refused:
        publish(lead, edition_id, 0, "  ")
    assert set(refused.value.errors) == {"note"}
    with read_only() as session:
        assert list_versions(session, edition_id) == []


def test_time_changes_name_only_the_presenters_whose_time_moved(lead, morning):
    edition_id, _call_id, ids, _ = morning
    first = publish(lead, edition_id, 0)
    assert changes(first) == []  # a first version changes nobody's time
    decline(ids[1])  # the third moves up into the second slot; the first keeps hers
    second = publish(lead, edition_id, 1, "Une structure s'est désistée")
    (change,) = changes(second)
    assert change.candidacy_id == ids[2]
    assert change.new_start - change.old_start == timedelta(minutes=-6)  # 5 min pitch + 1 min changeover


def test_republishing_unchanged_changes_no_time(lead, morning):
    edition_id, *_ = morning
    publish(lead, edition_id, 0)
    assert changes(publish(lead, edition_id, 1, "Sans changement")) == []


def test_time_changes_are_readable_in_the_publication_s_own_transaction(lead, morning):
    """As the caller queueing the programme change messages will read them: same unit of work."""
    edition_id, _call_id, ids, session_id = morning
    publish(lead, edition_id, 0)
    with unit_of_work() as session:
        shift_item(session, actor=lead, item_id=session_id, expected_version=1, start_minutes=15, end_minutes=15)
        version_id = publish_programme(session, actor=lead, edition_id=edition_id, note="Décalage",
                                       expected_number=1)
        moved = time_changes(session, version_id)
    assert sorted(change.candidacy_id for change in moved) == sorted(ids)
    assert {change.new_start - change.old_start for change in moved} == {timedelta(minutes=15)}


def programme_messages() -> list:
    from sqlalchemy import select

    from db.models import OutboxMessage

    with read_only() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.template_key == "programme_change")
                               .order_by(OutboxMessage.id)).all()
        session.expunge_all()
        return rows


def test_a_new_version_queues_the_change_message_for_the_moved_presenters_only(lead, morning):
    edition_id, _call_id, ids, _ = morning
    publish(lead, edition_id, 0)
    assert programme_messages() == []  # a first version: the selection's messages told them
    decline(ids[1])
    publish(lead, edition_id, 1, "Une structure s'est désistée")
    (message,) = programme_messages()
    assert message.candidacy_id == ids[2]
    assert message.idempotency_key == f"programme_change:{edition_id}:{ids[2]}:2"
    assert "aura lieu à" in message.body_text and message.body_html
    old, new = changes_of(lead, edition_id)
    assert f"prévue à {old}, aura lieu à {new}" in message.body_text.replace("\n", " ")
    publish(lead, edition_id, 2, "Sans changement")
    assert len(programme_messages()) == 1  # nobody moved again: nothing new


def changes_of(lead, edition_id):
    """(old, new) Paris times of the latest version's only change, as the message writes them."""
    from core.clock import format_time, to_paris

    with read_only() as session:
        (newest, *_) = list_versions(session, edition_id)
        (change,) = time_changes(session, newest.id)
    return format_time(to_paris(change.old_start)), format_time(to_paris(change.new_start))
