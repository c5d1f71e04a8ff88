"""The lead's selection page (AppTest): the balance of the decisions with its numbers, the
waiting list reordered, a proposal under « au plus 1 par réseau » shown as changes and
applied, infeasible limits explained, bad limits refused beside their field, a stale
proposal refused, and the page closed to everyone but the lead."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from core.errors import ValidationFailed
from core.selection import decisions
from db.engine import unit_of_work
from db.models import Call, Deliberation, Role, StructureKind
from tests.core.review.builders import Scene, publish_decisions, score
from tests.core.selection.builders import rows, version
from tests.core.selection.builders import waitlist as listed
from tests.factories import make_user
from tests.pages.conftest import by_label, no_exception, open_app, red, texts
from tests.querycount import counting

PAGE = "pages/pilotage/selection.py"
FORM = "selection-form-{}"
SELECTED, WAITLISTED = Deliberation.SELECTED, Deliberation.WAITLISTED


@pytest.fixture
def scene(sqlite_db):
    """Two pitch slots; Urtie's two candidacies score best, PLIE's ESAT next, then an ACI."""
    scene = Scene()
    with unit_of_work() as session:
        session.get(Call, scene.call).pitch_slots = 2
    scene.bati = scene.candidacy(name="Bâti'Insert 95")
    scene.ecole = scene.candidacy(name="École du Numérique", departement="93")
    scene.esat = scene.candidacy(name="ESAT des Lilas", network=scene.other_network, kind=StructureKind.ESAT,
                                 sectors=("Restauration",))
    scene.jardin = scene.candidacy(name="Jardins de Cocagne", network=scene.other_network, kind=StructureKind.ACI)
    for candidacy, value in ((scene.bati, 5), (scene.ecole, 4), (scene.esat, 3), (scene.jardin, 2)):
        score(scene.alice, candidacy, (value,) * 4, criteria=scene.criteria)
    return scene


def decide(scene, candidacy_id, decision):
    with unit_of_work() as session:
        decisions.decide(session, actor=scene.lead, candidacy_id=candidacy_id,
                         expected_version=version(candidacy_id), decision=decision)


def charts(at) -> dict[str, pd.DataFrame]:
    """Each chart's title → the data it draws."""
    found = {}
    for chart in at.get("vega_lite_chart"):
        (dataset,) = chart.proto.datasets
        found[json.loads(chart.proto.spec)["title"]] = convert_arrow_bytes_to_pandas_df(dataset.data.data)
    return found


def counts(frame: pd.DataFrame, group: str) -> dict[tuple[str, str], int]:
    return {(g, o): int(c) for g, o, c in zip(frame[group], frame["Décision"], frame["Candidatures"], strict=True)}


def plain(elements) -> list[str]:
    """The texts of the elements without the markdown escapes of ui.forms.escape_md."""
    return [text.replace("\\", "") for text in texts(elements)]


def form_input(at, scene, name: str, value: str):
    at.text_input(key=f"{FORM.format(scene.call)}-{name}").input(value)


def propose(at):
    by_label(at.button, "Proposer").click().run()
    no_exception(at)


def test_balance_shows_the_current_decisions_numbers_by_network_kind_and_family(scene):
    decide(scene, scene.bati, SELECTED)
    decide(scene, scene.esat, SELECTED)
    decide(scene, scene.jardin, WAITLISTED)
    at = open_app(scene.lead, PAGE)
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Places de présentation"], metrics["Retenues"], metrics["Sans décision"]) == ("2", "2", "1")
    found = charts(at)
    networks = counts(found["Réseau"], "Réseau")
    names = sorted({g for g, _ in networks})
    assert {networks[(n, "Retenue")] for n in names} == {1} and {networks[(n, "Liste d'attente")] for n in names} \
        == {0, 1}
    kinds = counts(found["Type de structure"], "Type de structure")
    assert kinds[("ESAT", "Retenue")] == 1 and kinds[("ACI", "Liste d'attente")] == 1 and kinds[("EI", "Retenue")] == 1
    family = found["Famille"]
    labels = dict(zip(zip(family["Famille"], family["Décision"], strict=True), family["Libellé"], strict=True))
    assert labels[("Insertion (IAE)", "Retenue")] == "1 (50 %)"
    assert labels[("Handicap (EA, EATT, ESAT)", "Retenue")] == "1 (50 %)"
    assert metrics["Part handicap (EA, EATT, ESAT)"] == "50 %"  # the kinds the share counts, as the chart says
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["layer"][1]["mark"]["type"] == "text"  # the numbers are written on the bars
    assert spec["layer"][0]["encoding"]["x"]["title"] == "Nombre de candidatures"


