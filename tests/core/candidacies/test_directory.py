"""The structure directory and the SIRET prefill: who sees what, history, searches, query counts."""

import dataclasses
import itertools
from datetime import date

import pytest
from sqlalchemy import select

from core.candidacies import directory, saving
from core.candidacies.form import CandidacyForm
from core.errors import NotAllowed
from db.engine import read_only, unit_of_work
from db.models import (
    CallState,
    Candidacy,
    Deliberation,
    Role,
    Sector,
    Structure,
    StructureKind,
    Submission,
)
from tests.factories import make_call, make_edition, make_network, make_user
from tests.querycount import statements_of


def complete_form(**changes) -> CandidacyForm:
    values = dict(
        siret="73282932000074", name="Bâti'Insert 95", kind="EI", address="12 rue des Ouvriers", postcode="95100",
        city="Argenteuil", departement="95", website="www.bati-insert.exemple.fr",
        sectors=["Bâtiment et travaux publics", "Espaces verts et extérieurs"], insertion_workforce="18",
        contact_name="Samia Benali", contact_email="samia@bati-insert.exemple.fr", contact_phone="01 39 00 00 00",
        presenter_name="Samia Benali", pitch_title="Second œuvre", pitch_summary="Peinture.",
        buyer_offer="Lots de second œuvre.", consent_processing=True, consent_sharing=True,
    )
    values.update(changes)
    return CandidacyForm(**values)


_sirets = itertools.count(20_000_000_000_000)


def make_structure(name: str, *, siret: str | None = None, city: str | None = None,
                   sectors: tuple[str, ...] = ()) -> int:
    with unit_of_work() as session:
        structure = Structure(siret=siret or str(next(_sirets)), name=name, kind=StructureKind.ACI, city=city,
                              departement="93")
        structure.sectors = list(session.scalars(select(Sector).where(Sector.label.in_(sectors))))
        session.add(structure)
        session.flush()
        return structure.id


def make_candidacy(call_id: int, structure_id: int, network_id: int, *,
                   submission: Submission = Submission.SUBMITTED,
                   deliberation: Deliberation = Deliberation.PENDING) -> int:
    with unit_of_work() as session:
        candidacy = Candidacy(call_id=call_id, structure_id=structure_id, network_id=network_id,
                              submission=submission, deliberation=deliberation)
        session.add(candidacy)
        session.flush()
        return candidacy.id


def search_directory(actor, search=""):
    with read_only() as session:
        return directory.directory(session, actor=actor, search=search)


@pytest.fixture
def pilote(db):
    return make_user(Role.PILOTE)


# ---------------------------------------------------------------- prefill


def test_prefill_for_siret_returns_identity_known_from_another_network(db):
    network_a, network_b = make_network("Urtie"), make_network("Initiatives 77")
    call_id = make_call(networks=(network_a,))
    with unit_of_work() as session:
        saving.save(session, actor=make_user(Role.RESEAU, network_id=network_a), call_id=call_id,
                    form=complete_form(), submit=True)
    referent_b = make_user(Role.RESEAU, network_id=network_b)  # not even invited to that call
    with read_only() as session:
        known = directory.prefill_for_siret(session, actor=referent_b, siret="732 829 320 00074")
    assert known == directory.Prefill(
        siret="73282932000074", name="Bâti'Insert 95", kind="EI", address="12 rue des Ouvriers", postcode="95100",
        city="Argenteuil", departement="95", website="https://www.bati-insert.exemple.fr",
        sectors=["Bâtiment et travaux publics", "Espaces verts et extérieurs"], insertion_workforce="18",
    )


