"""The database itself refuses bad rows, on SQLite and on PostgreSQL alike.

Core validates first; these constraints are the last line, for a bug in core, a
manual fix in the database, or two writers racing past the same check.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import DataError, IntegrityError

from db.engine import unit_of_work
from db.models import (
    Call,
    CallState,
    Candidacy,
    Criterion,
    Deliberation,
    Edition,
    Network,
    Review,
    ReviewerConflict,
    ReviewState,
    Role,
    Score,
    Structure,
    StructureKind,
    User,
)
from tests.factories import make_call, make_edition, make_network, make_user

SIRET_A = "73282932000074"
SIRET_B = "35600000009075"


def refused(db, constraint: str | None = None):
    """Expect the block's transaction to be refused by the database.

    PostgreSQL always names the constraint; SQLite names CHECK constraints only.
    """
    return _Refused(db, constraint)


class _Refused:
    def __init__(self, db, constraint):
        self.db, self.constraint = db, constraint
        self._raises = pytest.raises(IntegrityError)

    def __enter__(self):
        self.info = self._raises.__enter__()
        return self.info

    def __exit__(self, *exc):
        suppressed = self._raises.__exit__(*exc)
        if suppressed and self.constraint:
            message = str(self.info.value.orig)
            if self.db.dialect.name == "postgresql" or self.constraint.startswith("ck_"):
                assert self.constraint in message, message
        return suppressed


def make_structure(siret: str = SIRET_A) -> int:
    with unit_of_work() as session:
        structure = Structure(siret=siret, name="Les Jardins de Cocagne", kind=StructureKind.ACI)
        session.add(structure)
        session.flush()
        return structure.id


def make_candidacy(call_id: int, structure_id: int, network_id: int, **fields) -> int:
    with unit_of_work() as session:
        candidacy = Candidacy(call_id=call_id, structure_id=structure_id, network_id=network_id, **fields)
        session.add(candidacy)
        session.flush()
        return candidacy.id


def candidacy_setup():
    network_id = make_network()
    call_id = make_call(networks=(network_id,))
    return call_id, make_structure(), network_id


# ---------------------------------------------------------------- uniqueness


def test_candidacy_same_structure_twice_in_a_call_is_refused(db):
    call_id, structure_id, network_id = candidacy_setup()
    make_candidacy(call_id, structure_id, network_id)
    other_network = make_network()
    with refused(db, "uq_candidacies_call_structure"):
        make_candidacy(call_id, structure_id, other_network)


def test_candidacy_same_structure_in_another_call_is_accepted(db):
    call_id, structure_id, network_id = candidacy_setup()
    make_candidacy(call_id, structure_id, network_id)
    make_candidacy(make_call(networks=(network_id,)), structure_id, network_id)


def test_structure_duplicate_siret_is_refused(db):
    make_structure(SIRET_A)
    with refused(db, "uq_structures_siret"):
        make_structure(SIRET_A)
    make_structure(SIRET_B)


@pytest.mark.parametrize("siret", ["7328293200007", ""])
def test_structure_siret_too_short_is_refused(db, siret):
    with refused(db, "ck_structures_siret_length"):
        make_structure(siret)


def test_structure_siret_too_long_is_refused(db):
    # PostgreSQL stops it at the VARCHAR(14) (DataError); SQLite, which ignores lengths, at the CHECK.
    with pytest.raises((IntegrityError, DataError)):
        make_structure("732829320007400")


def test_user_duplicate_email_is_refused(db):
    make_user(Role.PILOTE, email="double@exemple.fr")
    with refused(db, "uq_users_email"):
        make_user(Role.EVALUATEUR, email="double@exemple.fr")


# ---------------------------------------------------------------- enums and checks


def test_user_unknown_role_in_raw_sql_is_refused(db):
    with refused(db, "ck_users_role"), db.begin() as connection:
        connection.execute(text(
            "INSERT INTO users (email, full_name, role, active, created_at, version) "
            "VALUES ('root@exemple.fr', 'Root', 'superuser', :yes, :now, 1)"
        ), {"yes": True, "now": datetime(2030, 1, 1)})


def test_user_known_role_in_raw_sql_is_accepted(db):
    with db.begin() as connection:
        connection.execute(text(
            "INSERT INTO users (email, full_name, role, active, created_at, version) "
            "VALUES ('eval@exemple.fr', 'Éval', 'evaluateur', :yes, :now, 1)"
        ), {"yes": True, "now": datetime(2030, 1, 1)})


def test_call_unknown_state_in_raw_sql_is_refused(db):
    call_id = make_call()
    with refused(db, "ck_calls_call_state"), db.begin() as connection:
        connection.execute(text("UPDATE calls SET state = 'archived' WHERE id = :id"), {"id": call_id})


def test_user_referent_without_network_is_refused(db):
    with refused(db, "ck_users_network_iff_reseau"), unit_of_work() as session:
        session.add(User(email="r@exemple.fr", full_name="R", role=Role.RESEAU, network_id=None))


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PILOTE, Role.EVALUATEUR])
def test_user_non_referent_with_network_is_refused(db, role):
    network_id = make_network()
    with refused(db, "ck_users_network_iff_reseau"), unit_of_work() as session:
        session.add(User(email="x@exemple.fr", full_name="X", role=role, network_id=network_id))


def test_candidacy_waitlisted_without_rank_is_refused(db):
    call_id, structure_id, network_id = candidacy_setup()
    with refused(db, "ck_candidacies_rank_iff_waitlisted"):
        make_candidacy(call_id, structure_id, network_id, deliberation=Deliberation.WAITLISTED, waitlist_rank=None)


def test_candidacy_rank_without_waitlist_is_refused(db):
    call_id, structure_id, network_id = candidacy_setup()
    with refused(db, "ck_candidacies_rank_iff_waitlisted"):
        make_candidacy(call_id, structure_id, network_id, deliberation=Deliberation.SELECTED, waitlist_rank=1)


def test_candidacy_waitlisted_with_rank_zero_is_refused(db):
    call_id, structure_id, network_id = candidacy_setup()
    with refused(db, "ck_candidacies_rank_positive"):
        make_candidacy(call_id, structure_id, network_id, deliberation=Deliberation.WAITLISTED, waitlist_rank=0)


def test_candidacy_waitlisted_with_rank_is_accepted(db):
    call_id, structure_id, network_id = candidacy_setup()
    make_candidacy(call_id, structure_id, network_id, deliberation=Deliberation.WAITLISTED, waitlist_rank=1)


def make_review() -> tuple[int, int]:
    call_id, structure_id, network_id = candidacy_setup()
    candidacy_id = make_candidacy(call_id, structure_id, network_id)
    reviewer = make_user(Role.EVALUATEUR)
    with unit_of_work() as session:
        criterion = Criterion(call_id=call_id, label="Pertinence pour le thème", weight=2)
        review = Review(candidacy_id=candidacy_id, reviewer_id=reviewer.user_id)
        session.add_all([criterion, review])
        session.flush()
        return review.id, criterion.id


@pytest.mark.parametrize("value", [-1, 0, 6])
def test_score_out_of_range_is_refused(db, value):
    review_id, criterion_id = make_review()
    with refused(db, "ck_scores_value_range"), unit_of_work() as session:
        session.add(Score(review_id=review_id, criterion_id=criterion_id, value=value))


@pytest.mark.parametrize("value", [1, 5])
def test_score_at_the_bounds_is_accepted(db, value):
    review_id, criterion_id = make_review()
    with unit_of_work() as session:
        session.add(Score(review_id=review_id, criterion_id=criterion_id, value=value))


@pytest.mark.parametrize(("state", "reason"), [(ReviewState.ABSTAINED, None), (ReviewState.DRAFT, "Lien familial")])
def test_review_abstention_without_reason_or_reason_without_abstention_is_refused(db, state, reason):
    review_id, _ = make_review()
    with refused(db, "ck_reviews_reason_iff_abstained"), unit_of_work() as session:
        review = session.get(Review, review_id)
        review.state, review.abstention_reason = state, reason


@pytest.mark.parametrize(("network", "siret"), [(False, None), (True, SIRET_A)])
def test_reviewer_conflict_names_exactly_one_link(db, network, siret):
    reviewer = make_user(Role.EVALUATEUR)
    network_id = make_network() if network else None
    with refused(db, "ck_reviewer_conflicts_one_link"), unit_of_work() as session:
        session.add(ReviewerConflict(reviewer_id=reviewer.user_id, network_id=network_id, siret=siret))


def test_reviewer_conflict_declared_twice_is_refused(db):
    reviewer = make_user(Role.EVALUATEUR)
    with unit_of_work() as session:
        session.add(ReviewerConflict(reviewer_id=reviewer.user_id, siret=SIRET_A))
    with refused(db, "uq_reviewer_conflicts_reviewer_siret"), unit_of_work() as session:
        session.add(ReviewerConflict(reviewer_id=reviewer.user_id, siret=SIRET_A))


@pytest.mark.parametrize("per_candidacy", [0, 11])
def test_call_reviewers_per_candidacy_out_of_range_is_refused(db, per_candidacy):
    call_id = make_call()
    with refused(db, "ck_calls_assigned_reviews_range"), unit_of_work() as session:
        session.get(Call, call_id).assigned_reviews = per_candidacy


@pytest.mark.parametrize("delta", [timedelta(0), timedelta(hours=-1)])
def test_call_closing_not_after_opening_is_refused(db, delta):
    edition_id = make_edition()
    opens_at = datetime(2030, 1, 10, 9, tzinfo=UTC)
    with refused(db, "ck_calls_window_ordered"), unit_of_work() as session:
        session.add(Call(edition_id=edition_id, theme_title="Thème", opens_at=opens_at, closes_at=opens_at + delta,
                         state=CallState.DRAFT, pitch_slots=5, pitch_minutes=5))


def test_call_without_pitch_slots_is_refused(db):
    edition_id = make_edition()
    opens_at = datetime(2030, 1, 10, 9, tzinfo=UTC)
    with refused(db, "ck_calls_slots_positive"), unit_of_work() as session:
        session.add(Call(edition_id=edition_id, theme_title="Thème", opens_at=opens_at,
                         closes_at=opens_at + timedelta(days=1), pitch_slots=0, pitch_minutes=5))


def test_edition_ending_before_it_starts_is_refused(db):
    from datetime import date, time

    with refused(db, "ck_editions_times_ordered"), unit_of_work() as session:
        session.add(Edition(number=1, title="Rencontre", event_date=date(2030, 1, 1), start_time=time(12),
                            end_time=time(9)))


# ---------------------------------------------------------------- foreign keys


def test_user_with_missing_network_is_refused(db):
    with refused(db, "fk_users_network_id_networks"), unit_of_work() as session:
        session.add(User(email="r@exemple.fr", full_name="R", role=Role.RESEAU, network_id=987654))


def test_candidacy_with_missing_call_is_refused(db):
    structure_id, network_id = make_structure(), make_network()
    with refused(db, "fk_candidacies_call_id_calls"):
        make_candidacy(987654, structure_id, network_id)


def test_network_in_use_cannot_be_deleted(db):
    network_id = make_network()
    make_user(Role.RESEAU, network_id=network_id)
    with refused(db, "fk_users_network_id_networks"), db.begin() as connection:
        connection.execute(text("DELETE FROM networks WHERE id = :id"), {"id": network_id})


def test_deleting_a_call_cascades_to_its_criteria(db):
    call_id = make_call()
    with unit_of_work() as session:
        session.add(Criterion(call_id=call_id, label="Critère"))
    with db.begin() as connection:
        connection.execute(text("DELETE FROM calls WHERE id = :id"), {"id": call_id})
        assert connection.execute(text("SELECT count(*) FROM criteria")).scalar() == 0


def test_network_name_is_unique(db):
    with db.begin() as connection:
        connection.execute(insert(Network).values(name="Urtie", active=True, version=1,
                                                  created_at=datetime(2030, 1, 1, tzinfo=UTC)))
    with refused(db, "uq_networks_name"), db.begin() as connection:
        connection.execute(insert(Network).values(name="Urtie", active=True, version=1,
                                                  created_at=datetime(2030, 1, 1, tzinfo=UTC)))
