"""The lead's template editor (AppTest): the placeholders beside the text, a live preview on a
real candidacy of the edition, saves checked (unknown placeholder, stale version) with the
message next to the field and the typed text kept, reset to the default, lead only."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.util import calc_hash

from core.mail import editing
from core.mail.catalogue import CATALOGUE
from db.engine import read_only, unit_of_work
from db.models import Call, Deliberation, MailTemplate, Role
from tests.core.selection.builders import Spec, make_candidacies
from tests.factories import make_call, make_user
from tests.pages.conftest import by_label, no_exception, open_app, red, texts
from ui.forms import escape_md

PAGE = "pages/pilotage/modeles.py"
KEY = "decision_waitlisted"


@pytest.fixture
def scene(sqlite_db):
    call_id = make_call()
    [bravo] = make_candidacies(call_id, [Spec(name="Bravo <b>Insert</b>",
                                             extra={"deliberation": Deliberation.WAITLISTED, "waitlist_rank": 3})])
    with read_only() as session:
        edition_id = session.get(Call, call_id).edition_id
    return {"lead": make_user(Role.PILOTE), "edition": edition_id, "candidacy": bravo}


def editor(scene, key=KEY, edition=None):
    at = open_app(scene["lead"], PAGE)
    no_exception(at)
    if edition is not None:
        by_label(at.selectbox, "Rencontre").select(edition).run()
    by_label(at.selectbox, "Modèle").select(key).run()
    no_exception(at)
    return at


def stored() -> list[tuple]:
    with read_only() as session:
        return [(t.key, t.edition_id, t.subject, t.body, t.version)
                for t in session.scalars(select(MailTemplate).order_by(MailTemplate.id))]


def test_the_editor_shows_the_default_its_placeholders_and_a_preview_on_a_real_candidacy(scene):
    at = editor(scene, edition=scene["edition"])
    assert by_label(at.text_input, "Objet").value == CATALOGUE[KEY].subject
    assert by_label(at.text_area, "Texte").value == CATALOGUE[KEY].body
    listing = next(m for m in texts(at.markdown) if m.startswith("- `{{ structure }}`"))
    assert "- `{{ rank }}` : " + escape_md(CATALOGUE[KEY].placeholders["rank"]) in listing
    assert by_label(at.selectbox, "Aperçu sur").value == scene["candidacy"]  # a real one when there is one
    assert escape_md("Liste d'attente : Bravo <b>Insert</b> — Thème de test") in " ".join(texts(at.markdown))
    [code] = at.code
    assert "au rang 3" in code.value and "Bravo <b>Insert</b>" in code.value


def test_the_preview_follows_the_text_as_it_is_typed(scene):
    at = editor(scene)
    by_label(at.text_area, "Texte").input("Rang {{ rank }} pour {{ structure }}.").run()
    assert at.code[0].value.startswith("Rang 3 pour Bravo <b>Insert</b>.")
    by_label(at.selectbox, "Aperçu sur").select(0).run()  # the sample
    sample = CATALOGUE[KEY].sample
    assert at.code[0].value.startswith(f"Rang {sample['rank']} pour {sample['structure']}.")
    assert stored() == []  # nothing saved by a preview


def test_saving_stores_the_text_for_the_chosen_edition(scene):
    at = editor(scene, edition=scene["edition"])
    by_label(at.text_input, "Objet").input("Rang {{ rank }}")
    by_label(at.text_area, "Texte").input("Bonjour {{ structure }}, rang {{ rank }}.")
    by_label(at.checkbox, "Mettre le réseau qui a proposé la candidature en copie").uncheck()
    by_label(at.button, "Enregistrer").click().run()
    no_exception(at)
    assert stored() == [(KEY, scene["edition"], "Rang {{ rank }}", "Bonjour {{ structure }}, rang {{ rank }}.", 1)]
    assert texts(at.success) == ["Modèle enregistré : les prochains messages utiliseront ce texte."]
    assert "Texte propre à cette rencontre" in " ".join(texts(at.markdown))


def test_an_unknown_placeholder_is_refused_next_to_the_text_which_stays_as_typed(scene):
    at = editor(scene)
    typed = "Votre créneau : {{ slot_time }}"
    by_label(at.text_area, "Texte").input(typed)
    by_label(at.button, "Enregistrer").click().run()
    no_exception(at)
    assert stored() == []
    with read_only():
        message = editing.template_errors(KEY, CATALOGUE[KEY].subject, typed)["body"]
    assert "{{ slot_time }}" in message and "Champs disponibles" in message
    assert red(message) in texts(at.markdown)
    assert by_label(at.text_area, "Texte").value == typed


def test_a_stale_save_is_refused_and_keeps_what_was_typed(scene):
    at = editor(scene)
    with unit_of_work() as session:  # a colleague saves meanwhile
        editing.save_template(session, actor=scene["lead"], key=KEY, edition_id=None, subject="Collègue {{ rank }}",
                              body="Du collègue {{ rank }}", copy_networks=True, expected_version=0)
    by_label(at.text_area, "Texte").input("Le mien {{ rank }}")
    by_label(at.button, "Enregistrer").click().run()
    assert any("modifié par quelqu'un d'autre" in e for e in texts(at.error))
    assert by_label(at.text_area, "Texte").value == "Le mien {{ rank }}"
    by_label(at.button, "Enregistrer").click().run()  # still refused: the colleague's text was never seen
    assert [row[3] for row in stored()] == ["Du collègue {{ rank }}"]
    by_label(at.button, "Recharger").click().run()
    assert by_label(at.text_area, "Texte").value == "Du collègue {{ rank }}"


def test_reset_goes_back_to_the_default(scene):
    at = editor(scene)
    assert by_label(at.button, "Revenir au texte par défaut").disabled  # nothing stored yet
    by_label(at.text_area, "Texte").input("Le mien {{ rank }}")
    by_label(at.button, "Enregistrer").click().run()
    by_label(at.button, "Revenir au texte par défaut").click().run()
    no_exception(at)
    assert stored() == []
    assert by_label(at.text_area, "Texte").value == CATALOGUE[KEY].body
    assert "Texte par défaut" in " ".join(texts(at.markdown))


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_only_the_lead_reaches_the_editor(sqlite_db, role):
    at = open_app(make_user(role))
    with pytest.raises(ValueError):  # not registered for this role
        at.switch_page(PAGE)
    at._page_hash = calc_hash("modeles")  # what a browser asks for on /modeles
    at.run()
    no_exception(at)
    assert texts(at.title) == ["Page non disponible"]
    assert not at.text_area
