"""The national bench's data set (bench/national.py), seeded at a tiny scale: every count it
promises, and the rules the app relies on, hold on SQLite and on PostgreSQL."""

import os
from collections import Counter, defaultdict
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from stdnum.fr import siret

from bench.national import SLOTS, WAITING, Scale, fresh_database
from db.models import (
    Call,
    CallState,
    Candidacy,
    Deliberation,
    Edition,
    OutboxMessage,
    ProgrammeVersion,
    Review,
    Score,
    Structure,
    Submission,
    call_networks,
)

TINY = Scale("tiny", networks=3, structures=40, editions=3, candidacies=90, outbox=12)


def _server(backend: str) -> str:
    if backend == "sqlite":
        return ""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        if os.environ.get("OPENMAP_REQUIRE_ALL_SUITES"):
            pytest.fail("TEST_DATABASE_URL is not set (OPENMAP_REQUIRE_ALL_SUITES is set)")
        pytest.skip("PostgreSQL suite skipped: TEST_DATABASE_URL is not set")
    return url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def seeded(request, tmp_path_factory):
    # Seeded once per backend (a PostgreSQL database is created and dropped each time).
    with fresh_database(TINY, tmp_path_factory.mktemp("bench"), server=_server(request.param)) as seeded:
        yield seeded
        seeded.engine.dispose()


def _rows(seeded, statement):
    with seeded.engine.connect() as connection:
        return connection.execute(statement).all()


def test_bench_seed_counts_match_the_scale(seeded):
    counts = dict(_rows(seeded, select(Candidacy.call_id, func.count()).group_by(Candidacy.call_id)))
    assert counts.pop(seeded.open_call_id) == 1  # the draft the candidacy form is shown on
    assert sorted(counts.values()) == [30, 30, 30]
    assert seeded.counts["structures"] == 40 and seeded.counts["outbox_messages"] == 12
    assert _rows(seeded, select(func.count()).select_from(Edition)) == [(3,)]
    assert _rows(seeded, select(func.count()).select_from(ProgrammeVersion)) == [(3,)]


def test_bench_seed_sirets_are_valid_and_distinct(seeded):
    sirets = [s for (s,) in _rows(seeded, select(Structure.siret))]
    assert len(set(sirets)) == 40
    assert all(siret.is_valid(s) for s in sirets)


def test_bench_seed_submitted_candidacies_have_three_reviews_of_four_scores(seeded):
    reviews = Counter(c for (c,) in _rows(seeded, select(Review.candidacy_id)))
    submitted = {c for (c,) in _rows(seeded, select(Candidacy.id).where(Candidacy.submission == Submission.SUBMITTED))}
    assert set(reviews) == submitted and set(reviews.values()) == {3}
    scores = Counter(r for (r,) in _rows(seeded, select(Score.review_id)))
    assert len(scores) == sum(reviews.values()) and set(scores.values()) == {4}


def test_bench_seed_decisions_fit_the_slots_with_ranks_one_to_n(seeded):
    ranks, selected = defaultdict(list), Counter()
    for call, decision, rank in _rows(seeded, select(Candidacy.call_id, Candidacy.deliberation,
                                                     Candidacy.waitlist_rank)
                                      .where(Candidacy.call_id != seeded.open_call_id)):
        if decision == Deliberation.WAITLISTED:
            ranks[call].append(rank)
        selected[call] += decision == Deliberation.SELECTED
    assert {call: sorted(r) for call, r in ranks.items()} == {c: list(range(1, WAITING + 1)) for c in (1, 2, 3)}
    assert set(selected.values()) == {SLOTS}


def test_bench_seed_published_programmes_show_confirmed_pitches_only(seeded):
    contents = [c for (c,) in _rows(seeded, select(ProgrammeVersion.content).order_by(ProgrammeVersion.edition_id))]
    pitches = [sum(len(item["pitches"]) for item in content["items"]) for content in contents]
    assert pitches[:2] == [SLOTS, SLOTS]  # past editions: every retained structure confirmed
    assert 0 < pitches[2] < SLOTS  # the upcoming one: half of them still to confirm


def test_bench_seed_outbox_keys_are_unique_and_messages_realistic(seeded):
    rows = _rows(seeded, select(OutboxMessage.idempotency_key, func.length(OutboxMessage.body_text)))
    assert len({key for key, _ in rows}) == 12
    assert all(length > 300 for _, length in rows)


def test_bench_seed_has_an_open_call_of_the_first_network_with_its_draft(seeded):
    """What the candidacy form and the import preview are measured on, at every scale."""
    [(state, opens, closes, edition)] = _rows(seeded, select(Call.state, Call.opens_at, Call.closes_at, Call.edition_id)
                                              .where(Call.id == seeded.open_call_id))
    assert state == CallState.OPEN and edition == seeded.edition_id
    now = datetime.now(UTC).replace(tzinfo=None)
    assert opens.replace(tzinfo=None) < now < closes.replace(tzinfo=None)
    assert _rows(seeded, select(call_networks.c.network_id).where(call_networks.c.call_id == seeded.open_call_id)) \
        == [(seeded.network_id,)]
    assert _rows(seeded, select(Candidacy.call_id, Candidacy.network_id, Candidacy.submission)
                 .where(Candidacy.id == seeded.draft_id)) == [(seeded.open_call_id, 1, Submission.DRAFT)]
