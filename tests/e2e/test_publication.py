"""The lead publishes a call's decisions in a real browser, through the confirmation: an
undecided candidacy first blocks it, then is marked non retenue in the same act; the outbox
holds exactly one message per candidacy; the network then reads its own outcomes and rank
(from the links of its home, and its table's CSV export: the grid is drawn on a canvas)."""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from core.selection import decisions, publication
from db.engine import read_only, unit_of_work
from db.models import Call, Candidacy, OutboxMessage, Role
from tests.core.selection.builders import Spec, make_candidacies, version
from tests.e2e.support import choose_call
from tests.e2e.test_candidacy_form import screenshots, sign_in
from tests.e2e.test_sign_in_flow import TIMEOUT_MS, settled
from tests.factories import make_call, make_edition, make_network, make_user

pytestmark = pytest.mark.e2e

THEME = "Propreté urbaine et espaces verts"
NETWORK = "Réseau des jardins d'insertion"
_USES = itertools.count(1)  # the tests of the module share one server database


@pytest.fixture
def decided_call(server_db):
    """A closed call (2 places): Alpha retained, Bravo and Charlie waiting, Delta undecided."""
    use = next(_USES)
    network_name = NETWORK if use == 1 else f"{NETWORK} {use}"
    network = make_network(network_name)
    now = datetime.now(UTC)
    call_id = make_call(make_edition(), networks=(network,), opens_at=now - timedelta(days=30),
                        closes_at=now - timedelta(days=1))
    with unit_of_work() as session:
        call = session.get(Call, call_id)
        call.theme_title, call.pitch_slots = THEME, 2
    names = ("Alpha Propreté", "Bravo Jardins", "Charlie Services", "Delta Nettoyage")
    ids = dict(zip(names, make_candidacies(call_id, [Spec(name=n, network=network_name) for n in names]), strict=True))
    lead = make_user(Role.PILOTE, email=f"pilote.publication{use}@exemple.fr")
    for name, decision in zip(names[:3], ("selected", "waitlisted", "waitlisted"), strict=False):
        with unit_of_work() as session:
            decisions.decide(session, actor=lead, candidacy_id=ids[name], expected_version=version(ids[name]),
                             decision=decision)
    referent = make_user(Role.RESEAU, network_id=network, email=f"referent.jardins{use}@exemple.fr")
    return {"call": call_id, "ids": ids, "lead": lead, "referent": referent}


def messages_of(candidacy_ids) -> Counter:
    with read_only() as session:
        return Counter(session.scalars(select(OutboxMessage.candidacy_id)
                                       .where(OutboxMessage.candidacy_id.in_(list(candidacy_ids)))))