def test_waiting_list_moves_up_down_and_to_a_rank(scene):
    for candidacy in (scene.ecole, scene.esat, scene.jardin):
        decide(scene, candidacy, WAITLISTED)
    at = open_app(scene.lead, PAGE)
    assert list(at.dataframe[0].value["Structure"]) == ["École du Numérique", "ESAT des Lilas", "Jardins de Cocagne"]
    by_label(at.selectbox, "Candidature à déplacer").set_value(scene.jardin).run()
    at.button(key=f"selection-wait-{scene.call}-up").click().run()
    no_exception(at)
    assert listed(scene.call) == [scene.ecole, scene.jardin, scene.esat]
    at.button(key=f"selection-wait-{scene.call}-down").click().run()
    assert listed(scene.call) == [scene.ecole, scene.esat, scene.jardin]
    by_label(at.text_input, "Nouveau rang").input("1").run()
    at.button(key=f"selection-wait-{scene.call}-set").click().run()
    assert listed(scene.call) == [scene.jardin, scene.ecole, scene.esat]
    assert list(at.dataframe[0].value["Structure"]) == ["Jardins de Cocagne", "École du Numérique", "ESAT des Lilas"]
    by_label(at.text_input, "Nouveau rang").input("9").run()
    at.button(key=f"selection-wait-{scene.call}-set").click().run()
    assert red("Le rang doit être compris entre 1 et 3.") in texts(at.markdown)
    assert listed(scene.call) == [scene.jardin, scene.ecole, scene.esat]


def test_a_move_on_a_list_changed_elsewhere_is_refused_in_french(scene):
    decide(scene, scene.ecole, WAITLISTED)
    decide(scene, scene.esat, WAITLISTED)
    at = open_app(scene.lead, PAGE)
    by_label(at.selectbox, "Candidature à déplacer").set_value(scene.esat).run()
    decide(scene, scene.jardin, WAITLISTED)  # another tab: the shown versions are no longer the stored ones
    decide(scene, scene.jardin, Deliberation.PENDING)
    with unit_of_work() as session:  # and the ESAT itself moved there
        from core.selection import waitlist
        waitlist.move_up(session, actor=scene.lead, candidacy_id=scene.esat, expected_version=version(scene.esat))
    at.button(key=f"selection-wait-{scene.call}-up").click().run()
    assert any("modifiée entre-temps" in e for e in plain(at.error))
    assert listed(scene.call) == [scene.esat, scene.ecole]


def test_proposal_at_most_one_per_network_is_shown_as_changes_and_applied(scene):
    decide(scene, scene.bati, SELECTED)
    decide(scene, scene.ecole, SELECTED)
    at = open_app(scene.lead, PAGE)
    form_input(at, scene, "network", "1")
    form_input(at, scene, "size", "2")
    propose(at)
    assert "au plus 1 par réseau" in texts(at.caption)[0]
    tables = [d.value for d in at.dataframe]
    comes_in, goes_out, stays, proposed_list = tables[-4:]
    assert list(comes_in["Structure"]) == ["ESAT des Lilas"]
    assert list(goes_out["Structure"]) == ["École du Numérique"]
    assert list(stays["Structure"]) == ["Bâti'Insert 95"]
    assert list(proposed_list["Structure"]) == ["École du Numérique", "Jardins de Cocagne"]
    assert str(comes_in["Score"].dtype) == "float64" and str(proposed_list["Rang proposé"].dtype) == "int64"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Perdu par rapport aux meilleurs scores"] == "1,00"  # 5 + 4 against 5 + 3
    proposed = counts(charts(at)["Réseau"], "Réseau")  # the proposed balance is drawn last
    assert sorted(v for (_, o), v in proposed.items() if o == "Retenue") == [1, 1]
    by_label(at.button, "Appliquer la proposition").click().run()
    no_exception(at)
    stored = rows(scene.call)
    assert stored[scene.bati].deliberation == SELECTED and stored[scene.esat].deliberation == SELECTED
    assert listed(scene.call) == [scene.ecole, scene.jardin]
    assert any(s.startswith("Proposition appliquée : 2 candidature(s) retenue(s)") for s in plain(at.success))
    assert not [b for b in at.button if b.label == "Appliquer la proposition"]


