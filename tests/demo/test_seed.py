"""The demonstration data set (demo) and the sector migration."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from stdnum.fr import siret

from core.accounts.signin import sign_in
from core.clock import utcnow
from core.reference import ILE_DE_FRANCE, SECTORS, STRUCTURE_KINDS
from core.validation import (
    FieldError,
    check_postcode_departement,
    clean_phone,
    clean_url,
)
from db.engine import read_only, unit_of_work
from db.migrate import downgrade, upgrade
from db.models import (
    Call,
    CallState,
    Candidacy,
    Confirmation,
    Deliberation,
    Edition,
    ItemKind,
    ProgrammeItem,
    ProgrammeVersion,
    Publication,
    Role,
    Sector,
    Structure,
    Submission,
    User,
)
from demo.data import DEMO_PASSWORD
from demo.seed import database_is_empty, seed_demo


@pytest.fixture
def seeded(db) -> list[tuple[str, str]]:
    with unit_of_work() as session:
        return seed_demo(session)


def _sector_labels(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(Sector.label).order_by(Sector.position)).scalars())


def test_sector_migration_inserts_the_20_sectors_and_downgrade_removes_them(db):
    downgrade(db, "0001")
    assert _sector_labels(db) == []
    upgrade(db)
    assert _sector_labels(db) == list(SECTORS)


def test_sector_migration_on_a_fresh_database_leaves_20_sectors(tmp_path):
    from db.engine import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        upgrade(engine)
        assert _sector_labels(engine) == list(SECTORS)
    finally:
        engine.dispose()


def test_database_is_empty_before_seeding_and_not_after(db):
    with read_only() as session:
        assert database_is_empty(session)
    with unit_of_work() as session:
        seed_demo(session)
    with read_only() as session:
        assert not database_is_empty(session)


def test_demo_structures_have_valid_unique_sirets_and_cover_kinds_and_departements(seeded):
    with read_only() as session:
        structures = session.scalars(select(Structure)).all()
        sector_counts = [len(structure.sectors) for structure in structures]
    assert len(structures) >= 30
    sirets = [structure.siret for structure in structures]
    assert all(siret.is_valid(number) for number in sirets)
    assert len(set(sirets)) == len(sirets)
    assert {structure.kind.value for structure in structures} == set(STRUCTURE_KINDS)
    assert {structure.departement for structure in structures} == set(ILE_DE_FRANCE)
    assert all(1 <= count <= 4 for count in sector_counts)
    for structure in structures:
        try:
            check_postcode_departement(structure.postcode, structure.departement)
            assert clean_phone(structure.contact_phone) == structure.contact_phone
            assert clean_url(structure.website) == structure.website
        except FieldError as error:  # pragma: no cover - names the culprit
            pytest.fail(f"{structure.name}: {error.message}")


def test_demo_sectors_are_the_20_of_the_taxonomy(seeded):
    with read_only() as session:
        labels = session.scalars(select(Sector.label).order_by(Sector.position)).all()
    assert labels == list(SECTORS)


def test_sixth_edition_matches_the_real_meeting_and_is_fully_decided(seeded):
    with read_only() as session:
        edition = session.scalar(select(Edition).where(Edition.number == 6))
        call = edition.calls[0]
        candidacies = session.scalars(select(Candidacy).where(Candidacy.call_id == call.id)).all()
        items = session.scalars(
            select(ProgrammeItem).where(ProgrammeItem.edition_id == edition.id).order_by(ProgrammeItem.starts_at)
        ).all()
        version = session.scalar(select(ProgrammeVersion).where(ProgrammeVersion.edition_id == edition.id))
    assert edition.event_date == date(2019, 11, 21) and edition.city == "Argenteuil"
    assert call.theme_title == "Services liés aux chantiers et aux grands travaux"
    assert call.state == CallState.CLOSED and call.pitch_slots == 6 and call.decisions_published_at
    assert all(c.submission == Submission.SUBMITTED and c.publication == Publication.PUBLISHED for c in candidacies)
    decisions = Counter(c.deliberation for c in candidacies)
    assert decisions[Deliberation.SELECTED] == 6 and decisions[Deliberation.WAITLISTED] == 2
    assert sorted(c.waitlist_rank for c in candidacies if c.waitlist_rank) == [1, 2]
    selected_ids = {c.id for c in candidacies if c.deliberation == Deliberation.SELECTED}
    assert all(c.confirmation == Confirmation.CONFIRMED for c in candidacies if c.id in selected_ids)
    published = [pitch["candidacy_id"] for item in version.content["items"] for pitch in item["pitches"]]
    assert sorted(published) == sorted(selected_ids)
    assert [item.kind for item in items if item.call_id] == [ItemKind.PITCHES]
    assert items[0].starts_at == datetime(2019, 11, 21, 8, 0, tzinfo=UTC)  # 09:00 in Paris (winter time)
    assert items[-1].ends_at == datetime(2019, 11, 21, 11, 30, tzinfo=UTC)  # 12:30
    assert version.number == 1 and version.content["items"][-1]["end"] == "2019-11-21T11:30:00+00:00"


def test_seventh_edition_call_is_open_now(seeded):
    now = utcnow()
    with read_only() as session:
        call = session.scalar(select(Call).join(Edition).where(Edition.number == 7))
        by_network = Counter(
            name for name, in session.execute(
                select(User.full_name).select_from(Candidacy).join(User, User.id == Candidacy.created_by_id)
                .where(Candidacy.call_id == call.id)
            )
        )
    assert call.state == CallState.OPEN
    assert call.opens_at <= now < call.closes_at
    assert "Nadia Rousseau" not in by_network  # the Essonne referent starts empty


def test_one_demo_account_per_role_and_each_can_sign_in(seeded):
    with read_only() as session:
        roles = Counter(session.scalars(select(User.role)))
        user_count = session.scalar(select(func.count()).select_from(User))
    assert roles[Role.ADMIN] == roles[Role.PILOTE] == roles[Role.EVALUATEUR] == 1
    assert roles[Role.RESEAU] == 3
    assert len(seeded) == user_count
    for _label, email in seeded:
        with unit_of_work() as session:
            outcome = sign_in(session, email=email, password=DEMO_PASSWORD, ip_address="127.0.0.1")
        assert outcome.error is None, email
