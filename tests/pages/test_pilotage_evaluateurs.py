"""The lead's reviewers page and the dashboard's review progress (AppTest): naming reviewers,
their declared links, distributing with R, changing an assignment by hand; the progress of
each call per reviewer as a chart with its figures."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.review.reviewers import declare_conflict
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, CallReviewer, ReviewAssignment, Role
from tests.core.review.builders import Scene, score
from tests.factories import make_user
from tests.pages.conftest import by_label, no_exception, open_app, texts
from tests.pages.test_pilotage_accueil import charts

PAGE = "pages/pilotage/evaluateurs.py"


@pytest.fixture
def scene(sqlite_db):
    return Scene()


def assigned():
    with read_only() as session:
        return {tuple(row) for row in session.execute(select(ReviewAssignment.candidacy_id,
                                                             ReviewAssignment.reviewer_id))}


def test_lead_names_the_reviewers_of_a_call(scene):
    carla = make_user(Role.EVALUATEUR, email="carla@exemple.fr")
    at = open_app(scene.lead, PAGE)
    no_exception(at)
    box = by_label(at.multiselect, "Évaluateurs (comptes évaluateur, et vous-même si vous évaluez)")
    assert set(box.value) == {scene.alice.user_id, scene.bruno.user_id}
    assert box.proto.placeholder == "Choisir…"
    box.set_value([scene.alice.user_id, carla.user_id, scene.lead.user_id])
    by_label(at.button, "Enregistrer les évaluateurs").click().run()
    no_exception(at)
    assert texts(at.success) == ["Évaluateurs enregistrés."]
    with read_only() as session:
        named = set(session.scalars(select(CallReviewer.reviewer_id)))
        assert session.scalar(select(AuditEntry.action)) == "call_reviewers_updated"
    assert named == {scene.alice.user_id, carla.user_id, scene.lead.user_id}


def test_removing_a_reviewer_with_submitted_reviews_is_refused_next_to_the_field(scene):
    score(scene.alice, scene.candidacy(), (3, 3, 3, 3), criteria=scene.criteria)
    at = open_app(scene.lead, PAGE)
    by_label(at.multiselect, "Évaluateurs (comptes évaluateur, et vous-même si vous évaluez)").set_value(
        [scene.bruno.user_id])
    by_label(at.button, "Enregistrer les évaluateurs").click().run()
    no_exception(at)
    assert any("ont déjà soumis des évaluations de cet appel" in m.value for m in at.markdown)


def test_declared_links_are_visible_to_the_lead(scene):
    with unit_of_work() as session:
        declare_conflict(session, actor=scene.alice, siret="73282932000074", reason="Ancienne présidente")
    at = open_app(scene.lead, PAGE)
    links = next(df.value for df in at.dataframe if "Lien avec" in df.value.columns)
    assert list(links["Lien avec"]) == ["Structure SIRET 73282932000074"]
    assert list(links["Nature du lien"]) == ["Ancienne présidente"]


def test_distribute_then_change_an_assignment_by_hand(scene):
    first, second = scene.candidacy(name="Première"), scene.candidacy(name="Seconde")
    at = open_app(scene.lead, PAGE)
    by_label(at.number_input, "Évaluateurs par candidature").set_value(1)
    by_label(at.button, "Répartir").click().run()
    no_exception(at)
    assert texts(at.success)[0].startswith("2 attribution(s) : ")
    pairs = assigned()
    assert len(pairs) == 2 and {r for _, r in pairs} == {scene.alice.user_id, scene.bruno.user_id}
    assert "Candidatures réparties : **1** évaluateur(s) par candidature." in texts(at.markdown)
    by_label(at.selectbox, "Candidature").set_value(first).run()
    by_label(at.multiselect, "Évaluateurs de cette candidature").set_value([scene.alice.user_id, scene.bruno.user_id])
    by_label(at.button, "Enregistrer l'attribution").click().run()
    no_exception(at)
    assert texts(at.success) == ["Attribution enregistrée."]
    assert {r for c, r in assigned() if c == first} == {scene.alice.user_id, scene.bruno.user_id}
    assert second


def test_assigning_a_reviewer_in_conflict_by_hand_is_refused_in_french(scene):
    candidacy = scene.candidacy()
    at = open_app(scene.lead, PAGE)
    by_label(at.number_input, "Évaluateurs par candidature").set_value(1)
    by_label(at.button, "Répartir").click().run()
    with unit_of_work() as session:
        declare_conflict(session, actor=scene.alice, network_id=scene.network)
    at.run()
    by_label(at.multiselect, "Évaluateurs de cette candidature").set_value([scene.alice.user_id])
    by_label(at.button, "Enregistrer l'attribution").click().run()
    no_exception(at)
    assert any("a déclaré un lien avec le réseau ou la structure" in e.value for e in at.error)
    assert (candidacy, scene.alice.user_id) not in assigned()


def test_dashboard_charts_each_call_s_review_progress_per_reviewer(scene):
    first, second = scene.candidacy(), scene.candidacy()
    score(scene.alice, first, (3, 3, 3, 3), criteria=scene.criteria)
    score(scene.alice, second, (3, 3, 3, 3), criteria=scene.criteria)
    score(scene.bruno, first, (3, 3, 3, 3), criteria=scene.criteria)
    at = open_app(scene.lead, "pages/pilotage/accueil.py")
    no_exception(at)
    assert "Avancement des évaluations" in texts(at.subheader)
    assert any(m.value.endswith("3 / 4 évaluations soumises") for m in at.markdown)
    data, spec = charts(at)[-1]
    done = data[data["État"] == "Évaluées"]
    assert sorted(done["Évaluations"]) == [1, 2]
    assert sorted(label.split(" · ")[0] for label in done["Évaluateur"]) == ["1 / 2", "2 / 2"]
    assert spec["layer"][1]["mark"]["type"] == "text"  # the numbers are written on the bars
