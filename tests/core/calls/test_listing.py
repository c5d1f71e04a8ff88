"""What calls each actor sees, their phase by the clock, and the counts per network."""

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from core.calls import listing
from core.calls.listing import Phase
from core.errors import NotAllowed
from db.engine import read_only, unit_of_work
from db.models import (
    CallReviewer,
    CallState,
    Candidacy,
    Role,
    Structure,
    StructureKind,
    Submission,
)
from tests.core.calls.support import call_data, edition_data, save_call, save_edition
from tests.factories import (
    make_call,
    make_edition,
    make_network,
    make_user,
)
from tests.querycount import statements_of

_sirets = itertools.count(10_000_000_000_000)


def _add_candidacies(call_id: int, network_id: int, submissions: list[Submission]) -> None:
    """Candidacies written directly through the models (the counting query is what is tested)."""
    with unit_of_work() as session:
        for submission in submissions:
            structure = Structure(siret=f"{next(_sirets)}", name="Structure", kind=StructureKind.EI)
            session.add(structure)
            session.flush()
            session.add(Candidacy(call_id=call_id, structure_id=structure.id, network_id=network_id,
                                  submission=submission))


def test_submission_counts_per_invited_network_including_zero(pilote):
    alpha, beta, idle, outsider = (make_network(n) for n in ("Alpha", "Bêta", "Inactif", "Hors appel"))
    call_id = make_call(networks=(alpha, beta, idle))
    other_call = make_call(networks=(alpha,))
    _add_candidacies(call_id, alpha, [Submission.DRAFT, Submission.SUBMITTED, Submission.SUBMITTED,
                                      Submission.WITHDRAWN])
    _add_candidacies(call_id, beta, [Submission.SUBMITTED])
    _add_candidacies(other_call, alpha, [Submission.SUBMITTED] * 3)
    with read_only() as session:
        counts = listing.submission_counts(session, actor=pilote, call_id=call_id)
    assert [(c.network_id, c.network_name, c.drafts, c.submitted, c.withdrawn) for c in counts] == [
        (alpha, "Alpha", 1, 2, 1), (beta, "Bêta", 0, 1, 0), (idle, "Inactif", 0, 0, 0),
    ]
    assert outsider not in {c.network_id for c in counts}


def test_submission_counts_query_count_does_not_grow(db, pilote):
    networks = [make_network() for _ in range(3)]
    small, large = make_call(networks=tuple(networks)), make_call(networks=tuple(networks))
    _add_candidacies(small, networks[0], [Submission.SUBMITTED, Submission.DRAFT])
    for network_id in networks:
        _add_candidacies(large, network_id, [Submission.SUBMITTED] * 5 + [Submission.DRAFT, Submission.WITHDRAWN])

    def counted(call_id):
        def run():
            with read_only() as session:
                listing.submission_counts(session, actor=pilote, call_id=call_id)
        return statements_of(db, run)

    with read_only() as session:
        assert sum(c.submitted + c.drafts + c.withdrawn
                   for c in listing.submission_counts(session, actor=pilote, call_id=large)) == 21
    assert counted(small) == counted(large)


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_submission_counts_by_non_pilote_is_not_allowed(db, role):
    call_id = make_call(networks=(make_network(),))
    with pytest.raises(NotAllowed), read_only() as session:
        listing.submission_counts(session, actor=make_user(role), call_id=call_id)


def test_calls_for_network_shows_only_published_calls_it_is_invited_to(db):
    mine, other = make_network(), make_network()
    open_call = make_call(networks=(mine, other))
    closed_call = make_call(networks=(mine,), state=CallState.CLOSED)
    make_call(networks=(mine,), state=CallState.DRAFT)
    make_call(networks=(other,))
    make_call()
    referent = make_user(Role.RESEAU, network_id=mine)
    with read_only() as session:
        shown = {c.id for c in listing.calls_for_network(session, actor=referent)}
        via_list = {c.id for c in listing.list_calls(session, actor=referent)}
    assert shown == via_list == {open_call, closed_call}


def name_reviewer(call_id: int, actor) -> None:
    with unit_of_work() as session:
        session.add(CallReviewer(call_id=call_id, reviewer_id=actor.user_id))


def test_list_calls_for_a_reviewer_shows_the_published_calls_she_reviews_and_the_lead_every_one(db):
    first_edition = make_edition(event_date=date(2027, 3, 18))
    second_edition = make_edition(event_date=date(2027, 9, 1))
    older = make_call(first_edition, networks=(make_network(),), state=CallState.CLOSED)
    newer = make_call(second_edition)
    not_hers = make_call(second_edition)
    reviewer = make_user(Role.EVALUATEUR)
    for call_id in (older, newer):
        name_reviewer(call_id, reviewer)
    with read_only() as session:
        hers = listing.list_calls(session, actor=reviewer)
        every = listing.list_calls(session, actor=make_user(Role.PILOTE))
        nobodys = listing.list_calls(session, actor=make_user(Role.EVALUATEUR))
    assert [r.id for r in hers] == [newer, older]  # newest edition first
    assert hers[1].edition_id == first_edition and hers[1].event_date == date(2027, 3, 18)
    assert [r.id for r in every] == [newer, not_hers, older]
    assert nobodys == []  # an évaluateur named for nothing sees no call


def test_list_calls_by_admin_is_not_allowed(db):
    make_call()
    with pytest.raises(NotAllowed), read_only() as session:
        listing.list_calls(session, actor=make_user(Role.ADMIN))


OPENS = datetime(2027, 1, 10, 8, 0, tzinfo=UTC)


CLOSES = datetime(2027, 2, 10, 17, 0, tzinfo=UTC)


SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(("state", "now", "phase"), [
    (CallState.OPEN, OPENS - SECOND, Phase.UPCOMING),
    (CallState.OPEN, OPENS, Phase.OPEN),
    (CallState.OPEN, OPENS + SECOND, Phase.OPEN),
    (CallState.OPEN, CLOSES - SECOND, Phase.OPEN),
    (CallState.OPEN, CLOSES, Phase.CLOSED),
    (CallState.OPEN, CLOSES + SECOND, Phase.CLOSED),
    (CallState.CLOSED, OPENS + SECOND, Phase.CLOSED),
    (CallState.DRAFT, OPENS + SECOND, Phase.DRAFT),
    (CallState.DRAFT, CLOSES + SECOND, Phase.DRAFT),
])
def test_call_summary_phase_at_boundaries(pilote, state, now, phase):
    make_call(state=state, opens_at=OPENS, closes_at=CLOSES)
    with read_only() as session:
        [summary] = listing.list_calls(session, actor=pilote)
    assert summary.phase(now) is phase
    assert phase.label in ("À venir", "Ouvert", "Clos", "Brouillon")


def test_list_calls_hides_drafts_from_reviewers_but_not_from_the_lead(pilote):
    edition_id = save_edition(pilote, edition_data())
    draft_id = save_call(pilote, call_data(edition_id, theme_title="Brouillon"))
    open_id = make_call(edition_id)
    reviewer = make_user(Role.EVALUATEUR)
    for call_id in (draft_id, open_id):
        name_reviewer(call_id, reviewer)  # named for the draft too: still hidden until published
    with read_only() as session:
        seen_by_reviewer = {c.id for c in listing.list_calls(session, actor=reviewer)}
        seen_by_lead = {c.id for c in listing.list_calls(session, actor=pilote)}
    assert seen_by_reviewer == {open_id}
    assert seen_by_lead == {draft_id, open_id}
