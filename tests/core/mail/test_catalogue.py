"""The catalogue: every message the workflow sends has a French default that renders on its
sample, uses only the placeholders it lists, and would pass the editor's checks."""

import pytest
from jinja2 import meta

from core.mail.catalogue import CATALOGUE, DECISION_TEMPLATES, OUTCOME_TEMPLATES
from core.mail.editing import template_errors
from core.mail.rendering import ENVIRONMENT, compile_text
from db.models import Deliberation

KEYS = ["invitation", "password_reset", "submission_ack", "call_opened", "call_closing_reminder",
        "decision_selected", "decision_waitlisted", "decision_not_selected", "confirmation_reminder",
        "decision_revised", "decision_promoted", "programme_change"]


def test_catalogue_has_every_message_of_the_workflow():
    assert sorted(CATALOGUE) == sorted(KEYS)
    assert set(OUTCOME_TEMPLATES) == {Deliberation.SELECTED, Deliberation.WAITLISTED, Deliberation.NOT_SELECTED}
    assert set(OUTCOME_TEMPLATES.values()) | {"decision_revised", "decision_promoted"} <= DECISION_TEMPLATES


@pytest.mark.parametrize("key", KEYS)
def test_default_uses_only_its_placeholders_and_its_sample_fills_them(key):
    default = CATALOGUE[key]
    used = meta.find_undeclared_variables(ENVIRONMENT.parse(default.subject + default.body))
    assert used <= set(default.placeholders), used - set(default.placeholders)
    assert set(default.sample) == set(default.placeholders)
    assert all(description and description[0].isupper() for description in default.placeholders.values())
    rendered = compile_text(default.subject, default.body)(default.sample)
    assert rendered.subject and "\n" not in rendered.subject
    assert "{{" not in rendered.text and "{%" not in rendered.text and "None" not in rendered.text
    assert rendered.text.startswith("Bonjour") and "L'équipe OpenMap" in rendered.text
    assert template_errors(key, default.subject, default.body) == {}


@pytest.mark.parametrize("key", ["decision_selected", "decision_promoted", "confirmation_reminder"])
def test_retained_messages_carry_the_link_and_its_deadline(key):
    default = CATALOGUE[key]
    text = compile_text(default.subject, default.body)(default.sample).text
    assert default.sample["confirm_link"] in text and default.sample["confirm_by"] in text
    assert "confirm_link" in default.required


def test_retained_message_says_the_timetable_will_follow_until_the_programme_tells_it():
    default = CATALOGUE["decision_selected"]
    render = compile_text(default.subject, default.body)
    unknown = render(default.sample).text
    assert "l'horaire précis de votre passage vous sera communiqué" in unknown and "5 minutes" in unknown
    assert "Hôtel de Ville d'Argenteuil, 12-14 boulevard Léon-Feix" in unknown
    known = render({**default.sample, "time_slot": "10 h 15"}).text
    assert "prévue à 10 h 15 et dure 5 minutes" in known and "horaire précis" not in known


def test_not_retained_message_shares_the_comments_only_when_there_are_some():
    default = CATALOGUE["decision_not_selected"]
    render = compile_text(default.subject, default.body)
    shared = render({**default.sample, "shared_comments": ["Dossier clair.", "Références à étoffer."]}).text
    assert "- Dossier clair.\n- Références à étoffer." in shared
    assert "remarques du comité" not in render({**default.sample, "shared_comments": []}).text


@pytest.mark.parametrize(("outcome", "selected", "waitlisted", "said"), [
    ("retenue pour une présentation express", True, False, "{link}"),
    ("inscrite sur la liste d'attente, au rang 2", False, True, "Si une place se libère"),
    ("non retenue", False, False, "Nous sommes désolés de ce changement"),
])
def test_corrected_decision_tells_the_new_outcome(outcome, selected, waitlisted, said):
    default = CATALOGUE["decision_revised"]
    link = default.sample["confirm_link"]
    context = {**default.sample, "outcome": outcome, "selected": selected, "waitlisted": waitlisted,
               "confirm_link": link if selected else ""}
    text = compile_text(default.subject, default.body)(context).text
    assert f"est désormais {outcome}." in text and said.format(link=link) in text
    assert (link in text) == selected


def test_closing_reminder_counts_the_drafts_or_says_nothing_was_submitted():
    default = CATALOGUE["call_closing_reminder"]
    render = compile_text(default.subject, default.body)
    assert "a 1 candidature en brouillon, pas encore déposée : pensez à la compléter" in render(
        {**default.sample, "drafts": 1}).text
    assert "a 3 candidatures en brouillon, pas encore déposées : pensez à les compléter" in render(
        {**default.sample, "drafts": 3}).text
    assert "n'a encore déposé aucune candidature" in render({**default.sample, "drafts": 0}).text
