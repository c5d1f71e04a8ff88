"""The lead, in a real browser, asks for a proposal with « au plus 1 par réseau », sees
who comes in and who goes out, applies it, and the decisions are in the database."""

from __future__ import annotations

import pytest

from core.selection import decisions
from db.engine import unit_of_work
from db.models import Call, Deliberation, Role
from tests.core.review.builders import make_candidacy, make_criteria, name_reviewers, score
from tests.core.selection.builders import rows, version
from tests.core.selection.builders import waitlist as listed
from tests.e2e.support import choose_call
from tests.e2e.test_candidacy_form import screenshots, sign_in
from tests.e2e.test_sign_in_flow import settled
from tests.factories import make_call, make_edition, make_network, make_user

pytestmark = pytest.mark.e2e

THEME = "Mobilier urbain et signalétique solidaire"


@pytest.fixture
def selection_call(server_db):
    """Two places; the Urtie network's two candidacies score best, then the PLIE's one.
    The lead has retained both of Urtie's."""
    urtie, plie = make_network("Urtie (sélection)"), make_network("PLIE (sélection)")
    call = make_call(make_edition(), networks=(urtie, plie))
    with unit_of_work() as session:
        found = session.get(Call, call)
        found.theme_title, found.pitch_slots = THEME, 2
    criteria = make_criteria(call)
    first = make_candidacy(call, urtie, name="Signalétique d'Insertion 95")
    second = make_candidacy(call, urtie, name="Bancs et Abris Solidaires")
    third = make_candidacy(call, plie, name="Atelier Bois du PLIE")
    reviewer = make_user(Role.EVALUATEUR)
    name_reviewers(call, reviewer)
    for candidacy, value in ((first, 5), (second, 4), (third, 3)):
        score(reviewer, candidacy, (value,) * 4, criteria=criteria)
    lead = make_user(Role.PILOTE, email="pilote.selection@exemple.fr")
    for candidacy in (first, second):
        with unit_of_work() as session:
            decisions.decide(session, actor=lead, candidacy_id=candidacy, expected_version=version(candidacy),
                             decision=Deliberation.SELECTED)
    return {"call": call, "first": first, "second": second, "third": third, "lead": lead}


def test_lead_applies_a_proposal_with_at_most_one_per_network(browser, server, selection_call):
    from playwright.sync_api import expect

    context, page = sign_in(browser, server, selection_call["lead"], "Tableau de bord")
    page.set_viewport_size({"width": 1400, "height": 1100})
    shoot = screenshots(page, "selection")
    try:
        page.goto(f"{server.base_url}/selection")
        settled(page, "Sélection")
        choose_call(page, THEME, "Équilibre des décisions actuelles")
        shoot("page")
        page.get_by_label("Au plus … candidatures par réseau").fill("1")
        page.get_by_role("button", name="Proposer").click()
        settled(page, "Entrent dans la sélection")
        expect(page.get_by_text("Score maximisé : note pondérée. Contraintes : au plus 1 par réseau.")) \
            .to_be_visible()
        shoot("proposition")
        page.get_by_role("button", name="Appliquer la proposition").click()
        settled(page)
        expect(page.get_by_text("Proposition appliquée : 2 candidature(s) retenue(s), 1 en liste d'attente."))\
            .to_be_visible()
        shoot("appliquee")
    finally:
        context.close()
    stored = rows(selection_call["call"])
    assert stored[selection_call["first"]].deliberation == Deliberation.SELECTED
    assert stored[selection_call["third"]].deliberation == Deliberation.SELECTED
    assert listed(selection_call["call"]) == [selection_call["second"]]