def test_infeasible_limits_are_explained_in_french(scene):
    at = open_app(scene.lead, PAGE)
    by_label(at.selectbox, "Type ou famille (1)").set_value("kind:EA")
    form_input(at, scene, "kind1-min", "1")
    propose(at)
    assert plain(at.error) == ["Ces contraintes ne peuvent pas toutes être respectées :\n\n"
                               "- Impossible d'avoir au moins 1 EA : aucune candidature EA."]
    assert not [b for b in at.button if b.label == "Appliquer la proposition"]


def test_bad_limits_get_their_message_beside_the_field_and_nothing_is_proposed(scene):
    at = open_app(scene.lead, PAGE)
    form_input(at, scene, "network", "-1")
    by_label(at.selectbox, "Type ou famille (1)").set_value("family:IAE")
    form_input(at, scene, "kind1-min", "3")
    form_input(at, scene, "kind1-max", "1")
    form_input(at, scene, "dep-max", "2")
    form_input(at, scene, "size", "beaucoup")
    propose(at)
    form = at.get("form")[0]
    shown = texts(form.markdown)
    assert red("Indiquez un nombre entier positif ou nul.") in shown
    assert red("Le maximum (1) est inférieur au minimum (3).") in shown
    assert red("Choisissez un département pour cette contrainte, ou videz ses nombres.") in shown
    assert any(m.startswith(":red[") and "entier" in m for m in shown if "positif" not in m)  # the list's size
    assert f"selection-proposal-{scene.call}" not in at.session_state
    assert not any(c.startswith("Score maximisé") for c in texts(at.caption))
    form_input(at, scene, "network", "1")
    form_input(at, scene, "kind1-max", "")
    form_input(at, scene, "kind1-min", "")
    form_input(at, scene, "dep-max", "")
    propose(at)  # a family chosen with no number, and the waiting-list size, still refused
    assert set(texts(at.get("form")[0].markdown)) == {
        red("Indiquez un minimum, un maximum ou les deux."),
        red("Indiquez un nombre entier, sans virgule ni unité (par exemple 12).")}
    by_label(at.selectbox, "Type ou famille (1)").set_value("")
    form_input(at, scene, "size", "3")
    propose(at)
    assert f"selection-proposal-{scene.call}" in at.session_state


def test_applying_a_proposal_after_the_decisions_changed_is_refused(scene):
    at = open_app(scene.lead, PAGE)
    form_input(at, scene, "network", "1")
    propose(at)
    decide(scene, scene.jardin, Deliberation.NOT_SELECTED)  # in another tab, after the proposal was shown
    before = rows(scene.call)
    by_label(at.button, "Appliquer la proposition").click().run()
    no_exception(at)
    assert any("modifiée entre-temps" in e and e.endswith("La proposition n'a pas été appliquée.")
               for e in plain(at.error))
    assert rows(scene.call) == before
    assert not [b for b in at.button if b.label == "Appliquer la proposition"]


def test_a_proposal_is_dropped_once_the_decisions_change(scene):
    at = open_app(scene.lead, PAGE)
    propose(at)
    assert [b for b in at.button if b.label == "Appliquer la proposition"]
    decide(scene, scene.jardin, Deliberation.NOT_SELECTED)
    at.run()
    assert any("Les décisions ont changé depuis la proposition" in i for i in plain(at.info))
    assert not [b for b in at.button if b.label == "Appliquer la proposition"]


