"""A network referent proposes a structure in a real browser: wrong SIRET and e-mail,
each French message right under its field, everything else typed kept, corrected,
submitted, and listed as « Déposée » in « Mes candidatures »."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.engine import read_only, unit_of_work
from db.models import Call, Candidacy, Role, Submission
from tests.e2e.conftest import SHOTS
from tests.e2e.test_sign_in_flow import TIMEOUT_MS, settled
from tests.factories import PASSWORD, make_call, make_edition, make_network, make_user

pytestmark = pytest.mark.e2e

NETWORK = "Réseau Solidarités 93"
THEME = "Propreté des bâtiments communaux"
SIRET_MESSAGE = ("Ce numéro SIRET n'est pas valide (clé de contrôle incorrecte). "
                 "Vérifiez-le sur l'avis de situation INSEE.")
EMAIL_MESSAGE = "Cette adresse e-mail n'est pas valide. Vérifiez son orthographe (par exemple prenom.nom@exemple.fr)."
TEXTS = {
    "Nom de la structure *": "Propreté Solidaire 93",
    "Salariés en insertion": "24",
    "Adresse *": "3 allée des Tilleuls",
    "Code postal *": "93200",
    "Ville *": "Saint-Denis",
    "Site internet": "www.proprete-solidaire.exemple.fr",
    "Nom du contact *": "Samia Benali",
    "Téléphone du contact *": "01 48 00 00 00",
    "Personne qui présentera *": "Samia Benali",
    "Sa fonction": "Directrice",
    "Titre *": "Nettoyage de bureaux en insertion",
}
AREAS = {
    "Résumé *": "Entretien de locaux par des équipes en parcours d'insertion.",
    "Ce que la structure propose aux acheteurs sur ce thème *": "Lots de nettoyage de bâtiments publics.",
    "Références de marchés publics déjà obtenus": "Ville de Saint-Denis, 2024.",
}
CONSENTS = ("La structure accepte le traitement de ses données pour cet appel à candidatures *",
            "La structure accepte que sa candidature soit communiquée aux acheteurs publics *")


@pytest.fixture
def referent(server_db):
    """An open call this referent's network is invited to, in the server's own database."""
    network = make_network(NETWORK)
    call_id = make_call(make_edition(), networks=(network,))
    with unit_of_work() as session:
        session.get(Call, call_id).theme_title = THEME
    return make_user(Role.RESEAU, network_id=network, email="referent.candidature@exemple.fr")


def box(locator) -> dict:
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def assert_under(message, field, next_field) -> None:
    """`message` sits below `field`, above `next_field`, and in the same column as `field`."""
    m, f, n = box(message), box(field), box(next_field)
    assert m["y"] >= f["y"] + f["height"] - 1, (m, f)
    assert m["y"] + m["height"] <= n["y"] + 1, (m, n)
    assert f["x"] - 5 <= m["x"] < f["x"] + f["width"], (m, f)


def choose(page, label: str, option: str) -> None:
    """Pick `option` in a selectbox or multiselect, typing to filter its (virtualised) list."""
    field = page.get_by_label(label, exact=True)
    field.click()
    field.press_sequentially(option.split(" — ")[-1][:12])
    page.get_by_role("option", name=option).click()


def screenshots(page, prefix: str):
    """shoot("name"): save /tmp/e2e-shots/<prefix>-<nn>-<name>.png (outside the repository)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    numbers = iter(range(1, 100))

    def shoot(name: str) -> None:
        page.screenshot(path=str(SHOTS / f"{prefix}-{next(numbers):02d}-{name}.png"), full_page=True)

    return shoot


def sign_in(browser, server, actor, *texts: str):
    """A fresh browser context signed in as `actor` through /connexion, on its home page."""
    context = browser.new_context(viewport={"width": 1280, "height": 1100}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server.base_url}/connexion")
    page.fill("#email", actor.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server.base_url}/")
    settled(page, *texts)
    return context, page


