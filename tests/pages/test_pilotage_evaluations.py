"""The lead's review board (AppTest): typed columns and weighted totals, sort by weighted or
normalised, filters and search, a selected row's detail, exports, and a statement count
that does not grow with the candidacies."""

from __future__ import annotations

import json

import pytest

from core.review import reviews
from core.selection import decisions
from db.engine import read_only, unit_of_work
from db.models import Call, Candidacy, Deliberation
from tests.core.review.builders import Scene, bulk_reviews, publish_decisions, score
from tests.pages.conftest import ROOM_AT_1400, TICKS, by_label, no_exception, open_app, shown_widths, texts
from tests.querycount import counting

PAGE = "pages/pilotage/evaluations.py"


@pytest.fixture
def scene(sqlite_db):
    scene = Scene()
    scene.bati = scene.candidacy(name="Bâti'Insert 95", siret="73282932000074")
    scene.ecole = scene.candidacy(name="École du Numérique", network=scene.other_network)
    scene.jardin = scene.candidacy(name="Jardins de Cocagne")
    score(scene.alice, scene.bati, (5, 4, 3, 2), criteria=scene.criteria, comment="Solide")  # 31 / 8
    score(scene.bruno, scene.bati, (3, 3, 3, 3), criteria=scene.criteria)
    score(scene.alice, scene.ecole, (2, 2, 2, 2), criteria=scene.criteria)
    score(scene.bruno, scene.ecole, (5, 5, 5, 5), criteria=scene.criteria)
    return scene


def table(at):
    return at.dataframe[0].value


def test_board_shows_typed_weighted_totals_sorted_best_first(scene):
    at = open_app(scene.lead, PAGE)
    no_exception(at)
    frame = table(at)
    # École (2 and 5: 3.5) before Bâti (31/8 and 3: 3.44); Jardins, without reviews, last
    assert list(frame["Structure"]) == ["École du Numérique", "Bâti'Insert 95", "Jardins de Cocagne"]
    assert list(frame["Note pondérée"])[:2] == [3.5, round((31 / 8 + 3) / 2, 2)]
    assert frame["Note pondérée"].isna().tolist()[2]
    assert str(frame["Évaluations"].dtype) == "int64" and str(frame["Note pondérée"].dtype) == "float64"
    assert str(frame["Rang normalisé"].dtype) == "Int64"
    assert list(frame["Évaluations"]) == [2, 2, 0] and list(frame["Attendues"]) == [2, 2, 2]
    assert list(frame["Contestée"]) == [True, False, False]  # 2 and 5: spread 3
    assert "Adéquation avec le thème (moy.)" in frame.columns
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["Note pondérée"]["type_config"] == {"type": "progress", "format": "%.2f", "min_value": 1.0,
                                                      "max_value": 5.0}
    assert config["Avancement"]["type_config"]["type"] == "progress"
    assert config["Déposée le"]["type_config"]["type"] == "datetime"


def test_board_s_essential_columns_fit_beside_the_sidebar_at_1400_px(scene):
    at = open_app(scene.lead, PAGE)
    widths = shown_widths(at.dataframe[0])
    assert list(widths) == ["Structure", "Note pondérée", "Rang normalisé", "Avancement", "Évaluations", "Écart",
                            "Contestée", "Réseau", "Décision"]
    assert sum(widths.values()) + TICKS <= ROOM_AT_1400
    config = json.loads(at.dataframe[0].proto.columns)
    assert config["Note pondérée"]["label"] == "Note" and "Note pondérée" in config["Note pondérée"]["help"]
    # the others stay in the data (the column menu shows them again, the exports keep them)
    assert {"Score normalisé", "Type", "Dépt", "Secteurs", "SIRET"} <= set(table(at).columns)


