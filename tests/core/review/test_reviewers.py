"""Naming a call's reviewers, and the links reviewers declare with networks and structures."""

import pytest
from sqlalchemy import select

from core.errors import NotAllowed, NotFound, ValidationFailed
from core.review import reviewers
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, Call, ReviewAssignment, ReviewerConflict, Role
from tests.core.review.builders import score
from tests.factories import make_user


def set_reviewers(actor, call_id, *people):
    with unit_of_work() as session:
        reviewers.set_reviewers(session, actor=actor, call_id=call_id, reviewer_ids=[p.user_id for p in people])


def named(scene):
    with read_only() as session:
        return {p.id for p in reviewers.reviewers_of(session, actor=scene.lead, call_id=scene.call)}


def declare(actor, **link):
    with unit_of_work() as session:
        return reviewers.declare_conflict(session, actor=actor, **link)


def entries(action):
    with read_only() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_lead_names_evaluateurs_and_herself_and_it_is_audited(scene):
    set_reviewers(scene.lead, scene.call, scene.alice, scene.lead)
    assert named(scene) == {scene.alice.user_id, scene.lead.user_id}
    [entry] = entries("call_reviewers_updated")
    assert entry.before == {"reviewers": sorted([scene.alice.full_name, scene.bruno.full_name])}
    assert sorted(entry.after["reviewers"]) == sorted([scene.alice.full_name, scene.lead.full_name])


@pytest.mark.parametrize("role", [Role.RESEAU, Role.ADMIN])
def test_only_evaluateurs_and_leads_can_be_named(scene, role):
    with pytest.raises(ValidationFailed) as refused:
        set_reviewers(scene.lead, scene.call, scene.alice, make_user(role))
    assert "reviewers" in refused.value.errors
    assert named(scene) == {scene.alice.user_id, scene.bruno.user_id}


def test_an_inactive_account_cannot_be_named(scene):
    with pytest.raises(ValidationFailed):
        set_reviewers(scene.lead, scene.call, make_user(Role.EVALUATEUR, active=False))


def test_a_reviewer_who_submitted_reviews_stays_named(scene):
    score(scene.alice, scene.candidacy(), (3, 3, 3, 3), criteria=scene.criteria)
    with pytest.raises(ValidationFailed) as refused:
        set_reviewers(scene.lead, scene.call, scene.bruno)
    assert "(1 évaluation)" in refused.value.errors["reviewers"]
    assert scene.alice.full_name in refused.value.errors["reviewers"]
    assert named(scene) == {scene.alice.user_id, scene.bruno.user_id}


def test_removing_a_reviewer_drops_her_assignments(scene):
    candidacy = scene.candidacy()
    with unit_of_work() as session:
        session.add(ReviewAssignment(candidacy_id=candidacy, reviewer_id=scene.bruno.user_id))
    set_reviewers(scene.lead, scene.call, scene.alice)
    with read_only() as session:
        assert session.scalars(select(ReviewAssignment)).all() == []


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_only_the_lead_names_reviewers(scene, role):
    with pytest.raises(NotAllowed):
        set_reviewers(make_user(role), scene.call, scene.alice)


def test_declare_a_link_with_a_network_and_with_a_siret_written_with_spaces(scene):
    declare(scene.alice, network_id=scene.network, reason="Ancienne salariée")
    declare(scene.alice, siret="732 829 320 00074")
    with read_only() as session:
        mine = reviewers.my_conflicts(session, actor=scene.alice)
        seen = reviewers.call_conflicts(session, actor=scene.lead, call_id=scene.call)
    assert {(c.network_id, c.siret) for c in mine} == {(scene.network, None), (None, "73282932000074")}
    assert {c.link for c in seen} >= {"Structure SIRET 73282932000074"}
    assert [c.reviewer for c in seen] == [scene.alice.full_name] * 2
    assert len(entries("conflict_declared")) == 2


@pytest.mark.parametrize(("link", "field", "message"), [
    ({}, "link", "Choisissez un réseau, ou indiquez le SIRET d'une structure (l'un ou l'autre)."),
    ({"siret": "73282932000079"}, "siret", None),
    ({"network_id": 999_999}, "network_id", "Ce réseau n'existe pas."),
])
def test_a_declaration_without_a_valid_link_is_refused(scene, link, field, message):
    with pytest.raises(ValidationFailed) as refused:
        declare(scene.alice, **link)
    assert field in refused.value.errors
    if message:
        assert refused.value.errors[field] == message
    with read_only() as session:
        assert session.scalars(select(ReviewerConflict)).all() == []


