"""ui.charts: bars drawn from a table's own frame, in its order, with their numbers."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
from streamlit.testing.v1 import AppTest

from ui.charts import KEPT_SPECS, data_key, horizontal_bars

FRAME = pd.DataFrame({"Réseau": ["Brie", "Brie", "Urtie", "Zèbre"],
                      "Statut": ["Brouillon", "Déposée", "Retirée", "Déposée"],
                      "Candidatures": [2, 3, 1, 0]})


def test_horizontal_bars_stacked_by_status_are_labelled_with_their_total():
    spec = horizontal_bars(FRAME, category="Réseau", value="Candidatures", value_title="Candidatures",
                           colour="Statut").to_dict()
    bars, labels = (layer["encoding"] for layer in spec["layer"])
    assert bars["color"]["field"] == "Statut" and bars["color"]["sort"] == ["Brouillon", "Déposée", "Retirée"]
    assert bars["y"]["sort"] == ["Brie", "Urtie", "Zèbre"]  # each name once, in the frame's order
    # one label per bar, its total: the text layer is not split by status
    assert "color" not in labels and (labels["text"]["field"], labels["text"]["aggregate"]) == ("Candidatures", "sum")
    assert [t["field"] for t in bars["tooltip"]] == ["Réseau", "Statut", "Candidatures"]


def test_horizontal_bars_leave_room_for_the_longest_label():
    spec = horizontal_bars(FRAME, category="Réseau", value="Candidatures", value_title="Candidatures").to_dict()
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == [0, 5 * 1.2]  # Brie: 2 + 3
    empty = FRAME.assign(Candidatures=0)
    spec = horizontal_bars(empty, category="Réseau", value="Candidatures", value_title="Candidatures").to_dict()
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"] == [0, 1.2]


# ---------------------------------------------------------------- the spec kept per data

BUILT: list[str] = []  # one entry each time `counted_bars` really builds a chart


def counted_bars(frame: pd.DataFrame, title: str) -> alt.LayerChart:
    BUILT.append(title)
    return horizontal_bars(frame, category="Réseau", value="Candidatures", value_title=title)


def _charts(at: AppTest) -> list:
    def walk(node, found):
        for child in getattr(node, "children", {}).values():
            walk(child, found)
        if getattr(node, "type", "") == "vega_lite_chart":
            found.append(node.proto)
        return found
    return walk(at._tree, [])


def _draw(frame: pd.DataFrame, title: str = "Candidatures") -> AppTest:
    def script(frame, title):
        import streamlit as st

        from tests.pages.test_charts import counted_bars, horizontal_bars
        from ui.charts import show_chart

        st.altair_chart(horizontal_bars(frame, category="Réseau", value="Candidatures", value_title=title),
                        width="stretch", alt="Les réseaux")
        show_chart(counted_bars, frame, title, description="Les réseaux")
    at = AppTest.from_function(script, args=(frame, title)).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_show_chart_sends_what_altair_chart_sends_and_builds_once_per_data():
    KEPT_SPECS.clear()
    BUILT.clear()
    direct, kept = _charts(_draw(FRAME))
    assert direct == kept  # same spec, datasets and description as st.altair_chart
    assert json.loads(kept.spec)["layer"][0]["encoding"]["y"]["sort"] == ["Brie", "Urtie", "Zèbre"]
    again = _charts(_draw(FRAME.copy()))[1]  # an equal frame, another object: drawn from the kept spec
    assert again == kept and BUILT == ["Candidatures"]
    changed = FRAME.assign(Candidatures=[2, 3, 1, 4])  # one count moved: built anew, with the new data
    direct, kept = _charts(_draw(changed))
    assert direct == kept and kept.datasets != again.datasets and len(BUILT) == 2
    _draw(FRAME, title="Autre titre")
    assert len(BUILT) == 3


def test_data_key_follows_every_cell_name_and_type():
    key = data_key("bars", (FRAME, "Réseau"), {"colour": None})
    assert data_key("bars", (FRAME.copy(), "Réseau"), {"colour": None}) == key
    others = [
        data_key("bars", (FRAME.assign(Candidatures=[2, 3, 1, 1]), "Réseau"), {"colour": None}),
        data_key("bars", (FRAME.rename(columns={"Statut": "État"}), "Réseau"), {"colour": None}),
        data_key("bars", (FRAME.astype({"Candidatures": "float64"}), "Réseau"), {"colour": None}),
        data_key("bars", (FRAME, "Statut"), {"colour": None}),
        data_key("bars", (FRAME, "Réseau"), {"colour": "Statut"}),
        data_key("other", (FRAME, "Réseau"), {"colour": None}),
    ]
    assert len({key, *others}) == 7


def test_show_chart_refuses_a_builder_that_closes_over_its_data():
    """The kept spec is keyed on the builder's arguments: data a closure holds would be left
    out of the key, and a second programme would be drawn with the first one's spec."""
    def script(frame):
        import streamlit as st

        from tests.pages.test_charts import horizontal_bars
        from ui.charts import show_chart

        try:
            show_chart(lambda: horizontal_bars(frame, category="Réseau", value="Candidatures"), description="x")
        except TypeError as error:
            st.write(str(error))
    at = AppTest.from_function(script, args=(FRAME,)).run()
    assert "passez ses données en arguments" in at.markdown[0].value
    assert _charts(at) == []


def timeline_items(start):
    from datetime import timedelta
    from types import SimpleNamespace

    from db.models import ItemKind

    return [SimpleNamespace(title=title, kind=kind, room=None, starts_at=start + timedelta(minutes=offset),
                            ends_at=start + timedelta(minutes=offset + 30))
            for title, kind, offset in (("Accueil", ItemKind.WELCOME, 0), ("Plénière", ItemKind.PLENARY, 30))]


def test_two_programmes_timelines_are_drawn_each_from_its_own_items():
    from datetime import UTC, datetime

    def script(first, second):
        from ui.programme import show_timeline

        show_timeline(first)
        show_timeline(second)
    early = timeline_items(datetime(2027, 3, 18, 8, tzinfo=UTC))
    late = timeline_items(datetime(2027, 3, 18, 10, tzinfo=UTC))
    at = AppTest.from_function(script, args=(early, late)).run()
    assert not at.exception, [e.message for e in at.exception]
    first, second = _charts(at)
    assert first.datasets != second.datasets
