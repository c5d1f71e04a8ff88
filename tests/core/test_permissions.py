"""The permission matrix: every role × every action × (own network / other network / none).

The expected values are written out here by hand, from the product description
(who does what), so that a change to core/permissions.py that widens or narrows a
right makes a test fail instead of silently moving the table.
"""

import pytest

from core.errors import DomainError, NotAllowed
from core.permissions import Action, Actor, can, invitable_roles, require
from core.selection import decisions, diff, frames, proposal, publication, waitlist
from db.engine import unit_of_work
from db.models import Role

OWN, OTHER = 7, 8

# The cells: (own network, other network, no network given).
ALL = (True, True, True)
NONE = (False, False, False)
OWN_ONLY = (True, False, True)  # no network given means "on its own network"

EXPECTED: dict[Role, dict[Action, tuple[bool, bool, bool]]] = {
    Role.ADMIN: {
        Action.MANAGE_ACCOUNTS: ALL,
        Action.INVITE_ACCOUNT: ALL,
        Action.INVITE_STAFF: ALL,
        Action.MANAGE_NETWORKS: ALL,
        Action.VIEW_AUDIT: ALL,
        Action.MANAGE_CALLS: NONE,
        Action.VIEW_CALLS: NONE,
        Action.VIEW_CANDIDACY: NONE,
        Action.EDIT_CANDIDACY: NONE,
        Action.REVIEW: NONE,
        Action.DECLARE_CONFLICT: NONE,
        Action.MANAGE_REVIEWERS: NONE,
        Action.VIEW_REVIEW_BOARD: NONE,
        Action.DECIDE: NONE,
        Action.MANAGE_PROGRAMME: NONE,
        Action.SEND_MAIL: NONE,
    },
    Role.PILOTE: {
        Action.MANAGE_ACCOUNTS: NONE,
        Action.INVITE_ACCOUNT: ALL,
        Action.INVITE_STAFF: NONE,
        Action.MANAGE_NETWORKS: NONE,
        Action.VIEW_AUDIT: ALL,
        Action.MANAGE_CALLS: ALL,
        Action.VIEW_CALLS: ALL,
        Action.VIEW_CANDIDACY: ALL,
        Action.EDIT_CANDIDACY: NONE,
        Action.REVIEW: ALL,
        Action.DECLARE_CONFLICT: ALL,
        Action.MANAGE_REVIEWERS: ALL,
        Action.VIEW_REVIEW_BOARD: ALL,
        Action.DECIDE: ALL,
        Action.MANAGE_PROGRAMME: ALL,
        Action.SEND_MAIL: ALL,
    },
    Role.EVALUATEUR: {
        Action.MANAGE_ACCOUNTS: NONE,
        Action.INVITE_ACCOUNT: NONE,
        Action.INVITE_STAFF: NONE,
        Action.MANAGE_NETWORKS: NONE,
        Action.VIEW_AUDIT: NONE,
        Action.MANAGE_CALLS: NONE,
        Action.VIEW_CALLS: ALL,
        Action.VIEW_CANDIDACY: ALL,
        Action.EDIT_CANDIDACY: NONE,
        Action.REVIEW: ALL,
        Action.DECLARE_CONFLICT: ALL,
        Action.MANAGE_REVIEWERS: NONE,
        Action.VIEW_REVIEW_BOARD: NONE,
        Action.DECIDE: NONE,
        Action.MANAGE_PROGRAMME: NONE,
        Action.SEND_MAIL: NONE,
    },
    Role.RESEAU: {
        Action.MANAGE_ACCOUNTS: NONE,
        Action.INVITE_ACCOUNT: NONE,
        Action.INVITE_STAFF: NONE,
        Action.MANAGE_NETWORKS: NONE,
        Action.VIEW_AUDIT: NONE,
        Action.MANAGE_CALLS: NONE,
        Action.VIEW_CALLS: OWN_ONLY,
        Action.VIEW_CANDIDACY: OWN_ONLY,
        Action.EDIT_CANDIDACY: OWN_ONLY,
        Action.REVIEW: NONE,
        Action.DECLARE_CONFLICT: NONE,
        Action.MANAGE_REVIEWERS: NONE,
        Action.VIEW_REVIEW_BOARD: NONE,
        Action.DECIDE: NONE,
        Action.MANAGE_PROGRAMME: NONE,
        Action.SEND_MAIL: NONE,
    },
}

SCOPES = {"own": 0, "other": 1, "none": 2}


def actor(role: Role, *, network_id: int | None = None) -> Actor:
    if network_id is None and role == Role.RESEAU:
        network_id = OWN
    return Actor(user_id=1, email=f"{role.value}@exemple.fr", full_name="Personne", role=role, network_id=network_id)


def network_for(scope: str) -> int | None:
    return {"own": OWN, "other": OTHER, "none": None}[scope]