def test_board_sorts_by_the_normalised_rank_when_asked(scene):
    at = open_app(scene.lead, PAGE)
    by_label(at.radio, "Trier par").set_value("normalised").run()
    no_exception(at)
    frame = table(at)
    # Alice scored Bâti above École, Bruno the reverse: a tie on the normalised score.
    assert list(frame["Rang normalisé"])[:2] == [1, 1]
    assert list(frame["Structure"]) == ["Bâti'Insert 95", "École du Numérique", "Jardins de Cocagne"]


def test_board_filters_contested_and_searches_name_and_siret(scene):
    at = open_app(scene.lead, PAGE)
    by_label(at.checkbox, "Contestées seulement (écart ≥ 2)").check().run()
    assert list(table(at)["Structure"]) == ["École du Numérique"]
    by_label(at.checkbox, "Contestées seulement (écart ≥ 2)").uncheck().run()
    by_label(at.text_input, "Rechercher (nom de la structure ou SIRET)").input("732 829 320").run()
    assert list(table(at)["Structure"]) == ["Bâti'Insert 95"]
    by_label(at.text_input, "Rechercher (nom de la structure ou SIRET)").input("jardins").run()
    assert list(table(at)["Structure"]) == ["Jardins de Cocagne"]
    by_label(at.text_input, "Rechercher (nom de la structure ou SIRET)").input("").run()
    by_label(at.selectbox, "Avancement").set_value(False).run()
    assert list(table(at)["Structure"]) == ["Jardins de Cocagne"]
    assert texts(at.caption)[0].startswith("1 candidature(s) sur 3")


def test_filter_options_are_in_french_and_multiselects_have_no_select_all(scene):
    at = open_app(scene.lead, PAGE)
    for label in ("Réseau", "Type", "Département", "Secteur"):
        box = by_label(at.multiselect, label)
        assert box.proto.placeholder == "Tous"
    assert by_label(at.multiselect, "Secteur").options == ["Bâtiment et travaux publics"]


