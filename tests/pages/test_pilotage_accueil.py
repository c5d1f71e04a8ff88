"""The project lead's dashboard: each current call's breakdowns, in French order, typed,
each beside its bar chart, with the app's exports (Streamlit's own CSV download is off
for the app)."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from core.candidacies import saving
from db.engine import unit_of_work
from db.models import Role
from tests.factories import complete_form, make_call, make_edition, make_network, make_user
from tests.pages.conftest import no_exception, open_app

PAGE = "pages/pilotage/accueil.py"
NAMES = ("Zèbre", "Écoles", "Brie", "eco", "Bâti'Insert")


def charts(at) -> list[tuple[pd.DataFrame, dict]]:
    """Each Altair chart of the page: the data it draws, and its Vega-Lite spec."""
    found = []
    for chart in at.get("vega_lite_chart"):
        (dataset,) = chart.proto.datasets
        found.append((convert_arrow_bytes_to_pandas_df(dataset.data.data), json.loads(chart.proto.spec)))
    return found


def encodings(spec: dict) -> list[dict]:
    return [layer["encoding"] for layer in spec["layer"]]


def test_dashboard_breakdowns_list_networks_in_french_order_with_exports(sqlite_db):
    networks = [make_network(name) for name in NAMES]
    call_id = make_call(make_edition(3), networks=tuple(networks))
    with unit_of_work() as session:
        saving.save(session, actor=make_user(Role.RESEAU, network_id=networks[2]), call_id=call_id,
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


def test_dashboard_breakdowns_each_have_a_bar_chart_of_the_same_numbers(sqlite_db):
    networks = [make_network(name) for name in NAMES]
    call_id = make_call(make_edition(3), networks=tuple(networks))
    brie, ecoles = (make_user(Role.RESEAU, network_id=networks[i]) for i in (2, 1))
    with unit_of_work() as session:
        for referent, siret, kind, departement in ((brie, "73282932000074", "EI", "95"),
                                                   (brie, "35600000009075", "ESAT", "77"),
                                                   (ecoles, "44306184100047", "EI", "95")):
            saving.save(session, actor=referent, call_id=call_id, submit=True,
                        form=complete_form(siret=siret, kind=kind, departement=departement,
                                           postcode=f"{departement}000"))
    at = open_app(make_user(Role.PILOTE), PAGE)
    no_exception(at)
    tables = [df.value for df in at.dataframe[:3]]
    found = charts(at)
    assert len(found) == 3
    for table, (data, spec) in zip(tables, found, strict=True):
        heading = table.columns[0]
        pd.testing.assert_frame_equal(data, table)  # the table's own frame: same rows, same order
        bars, labels = encodings(spec)
        assert spec["layer"][0]["mark"]["type"] == "bar" and bars["y"]["field"] == heading  # horizontal
        assert bars["y"]["sort"] == list(table[heading])  # sorted as the table is
        assert (bars["y"]["title"], bars["x"]["title"]) == (heading, "Candidatures déposées")
        assert spec["layer"][1]["mark"]["type"] == "text" and labels["text"]["field"] == "Déposées"
    assert list(found[0][0]["Déposées"]) == [0, 2, 0, 1, 0]  # Bâti'Insert, Brie, eco, Écoles, Zèbre
    assert found[1][0].to_dict("list") == {"Type": ["EI", "ESAT"], "Déposées": [2, 1]}


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
    assert not charts(at)  # bars of zero say nothing the table does not
