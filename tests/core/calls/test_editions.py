"""Editions: who may manage them, what is refused, concurrent edits."""

from datetime import time

import pytest
from sqlalchemy import select

from core.calls import editions
from core.errors import NotAllowed, StaleEdit, ValidationFailed
from db.engine import read_only
from db.models import AuditEntry, Edition, Role
from tests.concurrency import race
from tests.core.calls.support import count, edition_data, save_edition
from tests.factories import make_user


def test_save_edition_creates_then_edits_with_audit(pilote):
    edition_id = save_edition(pilote, edition_data())
    save_edition(pilote, edition_data(title="Rencontre déplacée", city="Cergy"), edition_id=edition_id,
                 expected_version=1)
    with read_only() as session:
        edition = session.get(Edition, edition_id)
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.object_type == "edition")
                                       .order_by(AuditEntry.id)))
    assert (edition.title, edition.city, edition.version) == ("Rencontre déplacée", "Cergy", 2)
    assert [e.action for e in entries] == ["edition_created", "edition_updated"]
    assert entries[0].before is None and entries[0].after["title"] == "Rencontre n° 7"
    assert entries[0].actor_id == pilote.user_id and entries[0].object_id == edition_id
    assert entries[1].before["city"] == "Argenteuil" and entries[1].after["city"] == "Cergy"
    assert entries[1].before["start_time"] == "09:00:00"


def test_save_edition_with_duplicate_number_is_refused_on_number(pilote):
    save_edition(pilote, edition_data(number=3))
    with pytest.raises(ValidationFailed) as refused:
        save_edition(pilote, edition_data(number=3, title="Autre"))
    assert refused.value.errors.keys() == {"number"}
    assert count(Edition) == 1


def test_save_edition_keeping_its_own_number_is_accepted(pilote):
    edition_id = save_edition(pilote, edition_data(number=3))
    save_edition(pilote, edition_data(number=3, title="Même numéro"), edition_id=edition_id, expected_version=1)
    with read_only() as session:
        assert session.get(Edition, edition_id).title == "Même numéro"


@pytest.mark.parametrize("end", [time(9, 0), time(8, 59)])
def test_save_edition_with_end_not_after_start_is_refused_on_end_time(pilote, end):
    with pytest.raises(ValidationFailed) as refused:
        save_edition(pilote, edition_data(start_time=time(9, 0), end_time=end))
    assert refused.value.errors.keys() == {"end_time"}
    assert count(Edition) == 0


def test_save_edition_without_title_or_city_is_refused_on_each(pilote):
    with pytest.raises(ValidationFailed) as refused:
        save_edition(pilote, edition_data(title="  ", city=""))
    assert refused.value.errors.keys() == {"title", "city"}


def test_save_edition_with_stale_version_is_refused_and_keeps_the_newer(pilote):
    edition_id = save_edition(pilote, edition_data())
    save_edition(pilote, edition_data(title="Première"), edition_id=edition_id, expected_version=1)
    with pytest.raises(StaleEdit):
        save_edition(pilote, edition_data(title="Seconde"), edition_id=edition_id, expected_version=1)
    with read_only() as session:
        assert session.get(Edition, edition_id).title == "Première"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.EVALUATEUR, Role.RESEAU])
def test_save_edition_by_non_pilote_is_not_allowed(db, role):
    with pytest.raises(NotAllowed):
        save_edition(make_user(role), edition_data())
    assert count(Edition) == 0 and count(AuditEntry) == 0


def test_save_edition_concurrent_edits_with_one_version_keep_the_first(pilote):
    edition_id = save_edition(pilote, edition_data())
    outcome = race(
        lambda s: editions.save_edition(s, actor=pilote, data=edition_data(title="Premier"), edition_id=edition_id,
                                        expected_version=1),
        lambda s: editions.save_edition(s, actor=pilote, data=edition_data(title="Second"), edition_id=edition_id,
                                        expected_version=1),
    )
    assert outcome == "StaleEdit"
    with read_only() as session:
        edition = session.get(Edition, edition_id)
    assert (edition.title, edition.version) == ("Premier", 2)


@pytest.mark.parametrize("number", [2**31, 10**20])
def test_save_edition_with_a_number_beyond_any_edition_is_refused_on_number(pilote, number):
    with pytest.raises(ValidationFailed) as refused:
        save_edition(pilote, edition_data(number=number))
    assert refused.value.errors == {"number": "Le numéro de la rencontre doit être compris entre 1 et 9 999."}
    assert count(Edition) == 0


def test_moving_the_edition_before_a_call_s_confirmation_deadline_is_refused_on_the_date(pilote):
    """The deadline told to the retained structures must stay before the day: the lead moves it
    first (« Publication des décisions »), then the date."""
    from datetime import UTC, date, datetime

    from db.engine import unit_of_work
    from db.models import Call
    from tests.factories import make_call

    edition_id = save_edition(pilote, edition_data())  # 10 June 2027
    call_id = make_call(edition_id)
    with unit_of_work() as session:
        session.get(Call, call_id).confirm_by = datetime(2027, 6, 1, 21, 59, tzinfo=UTC)  # 1 June, 23:59 Paris
    with pytest.raises(ValidationFailed) as refused:
        save_edition(pilote, edition_data(event_date=date(2027, 6, 1)), edition_id=edition_id, expected_version=1)
    assert refused.value.errors["event_date"] == (
        "La date limite de confirmation de l'appel « Thème de test » (1er juin 2027 à 23 h 59) tomberait le jour "
        "de la rencontre ou après : avancez-la d'abord, page « Publication des décisions ».")
    with read_only() as session:
        assert session.get(Edition, edition_id).event_date == date(2027, 6, 10)
    save_edition(pilote, edition_data(event_date=date(2027, 6, 2)), edition_id=edition_id, expected_version=1)
    save_edition(pilote, edition_data(event_date=date(2027, 9, 2)), edition_id=edition_id, expected_version=2)
