"""Signing in, inviting a network referent, and the referent's first visit, in a real browser."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.e2e.conftest import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    ROOT,
    free_port,
    server_env,
    stop,
    streamlit_command,
)

pytestmark = pytest.mark.e2e

APP = '[data-testid="stApp"]'
TIMEOUT_MS = 20_000
REFERENT_PASSWORD = "mot-de-passe-referent-e2e"
NETWORK = "Réseau du Val-de-Marne"


def settled(page, *texts: str) -> None:
    """Wait until the Streamlit app is connected, shows `texts` and its script has finished."""
    from playwright.sync_api import expect

    page.wait_for_selector(f'{APP}[data-test-connection-state="CONNECTED"]', timeout=TIMEOUT_MS)
    for text in texts:
        expect(page.get_by_text(text, exact=True).first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_selector(f'{APP}[data-test-script-state="notRunning"]', timeout=TIMEOUT_MS)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=TIMEOUT_MS)


def sidebar_text(page) -> str:
    return page.get_by_test_id("stSidebar").inner_text()


def nav_text(page) -> str:
    return page.get_by_test_id("stSidebarNav").inner_text()


def test_sign_in_invite_and_first_visit_of_a_referent(browser, server, shots):
    from playwright.sync_api import expect

    base = server.base_url
    admin = browser.new_context(viewport={"width": 1280, "height": 1100}, locale="fr-FR")
    page = admin.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    # anonymous home, then the sign-in page in the same tab
    page.goto(f"{base}/")
    settled(page, "🤝 OpenMap candidatures")
    shots(page, "accueil-anonyme")
    page.get_by_test_id("stMain").get_by_role("link", name="Se connecter").click()
    page.wait_for_url(f"{base}/connexion")

    page.fill("#email", ADMIN_EMAIL)
    page.fill("#password", "pas-le-bon-mot-de-passe")
    page.click("button[type=submit]")
    expect(page.locator("#erreur-connexion")).to_have_text("Adresse e-mail ou mot de passe incorrect.")
    shots(page, "connexion-erreur")

    page.fill("#password", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    settled(page, "Administration", "Administrateur", "Comptes actifs")
    assert ADMIN_EMAIL in sidebar_text(page)
    shots(page, "admin-connecte")

    page.reload()
    settled(page, "Administration", "Administrateur", "Comptes actifs")
    assert "Se déconnecter" in sidebar_text(page)
    shots(page, "admin-apres-rechargement")

    # a network to invite the referent into, created through the page
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Réseaux").click()
    page.wait_for_url(f"{base}/reseaux")
    settled(page, "Réseaux")
    page.get_by_label("Nom du réseau").first.fill(NETWORK)
    page.get_by_role("button", name="Créer le réseau").click()
    settled(page, f"Réseau « {NETWORK} » créé.")
    shots(page, "reseau-cree")

    # the invitation, and its link shown on the page
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Comptes").click()
    page.wait_for_url(f"{base}/comptes")
    settled(page, "Inviter une personne")
    page.get_by_label("Nom et prénom").fill("Rémi Référent")
    page.get_by_label("Adresse e-mail").fill("remi.referent@exemple.fr")
    page.get_by_label("Réseau (pour un référent réseau)").click()
    page.get_by_role("option", name=NETWORK).click()
    page.get_by_role("button", name="Créer l'invitation").click()
    settled(page)
    success = page.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text("Invitation créée pour remi.referent@exemple.fr")
    code = page.get_by_test_id("stCode").inner_text()
    match = re.search(rf"{re.escape(base)}/lien/[\w-]+", code)
    assert match, code
    link = match.group(0)
    shots(page, "invitation-lien")

    page.get_by_role("button", name="Se déconnecter").click()
    settled(page, "Vous êtes déconnecté.")
    page.reload()
    settled(page, "🤝 OpenMap candidatures")
    assert "Se déconnecter" not in sidebar_text(page)
    admin.close()

    # the referent opens the link in a browser of their own
    referent = browser.new_context(viewport={"width": 1280, "height": 1100}, locale="fr-FR")
    page = referent.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(link)
    page.wait_for_url(f"{base}/mot-de-passe")
    assert "/lien/" not in page.url and link.rsplit("/", 1)[1] not in page.url
    expect(page.locator("h1")).to_have_text("Bienvenue, Rémi Référent")
    shots(page, "choix-mot-de-passe")
    page.fill("#password", REFERENT_PASSWORD)
    page.fill("#password_confirmation", REFERENT_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    settled(page, NETWORK, "Rémi Référent")
    assert NETWORK in sidebar_text(page)
    sections = nav_text(page)
    assert "Réseau" in sections and "Compte" in sections
    for other in ("Administration", "Comptes", "Réseaux", "Journal d'audit", "Pilotage", "Évaluation"):
        assert other not in sections, sections
    shots(page, "referent-connecte")

    # an administrator's page asked for by URL is not served to the referent
    page.goto(f"{base}/comptes")
    settled(page, "Page non disponible", "Cette page n'est pas accessible avec votre compte.")
    assert page.get_by_text("Inviter une personne").count() == 0
    assert page.get_by_label("Adresse e-mail").count() == 0
    expect(page.get_by_role("dialog")).to_have_count(0)  # no English "Page not found" notice
    shots(page, "referent-url-comptes")

    page.get_by_role("button", name="Se déconnecter").click()
    settled(page, "Vous êtes déconnecté.")
    shots(page, "referent-deconnecte")
    page.reload()
    settled(page, "🤝 OpenMap candidatures")
    assert "Se déconnecter" not in sidebar_text(page) and "Rémi Référent" not in sidebar_text(page)
    referent.close()


def test_server_refuses_to_start_with_an_unreachable_database():
    env = server_env(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    process = subprocess.Popen(streamlit_command(free_port()), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        stop(process)
        output, _ = process.communicate()
        pytest.fail(f"the server kept running with an unreachable database:\n{output}")
    assert process.returncode != 0, output
    assert any("DATABASE_URL" in line and "injoignable" in line for line in output.splitlines()), output
