"""The whole notification path in a real browser, against a real SMTP server on loopback:
the lead publishes, sends from « Courriels », the retained structure reads its message from
the SMTP server, opens its link, declines; the lead promotes the head of the waiting list,
sends again, and that structure's retained message arrives once."""

from __future__ import annotations

import re
from collections import Counter
from email import message_from_bytes, policy

import pytest

from tests.e2e import support
from tests.e2e.conftest import engine_pointed_at, running_server
from tests.e2e.support import choose_call
from tests.e2e.test_candidacy_form import screenshots, sign_in
from tests.e2e.test_sign_in_flow import TIMEOUT_MS, settled
from tests.mailserver import MailServer

pytestmark = pytest.mark.e2e

THEME = "Notifications de bout en bout"
NETWORK = "Réseau des notifications"
REASON = "Notre présentatrice sera à l'étranger."
# Addresses outside the demonstration and reserved domains: only those go out over SMTP.
CONTACTS = {"Alpha Retenue": "alpha@alpha-insertion.fr", "Bravo Attente": "bravo@bravo-insertion.fr",
            "Charlie Attente": "charlie@charlie-insertion.fr"}


@pytest.fixture(scope="module")
def smtp():
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def smtp_app(tmp_path_factory, smtp):
    """An app process of its own whose mail goes to the loopback SMTP server."""
    with running_server(tmp_path_factory.mktemp("notifications"), OPENMAP_MAIL_TRANSPORT="smtp",
                        OPENMAP_SMTP_HOST="127.0.0.1", OPENMAP_SMTP_PORT=str(smtp.port),
                        OPENMAP_SMTP_SECURITY="none") as started, engine_pointed_at(started.database_url):
        yield started


@pytest.fixture
def decided_call(smtp_app):
    """A closed call with one pitch place: Alpha retained, Bravo then Charlie on the waiting list."""
    return support.decided_call(theme=THEME, network=NETWORK, contacts=CONTACTS,
                                lead_email="pilote.notifications@exemple.fr")


def received_by(smtp, address: str) -> list:
    return [message_from_bytes(item.content, policy=policy.default) for item in smtp.received
            if address in item.recipients]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def send_everything(page, server, sent: int) -> None:
    """« Envoyer tout ce qui est en file », then wait for the sending's summary (a background thread)."""
    from playwright.sync_api import expect

    page.goto(f"{server.base_url}/courriels")
    settled(page, "Courriels")
    page.get_by_role("button", name=re.compile(r"^Envoyer tout ce qui est en file")).click()
    summary = f"Courriels : {sent} envoyé{'s' if sent > 1 else ''}."
    expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text=summary)).to_be_visible(timeout=TIMEOUT_MS)
    settled(page)


def test_publish_send_read_the_link_decline_promote_and_the_promoted_message_arrives_once(
        browser, smtp_app, smtp, decided_call):
    from playwright.sync_api import expect

    server = smtp_app
    context, page = sign_in(browser, server, decided_call["lead"], "Tableau de bord")
    page.set_viewport_size({"width": 1400, "height": 1000})
    shoot = screenshots(page, "notifications")
    try:
        page.goto(f"{server.base_url}/publication")
        settled(page, "Publication des décisions")
        choose_call(page, THEME, "Décisions de l'appel")
        page.get_by_role("button", name="Publier les décisions…").click()
        settled(page, "Confirmer la publication de ces décisions")
        page.get_by_role("button", name="Confirmer la publication").click()
        settled(page, "Réviser une décision")
        shoot("publiee")
        send_everything(page, server, 3)
        shoot("envoyes")
    finally:
        context.close()

    [retained] = received_by(smtp, CONTACTS["Alpha Retenue"])
    [waiting] = received_by(smtp, CONTACTS["Bravo Attente"])
    assert "retenue" in retained["Subject"].lower() and "attente" in waiting["Subject"].lower()
    link = re.search(r"https?://\S+/confirmation/\S+", text_of(retained)).group(0)
    assert link.startswith(server.base_url)

    context = browser.new_context(viewport={"width": 800, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(link)  # as the structure does, from its mailbox
        expect(page.get_by_text("Alpha Retenue", exact=True)).to_be_visible()
        page.get_by_role("button", name="Je décline", exact=True).click()
        expect(page.get_by_role("heading", name="Êtes-vous sûr ?")).to_be_visible()
        page.get_by_label("Motif (facultatif)").fill(REASON)
        page.get_by_role("button", name="Je décline la présentation").click()
        expect(page.get_by_role("heading", name="Présentation déclinée")).to_be_visible()
    finally:
        context.close()

    context, page = sign_in(browser, server, decided_call["lead"], "Tableau de bord")
    page.set_viewport_size({"width": 1400, "height": 1000})
    shoot = screenshots(page, "notifications-promotion")
    try:
        page.goto(f"{server.base_url}/publication")
        settled(page, "Publication des décisions")
        choose_call(page, THEME, "Promouvoir la liste d'attente")
        page.get_by_role("button", name="Promouvoir Bravo Attente").click()
        expect(page.get_by_text("Bravo Attente est désormais retenue", exact=False)).to_be_visible()
        settled(page)
        send_everything(page, server, 1)
        shoot("promue-envoyee")
        before = len(smtp.received)
        page.reload()
        settled(page, "Courriels")
        expect(page.get_by_role("button", name="Envoyer tout ce qui est en file (0)")).to_be_visible()
    finally:
        context.close()

    bravo = received_by(smtp, CONTACTS["Bravo Attente"])
    assert len(bravo) == 2  # the waiting list, then the promotion: once
    promoted = bravo[1]
    assert re.search(r"/confirmation/\S+", text_of(promoted))
    assert len(smtp.received) == before
    assert Counter(item.message_id for item in smtp.received).most_common(1)[0][1] == 1  # nothing twice
    assert received_by(smtp, CONTACTS["Charlie Attente"]) and len(received_by(smtp, CONTACTS["Alpha Retenue"])) == 1
