"""The review board's ticks in a real browser: once a filter changes the rows, the grid
must not keep ticks at the old positions (they would now be other candidacies, and the
next click would act on rows the lead never ticked)."""

from __future__ import annotations

import pytest

from db.engine import unit_of_work
from db.models import Call, Role
from tests.core.review.builders import make_candidacy
from tests.e2e.support import choose_call
from tests.e2e.test_candidacy_form import screenshots, sign_in
from tests.e2e.test_sign_in_flow import settled
from tests.factories import make_call, make_edition, make_network, make_user

pytestmark = pytest.mark.e2e

THEME = "Blanchisserie et repassage solidaires"
NORTH, SOUTH = "Réseau du Nord francilien", "Réseau du Sud francilien"


@pytest.fixture
def board_call(server_db):
    north, south = make_network(NORTH), make_network(SOUTH)
    call = make_call(make_edition(), networks=(north, south))
    with unit_of_work() as session:
        session.get(Call, call).theme_title = THEME
    for name, network in (("Alpha Blanchisserie", north), ("Bravo Repassage", south),
                          ("Charlie Linge", north), ("Delta Pressing", south)):
        make_candidacy(call, network, name=name)
    return {"lead": make_user(Role.PILOTE)}


def tick(page, row: int) -> None:
    """Click the tick box of the grid's `row` (the grid is drawn on a canvas: by position)."""
    box = page.get_by_test_id("stDataFrame").first.bounding_box()
    page.mouse.click(box["x"] + 17, box["y"] + 35 + 17 + row * 35)
    page.wait_for_timeout(300)
    settled(page)


def test_a_filter_clears_the_grid_s_ticks_so_the_next_tick_is_the_one_clicked(browser, server, board_call):
    from playwright.sync_api import expect

    context, page = sign_in(browser, server, board_call["lead"], "Tableau de bord")
    page.set_viewport_size({"width": 1400, "height": 1100})
    shoot = screenshots(page, "board-ticks")
    try:
        page.goto(f"{server.base_url}/evaluations")
        settled(page, "Évaluations")
        choose_call(page, THEME, "4 candidature(s) sur 4 — cochez une ligne pour voir son détail.")
        for row in (0, 1, 2):  # Alpha, Bravo, Charlie
            tick(page, row)
        expect(page.get_by_text("3 candidatures sélectionnées", exact=False)).to_be_visible()
        page.get_by_test_id("stMultiSelect").first.click()
        page.get_by_role("option").filter(has_text=SOUTH).first.click()
        page.keyboard.press("Escape")
        settled(page, "2 candidature(s) sur 4 — cochez une ligne pour voir son détail.")
        shoot("filtered")
        tick(page, 0)  # Bravo, the first row of the south network
        shoot("ticked")
        expect(page.get_by_role("heading", name="Bravo Repassage")).to_be_visible()
        expect(page.get_by_text("candidatures sélectionnées", exact=False)).to_have_count(0)
        expect(page.get_by_role("heading", name="Delta Pressing")).to_have_count(0)
    finally:
        context.close()