def test_prefill_for_siret_never_carries_contact_details(db):
    network_id = make_network()
    call_id = make_call(networks=(network_id,))
    referent = make_user(Role.RESEAU, network_id=network_id)
    with unit_of_work() as session:
        saving.save(session, actor=referent, call_id=call_id, form=complete_form(), submit=True)
    with read_only() as session:
        known = directory.prefill_for_siret(session, actor=referent, siret="73282932000074")
        stored = session.scalar(select(Structure))
    assert stored.contact_email == "samia@bati-insert.exemple.fr"  # the directory does hold them
    names = {f.name for f in dataclasses.fields(known)}
    assert not names & {"contact_name", "contact_email", "contact_phone", "presenter_name"}
    values = " ".join(str(v) for v in dataclasses.asdict(known).values())
    assert "samia@" not in values and "Samia" not in values and "01 39" not in values


@pytest.mark.parametrize("siret", ["35600000009075", "73282932000079", "123", "", "abcdefghijklmn", "732829320"])
def test_prefill_for_siret_unknown_or_invalid_is_none(db, siret):
    make_structure("Connue", siret="73282932000074")
    referent = make_user(Role.RESEAU)
    with read_only() as session:
        assert directory.prefill_for_siret(session, actor=referent, siret=siret) is None


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.PILOTE, Role.ADMIN])
def test_prefill_for_siret_by_non_referent_is_not_allowed(db, role):
    make_structure("Connue", siret="73282932000074")
    with pytest.raises(NotAllowed), read_only() as session:
        directory.prefill_for_siret(session, actor=make_user(role), siret="73282932000074")


# ---------------------------------------------------------------- directory: search


@pytest.fixture
def three(pilote):
    return {
        "bati": make_structure("Bâti'Insert 95", siret="73282932000074", city="Argenteuil"),
        "jardins": make_structure("Les Jardins de Cocagne", siret="35600000009075", city="Montreuil"),
        "linge": make_structure("Linge & Co", city="Saint-Denis"),
    }


@pytest.mark.parametrize(("search", "expected"), [
    ("jardins", {"jardins"}),
    ("JARDINS DE", {"jardins"}),
    ("BÂTI", {"bati"}),
    ("bâti", {"bati"}),
    ("73282932000074", {"bati"}),
    ("732 829 320", {"bati"}),
    ("3560000", {"jardins"}),
    ("montreuil", {"jardins"}),
    ("SAINT-DENIS", {"linge"}),
    ("  ", {"bati", "jardins", "linge"}),
    ("", {"bati", "jardins", "linge"}),
    ("introuvable", set()),
])
def test_directory_search_by_name_siret_or_city(pilote, three, search, expected):
    found = {entry.id for entry in search_directory(pilote, search)}
    assert found == {three[key] for key in expected}


@pytest.mark.parametrize("search", ["_", "%", "a_", "%%"])
def test_directory_search_wildcards_are_taken_literally(pilote, three, search):
    assert search_directory(pilote, search) == []


def test_directory_search_finds_a_literal_percent_or_underscore(pilote, three):
    odd = make_structure("Recyclerie 100% locale_95")
    assert [e.id for e in search_directory(pilote, "100%")] == [odd]
    assert [e.id for e in search_directory(pilote, "locale_9")] == [odd]


def test_directory_entries_are_sorted_by_name_with_sectors(pilote):
    make_structure("Zèbre", sectors=("Restauration",))
    make_structure("Abeille", sectors=("Restauration", "Bâtiment et travaux publics"))
    entries = search_directory(pilote)
    assert [e.name for e in entries] == ["Abeille", "Zèbre"]
    assert entries[0].sectors == ["Bâtiment et travaux publics", "Restauration"]  # reference order


def test_directory_entries_are_sorted_the_french_way(pilote):
    for name in ("Zèbre", "Écoles", "Brie", "eco", "Bâti'Insert"):
        make_structure(name)
    assert [e.name for e in search_directory(pilote)] == ["Bâti'Insert", "Brie", "eco", "Écoles", "Zèbre"]


