"""The project lead's dashboard: each current call's breakdowns, in French order, typed,
with the app's exports (Streamlit's own CSV download is off for the app)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from core import candidacies
from db.engine import unit_of_work
from db.models import Role
from tests.factories import complete_form, make_call, make_edition, make_network, make_user
from tests.pages.conftest import no_exception, open_app

PAGE = "pages/pilotage/accueil.py"
NAMES = ("Zèbre", "Écoles", "Brie", "eco", "Bâti'Insert")


def test_dashboard_breakdowns_list_networks_in_french_order_with_exports(sqlite_db):
    networks = [make_network(name) for name in NAMES]
    call_id = make_call(make_edition(3), networks=tuple(networks))
    with unit_of_work() as session:
        candidacies.save(session, actor=make_user(Role.RESEAU, network_id=networks[2]), call_id=call_id,
                         form=complete_form(), submit=True)
    at = open_app(make_user(Role.PILOTE), PAGE)
    no_exception(at)
    by_network, by_kind, by_departement = (df.value for df in at.dataframe[:3])
    assert list(by_network["Réseau"]) == ["Bâti'Insert", "Brie", "eco", "Écoles", "Zèbre"]
    assert list(by_network["Déposées"]) == [0, 1, 0, 0, 0]
    assert str(by_network["Déposées"].dtype) == "int64"
    assert by_kind.to_dict("list") == {"Type": ["EI"], "Déposées": [1]}
    assert by_departement.to_dict("list") == {"Département": ["95"], "Déposées": [1]}
    # the call's breakdowns, then the table of every call
    assert [b.proto.label for b in at.get("download_button")] == ["Télécharger (Excel)", "Télécharger (CSV)"] * 2


def test_dashboard_lists_every_call_with_typed_dates(sqlite_db):
    make_call(make_edition(4))
    calls = open_app(make_user(Role.PILOTE), PAGE).dataframe[-1].value
    for column in ("Ouverture", "Clôture"):
        assert isinstance(calls[column].dtype, pd.DatetimeTZDtype) and str(calls[column].dt.tz) == "Europe/Paris"
    assert calls["Date"].tolist() == [date(2027, 3, 18)]


def test_dashboard_breakdowns_without_candidacies_say_so_in_french(sqlite_db):
    make_call(networks=(make_network("Urtie"),))
    at = open_app(make_user(Role.PILOTE), PAGE)
    no_exception(at)
    assert [m.value for m in at.info] == ["Aucune candidature déposée."] * 2  # kinds, départements
    assert at.dataframe[0].value.to_dict("list") == {"Réseau": ["Urtie"], "Déposées": [0]}
