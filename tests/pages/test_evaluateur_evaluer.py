"""The review form (AppTest): the whole candidacy, 1–5 per criterion with each level's meaning,
French messages next to each score, drafts, submission, « Enregistrer et suivante », the
others' reviews once hers is submitted, stale tabs, abstention and declared links."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.review.reviews import StaleReview
from core.review.scoring import LEVELS
from db.engine import read_only
from db.models import Review, ReviewerConflict, ReviewState, Role
from tests.core.review.builders import Scene, name_reviewers, publish_decisions, score
from tests.factories import make_user
from tests.pages.conftest import by_label, no_exception, open_app, red, texts
from ui.forms import escape_md

PAGE = "pages/evaluateur/evaluer.py"
CRITERIA = ("Adéquation avec le thème (poids 3)", "Capacité à répondre aux marchés publics (poids 2)",
            "Impact sur l'insertion et l'emploi (poids 2)", "Clarté de l'offre (poids 1)")


@pytest.fixture
def scene(sqlite_db):
    return Scene()


def rate(at, values) -> None:
    for label, value in zip(CRITERIA, values, strict=True):
        if value is not None:
            by_label(at.radio, label).set_value(value)


def click(at, label):
    by_label(at.button, label).click().run()
    no_exception(at)
    return at


def stored(candidacy_id, reviewer):
    with read_only() as session:
        review = session.scalar(select(Review).where(Review.candidacy_id == candidacy_id,
                                                     Review.reviewer_id == reviewer.user_id))
        return None if review is None else (review.state, sorted(s.value for s in review.scores), review.comment)


def chosen(at) -> str:
    box = by_label(at.selectbox, "Candidature")
    return box.options[box.index]


def test_form_shows_the_whole_candidacy_and_each_level_meaning(scene):
    scene.candidacy(name="Bâti'Insert 95", siret="73282932000074")
    at = open_app(scene.alice, PAGE)
    no_exception(at)
    assert texts(at.subheader)[0] == "Bâti'Insert 95"
    captions = " ".join(texts(at.caption))
    assert "SIRET 73282932000074" in captions and "proposée par" in captions
    assert "Résumé de l'offre\\." in texts(at.markdown)
    radio = by_label(at.radio, CRITERIA[0])
    assert radio.options == ["1", "2", "3", "4", "5"] and radio.value is None
    assert list(radio.proto.captions) == [level.split(" — ", 1)[1] for level in LEVELS.values()]
    assert radio.proto.captions[0] == "Insuffisant : ne répond pas au critère"
    assert at.get("progress")[0].proto.text == "0 / 1 évaluée"
    assert "Elles s'affichent une fois votre évaluation soumise." in texts(at.caption)


def test_submitting_without_every_score_says_so_under_each_and_keeps_what_was_typed(scene):
    candidacy = scene.candidacy()
    at = open_app(scene.alice, PAGE)
    rate(at, (4, None, 5, None))
    by_label(at.text_area, "Commentaire pour la cheffe de projet").input("Offre solide")
    click(at, "Soumettre")
    form = at.get("form")[0]
    messages = [m.value for m in form.markdown]
    assert red("Notez « Capacité à répondre aux marchés publics » pour soumettre l'évaluation.") in messages
    assert red("Notez « Clarté de l'offre » pour soumettre l'évaluation.") in messages
    assert texts(at.error) == [escape_md("Certains champs sont à corriger.")]
    assert by_label(at.text_area, "Commentaire pour la cheffe de projet").value == "Offre solide"
    assert by_label(at.radio, CRITERIA[0]).value == 4
    assert stored(candidacy, scene.alice) is None


def test_a_draft_then_a_submission_then_the_others_reviews_appear(scene):
    candidacy = scene.candidacy()
    score(scene.bruno, candidacy, (5, 5, 5, 5), criteria=scene.criteria, comment="Remarquable")
    at = open_app(scene.alice, PAGE)
    assert not list(at.dataframe)  # nobody else's scores before hers
    rate(at, (4, 3, None, None))
    click(at, "Enregistrer le brouillon")
    assert texts(at.success) == ["Brouillon enregistré."]
    assert stored(candidacy, scene.alice) == (ReviewState.DRAFT, [3, 4], None)
    assert chosen(at).endswith("(brouillon)")
    assert not at.dataframe
    rate(at, (4, 3, 2, 1))
    click(at, "Soumettre")
    assert texts(at.success) == ["Évaluation soumise."]
    assert stored(candidacy, scene.alice)[:2] == (ReviewState.SUBMITTED, [1, 2, 3, 4])
    others = at.dataframe[0].value
    assert list(others["Adéquation avec le thème"]) == [5]
    assert list(others["Commentaire pour la cheffe de projet"]) == ["Remarquable"]
    assert [b.label for b in at.button][:2] == ["Enregistrer la révision", "Enregistrer et suivante"]


def test_save_and_next_goes_to_the_candidacy_with_the_fewest_reviews(scene):
    first = scene.candidacy(name="Première")
    busy = scene.candidacy(name="Déjà évaluée")
    quiet = scene.candidacy(name="Sans évaluation")
    score(scene.bruno, first, (3, 3, 3, 3), criteria=scene.criteria)
    score(scene.bruno, busy, (3, 3, 3, 3), criteria=scene.criteria)
    at = open_app(scene.alice, PAGE)
    assert chosen(at).startswith("Sans évaluation")  # the first offered: fewest reviews
    by_label(at.selectbox, "Candidature").set_value(first).run()
    rate(at, (4, 4, 4, 4))
    click(at, "Enregistrer et suivante")
    assert texts(at.success) == ["Évaluation soumise. Voici la suivante."]
    assert chosen(at).startswith("Sans évaluation")
    assert at.get("progress")[0].proto.text == "1 / 3 évaluée"
    assert stored(quiet, scene.alice) is None


def test_a_stale_tab_is_refused_and_the_other_tab_s_review_kept(scene):
    candidacy = scene.candidacy()
    at = open_app(scene.alice, PAGE)  # opened before the other tab saves
    score(scene.alice, candidacy, (5, 5, 5, 5), criteria=scene.criteria)
    rate(at, (1, 1, 1, 1))
    click(at, "Soumettre")
    assert texts(at.error) == [escape_md(StaleReview.message)]
    assert stored(candidacy, scene.alice)[1] == [5, 5, 5, 5]
    assert by_label(at.radio, CRITERIA[0]).value == 1  # what this tab typed is still there


def test_abstention_needs_a_reason_then_is_recorded(scene):
    candidacy = scene.candidacy()
    at = open_app(scene.alice, PAGE)
    click(at, "Confirmer")
    assert red("Le champ « Raison de l'abstention » est obligatoire.") in [m.value for m in at.markdown]
    by_label(at.text_area, "Précisez (obligatoire pour une abstention)").input("Ancienne salariée")
    click(at, "Confirmer")
    assert texts(at.success) == ["Abstention enregistrée."]
    assert stored(candidacy, scene.alice)[0] == ReviewState.ABSTAINED
    assert at.get("progress")[0].proto.text == "0 / 0 évaluée"


def test_declaring_a_link_with_the_network_takes_the_candidacy_off_her_list(scene):
    scene.candidacy(name="Du réseau lié")
    other = scene.candidacy(name="D'un autre réseau", network=scene.other_network)
    at = open_app(scene.alice, PAGE)
    by_label(at.radio, "Motif").set_value("network")
    click(at, "Confirmer")
    assert texts(at.success) == ["Lien déclaré."]
    assert [o.split(" — ")[0] for o in by_label(at.selectbox, "Candidature").options] == ["D'un autre réseau"]
    with read_only() as session:
        assert session.scalar(select(ReviewerConflict.network_id)) == scene.network
    assert other


def test_a_reviewer_of_no_call_is_told_so(sqlite_db):
    at = open_app(make_user(Role.EVALUATEUR), PAGE)
    no_exception(at)
    assert texts(at.info) == ["Vous n'évaluez aucun appel pour le moment : la cheffe de projet nomme les "
                              "évaluateurs de chaque appel."]


def test_after_publication_the_form_is_read_only(scene):
    candidacy = scene.candidacy()
    score(scene.alice, candidacy, (4, 4, 4, 4), criteria=scene.criteria)
    publish_decisions(scene.call)
    at = open_app(scene.alice, PAGE)
    no_exception(at)
    assert "Les décisions de cet appel sont publiées : les évaluations ne changent plus." in texts(at.info)
    assert all(r.disabled for r in at.radio if r.label in CRITERIA)
    assert by_label(at.button, "Enregistrer la révision").disabled


def test_form_statement_count_does_not_grow_with_candidacies(sqlite_db):
    from tests.core.review.builders import bulk_reviews
    from tests.querycount import counting

    scene = Scene()
    carla = make_user(Role.EVALUATEUR)
    name_reviewers(scene.call, carla)  # named, reviewed nothing yet: the form offers her one

    def statements() -> int:
        at = open_app(carla, PAGE)
        with counting(sqlite_db) as seen:
            at.run()
        no_exception(at)
        return len(seen)

    bulk_reviews(scene.call, scene.network, [scene.alice, scene.bruno], scene.criteria, 3)
    few = statements()
    bulk_reviews(scene.call, scene.network, [scene.alice, scene.bruno], scene.criteria, 47)
    assert statements() == few


def test_the_link_choices_show_a_structure_name_as_typed_not_as_markdown(scene):
    scene.candidacy(name=":red[Évil] **gras**", siret="73282932000074")
    at = open_app(scene.alice, PAGE)
    no_exception(at)
    [structure_link] = [o for o in by_label(at.radio, "Motif").options if "structure" in o]
    assert escape_md(":red[Évil] **gras**") in structure_link


def test_a_candidacy_withdrawn_while_she_reviews_it_stays_chosen_and_the_page_says_so(scene):
    from db.engine import unit_of_work
    from db.models import Candidacy, Submission

    first = scene.candidacy(name="Première structure")
    scene.candidacy(name="Seconde structure")
    at = open_app(scene.alice, PAGE)
    by_label(at.selectbox, "Candidature").set_value(first).run()
    rate(at, (4, 4, 4, 4))
    with unit_of_work() as session:  # its network withdraws it meanwhile
        session.get(Candidacy, first).submission = Submission.WITHDRAWN
    click(at, "Soumettre")
    assert by_label(at.selectbox, "Candidature").value == first
    assert any("n'est plus à évaluer" in w for w in texts(at.warning))
    assert stored(first, scene.alice) is None


def test_a_second_click_after_a_stale_refusal_is_refused_too_until_she_loads_the_saved_version(scene):
    candidacy = scene.candidacy()
    at = open_app(scene.alice, PAGE)  # opened before her other tab saves
    score(scene.alice, candidacy, (5, 5, 5, 5), criteria=scene.criteria)
    rate(at, (1, 1, 1, 1))
    click(at, "Soumettre")
    click(at, "Soumettre")  # clicked again: still the version this form was built from
    assert texts(at.error) == [escape_md(StaleReview.message)]
    assert stored(candidacy, scene.alice)[1] == [5, 5, 5, 5]
    assert any(escape_md("Adéquation avec le thème : 5") in w for w in texts(at.warning))  # the saved content, shown
    click(at, "Charger la version enregistrée")
    assert by_label(at.radio, CRITERIA[0]).value == 5 and not at.error and not at.warning
    rate(at, (2, 2, 2, 2))
    click(at, "Enregistrer la révision")
    assert stored(candidacy, scene.alice)[1] == [2, 2, 2, 2]


def test_the_stale_message_speaks_of_her_other_tab_not_of_someone_else(scene):
    candidacy = scene.candidacy()
    at = open_app(scene.alice, PAGE)
    score(scene.alice, candidacy, (5, 5, 5, 5), criteria=scene.criteria)
    rate(at, (1, 1, 1, 1))
    click(at, "Soumettre")
    [message] = texts(at.error)
    assert "quelqu'un d'autre" not in message and "autre onglet" in message


def test_her_typed_scores_are_kept_while_the_candidacy_is_off_her_list(scene):
    from db.engine import unit_of_work
    from db.models import Candidacy, Submission

    first = scene.candidacy(name="Première structure")
    second = scene.candidacy(name="Seconde structure")
    at = open_app(scene.alice, PAGE)
    by_label(at.selectbox, "Candidature").set_value(first).run()
    rate(at, (4, 3, 2, 1))
    by_label(at.text_area, "Commentaire pour la cheffe de projet").input("Presque fini")
    with unit_of_work() as session:  # withdrawn while she types
        session.get(Candidacy, first).submission = Submission.WITHDRAWN
    click(at, "Soumettre")
    assert any("n'est plus à évaluer" in w for w in texts(at.warning))
    by_label(at.selectbox, "Candidature").set_value(second).run()  # she looks at another one meanwhile
    no_exception(at)
    with unit_of_work() as session:  # submitted again: her scores are there still
        session.get(Candidacy, first).submission = Submission.SUBMITTED
    at.run()  # back on her list
    by_label(at.selectbox, "Candidature").set_value(first).run()
    no_exception(at)
    assert [by_label(at.radio, label).value for label in CRITERIA] == [4, 3, 2, 1]
    assert by_label(at.text_area, "Commentaire pour la cheffe de projet").value == "Presque fini"
