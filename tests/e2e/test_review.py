"""Two reviewers score two candidacies in a real browser: the second sees the first's
scores only once she has submitted her own; the lead's board then holds the right weighted
totals, best first (read back from its CSV export, as the grid is drawn on a canvas)."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from db.engine import read_only, unit_of_work
from db.models import Call, Review, Role
from tests.core.review.builders import make_candidacy, make_criteria, name_reviewers
from tests.e2e.support import choose_call
from tests.e2e.test_candidacy_form import screenshots, sign_in
from tests.e2e.test_sign_in_flow import settled
from tests.factories import make_call, make_edition, make_network, make_user

pytestmark = pytest.mark.e2e

THEME = "Restauration collective et traiteurs solidaires"
CRITERIA = ("Adéquation avec le thème (poids 3)", "Capacité à répondre aux marchés publics (poids 2)",
            "Impact sur l'insertion et l'emploi (poids 2)", "Clarté de l'offre (poids 1)")


@pytest.fixture
def review_call(server_db):
    return a_review_call("Réseau des traiteurs solidaires")


def a_review_call(network_name: str) -> dict:
    network = make_network(network_name)
    call = make_call(make_edition(), networks=(network,))
    with unit_of_work() as session:
        session.get(Call, call).theme_title = THEME
    criteria = make_criteria(call)
    first = make_candidacy(call, network, name="Cuisine d'Insertion 93")
    second = make_candidacy(call, network, name="Traiteur Solidaire 95")
    alice, bruno = make_user(Role.EVALUATEUR), make_user(Role.EVALUATEUR)
    name_reviewers(call, alice, bruno)
    lead = make_user(Role.PILOTE)
    return {"call": call, "criteria": criteria, "first": first, "second": second, "alice": alice, "bruno": bruno,
            "lead": lead}


def open_review_page(page, server, candidacy: str) -> None:
    page.goto(f"{server.base_url}/evaluer")
    settled(page, "Évaluer les candidatures")
    choose_candidacy(page, candidacy)


def choose_candidacy(page, candidacy: str) -> None:
    box = page.get_by_label("Candidature", exact=True)
    box.click()
    box.press_sequentially(candidacy[:12])  # typing filters the (virtualised) list
    page.get_by_role("option").filter(has_text=candidacy).first.click()
    settled(page, candidacy)


def rate_and_submit(page, values: tuple[int, ...]) -> None:
    for label, value in zip(CRITERIA, values, strict=True):
        group = page.get_by_role("radiogroup", name=label)
        group.locator("label").filter(has_text=str(value)).first.click()
    page.get_by_role("button", name="Soumettre", exact=True).click()
    settled(page, "Évaluation soumise.")


def board_csv(page, server) -> list[list[str]]:
    page.goto(f"{server.base_url}/evaluations")
    settled(page, "Évaluations")
    choose_call(page, THEME, "2 candidature(s) sur 2 — cochez une ligne pour voir son détail.")
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger (CSV)").first.click()
    with open(download.value.path(), "rb") as file:
        return list(csv.reader(io.StringIO(file.read().decode("utf-8-sig"), newline=""), delimiter=";"))


def test_second_reviewer_sees_the_first_s_scores_only_after_submitting_and_the_board_sorts(
        browser, server, review_call):
    from playwright.sync_api import expect

    first, second = "Cuisine d'Insertion 93", "Traiteur Solidaire 95"
    context, page = sign_in(browser, server, review_call["alice"], "Évaluation")
    shoot = screenshots(page, "evaluation")
    try:
        open_review_page(page, server, first)
        rate_and_submit(page, (5, 5, 5, 5))
        choose_candidacy(page, second)
        rate_and_submit(page, (2, 2, 2, 2))
        shoot("alice-soumise")
    finally:
        context.close()

    context, page = sign_in(browser, server, review_call["bruno"], "Évaluation")
    shoot = screenshots(page, "evaluation-bruno")
    try:
        open_review_page(page, server, first)
        expect(page.get_by_text("Elles s'affichent une fois votre évaluation soumise.")).to_be_visible()
        expect(page.get_by_test_id("stDataFrame")).to_have_count(0)  # Alice's scores are not on the page
        shoot("avant")
        rate_and_submit(page, (3, 3, 3, 3))
        expect(page.get_by_text("Elles s'affichent une fois votre évaluation soumise.")).to_have_count(0)
        expect(page.get_by_test_id("stDataFrame")).to_have_count(1)  # now the others' reviews
        shoot("apres")
        choose_candidacy(page, second)
        rate_and_submit(page, (4, 4, 4, 4))
    finally:
        context.close()

    context, page = sign_in(browser, server, review_call["lead"], "Tableau de bord")
    shoot = screenshots(page, "evaluation-pilote")
    try:
        rows = board_csv(page, server)
        shoot("tableau")
        header = rows[0]
        name, weighted = header.index("Structure"), header.index("Note pondérée")
        # first: (5 + 3) / 2 = 4; second: (2 + 4) / 2 = 3 — best first
        assert [(r[name], r[weighted]) for r in rows[1:]] == [(first, "4,0"), (second, "3,0")]
        assert [r[header.index("Évaluations")] for r in rows[1:]] == ["2", "2"]
    finally:
        context.close()


def rate(page, value: int) -> None:
    for label in CRITERIA:
        page.get_by_role("radiogroup", name=label).locator("label").filter(has_text=str(value)).first.click()


def test_a_stale_tab_stays_refused_until_she_loads_the_saved_version_which_the_form_then_shows(
        browser, server, server_db):
    from playwright.sync_api import expect

    review_call = a_review_call("Réseau des onglets")

    first = "Cuisine d'Insertion 93"
    context, page = sign_in(browser, server, review_call["alice"], "Évaluation")
    shoot = screenshots(page, "evaluation-onglets")
    try:
        open_review_page(page, server, first)  # this tab opens the form first
        other = context.new_page()
        open_review_page(other, server, first)
        rate(other, 5)
        other.get_by_role("button", name="Enregistrer le brouillon").click()  # her other tab saves a draft
        settled(other, "Brouillon enregistré.")
        for _ in range(2):  # both clicks refused: the second does not adopt the other tab's version
            rate(page, 1)
            page.get_by_role("button", name="Enregistrer le brouillon").click()
            settled(page, "Charger la version enregistrée")
            expect(page.get_by_text("enregistrée entre-temps depuis un autre onglet", exact=False)).to_be_visible()
        shoot("refusee")
        page.get_by_role("button", name="Charger la version enregistrée").click()
        settled(page, first)
        expect(page.get_by_role("button", name="Charger la version enregistrée")).to_have_count(0)
        for label in CRITERIA:  # the browser shows the saved scores, not the ones this tab typed
            expect(page.get_by_role("radiogroup", name=label).get_by_role("radio").nth(4)).to_be_checked()
        shoot("chargee")
    finally:
        context.close()
    with read_only() as session:
        review = session.scalar(select(Review).where(Review.candidacy_id == review_call["first"],
                                                     Review.reviewer_id == review_call["alice"].user_id))
        assert sorted(s.value for s in review.scores) == [5, 5, 5, 5]
