"""A retained structure opens its personal link in a real browser, declines with a reason
after « Êtes-vous sûr ? », and its link then stops working; the lead sees the decline on the
publication page and promotes the head of the waiting list with one click."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.selection import confirmation, publication
from db.engine import read_only, unit_of_work
from db.models import Call, Candidacy, Confirmation, Deliberation, OutboxMessage
from tests.e2e import support
from tests.e2e.support import choose_call
from tests.e2e.test_candidacy_form import screenshots, sign_in
from tests.e2e.test_sign_in_flow import TIMEOUT_MS, settled

pytestmark = pytest.mark.e2e

THEME = "Confirmation des présentations express"
NETWORK = "Réseau des confirmations"
REASON = "Notre présentatrice sera en déplacement ce jour-là."


@pytest.fixture
def published_call(server_db):
    """A published call with one place: Alpha retained (its link's token returned), Bravo then Charlie waiting."""
    names = ("Alpha Confirmation", "Bravo Attente", "Charlie Attente")
    decided = support.decided_call(theme=THEME, network=NETWORK, contacts=dict.fromkeys(names),
                                   lead_email="pilote.confirmation@exemple.fr")
    call_id, ids, lead = decided["call"], decided["ids"], decided["lead"]
    with unit_of_work() as session:
        fingerprint = publication.preview(session, actor=lead, call_id=call_id).fingerprint
        publication.publish(session, actor=lead, call_id=call_id, fingerprint=fingerprint)
    with unit_of_work() as session:
        deadline = session.get(Call, call_id).confirm_by
        url = confirmation.issue_confirmation_link(session, candidacy_id=ids["Alpha Confirmation"],
                                                   expires_at=deadline, now=datetime.now(UTC))
    return {"call": call_id, "ids": ids, "lead": lead, "token": url.rsplit("/", 1)[-1]}


def stored(candidacy_id: int) -> tuple:
    with read_only() as session:
        c = session.get(Candidacy, candidacy_id)
        return c.deliberation, c.confirmation, c.decline_reason


def selected_messages(candidacy_ids) -> Counter:
    with read_only() as session:
        return Counter(session.scalars(select(OutboxMessage.candidacy_id).where(
            OutboxMessage.candidacy_id.in_(list(candidacy_ids)), OutboxMessage.template_key == "decision_selected")))


def test_a_structure_declines_through_its_link_and_the_lead_promotes_the_next(browser, server, published_call):
    from playwright.sync_api import expect

    ids = published_call["ids"]
    alpha, bravo, charlie = ids["Alpha Confirmation"], ids["Bravo Attente"], ids["Charlie Attente"]
    link = f"{server.base_url}/confirmation/{published_call['token']}"
    context = browser.new_context(viewport={"width": 800, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    shoot = screenshots(page, "confirmation")
    try:
        page.goto(link)
        expect(page.get_by_role("heading", name="Confirmer votre présentation")).to_be_visible()
        expect(page.get_by_text("Alpha Confirmation", exact=True)).to_be_visible()
        expect(page.get_by_text(THEME, exact=True)).to_be_visible()
        shoot("lien")
        page.get_by_role("button", name="Je décline", exact=True).click()
        expect(page.get_by_role("heading", name="Êtes-vous sûr ?")).to_be_visible()
        assert stored(alpha)[1] == Confirmation.PENDING  # the first step changes nothing
        page.get_by_label("Motif (facultatif)").fill(REASON)
        shoot("etes-vous-sur")
        page.get_by_role("button", name="Je décline la présentation").click()
        expect(page.get_by_role("heading", name="Présentation déclinée")).to_be_visible()
        shoot("declinee")
        assert stored(alpha) == (Deliberation.SELECTED, Confirmation.DECLINED, REASON)
        page.goto(link)  # the link has served
        expect(page.get_by_role("heading", name="Lien non valable")).to_be_visible()
        expect(page.get_by_text("Alpha Confirmation")).to_have_count(0)
        shoot("lien-use")
    finally:
        context.close()

    context, page = sign_in(browser, server, published_call["lead"], "Tableau de bord")
    page.set_viewport_size({"width": 1400, "height": 1000})
    shoot = screenshots(page, "confirmation-pilote")
    try:
        page.goto(f"{server.base_url}/publication")
        settled(page, "Publication des décisions")
        choose_call(page, THEME, "Confirmation des structures retenues", "Promouvoir la liste d'attente")
        declined = page.get_by_test_id("stMetric").filter(has=page.get_by_text("Déclinées", exact=True))
        expect(declined.get_by_test_id("stMetricValue")).to_have_text("1")
        expect(page.get_by_text("Alpha Confirmation a décliné sa présentation", exact=False)).to_be_visible()
        shoot("refus-vu")
        page.get_by_role("button", name="Promouvoir Bravo Attente").click()
        expect(page.get_by_text("Bravo Attente est désormais retenue", exact=False)).to_be_visible()
        settled(page, "Promouvoir la liste d'attente")
        shoot("promue")
        # The only place is Bravo's now: Charlie waits, and no button offers it.
        expect(page.get_by_role("button", name="Promouvoir Charlie Attente")).to_have_count(0)
        assert stored(bravo)[0] == Deliberation.SELECTED and stored(charlie)[0] == Deliberation.WAITLISTED
        assert selected_messages([alpha, bravo, charlie]) == Counter({alpha: 1, bravo: 1})  # Bravo's, once
    finally:
        context.close()