def test_selecting_a_row_opens_its_detail_with_reviews_and_history(scene):
    with unit_of_work() as session:
        reviews.abstain(session, actor=scene.alice, candidacy_id=scene.jardin, reason="Ancienne salariée",
                        expected_version=None)
    at = open_app(scene.lead, PAGE)
    at.session_state[f"board-{scene.call}"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    no_exception(at)
    assert texts(at.subheader) == ["Bâti'Insert 95"]  # the second row of the board as sorted
    reviews_shown = at.dataframe[1].value
    assert sorted(reviews_shown["Commentaire pour la cheffe de projet"].fillna("")) == ["", "Solide"]
    assert list(reviews_shown["État"]) == ["Soumise", "Soumise"]
    history = at.dataframe[2].value
    assert list(history["Action"]) == ["Évaluation soumise", "Évaluation soumise"]


def test_selecting_several_rows_says_to_pick_one(scene):
    at = open_app(scene.lead, PAGE)
    at.session_state[f"board-{scene.call}"] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    assert "2 candidatures sélectionnées : cochez-en une seule pour voir son détail." in texts(at.info)


def test_board_offers_the_app_s_exports_of_the_board_and_of_every_review(scene):
    at = open_app(scene.lead, PAGE)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Télécharger (Excel)", "Télécharger (CSV)"] * 2


def test_a_reviewer_cannot_open_the_board(scene):
    at = open_app(scene.alice)
    with pytest.raises(ValueError):
        at.switch_page(PAGE)


def test_board_page_statement_count_does_not_grow_with_candidacies(sqlite_db):
    scene = Scene()

    def statements() -> int:
        at = open_app(scene.lead, PAGE)
        with counting(sqlite_db) as seen:
            at.run()
        no_exception(at)
        return len(seen)

    bulk_reviews(scene.call, scene.network, [scene.alice, scene.bruno], scene.criteria, 3)
    few = statements()
    bulk_reviews(scene.call, scene.network, [scene.alice, scene.bruno], scene.criteria, 47)
    assert statements() == few


def test_a_ticked_row_never_points_to_another_candidacy_once_the_rows_change(scene):
    at = open_app(scene.lead, PAGE)
    at.session_state[f"board-{scene.call}"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert texts(at.subheader) == ["Bâti'Insert 95"]
    # The search leaves other rows: the position ticked would now be another candidacy.
    by_label(at.text_input, "Rechercher (nom de la structure ou SIRET)").input("ns").run()  # Bâti, Jardins
    no_exception(at)
    assert texts(at.subheader) in ([], ["Bâti'Insert 95"])


# ---------------------------------------------------------------- decisions


def ticked(at, call_id, rows):
    at.session_state[f"board-{call_id}"] = {"selection": {"rows": rows, "columns": [], "cells": []}}
    at.run()
    no_exception(at)
    return at


def outcomes(*ids):
    with read_only() as session:
        return [(c.deliberation, c.waitlist_rank) for c in (session.get(Candidacy, i) for i in ids)]


PENDING = (Deliberation.PENDING, None)


def test_the_bulk_bar_retains_exactly_the_ticked_rows(scene):
    at = ticked(open_app(scene.lead, PAGE), scene.call, [0, 1])  # École, Bâti
    at.button(key=f"bulk-{scene.call}-selected").click().run()
    no_exception(at)
    assert outcomes(scene.ecole, scene.bati, scene.jardin) == [(Deliberation.SELECTED, None)] * 2 + [PENDING]
    assert texts(at.success) == ["Décision « Retenue » enregistrée pour 2 candidatures."]
    assert list(table(at)["Décision"].fillna("")) == ["Retenue", "Retenue", ""]


def test_the_bulk_bar_refuses_beyond_the_pitch_slots_in_french_and_writes_nothing(scene):
    with unit_of_work() as session:
        session.get(Call, scene.call).pitch_slots = 1
    at = ticked(open_app(scene.lead, PAGE), scene.call, [0, 1])
    at.button(key=f"bulk-{scene.call}-selected").click().run()
    no_exception(at)
    [message] = texts(at.error)
    assert "Le nombre de places de présentation est atteint" in message and "rien n'a été enregistré" in message
    assert outcomes(scene.ecole, scene.bati) == [PENDING, PENDING]
    assert not at.success


def test_the_bulk_bar_refuses_a_row_changed_since_it_was_shown(scene):
    at = ticked(open_app(scene.lead, PAGE), scene.call, [0, 1])
    with read_only() as session:
        version = session.get(Candidacy, scene.bati).version
    with unit_of_work() as session:  # a colleague's decision after the page was drawn
        decisions.decide(session, actor=scene.lead, candidacy_id=scene.bati, expected_version=version,
                         decision=Deliberation.NOT_SELECTED)
    at.button(key=f"bulk-{scene.call}-selected").click().run()
    no_exception(at)
    [message] = texts(at.error)
    assert message.startswith("Cette décision a été modifiée entre")
    assert outcomes(scene.ecole, scene.bati) == [PENDING, (Deliberation.NOT_SELECTED, None)]


def test_no_decision_once_the_session_is_revoked_in_another_tab(scene):
    # A button's callback runs before the top of the script checks the session again.
    from core.accounts import sessions
    from ui.session import TEST_TOKEN_KEY

    at = ticked(open_app(scene.lead, PAGE), scene.call, [0, 1])
    with unit_of_work() as session:  # signed out in another tab (or the account disabled)
        sessions.sign_out(session, at.session_state[TEST_TOKEN_KEY])
    at.button(key=f"bulk-{scene.call}-selected").click().run()
    no_exception(at)
    assert outcomes(scene.ecole, scene.bati) == [PENDING, PENDING]
    at = ticked(open_app(scene.lead, PAGE), scene.call, [1])
    by_label(at.radio, "Décision").set_value(Deliberation.SELECTED).run()
    with unit_of_work() as session:
        sessions.sign_out(session, at.session_state[TEST_TOKEN_KEY])
    at.button(key=f"decision-{scene.bati}-1-save").click().run()
    no_exception(at)
    assert outcomes(scene.bati) == [PENDING]


def test_the_detail_puts_a_candidacy_on_the_waiting_list_at_the_rank_chosen(scene):
    with unit_of_work() as session:
        decisions.decide(session, actor=scene.lead, candidacy_id=scene.ecole, expected_version=1,
                         decision=Deliberation.WAITLISTED)
    at = ticked(open_app(scene.lead, PAGE), scene.call, [1])  # Bâti
    assert texts(at.subheader) == ["Bâti'Insert 95"]
    assert not [b for b in at.button if b.key and b.key.startswith("bulk-")]  # one row: its own control
    by_label(at.radio, "Décision").set_value(Deliberation.WAITLISTED).run()
    by_label(at.number_input, "Rang sur la liste d'attente").set_value(1).run()
    at.button(key=f"decision-{scene.bati}-1-save").click().run()
    no_exception(at)
    assert outcomes(scene.bati, scene.ecole) == [(Deliberation.WAITLISTED, 1), (Deliberation.WAITLISTED, 2)]
    assert texts(at.success) == ["Décision enregistrée."]
    assert list(table(at)["Décision"])[:2] == ["Liste d'attente (2)", "Liste d'attente (1)"]
    assert by_label(at.radio, "Décision").value == Deliberation.WAITLISTED  # the stored decision, shown again


def test_the_detail_rank_stops_at_the_end_of_the_list_and_empty_means_last(scene):
    at = ticked(open_app(scene.lead, PAGE), scene.call, [1])
    by_label(at.radio, "Décision").set_value(Deliberation.WAITLISTED).run()
    rank = by_label(at.number_input, "Rang sur la liste d'attente")
    assert rank.max == 1  # an empty list: Bâti can only be first
    at.button(key=f"decision-{scene.bati}-1-save").click().run()
    assert outcomes(scene.bati) == [(Deliberation.WAITLISTED, 1)]  # empty rank: last, here first


def test_after_publication_the_controls_give_way_to_the_publication_page(scene):
    publish_decisions(scene.call)
    at = ticked(open_app(scene.lead, PAGE), scene.call, [0, 1])
    assert not [b for b in at.button if b.key and b.key.startswith("bulk-")]
    assert any("« Publication des décisions »" in t for t in texts(at.info))
    ticked(at, scene.call, [1])
    assert not [b for b in at.button if b.key and b.key.startswith("decision-")]
    assert any("« Publication des décisions »" in t for t in texts(at.info))


def test_a_reviewer_sees_no_decision_control_anywhere(scene):
    at = open_app(scene.alice)
    with pytest.raises(ValueError):  # the board is not in her menu
        at.switch_page(PAGE)
    at = open_app(scene.alice, "pages/evaluateur/evaluer.py")
    no_exception(at)
    assert not [b for b in at.button if b.key and b.key.startswith(("bulk-", "decision-"))]
    assert "Enregistrer la décision" not in [b.label for b in at.button]


def test_a_decision_clicked_after_the_call_was_published_meanwhile_is_refused_in_french(scene):
    at = ticked(open_app(scene.lead, PAGE), scene.call, [1])
    publish_decisions(scene.call)  # in another tab, after this page was drawn
    at.button(key=f"decision-{scene.bati}-1-save").click().run()
    no_exception(at)
    [message] = texts(at.error)
    assert message.startswith("Les décisions de cet appel sont publiées")
    assert outcomes(scene.bati) == [PENDING] and not at.success


def test_the_figures_shown_and_exported_round_every_half_up():
    # pandas rounds halves to even in binary: 4.625 showed as 4.62 while 2.875 showed as 2.88.
    import pandas as pd

    from core.review.facts import CriterionInfo
    from ui.review import reviews_view

    reviews = pd.DataFrame({"candidacy_id": [1, 2], "reviewer": ["Alice", "Bruno"], "total": [4.625, 2.875],
                            "criterion_7": [5, 3]})
    view = reviews_view(reviews, pd.Series({1: "Bâti", 2: "École"}), [CriterionInfo(7, "Thème", None, 1)])
    assert list(view["Note pondérée"]) == [4.63, 2.88]