def test_directory_limit_keeps_the_first_names_in_french_order(pilote):
    for name in ("Zèbre", "Écoles", "Abeille"):
        make_structure(name)
    with read_only() as session:
        entries = directory.directory(session, actor=pilote, limit=2)
    assert [e.name for e in entries] == ["Abeille", "Écoles"]


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_directory_by_non_pilote_is_not_allowed(db, role):
    make_structure("Connue")
    with pytest.raises(NotAllowed):
        search_directory(make_user(role))


# ---------------------------------------------------------------- directory: history


@pytest.fixture
def history(pilote):
    urtie, seine = make_network("Urtie"), make_network("Initiatives 77")
    first = make_call(make_edition(1, event_date=date(2026, 3, 18)), networks=(urtie, seine),
                      state=CallState.CLOSED)
    second = make_call(make_edition(2, event_date=date(2027, 3, 18)), networks=(urtie, seine))
    structure_id = make_structure("Bâti'Insert 95")
    make_candidacy(first, structure_id, urtie, deliberation=Deliberation.SELECTED)
    make_candidacy(second, structure_id, seine, deliberation=Deliberation.NOT_SELECTED)
    drafted = make_structure("Seulement un brouillon")
    make_candidacy(second, drafted, urtie, submission=Submission.DRAFT)
    withdrawn = make_structure("Retirée")
    make_candidacy(first, withdrawn, seine, submission=Submission.WITHDRAWN)
    return {"structure": structure_id, "drafted": drafted, "withdrawn": withdrawn}


def test_directory_history_across_editions_with_networks_and_outcomes(pilote, history):
    entries = {e.id: e for e in search_directory(pilote)}
    past = entries[history["structure"]].candidacies
    assert [(p.edition_number, p.network_name, p.submission, p.deliberation) for p in past] == [
        (2, "Initiatives 77", "submitted", "not_selected"),  # newest edition first
        (1, "Urtie", "submitted", "selected"),
    ]
    assert past[0].event_date == date(2027, 3, 18) and past[0].theme_title == "Thème de test"
    assert past[1].label == "n° 1 « Thème de test » (Urtie) : Retenue"
    assert past[0].label == "n° 2 « Thème de test » (Initiatives 77) : Non retenue"
    [withdrawn] = entries[history["withdrawn"]].candidacies
    assert withdrawn.label == "n° 1 « Thème de test » (Initiatives 77) : Retirée"


def test_directory_history_hides_drafts(pilote, history):
    entries = {e.id: e for e in search_directory(pilote)}
    assert entries[history["drafted"]].candidacies == []
    assert all(p.submission != "draft" for e in entries.values() for p in e.candidacies)


def test_directory_has_pitched_only_when_selected(pilote, history):
    entries = {e.id: e for e in search_directory(pilote)}
    assert entries[history["structure"]].has_pitched is True
    assert entries[history["drafted"]].has_pitched is False
    assert entries[history["withdrawn"]].has_pitched is False




def _populate(count: int, networks: tuple[int, int], calls: tuple[int, int]) -> None:
    for i in range(count):
        structure_id = make_structure(f"Structure {i:03d}", city="Pantin",
                                      sectors=("Restauration", "Hygiène et propreté"))
        make_candidacy(calls[0], structure_id, networks[i % 2], deliberation=Deliberation.SELECTED)
        make_candidacy(calls[1], structure_id, networks[(i + 1) % 2])


def test_directory_query_count_does_not_grow_with_rows(db, pilote):
    networks = (make_network(), make_network())
    calls = (make_call(networks=networks), make_call(networks=networks))
    _populate(5, networks, calls)

    def run():
        assert len(search_directory(pilote, "structure")) == expected_rows

    expected_rows = 5
    few = statements_of(db, run)
    _populate(35, networks, calls)
    expected_rows = 40
    many = statements_of(db, run)
    assert few == many
    entries = search_directory(pilote)
    assert all(len(e.candidacies) == 2 and len(e.sectors) == 2 for e in entries)
