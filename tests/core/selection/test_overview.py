"""The selection page's reading of a call: slots, publication, scores and the decisions' fingerprint."""

import pytest

from core.errors import NotAllowed
from core.selection import decisions
from core.selection.overview import selection_view
from db.engine import read_only, unit_of_work
from db.models import Candidacy, Deliberation, Network, Role
from tests.core.review.builders import Scene, publish_decisions, score
from tests.core.selection.builders import version
from tests.factories import make_user


@pytest.fixture
def scene(db):
    scene = Scene()
    scene.good = scene.candidacy(name="Bonne")
    scene.plain = scene.candidacy(name="Simple")
    score(scene.alice, scene.good, (5, 5, 5, 5), criteria=scene.criteria)
    score(scene.alice, scene.plain, (2, 2, 2, 2), criteria=scene.criteria)
    return scene


def view(scene, **kwargs):
    with read_only() as session:
        return selection_view(session, actor=scene.lead, call_id=scene.call, **kwargs)


def test_selection_view_carries_the_chosen_score_and_the_call_slots(scene):
    weighted = view(scene, score="weighted")
    assert weighted.pitch_slots == 5 and not weighted.published
    assert dict(zip(weighted.candidates["candidacy_id"], weighted.candidates["score"], strict=True)) == {
        scene.good: 5.0, scene.plain: 2.0}
    normalised = view(scene, score="normalised").candidates.set_index("candidacy_id")["score"]
    assert normalised[scene.good] > 0 > normalised[scene.plain]
    assert view(scene).candidates["score"].isna().all()


def test_selection_view_fingerprint_changes_with_the_decisions_only(scene):
    before = view(scene)
    assert view(scene, score="weighted").fingerprint == before.fingerprint  # scores are not decisions
    with unit_of_work() as session:
        decisions.decide(session, actor=scene.lead, candidacy_id=scene.good, expected_version=version(scene.good),
                         decision=Deliberation.WAITLISTED)
    after = view(scene)
    assert after.fingerprint != before.fingerprint
    assert list(after.waitlist["candidacy_id"]) == [scene.good] and after.count(Deliberation.WAITLISTED) == 1


def test_selection_view_says_when_the_decisions_are_published(scene):
    publish_decisions(scene.call)
    assert view(scene).published


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_selection_view_is_for_the_lead_only(scene, role):
    with read_only() as session, pytest.raises(NotAllowed):
        selection_view(session, actor=make_user(role), call_id=scene.call)


def test_selection_view_follows_any_change_of_a_row_even_without_a_new_version(scene):
    # The frame, fingerprint and balance are kept while the rows are the same: a network renamed
    # or sectors rewritten (no version, no decision moves) must show at once, not the kept ones.
    before = view(scene)
    with unit_of_work() as session:
        candidacy = session.get(Candidacy, scene.good)
        session.get(Network, candidacy.network_id).name = "Réseau renommé"
        candidacy.sectors = ["Restauration", "Hygiène et propreté"]
    after = view(scene)
    row = after.candidates.set_index("candidacy_id").loc[scene.good]
    assert row["network"] == "Réseau renommé" and row["sectors"] == ["Restauration", "Hygiène et propreté"]
    assert "Réseau renommé" in set(after.balance.by_network["group"])
    assert after.fingerprint == before.fingerprint  # the decisions did not move


def test_a_view_changed_by_its_reader_leaves_the_next_one_intact(scene):
    first = view(scene)
    first.candidates.loc[0, "name"] = "Changée sur place"
    first.candidates.loc[0, "sectors"].append("Ajouté")
    again = view(scene)
    assert "Changée sur place" not in set(again.candidates["name"])
    assert all("Ajouté" not in row for row in again.candidates["sectors"])
