"""The programme in a real browser: the lead proposes a morning and publishes it; anyone,
without signing in, reads it on a 390 px phone screen and downloads its PDF and ICS."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
import pytest
from icalendar import Calendar
from pypdf import PdfReader

from core.clock import to_paris, utcnow
from db.engine import unit_of_work
from db.models import Call, Role
from tests.core.programme.builders import retained
from tests.e2e.test_candidacy_form import TIMEOUT_MS, screenshots, sign_in
from tests.e2e.test_sign_in_flow import settled
from tests.factories import make_call, make_edition, make_user

pytestmark = pytest.mark.e2e
NUMBER = 950  # an edition number no other test of the session takes


@pytest.fixture
def lead(server_db):
    edition_id = make_edition(NUMBER, event_date=to_paris(utcnow()).date() + timedelta(days=90))
    call_id = make_call(edition_id)
    with unit_of_work() as session:
        session.get(Call, call_id).pitch_slots = 2
    retained(call_id, 2)  # Bâti'Insert 95, Élan Propreté, both confirmed
    return make_user(Role.PILOTE, email="pilote.programme@exemple.fr")


def test_lead_publishes_and_a_phone_reads_and_downloads_the_programme(browser, server, lead):
    from playwright.sync_api import expect

    context, page = sign_in(browser, server, lead, "Tableau de bord")
    shoot = screenshots(page, "programme")
    try:
        page.goto(f"{server.base_url}/construction-programme")
        settled(page, "Programme")
        box = page.get_by_label("Rencontre", exact=True)  # other tests of the session add editions
        box.click()
        box.press_sequentially(f"n° {NUMBER}")
        page.get_by_role("option").filter(has_text=f"n° {NUMBER}").first.click()
        settled(page, "Programme")
        page.get_by_role("button", name="Proposer une matinée type").click()
        settled(page, "Matinée type ajoutée : adaptez-la à votre rencontre.")
        shoot("editeur")
        page.get_by_label("Note de version *").fill("Première version")
        page.get_by_role("button", name="Publier la version 1").click()
        settled(page, "Version 1 publiée : la page publique et l'agenda la montrent.")
    finally:
        context.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR", is_mobile=True,
                                accept_downloads=True)
    page = phone.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    shoot = screenshots(page, "programme-390")
    try:
        page.goto(f"{server.base_url}/programme")
        settled(page, "Programme des rencontres")
        expect(page.get_by_text("Bâti'Insert 95", exact=False).first).to_be_visible()
        shoot("public")
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 390, scroll_width  # nothing to scroll sideways on a phone

        section = page.get_by_test_id("stVerticalBlock").filter(has_text="Rencontre de test").first
        with page.expect_download() as pdf_download:
            section.get_by_role("button", name="Programme (PDF)").first.click()
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_download.value.path().read_bytes())).pages)
        assert "Bâti'Insert 95" in text and "Élan Propreté" in text and "Rendez-vous bilatéraux" in text

        with page.expect_download() as ics_download:
            section.get_by_role("button", name="Agenda (ICS)").first.click()
        events = Calendar.from_ical(ics_download.value.path().read_bytes()).walk("VEVENT")
        assert events[0]["dtstart"].params["TZID"] == "Europe/Paris"
        assert events[0].decoded("dtstart").strftime("%H:%M") == "09:00"
    finally:
        phone.close()

    subscribed = httpx.get(f"{server.base_url}/calendrier/rencontre-{NUMBER}.ics", timeout=10)
    assert subscribed.status_code == 200 and subscribed.headers["etag"]
    assert len(Calendar.from_ical(subscribed.content).walk("VEVENT")) == len(events)