def test_after_publication_the_page_says_so_and_offers_no_proposal(scene):
    decide(scene, scene.ecole, WAITLISTED)
    publish_decisions(scene.call)
    at = open_app(scene.lead, PAGE)
    no_exception(at)
    assert any("décisions de cet appel sont publiées" in i for i in plain(at.info))
    assert not [b for b in at.button if b.label in ("Proposer", "Monter")]
    assert list(at.dataframe[0].value["Structure"]) == ["École du Numérique"]


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_only_the_lead_reaches_the_selection_page(scene, role):
    at = open_app(make_user(role))
    with pytest.raises(ValueError):  # not registered for the role: its URL shows the French refusal
        at.switch_page(PAGE)


def test_selection_page_statement_count_does_not_grow_with_candidacies(sqlite_db):
    scene = Scene()

    def statements() -> int:
        at = open_app(scene.lead, PAGE)
        with counting(sqlite_db) as seen:
            at.run()
        no_exception(at)
        return len(seen)

    def waitlisted(count: int) -> None:
        for _ in range(count):
            decide(scene, scene.candidacy(), WAITLISTED)

    waitlisted(2)
    few = statements()
    waitlisted(20)
    assert statements() == few


def test_a_sector_to_cover_brings_its_best_candidacy_in(scene):
    at = open_app(scene.lead, PAGE)
    by_label(at.multiselect, "Au moins une candidature retenue dans chacun de ces secteurs").select("Restauration")
    propose(at)
    assert "au moins 1 du secteur « Restauration »" in texts(at.caption)[0]
    comes_in, _ = (d.value for d in at.dataframe)  # nobody out, nobody stays: those two are messages
    assert list(comes_in["Structure"]) == ["Bâti'Insert 95", "ESAT des Lilas"]


def test_read_limits_keys_every_message_by_its_line():
    from ui.selection import kind_row, network_row, read_limits

    with pytest.raises(ValidationFailed) as refused:
        read_limits([network_row("network", "x"), None, kind_row("kind1", "kind:EA", "2", "1")], ["Inconnu"])
    assert refused.value.errors == {"network.at_most": "Indiquez un nombre entier positif ou nul.",
                                    "kind1.at_most": "Le maximum (1) est inférieur au minimum (2).",
                                    "sectors": "Secteur inconnu."}
    assert [limit.describe() for limit in read_limits([network_row("network", "1"),
                                                       kind_row("kind2", "family:*", "1", "")], [])] == [
        "au plus 1 par réseau", "au moins 1 par famille"]


def test_the_proposal_can_maximise_the_normalised_score(scene):
    at = open_app(scene.lead, PAGE)
    at.radio(key=f"{FORM.format(scene.call)}-score").set_value("normalised")
    propose(at)
    assert texts(at.caption)[0].startswith("Score maximisé : score normalisé")
    comes_in, _ = (d.value for d in at.dataframe)
    assert list(comes_in["Structure"]) == ["Bâti'Insert 95", "École du Numérique"]
    # Alice's totals 5, 4, 3, 2 as z-scores (mean 3.5, spread √1.25), not the totals themselves
    assert [round(v, 3) for v in comes_in["Score"]] == [round(1.5 / 1.25 ** 0.5, 3), round(0.5 / 1.25 ** 0.5, 3)]


def test_a_move_after_the_chosen_candidacy_left_the_list_elsewhere_moves_nobody(scene):
    for candidacy in (scene.ecole, scene.esat, scene.jardin):
        decide(scene, candidacy, WAITLISTED)
    at = open_app(scene.lead, PAGE)
    by_label(at.selectbox, "Candidature à déplacer").set_value(scene.jardin).run()
    decide(scene, scene.jardin, SELECTED)  # another tab retains it
    at.run()  # any rerun (the rank typed...) before the click
    assert by_label(at.selectbox, "Candidature à déplacer").value == scene.jardin  # not the list's head
    at.button(key=f"selection-wait-{scene.call}-down").click().run()
    no_exception(at)
    assert listed(scene.call) == [scene.ecole, scene.esat]
    assert red("Cette candidature n'est pas sur la liste d'attente.") in texts(at.markdown)
    assert by_label(at.selectbox, "Candidature à déplacer").value == scene.jardin