def test_the_lead_publishes_through_the_confirmation_and_the_network_reads_its_outcome(
        browser, server, decided_call):
    from playwright.sync_api import expect

    ids = decided_call["ids"]
    context, page = sign_in(browser, server, decided_call["lead"], "Tableau de bord")
    page.set_viewport_size({"width": 1400, "height": 1000})
    shoot = screenshots(page, "publication")
    try:
        page.goto(f"{server.base_url}/publication")
        settled(page, "Publication des décisions")
        choose_call(page, THEME, "Décisions de l'appel")
        shoot("decisions")
        page.get_by_role("button", name="Publier les décisions…").click()
        settled(page, "Confirmer la publication de ces décisions")
        shoot("confirmation")
        for label, count in (("Retenues", "1"), ("Liste d'attente", "2"), ("Non retenues", "0"),
                             ("Sans décision", "1")):
            metric = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True))
            expect(metric.get_by_test_id("stMetricValue")).to_have_text(count)
        page.get_by_role("button", name="Confirmer la publication").click()  # not ticked: refused
        settled(page, "Confirmer la publication de ces décisions")
        expect(page.get_by_text("décidez-en, ou marquez-les non retenues dans la même publication. Rien n'a été "
                                "publié.", exact=False)).to_be_visible()
        shoot("refusee-sans-decision")
        assert messages_of(ids.values()) == Counter()
        page.get_by_text("Marquer les candidatures sans décision comme non retenues").click()
        page.get_by_role("button", name="Confirmer la publication").click()
        settled(page, "Réviser une décision")
        expect(page.get_by_text("Décisions publiées : 4 messages mis en file d'envoi, un par candidature.")
               ).to_be_visible()
        shoot("publiee")
        assert messages_of(ids.values()) == Counter(dict.fromkeys(ids.values(), 1))  # exactly one each

        page.get_by_role("button", name="Réviser la décision").click()  # no reason given
        settled(page, "Réviser une décision")
        expect(page.get_by_text("Indiquez la raison de la révision : elle est gardée au journal.")).to_be_visible()
        box = page.get_by_label("Nouvelle décision", exact=True)
        box.click()
        page.get_by_role("option", name="Liste d'attente", exact=True).click()
        expect(page.get_by_label("Rang en liste d'attente", exact=True)).to_be_visible()
        page.get_by_label("Rang en liste d'attente", exact=True).fill("0")
        page.get_by_label("Raison de la révision", exact=True).fill("Dossier revu")
        page.get_by_role("button", name="Réviser la décision").click()
        expect(page.get_by_text("Le rang doit être compris entre 1 et 3.")).to_be_visible()
        settled(page, "Réviser une décision")
        shoot("revision-sans-raison")
        assert messages_of(ids.values()) == Counter(dict.fromkeys(ids.values(), 1))
    finally:
        context.close()

    context, page = sign_in(browser, server, decided_call["referent"], THEME)
    page.set_viewport_size({"width": 1400, "height": 1000})
    shoot = screenshots(page, "publication-reseau")
    try:
        for name, outcome in (("Alpha Propreté", "Retenue"), ("Bravo Jardins", "Liste d'attente"),
                              ("Charlie Services", "Liste d'attente"), ("Delta Nettoyage", "Non retenue")):
            expect(page.get_by_role("link", name=f"{name} — {outcome}")).to_be_visible()
        shoot("accueil")
        with page.expect_download() as download:
            page.get_by_role("button", name="Télécharger (CSV)").first.click()
        with open(download.value.path(), "rb") as file:
            rows = list(csv.reader(io.StringIO(file.read().decode("utf-8-sig"), newline=""), delimiter=";"))
        header = rows[0]
        ranks = {r[header.index("Structure")]: r[header.index("Rang en liste d'attente")] for r in rows[1:]}
        assert ranks == {"Alpha Propreté": "", "Bravo Jardins": "1", "Charlie Services": "2", "Delta Nettoyage": ""}
    finally:
        context.close()


def test_a_double_click_on_promote_promotes_one_and_says_so(browser, server, decided_call):
    """The second click of a double click acts on the page it was drawn on: it must neither
    promote the next one nor replace the first click's success by « rien n'a été enregistré »."""
    from playwright.sync_api import expect

    ids, lead, theme = decided_call["ids"], decided_call["lead"], "Promotion en double clic"
    with unit_of_work() as session:
        session.get(Call, decided_call["call"]).theme_title = theme
    with unit_of_work() as session:
        fingerprint = publication.preview(session, actor=lead, call_id=decided_call["call"]).fingerprint
        publication.publish(session, actor=lead, call_id=decided_call["call"], fingerprint=fingerprint,
                            undecided_as_not_selected=True)
    context, page = sign_in(browser, server, lead, "Tableau de bord")
    page.set_viewport_size({"width": 1400, "height": 1000})
    shoot = screenshots(page, "promotion")
    try:
        page.goto(f"{server.base_url}/publication")
        settled(page, "Publication des décisions")
        box = page.get_by_label("Appel", exact=True)
        box.click()
        box.press_sequentially(theme[:12])
        page.get_by_role("option").filter(has_text=theme).first.click()
        settled(page, "Promouvoir la liste d'attente")
        page.get_by_label("Raison de la promotion", exact=True).fill("Place libre")
        page.get_by_label("Raison de la promotion", exact=True).press("Enter")
        settled(page, "Promouvoir la liste d'attente")
        # Two clicks sent back to back, before the page is drawn again (a double click on a slow line).
        page.get_by_role("button", name="Promouvoir Bravo Jardins").evaluate(
            "button => { button.click(); button.click(); }")
        expect(page.get_by_text("Bravo Jardins est désormais retenue", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
        settled(page, "Promouvoir la liste d'attente")
        shoot("double-clic")
        expect(page.get_by_text("rien n'a été enregistré", exact=False)).to_have_count(0)
        expect(page.get_by_text("Bravo Jardins est désormais retenue", exact=False)).to_be_visible()
        with read_only() as session:
            outcomes = {name: session.get(Candidacy, i).deliberation.value for name, i in ids.items()}
        assert outcomes["Bravo Jardins"] == "selected" and outcomes["Charlie Services"] == "waitlisted"
    finally:
        context.close()
