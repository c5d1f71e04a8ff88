"""The editor's preview: the unsaved text on a real candidacy as its message would say it,
or on the sample; never a real link, never a row written."""

import pytest
from sqlalchemy import func, select

from core.errors import NotAllowed
from core.mail import preview
from core.mail.catalogue import CATALOGUE
from db.engine import read_only
from db.models import Call, Deliberation, OneTimeToken, OutboxMessage, Role, Submission
from tests.core.selection.builders import Spec, make_candidacies
from tests.factories import make_call, make_user


@pytest.fixture
def scene(db):
    call_id = make_call()
    ids = make_candidacies(call_id, [
        Spec(name="Alpha", extra={"deliberation": Deliberation.SELECTED}),
        Spec(name="Brouillon", submission=Submission.DRAFT),
    ])
    with read_only() as session:
        edition_id = session.get(Call, call_id).edition_id
    return make_user(Role.PILOTE), edition_id, ids


def test_preview_lists_the_submitted_candidacies_of_the_edition(scene):
    lead, edition_id, (alpha, _draft) = scene
    with read_only() as session:
        listed = preview.preview_candidacies(session, actor=lead, edition_id=edition_id)
        other = preview.preview_candidacies(session, actor=lead, edition_id=edition_id + 1)
    assert [c.id for c in listed] == [alpha]  # the draft is no candidacy to tell anything to
    assert listed[0].label.startswith("Alpha — retenue — Thème de test (n° ")
    assert other == []


def test_preview_on_a_real_candidacy_issues_no_link_and_writes_nothing(scene):
    lead, _, (alpha, _) = scene
    default = CATALOGUE["decision_selected"]
    with read_only() as session:
        shown = preview.preview_message(session, actor=lead, key="decision_selected", subject=default.subject,
                                        body=default.body, candidacy_id=alpha)
        written = [session.scalar(select(func.count()).select_from(model)) for model in (OneTimeToken, OutboxMessage)]
    assert written == [0, 0]
    assert shown.errors == {} and shown.on.startswith("la candidature de Alpha")
    assert shown.rendered.subject == "Candidature retenue : Alpha — Thème de test"
    assert "/confirmation/exemple-de-lien" in shown.rendered.text and "18 mars 2027" in shown.rendered.text


def test_preview_of_a_refused_text_says_why_and_still_renders_what_it_can(scene):
    lead, _, (alpha, _) = scene
    with read_only() as session:
        unknown = preview.preview_message(session, actor=lead, key="decision_waitlisted", subject="Objet",
                                          body="{{ inconnu }}", candidacy_id=alpha)
        broken = preview.preview_message(session, actor=lead, key="decision_waitlisted", subject="Objet",
                                         body="{% if %}")
    assert "{{ inconnu }}" in unknown.errors["body"] and unknown.rendered is None
    assert "erreur de syntaxe" in broken.errors["body"] and broken.on.startswith("l'exemple")


def test_only_the_lead_previews(scene):
    _, edition_id, _ = scene
    with read_only() as session, pytest.raises(NotAllowed):
        preview.preview_candidacies(session, actor=make_user(Role.RESEAU), edition_id=edition_id)


def test_preview_of_a_text_that_would_render_for_hours_renders_nothing(scene):
    lead, _, (alpha, _) = scene
    hours = ("{% for a in structure %}{% for b in structure %}{% for c in structure %}x"
             "{% endfor %}{% endfor %}{% endfor %}")
    with read_only() as session:
        shown = preview.preview_message(session, actor=lead, key="decision_waitlisted", subject="Objet {{ rank }}",
                                        body="{{ 'x' * 10**10 }}" + hours * 50, candidacy_id=alpha)
    assert "la multiplication (*)" in shown.errors["body"] and shown.rendered is None
