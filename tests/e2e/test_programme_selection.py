"""The programme editor's chosen item in a real browser: when the rows move under the lead
(a colleague's item sorts first), the grid is drawn ticked on the same item, the buttons act
on it, and the next tick is the row clicked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import to_paris, utcnow
from db.models import ItemKind, Role
from tests.core.programme.builders import add, item
from tests.e2e.test_board_ticks import tick
from tests.e2e.test_candidacy_form import screenshots, sign_in
from tests.e2e.test_sign_in_flow import settled
from tests.factories import make_call, make_edition, make_user

pytestmark = pytest.mark.e2e
NUMBER = 951  # an edition number no other test of the session takes


@pytest.fixture
def morning(server_db):
    edition_id = make_edition(NUMBER, event_date=to_paris(utcnow()).date() + timedelta(days=90))
    make_call(edition_id)
    lead = make_user(Role.PILOTE, email="pilote.choix@exemple.fr")
    add(lead, edition_id, item(ItemKind.WELCOME, "09:00", "09:30", title="Accueil"))
    add(lead, edition_id, item(ItemKind.PLENARY, "09:30", "10:00", title="Plénière"))
    add(lead, edition_id, item(ItemKind.CLOSING, "10:00", "10:30", title="Clôture"))
    return lead, edition_id


def test_the_chosen_item_follows_its_row_when_a_colleague_adds_one_before_it(browser, server, morning):
    from playwright.sync_api import expect

    lead, edition_id = morning
    context, page = sign_in(browser, server, lead, "Tableau de bord")
    page.set_viewport_size({"width": 1400, "height": 1100})
    shoot = screenshots(page, "programme-choix")
    try:
        page.goto(f"{server.base_url}/construction-programme")
        settled(page, "Programme")
        box = page.get_by_label("Rencontre", exact=True)
        box.click()
        box.press_sequentially(f"n° {NUMBER}")
        page.get_by_role("option").filter(has_text=f"n° {NUMBER}").first.click()
        settled(page, "Programme")
        page.get_by_test_id("stDataFrame").first.scroll_into_view_if_needed()
        tick(page, 0)
        expect(page.get_by_role("heading", name="Modifier « Accueil »")).to_be_visible()
        add(lead, edition_id, item(ItemKind.OTHER, "08:30", "08:45", title="Café des partenaires"))  # a colleague
        page.get_by_role("button", name="Retarder de 5 min").click()
        settled(page, "Horaire modifié.")
        expect(page.get_by_role("heading", name="Modifier « Accueil »")).to_be_visible()
        shoot("suivi")
        page.get_by_test_id("stDataFrame").first.scroll_into_view_if_needed()
        tick(page, 2)  # Café, Accueil, Plénière
        expect(page.get_by_role("heading", name="Modifier « Plénière »")).to_be_visible()
    finally:
        context.close()