def test_expected_table_covers_every_role_and_action():
    assert set(EXPECTED) == set(Role)
    for role, row in EXPECTED.items():
        assert set(row) == set(Action), role


CASES = [
    pytest.param(role, action, scope, EXPECTED[role][action][index], id=f"{role.value}-{action.value}-{scope}")
    for role in Role
    for action in Action
    for scope, index in SCOPES.items()
]


@pytest.mark.parametrize(("role", "action", "scope", "expected"), CASES)
def test_can_matches_the_matrix(role, action, scope, expected):
    assert can(actor(role), action, network_id=network_for(scope)) is expected


@pytest.mark.parametrize(("role", "action", "scope", "expected"), CASES)
def test_require_raises_not_allowed_exactly_when_can_is_false(role, action, scope, expected):
    someone = actor(role)
    if expected:
        assert require(someone, action, network_id=network_for(scope)) is someone
    else:
        with pytest.raises(NotAllowed) as caught:
            require(someone, action, network_id=network_for(scope))
        assert caught.value.message == "Vous n'avez pas le droit d'effectuer cette action."


@pytest.mark.parametrize("action", list(Action))
def test_can_refuses_everything_to_an_anonymous_visitor(action):
    assert can(None, action) is False
    assert can(None, action, network_id=OWN) is False
    with pytest.raises(NotAllowed):
        require(None, action)


@pytest.mark.parametrize("action", [Action.VIEW_CALLS, Action.VIEW_CANDIDACY, Action.EDIT_CANDIDACY])
def test_can_refuses_scoped_rights_to_a_referent_without_network(action):
    # The database forbids such an account; the rule must not rely on it alone.
    referent = Actor(user_id=1, email="r@exemple.fr", full_name="R", role=Role.RESEAU, network_id=None)
    assert can(referent, action) is False
    assert can(referent, action, network_id=OWN) is False


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ADMIN, {Role.ADMIN, Role.PILOTE, Role.EVALUATEUR, Role.RESEAU}),
        (Role.PILOTE, {Role.EVALUATEUR, Role.RESEAU}),
        (Role.EVALUATEUR, set()),
        (Role.RESEAU, set()),
    ],
)
def test_invitable_roles_per_role(role, expected):
    roles = invitable_roles(actor(role))
    assert set(roles) == expected
    assert len(roles) == len(set(roles))


# ---------------------------------------------------------------- deliberation and selection, per use case
#
# DECIDE is the lead's alone (the table above); each use case of core.selection asks for it
# before anything else, so a reviewer, a referent or an administrator is refused even on
# ids that do not exist, and the lead gets past the check (to NotFound, here).

SELECTION_USE_CASES = {
    "decide": lambda s, a: decisions.decide(s, actor=a, candidacy_id=1, expected_version=1, decision="selected"),
    "decide_many": lambda s, a: decisions.decide_many(s, actor=a, call_id=1, expected_versions={1: 1},
                                                      decision="selected"),
    "move_up": lambda s, a: waitlist.move_up(s, actor=a, candidacy_id=1, expected_version=1),
    "move_down": lambda s, a: waitlist.move_down(s, actor=a, candidacy_id=1, expected_version=1),
    "set_rank": lambda s, a: waitlist.set_rank(s, actor=a, candidacy_id=1, expected_version=1, rank=1),
    "decisions_frame": lambda s, a: frames.decisions_frame(s, actor=a, call_id=1),
    "propose_for_call": lambda s, a: proposal.propose_for_call(s, actor=a, call_id=1,
                                                               candidates=frames.candidates_frame([])),
    "apply_proposal": lambda s, a: diff.apply_proposal(s, actor=a, call_id=1, selected=[1], waitlist=[],
                                                       expected_versions={1: 1}),
    "publication_preview": lambda s, a: publication.preview(s, actor=a, call_id=1),
    "publish": lambda s, a: publication.publish(s, actor=a, call_id=1, fingerprint=""),
    "revise": lambda s, a: publication.revise(s, actor=a, candidacy_id=1, expected_version=1,
                                              decision="not_selected", reason="Erreur"),
    "promote_first": lambda s, a: publication.promote_first(s, actor=a, call_id=1, reason="Désistement"),
}


@pytest.mark.parametrize("use_case", list(SELECTION_USE_CASES))
@pytest.mark.parametrize("role", [*Role, None], ids=lambda r: r.value if r else "anonyme")
def test_selection_use_cases_are_the_leads_alone(sqlite_db, role, use_case):
    someone = actor(role) if role else None
    with pytest.raises(DomainError) as caught, unit_of_work() as session:
        SELECTION_USE_CASES[use_case](session, someone)
        raise DomainError("allowed, and nothing to act on")  # frames and previews of nothing succeed
    assert isinstance(caught.value, NotAllowed) is (role != Role.PILOTE)