def test_both_a_network_and_a_siret_at_once_is_refused(scene):
    with pytest.raises(ValidationFailed) as refused:
        declare(scene.alice, network_id=scene.network, siret="73282932000074")
    assert "link" in refused.value.errors


def test_the_same_link_declared_twice_is_refused(scene):
    declare(scene.alice, network_id=scene.network)
    with pytest.raises(ValidationFailed) as refused:
        declare(scene.alice, network_id=scene.network)
    assert refused.value.errors == {"link": "Ce lien est déjà déclaré."}


def test_a_declared_link_drops_her_assignments_to_those_candidacies(scene):
    concerned, other = scene.candidacy(), scene.candidacy(network=scene.other_network)
    with unit_of_work() as session:
        session.get(Call, scene.call).assigned_reviews = 1
        session.add_all([ReviewAssignment(candidacy_id=c, reviewer_id=scene.alice.user_id) for c in (concerned, other)])
    declare(scene.alice, network_id=scene.network)
    with read_only() as session:
        left = session.scalars(select(ReviewAssignment.candidacy_id)).all()
    assert left == [other]
    assert entries("conflict_declared")[0].after["assignments_dropped"] == [concerned]


def test_a_reviewer_withdraws_her_own_declaration_only(scene):
    conflict = declare(scene.alice, network_id=scene.network)
    with pytest.raises(NotFound), unit_of_work() as session:
        reviewers.withdraw_conflict(session, actor=scene.bruno, conflict_id=conflict)
    with unit_of_work() as session:
        reviewers.withdraw_conflict(session, actor=scene.alice, conflict_id=conflict)
    with read_only() as session:
        assert reviewers.my_conflicts(session, actor=scene.alice) == []
    assert entries("conflict_withdrawn")[0].before["network_id"] == scene.network


@pytest.mark.parametrize("role", [Role.RESEAU, Role.ADMIN])
def test_networks_and_admins_declare_nothing_and_see_no_conflicts(scene, role):
    someone = make_user(role)
    with pytest.raises(NotAllowed):
        declare(someone, network_id=scene.network)
    with pytest.raises(NotAllowed), read_only() as session:
        reviewers.call_conflicts(session, actor=someone, call_id=scene.call)


def test_a_reviewer_does_not_see_the_others_conflicts(scene):
    with pytest.raises(NotAllowed), read_only() as session:
        reviewers.call_conflicts(session, actor=scene.alice, call_id=scene.call)


def test_a_deactivated_reviewer_with_reviews_does_not_lock_the_list(scene):
    from db.models import User

    [candidacy] = [scene.candidacy()]
    score(scene.alice, candidacy, (4, 4, 4, 4), criteria=scene.criteria)
    with unit_of_work() as session:  # the administrator deactivates Alice afterwards
        session.get(User, scene.alice.user_id).active = False
    carla = make_user(Role.EVALUATEUR)
    set_reviewers(scene.lead, scene.call, scene.alice, scene.bruno, carla)  # she stays, Carla joins
    from db.models import CallReviewer

    with read_only() as session:
        named = set(session.scalars(select(CallReviewer.reviewer_id).where(CallReviewer.call_id == scene.call)))
    assert named == {scene.alice.user_id, scene.bruno.user_id, carla.user_id}


def test_a_pending_invitee_is_not_offered_nor_named(scene):
    invitee = make_user(Role.EVALUATEUR, password=False)  # invited, never chose her password
    with read_only() as session:
        offered = {p.id for p in reviewers.candidates(session, actor=scene.lead)}
    assert invitee.user_id not in offered and scene.alice.user_id in offered
    with pytest.raises(ValidationFailed) as refused:
        set_reviewers(scene.lead, scene.call, scene.alice, scene.bruno, invitee)
    assert refused.value.errors["reviewers"].startswith(f"{invitee.full_name} n'a pas encore activé son compte")
    assert named(scene) == {scene.alice.user_id, scene.bruno.user_id}
