"""What a referent typed survives a refused save: a call that closed meanwhile, and a
pasted text longer than the field allows (kept, with the limit and the current length)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from db.engine import unit_of_work
from db.models import Call, Role
from tests.e2e.test_candidacy_form import sign_in
from tests.e2e.test_sign_in_flow import settled
from tests.factories import make_call, make_edition, make_network, make_user

pytestmark = pytest.mark.e2e

CLOSED_MESSAGE = "L'appel à candidatures est clos : la candidature ne peut plus être modifiée."


@pytest.fixture
def setting(server_db):
    network = make_network()
    call_id = make_call(make_edition(), networks=(network,))
    actor = make_user(Role.RESEAU, network_id=network, email=f"referent.saisie.{call_id}@exemple.fr")
    return actor, call_id


def test_typed_input_is_kept_when_the_call_closed_before_the_save(browser, server, setting):
    from playwright.sync_api import expect

    actor, call_id = setting
    context, page = sign_in(browser, server, actor, actor.network_name)
    try:
        page.get_by_role("link", name="Proposer une structure").click()
        settled(page, "Candidature — Thème de test")
        page.get_by_label("Nom de la structure *", exact=True).fill("Les Jardins de Cocagne")
        page.get_by_label("Résumé *", exact=True).fill("Maraîchage biologique en insertion.")
        with unit_of_work() as session:  # the call closes while the form is open
            session.get(Call, call_id).closes_at = datetime.now(UTC) - timedelta(minutes=1)
        page.get_by_role("button", name="Enregistrer le brouillon").click()
        settled(page, CLOSED_MESSAGE)
        expect(page.get_by_label("Nom de la structure *", exact=True)).to_have_value("Les Jardins de Cocagne")
        expect(page.get_by_label("Résumé *", exact=True)).to_have_value("Maraîchage biologique en insertion.")
    finally:
        context.close()


def test_a_pasted_text_longer_than_the_limit_is_kept_with_its_length(browser, server, setting):
    from playwright.sync_api import expect

    actor, _call_id = setting
    context, page = sign_in(browser, server, actor, actor.network_name)
    try:
        page.get_by_role("link", name="Proposer une structure").click()
        settled(page, "Candidature — Thème de test")
        summary = "Maraîchage. " * 140  # 1,680 characters, 1,679 once stripped
        field = page.get_by_label("Résumé *", exact=True)
        field.click()
        field.fill(summary)  # what a paste does: the whole text at once
        expect(field).to_have_value(summary)
        name = page.get_by_label("Nom de la structure *", exact=True)
        name.fill("N" * 230)
        expect(name).to_have_value("N" * 230)
        page.get_by_role("button", name="Enregistrer le brouillon").click()
        settled(page, "1 500 caractères au maximum (actuellement 1 679).",
                "200 caractères au maximum (actuellement 230).")
        expect(page.get_by_label("Résumé *", exact=True)).to_have_value(summary)
    finally:
        context.close()
