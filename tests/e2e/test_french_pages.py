"""Every URL typed by hand gets a French page: each role's own home path, the page a
refusal leads back to after signing in, and a path that is no page at all."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from db.models import Role
from tests.e2e.conftest import running_server
from tests.e2e.test_candidacy_form import sign_in
from tests.e2e.test_sign_in_flow import TIMEOUT_MS, settled
from tests.factories import PASSWORD, make_network, make_user

pytestmark = pytest.mark.e2e

HOMES = {Role.PILOTE: ("pilotage", "Tableau de bord"), Role.EVALUATEUR: ("evaluation", "Évaluation"),
         Role.ADMIN: ("administration", "Administration")}


def no_english_dialog(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)


@pytest.mark.parametrize("role", list(HOMES), ids=[r.value for r in HOMES])
def test_role_home_path_typed_by_hand_shows_the_home_in_french(browser, server, server_db, role):
    path, title = HOMES[role]
    actor = make_user(role, email=f"{role.value}.chemin@exemple.fr")
    context, page = sign_in(browser, server, actor)
    try:
        page.goto(f"{server.base_url}/{path}")
        settled(page, title)
        no_english_dialog(page)
    finally:
        context.close()


def test_referent_home_path_typed_by_hand_shows_the_home(browser, server, server_db):
    network = make_network("Réseau chemin tapé")
    actor = make_user(Role.RESEAU, network_id=network, email="reseau.chemin@exemple.fr")
    context, page = sign_in(browser, server, actor)
    try:
        page.goto(f"{server.base_url}/reseau")
        settled(page, "Réseau chemin tapé")
        no_english_dialog(page)
    finally:
        context.close()


def test_signing_in_from_a_refusal_lands_on_the_page_in_french(browser, server, server_db):
    actor = make_user(Role.PILOTE, email="pilote.refus@exemple.fr")
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{server.base_url}/pilotage")
        settled(page, "Page non disponible", "Connectez-vous pour accéder à cette page.")
        page.get_by_test_id("stMain").get_by_role("link", name="Se connecter").click()
        page.wait_for_url(f"{server.base_url}/connexion?suivant=/pilotage")
        page.fill("#email", actor.email)
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        settled(page, "Tableau de bord")
        no_english_dialog(page)
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/nimporte-quoi", "/pilotage-accueil", "/Pilotage", "/journal/x"])
def test_unknown_path_gets_the_french_not_found_page(browser, server, path):
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(f"{server.base_url}{path}", timeout=10)
    assert answer.value.code == 404
    assert "Page introuvable" in answer.value.read().decode("utf-8")
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{server.base_url}{path}")
        assert page.locator("h1").inner_text() == "Page introuvable"
        page.get_by_role("link", name="Aller à l'accueil").click()
        settled(page, "🤝 OpenMap candidatures")
        no_english_dialog(page)
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/comptes", "/accueil"])
def test_first_visitor_after_the_server_starts_gets_no_english_dialog(browser, tmp_path, path):
    # Streamlit runs the first session of a process as an old-style app when a pages/
    # folder exists: that run alone answered any sub-path with « Page not found ».
    with running_server(tmp_path) as started:
        context = browser.new_context(locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        try:
            page.goto(f"{started.base_url}{path}")
            settled(page, "Page non disponible" if path == "/comptes" else "🤝 OpenMap candidatures")
            no_english_dialog(page)
        finally:
            context.close()


@pytest.mark.parametrize("path", ["/pilotage.html", "/x.y", "/comptes.py", "/static.css"])
def test_path_with_a_dot_that_is_no_file_gets_the_french_not_found_page(server, path):
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(f"{server.base_url}{path}", timeout=10)
    assert answer.value.code == 404
    assert "Page introuvable" in answer.value.read().decode("utf-8")


@pytest.mark.parametrize(("path", "kind"), [("/favicon.png", "image/png"), ("/manifest.json", "json")])
def test_streamlit_files_at_the_root_are_still_served(server, path, kind):
    with urllib.request.urlopen(f"{server.base_url}{path}", timeout=10) as answer:
        assert answer.status == 200 and kind in answer.headers["Content-Type"]


@pytest.mark.parametrize("path", ["/calendrier/%00", "/calendrier/rencontre-1.ics%00", "/lien/%00",
                                  "/confirmation/..%2f..%2fetc", "/static/%00", "/_stcore/health%00",
                                  "//serveur/partage"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_malformed_path_gets_a_french_page_not_an_english_bad_request(server, path, method):
    """Streamlit refuses these (NUL bytes, traversal, UNC paths) with a bare English « Bad Request »."""
    request = urllib.request.Request(f"{server.base_url}{path}", method=method, data=b"" if method == "POST" else None)
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=10)
    assert answer.value.code in (400, 404)
    body = answer.value.read().decode("utf-8")
    assert '<html lang="fr">' in body and "Bad Request" not in body
    assert "Adresse invalide" in body or "Page introuvable" in body
