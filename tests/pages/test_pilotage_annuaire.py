"""The directory of structures (project lead): search by name, SIRET or city, who has
already pitched, and list pages whose number of SQL statements does not grow with rows
(the directory, and the network referent's home with its candidacies)."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from core.candidacies import saving
from db.engine import unit_of_work
from db.models import Candidacy, Deliberation, Role
from tests.factories import make_call, make_edition, make_network, make_user
from tests.pages.conftest import ROOT, by_label, no_exception, open_app, texts
from tests.pages.test_query_counts import statements_on
from tests.pages.test_reseau_candidature import complete_form, siret_for
from ui.forms import escape_md

PAGE = "pages/pilotage/annuaire.py"
SEARCH = "Rechercher (nom, SIRET, ville)"


def propose(actor, call_id: int, n: int, **changes) -> int:
    with unit_of_work() as session:
        return saving.save(session, actor=actor, call_id=call_id, submit=True,
                           form=complete_form(siret=siret_for(n), **changes))


@pytest.fixture
def directory(sqlite_db):
    """Three structures proposed to the current call; the first was selected in an earlier edition."""
    network = make_network("Urtie")
    referent = make_user(Role.RESEAU, network_id=network)
    now = datetime.now(UTC)
    earlier = make_call(make_edition(1, event_date=date(2025, 3, 20)), networks=(network,),
                        opens_at=now - timedelta(days=400), closes_at=now + timedelta(days=1))
    current = make_call(make_edition(2), networks=(network,))
    past = propose(referent, earlier, 1, name="Bâti'Insert 95", city="Argenteuil")
    propose(referent, earlier, 2, name="Jardins de Cocagne", city="Cergy", postcode="95000")
    propose(referent, current, 1, name="Bâti'Insert 95", city="Argenteuil")
    propose(referent, current, 3, name="Propreté Solidaire", city="Pontoise", postcode="95000")
    with unit_of_work() as session:
        session.execute(update(Candidacy).where(Candidacy.id == past).values(deliberation=Deliberation.SELECTED))
    return make_user(Role.PILOTE)


def table(at):
    return at.dataframe[0].value.set_index("Structure")


def search(at, text: str):
    return by_label(at.text_input, SEARCH).input(text).run()


def test_annuaire_lists_every_structure_with_who_has_already_pitched(directory):
    at = open_app(directory, PAGE)
    no_exception(at)
    assert texts(at.title) == ["Annuaire des structures"]
    assert texts(at.caption)[0] == "3 structure(s)."
    rows = table(at)
    assert sorted(rows.index) == ["Bâti'Insert 95", "Jardins de Cocagne", "Propreté Solidaire"]
    assert rows["A déjà présenté"].to_dict() == {"Bâti'Insert 95": True, "Jardins de Cocagne": False,
                                                  "Propreté Solidaire": False}
    assert rows.loc["Bâti'Insert 95", "Candidatures"] == 2
    assert rows.loc["Bâti'Insert 95", "SIRET"] == siret_for(1)


@pytest.mark.parametrize(("typed", "found"), [
    ("cocagne", ["Jardins de Cocagne"]),
    ("BÂTI", ["Bâti'Insert 95"]),
    (siret_for(3)[:9], ["Propreté Solidaire"]),
    (f"{siret_for(3)[:3]} {siret_for(3)[3:6]} {siret_for(3)[6:9]}", ["Propreté Solidaire"]),  # as written on paper
    ("pontoise", ["Propreté Solidaire"]),
    ("Argenteuil", ["Bâti'Insert 95"]),
    ("introuvable", []),
    ("%", []),
])
def test_annuaire_search_filters_by_name_siret_or_city(directory, typed, found):
    at = search(open_app(directory, PAGE), typed)
    no_exception(at)
    assert sorted(at.dataframe[0].value["Structure"] if at.dataframe else []) == found
    assert texts(at.caption)[0] == f"{len(found)} structure(s)."
    if not found:
        assert texts(at.info) == ["Aucune structure ne correspond à cette recherche."]


def test_annuaire_detail_of_a_structure_lists_its_candidacies_across_editions(directory):
    at = open_app(directory, PAGE)
    choice = by_label(at.selectbox, "Voir le détail d'une structure")
    at = choice.select_index(choice.options.index(f"Bâti'Insert 95 — {siret_for(1)}")).run()
    no_exception(at)
    assert texts(at.subheader) == [escape_md("Bâti'Insert 95")]
    history = at.dataframe[1].value
    assert list(history["Rencontre"]) == [2, 1]  # numbers, newest first
    assert list(history["Issue"]) == [Deliberation.PENDING.label, Deliberation.SELECTED.label]
    assert list(history["Date"]) == [date(2027, 3, 18), date(2025, 3, 20)]


def test_annuaire_table_is_typed(directory):
    frame = open_app(directory, PAGE).dataframe[0].value
    assert str(frame["A déjà présenté"].dtype) == "bool"
    assert str(frame["Candidatures"].dtype) == "int64"
    assert frame.set_index("Structure").loc["Jardins de Cocagne", "Secteurs"] == ["Bâtiment et travaux publics"]


def test_annuaire_lists_names_in_french_order(sqlite_db):
    network = make_network()
    referent = make_user(Role.RESEAU, network_id=network)
    call_id = make_call(networks=(network,))
    for n, name in enumerate(("Zèbre", "Écoles", "Brie", "eco", "Bâti'Insert"), start=1):
        propose(referent, call_id, n, name=name)
    at = open_app(make_user(Role.PILOTE), PAGE)
    assert list(at.dataframe[0].value["Structure"]) == ["Bâti'Insert", "Brie", "eco", "Écoles", "Zèbre"]


def test_annuaire_offers_the_apps_exports_not_streamlits(directory):
    at = open_app(directory, PAGE)
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == ["Télécharger (Excel)", "Télécharger (CSV)"]
    assert all(b.proto.deferred_file_id for b in buttons)  # built on click (content: tests/e2e/test_exports.py)
    # Streamlit's own « Download as CSV » copies formulas as they are: switched off for the app.
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["disableDataExport"] is True


def test_annuaire_is_not_reachable_by_a_network_referent(sqlite_db):
    at = open_app(make_user(Role.RESEAU))
    with pytest.raises(ValueError):
        at.switch_page(PAGE)


# ---------------------------------------------------------------- statements per page


def test_annuaire_statement_count_does_not_grow_with_structures(sqlite_db):
    lead = make_user(Role.PILOTE)
    networks = [make_network(), make_network()]
    referents = [make_user(Role.RESEAU, network_id=n) for n in networks]
    call_id = make_call(networks=tuple(networks))

    def seed(first: int, last: int) -> None:
        for n in range(first, last):
            propose(referents[n % 2], call_id, n, name=f"Structure {n:03d}", sectors=["Bâtiment et travaux publics"])

    seed(1, 6)
    few = statements_on(sqlite_db, lead, PAGE)
    seed(6, 41)
    many = statements_on(sqlite_db, lead, PAGE)
    assert any(s.lstrip().upper().startswith("SELECT") for s in few)
    assert len(many) == len(few), "\n".join(many)


def test_reseau_home_statement_count_does_not_grow_with_candidacies(sqlite_db):
    network = make_network()
    referent = make_user(Role.RESEAU, network_id=network)
    calls = [make_call(make_edition(), networks=(network,)) for _ in range(2)]

    def seed(first: int, last: int) -> None:
        for n in range(first, last):
            propose(referent, calls[n % 2], n, name=f"Structure {n:03d}")

    seed(1, 4)
    few = statements_on(sqlite_db, referent, "pages/reseau/accueil.py")
    seed(4, 31)
    at = open_app(referent, "pages/reseau/accueil.py")
    assert sum(len(df.value) for df in at.dataframe) == 30  # the page does show them all
    many = statements_on(sqlite_db, referent, "pages/reseau/accueil.py")
    assert len(many) == len(few), "\n".join(many)
