"""The public calendar URL: the latest published version as ICS, with ETag / Last-Modified
so that a subscribed calendar app gets « 304 » until the next version."""

import pytest
from icalendar import Calendar
from starlette.applications import Starlette
from starlette.testclient import TestClient

import routes.programme
from core.programme.publishing import publish_programme
from db.engine import unit_of_work
from db.models import ItemKind, Role
from tests.core.programme.builders import add, edition_number, item, make_edition_with_call, retained
from tests.factories import make_user


@pytest.fixture
def client(sqlite_db):
    with TestClient(Starlette(routes=routes.programme.ROUTES)) as test_client:
        yield test_client


@pytest.fixture
def edition(sqlite_db):
    lead = make_user(Role.PILOTE)
    edition_id, call_id = make_edition_with_call()
    retained(call_id, 2)
    add(lead, edition_id, item(ItemKind.WELCOME, "09:00", "09:30", title="Accueil"))
    add(lead, edition_id, item(ItemKind.PITCHES, "09:30", "10:00", call_id=call_id, title="Présentations express"))
    return lead, edition_id, edition_number(edition_id)


def publish(lead, edition_id: int, expected: int) -> None:
    with unit_of_work() as session:
        publish_programme(session, actor=lead, edition_id=edition_id, note=f"Version {expected + 1}",
                          expected_number=expected)


def url(number: int) -> str:
    return f"/calendrier/rencontre-{number}.ics"


def test_no_published_programme_is_a_french_404(client, edition):
    _lead, _edition_id, number = edition
    response = client.get(url(number))
    assert response.status_code == 404 and "Aucun programme publié" in response.text


def test_calendar_serves_the_latest_version_without_sign_in(client, edition):
    lead, edition_id, number = edition
    publish(lead, edition_id, 0)
    response = client.get(url(number))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Accueil", "Présentations express"]
    assert response.headers["etag"] and response.headers["last-modified"].endswith("GMT")


def test_same_etag_or_date_gets_304_until_a_new_version(client, edition):
    lead, edition_id, number = edition
    publish(lead, edition_id, 0)
    first = client.get(url(number))
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert client.get(url(number), headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url(number), headers={"If-Modified-Since": modified}).status_code == 304
    add(lead, edition_id, item(ItemKind.CLOSING, "12:00", "12:30", title="Clôture"))
    assert client.get(url(number), headers={"If-None-Match": etag}).status_code == 304  # working copy: unseen
    publish(lead, edition_id, 1)
    again = client.get(url(number), headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["etag"] != etag
    assert "Clôture" in again.text


@pytest.mark.parametrize("path", ["/calendrier/rencontre-six.ics", "/calendrier/", "/calendrier/6"])
def test_a_mistyped_calendar_address_gets_a_french_404(client, path):
    response = client.get(path)
    assert response.status_code == 404 and "Adresse d'agenda inconnue" in response.text


@pytest.fixture
def any_client(db):
    with TestClient(Starlette(routes=routes.programme.ROUTES)) as test_client:
        yield test_client


@pytest.mark.parametrize("number", ["0", "01", str(2**31), str(2**63), "9" * 30])
def test_a_number_no_edition_can_have_is_a_french_404(any_client, number):
    # Beyond the database's integer, the query itself failed: a 500 in English, without headers.
    response = any_client.get(f"/calendrier/rencontre-{number}.ics")
    assert response.status_code == 404 and response.text in {routes.programme.NOT_PUBLISHED, routes.programme.UNKNOWN}


def test_every_calendar_answer_runs_nothing_and_is_never_sniffed(client, edition):
    # The file holds the lead's free text: no browser may read it as a page (as the other routes).
    lead, edition_id, number = edition
    missing = client.get(url(number))
    publish(lead, edition_id, 0)
    found = client.get(url(number))
    unchanged = client.get(url(number), headers={"If-None-Match": found.headers["etag"]})
    mistyped = client.get("/calendrier/rencontre-six.ics")
    for response in (missing, found, unchanged, mistyped):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
