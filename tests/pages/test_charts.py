"""ui.charts: bars drawn from a table's own frame, in its order, with their numbers."""

from __future__ import annotations

import pandas as pd

from ui.charts import horizontal_bars

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