def test_referent_corrects_siret_and_email_next_to_their_fields_and_submits(browser, server, referent):
    from playwright.sync_api import expect

    context, page = sign_in(browser, server, referent, NETWORK, THEME)
    shoot = screenshots(page, "cand")
    try:
        shoot("accueil")

        page.get_by_role("link", name="Proposer une structure").click()
        settled(page, f"Candidature — {THEME}")
        assert "/candidature" in page.url and "appel=" in page.url

        siret = page.get_by_label("SIRET *", exact=True)
        siret.fill("73282932000079")
        siret.press("Tab")  # the SIRET is looked up in the directory when it is left
        settled(page)
        for label, value in TEXTS.items():
            page.get_by_label(label, exact=True).fill(value)
        page.get_by_label("E-mail du contact *", exact=True).fill("samia@")
        for label, value in AREAS.items():
            page.get_by_label(label, exact=True).fill(value)
        choose(page, "Type de structure *", "EI — Entreprise d'insertion")
        choose(page, "Département *", "93 — Seine-Saint-Denis")
        choose(page, "Secteurs d'activité *", "Hygiène et propreté")
        page.keyboard.press("Escape")
        for label in CONSENTS:
            page.get_by_text(label, exact=True).click()
        shoot("formulaire-rempli")

        page.get_by_role("button", name="Déposer la candidature").click()
        settled(page, "Certains champs sont à corriger.", SIRET_MESSAGE, EMAIL_MESSAGE)
        shoot("erreur-email")
        siret.scroll_into_view_if_needed()
        shoot("erreur-siret")
        siret_message = page.get_by_text(SIRET_MESSAGE, exact=True)
        email_message = page.get_by_text(EMAIL_MESSAGE, exact=True)
        expect(siret_message).to_have_count(1)
        expect(email_message).to_have_count(1)
        assert_under(siret_message, siret, page.get_by_label("Nom de la structure *", exact=True))
        assert_under(email_message, page.get_by_label("E-mail du contact *", exact=True),
                     page.get_by_label("Personne qui présentera *", exact=True))
        # no other field has a message
        assert page.get_by_text("n'est pas valide").count() == 2
        # everything else typed is still there
        expect(siret).to_have_value("73282932000079")
        expect(page.get_by_label("E-mail du contact *", exact=True)).to_have_value("samia@")
        for label, value in {**TEXTS, **AREAS}.items():
            expect(page.get_by_label(label, exact=True)).to_have_value(value)
        expect(page.get_by_label("Type de structure *", exact=True)).to_have_value("EI — Entreprise d'insertion")
        expect(page.get_by_label("Département *", exact=True)).to_have_value("93 — Seine-Saint-Denis")
        expect(page.get_by_test_id("stMultiSelect")).to_contain_text("Hygiène et propreté")
        for label in CONSENTS:
            expect(page.get_by_role("checkbox", name=label)).to_be_checked()

        siret.fill("73282932000074")
        siret.press("Tab")
        settled(page)
        page.get_by_label("E-mail du contact *", exact=True).fill("samia@proprete-solidaire.exemple.fr")
        page.get_by_role("button", name="Déposer la candidature").click()
        settled(page, "Candidature déposée : un accusé de réception est envoyé à votre réseau.")
        expect(page.get_by_text(SIRET_MESSAGE)).to_have_count(0)
        expect(page.get_by_text(EMAIL_MESSAGE)).to_have_count(0)
        assert "id=" in page.url
        shoot("deposee")

        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Mes candidatures").click()
        settled(page, NETWORK, THEME)
        expect(page.get_by_role("link", name="Propreté Solidaire 93 — Déposée")).to_be_visible()
        shoot("mes-candidatures")
        with read_only() as session:
            [candidacy] = session.scalars(select(Candidacy).where(Candidacy.network_id == referent.network_id))
            assert candidacy.submission == Submission.SUBMITTED
            assert (candidacy.structure.siret, candidacy.contact_email, candidacy.structure.city) == (
                "73282932000074", "samia@proprete-solidaire.exemple.fr", "Saint-Denis")
    finally:
        context.close()


def test_known_siret_fills_the_structure_in_the_browser_but_not_the_contact(browser, server, server_db):
    from playwright.sync_api import expect

    from core.candidacies import saving
    from tests.pages.test_reseau_candidature import complete_form, siret_for

    neighbour = make_network("Réseau voisin e2e")
    neighbour_call = make_call(make_edition(), networks=(neighbour,))
    with unit_of_work() as session:
        saving.save(session, actor=make_user(Role.RESEAU, network_id=neighbour), call_id=neighbour_call,
                    submit=True, form=complete_form(siret=siret_for(931), name="Les Jardins du Voisin",
                                                    city="Pantin", postcode="93500", departement="93"))
    network = make_network("Réseau pré-rempli e2e")
    make_call(make_edition(), networks=(network,))
    actor = make_user(Role.RESEAU, network_id=network, email="referent.prerempli@exemple.fr")

    context, page = sign_in(browser, server, actor, "Réseau pré-rempli e2e")
    shoot = screenshots(page, "cand-prefill")
    try:
        page.get_by_role("link", name="Proposer une structure").click()
        settled(page, "Candidature — Thème de test")
        siret = page.get_by_label("SIRET *", exact=True)
        siret.fill(siret_for(931))
        siret.press("Tab")
        settled(page, "Structure connue : Les Jardins du Voisin. Ses informations ont été reprises, vérifiez-les.")
        shoot("structure-connue")
        expect(page.get_by_label("Nom de la structure *", exact=True)).to_have_value("Les Jardins du Voisin")
        expect(page.get_by_label("Ville *", exact=True)).to_have_value("Pantin")
        expect(page.get_by_label("Code postal *", exact=True)).to_have_value("93500")
        expect(page.get_by_label("Type de structure *", exact=True)).to_have_value("EI — Entreprise d'insertion")
        expect(page.get_by_label("Département *", exact=True)).to_have_value("93 — Seine-Saint-Denis")
        for label in ("Nom du contact *", "E-mail du contact *", "Téléphone du contact *"):
            expect(page.get_by_label(label, exact=True)).to_have_value("")
    finally:
        context.close()