def test_a_refused_form_withdraws_the_proposal_shown_before(scene):
    at = open_app(scene.lead, PAGE)
    propose(at)
    assert [b for b in at.button if b.label == "Appliquer la proposition"]
    form_input(at, scene, "size", "99")
    propose(at)
    assert red("Indiquez un nombre entre 0 et 50.") in texts(at.get("form")[0].markdown)
    assert not [b for b in at.button if b.label == "Appliquer la proposition"]  # not the former limits' one
    assert not any(c.startswith("Score maximisé") for c in texts(at.caption))


def test_a_proposal_is_dropped_once_the_call_pitch_slots_change(scene):
    at = open_app(scene.lead, PAGE)
    propose(at)  # two places: two come in
    with unit_of_work() as session:  # the call edited in another tab: three places now
        session.get(Call, scene.call).pitch_slots = 3
    at.run()
    no_exception(at)
    assert any("places de présentation ont changé" in i for i in plain(at.info))
    assert not [b for b in at.button if b.label == "Appliquer la proposition"]
    assert not any(c.startswith("Score maximisé") for c in texts(at.caption))


def test_a_sector_or_departement_asked_stays_asked_once_its_last_candidacy_is_withdrawn(scene):
    from db.models import Candidacy, Submission

    at = open_app(scene.lead, PAGE)
    sectors = "Au moins une candidature retenue dans chacun de ces secteurs"
    by_label(at.multiselect, sectors).select("Restauration")
    by_label(at.selectbox, "Département").set_value("93")
    form_input(at, scene, "dep-min", "1")
    propose(at)
    with unit_of_work() as session:  # withdrawn by their network meanwhile: the only ESAT (Restauration), the 93
        session.get(Candidacy, scene.esat).submission = Submission.WITHDRAWN
        session.get(Candidacy, scene.ecole).submission = Submission.WITHDRAWN
    at.run()
    assert by_label(at.multiselect, sectors).value == ["Restauration"]  # not dropped without a word
    assert by_label(at.selectbox, "Département").value == "93"
    propose(at)
    (refusal,) = plain(at.error)
    assert "Restauration" in refusal and "93" in refusal


def test_a_move_after_the_chosen_candidacy_was_withdrawn_moves_nobody(scene):
    from db.models import Candidacy, Submission

    for candidacy in (scene.ecole, scene.esat, scene.jardin):
        decide(scene, candidacy, WAITLISTED)
    at = open_app(scene.lead, PAGE)
    by_label(at.selectbox, "Candidature à déplacer").set_value(scene.jardin).run()
    with unit_of_work() as session:  # its network withdraws it: it leaves the list and the page's candidates
        row = session.get(Candidacy, scene.jardin)
        row.submission, row.deliberation, row.waitlist_rank = Submission.WITHDRAWN, Deliberation.PENDING, None
        row.version += 1
    at.run()
    box = by_label(at.selectbox, "Candidature à déplacer")
    assert box.value == scene.jardin and "Jardins de Cocagne" in box.format_func(box.value)
    at.button(key=f"selection-wait-{scene.call}-down").click().run()
    no_exception(at)
    assert listed(scene.call) == [scene.ecole, scene.esat]
    assert any("modifiée entre-temps" in e for e in plain(at.error))


def test_no_act_once_the_session_is_revoked_in_another_tab(scene):
    from core.accounts import sessions
    from ui.session import TEST_TOKEN_KEY

    decide(scene, scene.ecole, WAITLISTED)
    decide(scene, scene.esat, WAITLISTED)
    at = open_app(scene.lead, PAGE)
    propose(at)
    before = rows(scene.call)
    with unit_of_work() as session:  # signed out in another tab (or the account disabled): the session is revoked
        sessions.sign_out(session, at.session_state[TEST_TOKEN_KEY])
    by_label(at.button, "Appliquer la proposition").click().run()
    no_exception(at)
    assert rows(scene.call) == before
    at = open_app(scene.lead, PAGE)
    by_label(at.selectbox, "Candidature à déplacer").set_value(scene.esat).run()
    with unit_of_work() as session:
        sessions.sign_out(session, at.session_state[TEST_TOKEN_KEY])
    at.button(key=f"selection-wait-{scene.call}-up").click().run()
    no_exception(at)
    assert listed(scene.call) == [scene.ecole, scene.esat]
