"""Editions and calls of the project lead: create an edition (each message next to its
field), create a call with its defaults, open it, follow the counts per network,
extend it, close it. Other roles cannot reach the page, and core refuses them."""

from __future__ import annotations

import json
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from core.calls import calls, editions
from core.calls.calls import DEFAULT_CRITERIA, CallData
from core.calls.editions import EditionData
from core.candidacies import saving
from core.clock import to_paris, utcnow
from core.errors import NotAllowed, StaleEdit
from core.reference import ILE_DE_FRANCE, STRUCTURE_KINDS
from db.engine import read_only, unit_of_work
from db.models import Call, CallState, Candidacy, Edition, Review, Role, Structure, StructureKind, Submission
from tests.factories import complete_form, make_network, make_user
from tests.pages.conftest import by_label, no_exception, open_app, red, texts
from tests.pages.test_reseau_candidature import siret_for
from ui.forms import escape_md

PAGE = "pages/pilotage/appels.py"
EVENT_DAY = date.today() + timedelta(days=60)


@pytest.fixture
def lead(sqlite_db):
    return make_user(Role.PILOTE)


def column_with(block, label: str):
    """The column of `block` holding the widget labelled `label`."""
    for column in block.columns if hasattr(block, "columns") else []:
        if any(getattr(child, "label", None) == label for child in column.children.values()):
            return column
    raise AssertionError(f"no column holds {label!r}")


def message_under(column, label: str) -> str | None:
    children = list(column.children.values())
    index = next(i for i, c in enumerate(children) if getattr(c, "label", None) == label)
    following = children[index + 1] if index + 1 < len(children) else None
    return following.value if following is not None and type(following).__name__ == "Markdown" else None


def fill_edition(at, *, start=time(9), end=time(12, 30), number=1, title="Rencontre de printemps"):
    form = at.expander[0]
    by_label(form.number_input, "Numéro *").set_value(number)
    by_label(form.text_input, "Titre *").input(title)
    by_label(form.date_input, "Date *").set_value(EVENT_DAY)
    by_label(form.time_input, "Début *").set_value(start)
    by_label(form.time_input, "Fin *").set_value(end)
    by_label(form.text_input, "Lieu").input("Salle des fêtes")
    by_label(form.text_input, "Ville d'accueil *").input("Argenteuil")
    return by_label(form.button, "Enregistrer la rencontre").click().run()


def make_edition_through_core(lead, number: int = 1) -> int:
    with unit_of_work() as session:
        return editions.save_edition(session, actor=lead, data=EditionData(
            number=number, title="Rencontre de printemps", event_date=EVENT_DAY, start_time=time(9),
            end_time=time(12, 30), city="Argenteuil"))


def call_form(at):
    return next(e for e in at.expander if e.label in ("Nouvel appel", "Modifier l'appel"))


def the_call() -> Call:
    with read_only() as session:
        call = session.scalars(select(Call)).one()
        session.expunge(call)
        return call


# ---------------------------------------------------------------- editions


def test_appels_edition_with_end_before_start_shows_the_message_under_the_field(lead):
    at = open_app(lead, PAGE)
    no_exception(at)
    assert texts(at.title) == ["Rencontres et appels"]
    assert [e.label for e in at.expander] == ["Nouvelle rencontre"]
    at = fill_edition(at, start=time(14), end=time(10))
    no_exception(at)
    assert texts(at.error) == [escape_md("Certains champs sont à corriger.")]
    assert message_under(column_with(at.expander[0], "Fin *"), "Fin *") == red(
        "L'heure de fin doit être après l'heure de début.")
    assert message_under(column_with(at.expander[0], "Début *"), "Début *") is None
    assert message_under(column_with(at.expander[0], "Titre *"), "Titre *") is None
    with read_only() as session:
        assert session.scalars(select(Edition)).all() == []
    # what was typed is still there, to be corrected
    assert by_label(at.text_input, "Titre *").value == "Rencontre de printemps"
    assert by_label(at.time_input, "Début *").value == time(14)


def test_appels_edition_with_a_taken_number_and_no_title_shows_both_messages(lead):
    make_edition_through_core(lead, number=4)
    at = open_app(lead, PAGE)
    by_label(at.selectbox, "Rencontre").set_value(0).run()  # ➕ Nouvelle rencontre
    at = fill_edition(at, number=4, title="")
    no_exception(at)
    form = at.expander[0]
    assert message_under(column_with(form, "Numéro *"), "Numéro *") == red("La rencontre n° 4 existe déjà.")
    assert message_under(column_with(form, "Titre *"), "Titre *").startswith(":red[")
    with read_only() as session:
        assert len(session.scalars(select(Edition)).all()) == 1


def test_appels_create_an_edition(lead):
    at = fill_edition(open_app(lead, PAGE))
    no_exception(at)
    assert not at.error
    assert texts(at.success) == ["Rencontre enregistrée."]
    with read_only() as session:
        edition = session.scalars(select(Edition)).one()
        assert (edition.number, edition.title, edition.event_date, edition.start_time, edition.city) == (
            1, "Rencontre de printemps", EVENT_DAY, time(9), "Argenteuil")
    assert by_label(at.selectbox, "Rencontre").value == edition.id
    assert texts(at.header) == ["Appels de la rencontre n° 1"]


# ---------------------------------------------------------------- calls


def test_appels_create_a_call_with_the_defaults_is_a_draft(lead):
    networks = [make_network("Urtie"), make_network("Initiatives 77")]
    make_edition_through_core(lead)
    at = open_app(lead, PAGE)
    form = call_form(at)
    assert form.label == "Nouvel appel"
    assert by_label(at.multiselect, "Types de structures éligibles *").value == list(STRUCTURE_KINDS)
    assert by_label(at.multiselect, "Départements éligibles *").value == list(ILE_DE_FRANCE)
    assert sorted(by_label(at.multiselect, "Réseaux invités").value) == sorted(networks)
    by_label(form.text_input, "Thème *").input("Nettoyage et propreté des bâtiments")
    at = by_label(form.button, "Enregistrer l'appel").click().run()
    no_exception(at)
    assert not at.error
    assert texts(at.success) == ["Appel enregistré. Il reste en brouillon : ouvrez-le quand il est prêt."]
    with read_only() as session:
        call = session.scalars(select(Call)).one()
        assert call.state == CallState.DRAFT
        assert call.theme_title == "Nettoyage et propreté des bâtiments"
        assert sorted(k.kind.value for k in call.eligible_kinds) == sorted(STRUCTURE_KINDS)
        assert sorted(d.departement for d in call.eligible_departements) == sorted(ILE_DE_FRANCE)
        assert sorted(n.id for n in call.invited_networks) == sorted(networks)
        assert [(c.label, c.weight) for c in call.criteria] == list(DEFAULT_CRITERIA)
        opens, closes = to_paris(call.opens_at), to_paris(call.closes_at)
    paris_today = to_paris(utcnow()).date()  # the day in Paris, whatever the server's zone
    assert (opens.date(), opens.time()) == (paris_today, time(9))
    assert (closes.date(), closes.time()) == (paris_today + timedelta(days=30), time(18))
    # the new call is selected, shown as a draft
    assert by_label(at.selectbox, "Appel").value == call.id
    assert any(m.startswith("**Brouillon** — ouverture ") for m in texts(at.markdown))


def test_appels_call_closing_before_opening_shows_the_message_under_the_closing_date(lead):
    make_network("Urtie")
    make_edition_through_core(lead)
    at = open_app(lead, PAGE)
    form = call_form(at)
    by_label(form.text_input, "Thème *").input("Thème *")
    by_label(form.date_input, "Clôture *").set_value(date.today() - timedelta(days=1))
    at = by_label(form.button, "Enregistrer l'appel").click().run()
    no_exception(at)
    form = call_form(at)
    assert message_under(column_with(form, "Clôture *"), "Clôture *") == red("La clôture doit être après l'ouverture.")
    assert message_under(column_with(form, "Ouverture *"), "Ouverture *") is None
    with read_only() as session:
        assert session.scalars(select(Call)).all() == []


def open_call_page(lead, networks):
    """A draft call of one edition, made through core, and the page showing it."""
    edition_id = make_edition_through_core(lead)
    today = date.today()
    with unit_of_work() as session:
        calls.save_call(session, actor=lead, data=CallData(
            edition_id=edition_id, theme_title="Restauration collective", opens_on=today - timedelta(days=1),
            opens_time=time(9), closes_on=today + timedelta(days=20), closes_time=time(18), pitch_slots=5,
            pitch_minutes=5, eligible_kinds=tuple(STRUCTURE_KINDS), eligible_departements=tuple(ILE_DE_FRANCE),
            invited_network_ids=tuple(networks)))
    return open_app(lead, PAGE)


def test_appels_open_follow_counts_extend_and_close_a_call(lead):
    urtie, initiatives, silent = make_network("Urtie"), make_network("Initiatives 77"), make_network("Zèbre")
    at = open_call_page(lead, (urtie, initiatives, silent))
    no_exception(at)
    assert by_label(at.selectbox, "Appel").format_func(the_call().id).endswith("— Brouillon")

    at = by_label(at.button, "Ouvrir l'appel").click().run()
    no_exception(at)
    assert texts(at.success) == ["Appel ouvert aux réseaux invités."]
    call = the_call()
    assert (call.state, call.version) == (CallState.OPEN, 2)
    assert any(m.startswith("**Ouvert** — ouverture ") for m in texts(at.markdown))
    assert "Ouvrir l'appel" not in [b.label for b in at.main.button]

    # candidacies arrive: two drafts and a submission from one network, one submission from another
    referent_u = make_user(Role.RESEAU, network_id=urtie)
    referent_i = make_user(Role.RESEAU, network_id=initiatives)
    with unit_of_work() as session:
        for n, (actor, submit) in enumerate([(referent_u, False), (referent_u, False), (referent_u, True),
                                             (referent_i, True)], start=1):
            saving.save(session, actor=actor, call_id=call.id, submit=submit,
                        form=complete_form(siret=siret_for(n), name=f"Structure {n}"))
    at.run()
    no_exception(at)
    counts = at.dataframe[0].value.set_index("Réseau")
    assert counts.loc["Urtie", ["Brouillons", "Déposées", "Retirées"]].tolist() == [2, 1, 0]
    assert counts.loc["Initiatives 77", ["Brouillons", "Déposées", "Retirées"]].tolist() == [0, 1, 0]
    assert counts.loc["Zèbre", ["Brouillons", "Déposées", "Retirées"]].tolist() == [0, 0, 0]

    later = to_paris(call.closes_at).date() + timedelta(days=14)
    by_label(at.date_input, "Nouvelle date de clôture *").set_value(later)
    at = by_label(at.button, "Prolonger jusqu'à cette date").click().run()
    no_exception(at)
    assert texts(at.success) == ["Appel prolongé."]
    extended = the_call()
    assert (to_paris(extended.closes_at).date(), to_paris(extended.closes_at).time()) == (later, time(18))
    assert extended.state == CallState.OPEN

    assert "Clore maintenant" not in [b.label for b in at.main.button]  # a popover asks first
    at = by_label(at.button, "Confirmer la clôture").click().run()
    no_exception(at)
    assert texts(at.success) == ["Appel clos : les candidatures ne sont plus modifiables."]
    assert the_call().state == CallState.CLOSED
    assert any(m.startswith("**Clos** — ouverture ") for m in texts(at.markdown))
    assert by_label(at.selectbox, "Appel").format_func(extended.id).endswith("— Clos")
    # closed: neither closed again nor « opened » (its closing time is past); extending reopens it
    assert "Confirmer la clôture" not in [b.label for b in at.main.button]
    assert "Ouvrir l'appel" not in [b.label for b in at.main.button]
    reopened = date.today() + timedelta(days=3)
    by_label(at.date_input, "Nouvelle date de clôture *").set_value(reopened)
    at = by_label(at.button, "Prolonger jusqu'à cette date").click().run()
    no_exception(at)
    assert texts(at.success) == ["Appel prolongé."]
    assert the_call().state == CallState.OPEN
    assert any(m.startswith("**Ouvert** — ouverture ") for m in texts(at.markdown))


def test_appels_extend_to_an_earlier_date_shows_the_message(lead):
    at = open_call_page(lead, (make_network("Urtie"),))
    at = by_label(at.button, "Ouvrir l'appel").click().run()
    by_label(at.date_input, "Nouvelle date de clôture *").set_value(date.today())
    at = by_label(at.button, "Prolonger jusqu'à cette date").click().run()
    no_exception(at)
    assert red("La nouvelle clôture doit être après la clôture actuelle et après maintenant.") in texts(at.markdown)
    assert the_call().version == 2


def test_appels_open_without_invited_network_is_refused(lead):
    at = open_call_page(lead, ())
    at = by_label(at.button, "Ouvrir l'appel").click().run()
    no_exception(at)
    assert red("Invitez au moins un réseau avant d'ouvrir l'appel.") in texts(at.markdown)
    assert the_call().state == CallState.DRAFT


# ---------------------------------------------------------------- other roles


@pytest.mark.parametrize("role", [Role.RESEAU, Role.EVALUATEUR, Role.ADMIN])
def test_appels_is_not_reachable_by_other_roles_and_core_refuses_them(sqlite_db, role):
    actor = make_user(role)
    at = open_app(actor)
    with pytest.raises(ValueError):
        at.switch_page(PAGE)
    lead = make_user(Role.PILOTE)
    edition_id = make_edition_through_core(lead)
    with pytest.raises(NotAllowed), unit_of_work() as session:
        editions.save_edition(session, actor=actor, data=EditionData(
            number=2, title="Pirate", event_date=EVENT_DAY, start_time=time(9), end_time=time(10), city="X"))
    with pytest.raises(NotAllowed), unit_of_work() as session:
        calls.save_call(session, actor=actor, data=CallData(
            edition_id=edition_id, theme_title="Pirate", opens_on=date.today(), opens_time=time(9),
            closes_on=date.today() + timedelta(days=1), closes_time=time(9), pitch_slots=1, pitch_minutes=1,
            eligible_kinds=("EI",), eligible_departements=("95",)))
    with pytest.raises(NotAllowed), read_only() as session:
        editions.list_editions(session, actor=actor)



def test_appels_edition_saved_meanwhile_by_a_colleague_is_refused_as_stale(lead):
    edition_id = make_edition_through_core(lead, number=12)
    at = open_app(lead, PAGE)
    colleague = make_user(Role.PILOTE)
    with unit_of_work() as session:  # a colleague renames it after the form was shown
        edition = session.get(Edition, edition_id)
        data = EditionData(number=12, title="Titre du collègue", event_date=edition.event_date,
                           start_time=edition.start_time, end_time=edition.end_time, city="Argenteuil")
        editions.save_edition(session, actor=colleague, data=data, edition_id=edition_id,
                              expected_version=edition.version)
    by_label(at.text_input, "Titre *").set_value("Mon titre")
    next(b for b in at.button if b.label == "Enregistrer la rencontre").click().run()
    assert any("modifié par quelqu'un d'autre" in e.value for e in at.error)
    with read_only() as session:
        assert session.get(Edition, edition_id).title == "Titre du collègue"


def test_appels_call_form_saves_after_the_call_was_opened_from_the_page(lead):
    at = open_call_page(lead, (make_network("Urtie"),))
    at = by_label(at.button, "Ouvrir l'appel").click().run()
    assert the_call().version == 2
    form = call_form(at)
    by_label(form.text_input, "Thème *").input("Restauration collective et traiteurs")
    at = by_label(form.button, "Enregistrer l'appel").click().run()
    no_exception(at)
    assert not at.error  # the opening bumped the version: the form must not be taken for stale
    assert texts(at.success) == ["Appel enregistré."]
    call = the_call()
    assert (call.theme_title, call.version, call.state) == ("Restauration collective et traiteurs", 3, CallState.OPEN)


def test_appels_refused_save_of_an_existing_call_shows_its_message_and_opens_the_form(lead):
    at = open_call_page(lead, (make_network("Urtie"),))
    form = call_form(at)
    assert (form.label, form.proto.expanded) == ("Modifier l'appel", False)
    by_label(form.text_input, "Thème *").input("")
    at = by_label(form.button, "Enregistrer l'appel").click().run()
    no_exception(at)
    form = call_form(at)
    assert texts(at.main.error) == [escape_md("Certains champs sont à corriger.")]
    assert not form.error  # shown above the expander, visible even if it were folded
    assert form.proto.expanded  # and the expander opens on the field's message
    assert any(m.startswith(":red[") for m in texts(form.markdown))
    assert the_call().theme_title == "Restauration collective"


def test_appels_refused_save_of_an_existing_edition_opens_its_form(lead):
    make_edition_through_core(lead)
    at = open_app(lead, PAGE)
    assert (at.expander[0].label, at.expander[0].proto.expanded) == ("Modifier la rencontre", False)
    by_label(at.expander[0].text_input, "Titre *").input("")
    at = by_label(at.expander[0].button, "Enregistrer la rencontre").click().run()
    no_exception(at)
    assert texts(at.main.error) == [escape_md("Certains champs sont à corriger.")]
    assert not at.expander[0].error and at.expander[0].proto.expanded


def edit_criteria(at, call_id: int, edited_rows: dict) -> None:
    """What the data editor sends when cells are changed (AppTest cannot type into it)."""
    at.session_state[f"criteria:{call_id}"] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}


def test_appels_weight_column_takes_whole_numbers_from_1_to_10(lead):
    at = open_call_page(lead, (make_network("Urtie"),))
    [editor] = at.data_editor
    weight = json.loads(editor.proto.columns)["Poids"]
    assert (weight["type_config"]["step"], weight["type_config"]["min_value"], weight["type_config"]["max_value"]) == (
        1, 1, 10)
    call_id = the_call().id
    edit_criteria(at, call_id, {0: {"Poids": 4.0}, 1: {"Critère": "Capacité à répondre"}})
    at = by_label(call_form(at).button, "Enregistrer l'appel").click().run()
    no_exception(at)
    assert texts(at.success) == ["Appel enregistré."]
    with read_only() as session:
        weights = [(c.label, c.weight) for c in session.get(Call, call_id).criteria]
    assert weights[:2] == [(DEFAULT_CRITERIA[0][0], 4), ("Capacité à répondre", DEFAULT_CRITERIA[1][1])]


def test_appels_weight_with_decimals_is_refused_not_truncated(lead):
    at = open_call_page(lead, (make_network("Urtie"),))
    call_id = the_call().id
    edit_criteria(at, call_id, {0: {"Poids": 2.7}})
    at = by_label(call_form(at).button, "Enregistrer l'appel").click().run()
    no_exception(at)
    assert red("Chaque poids est un nombre entier entre 1 et 10.") in texts(at.markdown)
    assert not at.success
    with read_only() as session:
        assert [(c.label, c.weight) for c in session.get(Call, call_id).criteria] == list(DEFAULT_CRITERIA)


def add_a_review(call_id: int, network_id: int) -> None:
    """A submitted candidacy of the call with one review (written through the models)."""
    reviewer = make_user(Role.EVALUATEUR)
    with unit_of_work() as session:
        structure = Structure(siret="73282932000074", name="Bâti'Insert 95", kind=StructureKind.EI)
        session.add(structure)
        session.flush()
        candidacy = Candidacy(call_id=call_id, structure_id=structure.id, network_id=network_id,
                              submission=Submission.SUBMITTED)
        session.add(candidacy)
        session.flush()
        session.add(Review(candidacy_id=candidacy.id, reviewer_id=reviewer.user_id))


def test_appels_once_reviewed_weights_change_but_a_renamed_criterion_is_refused_under_the_field(lead):
    network_id = make_network("Urtie")
    at = open_call_page(lead, (network_id,))
    call_id = the_call().id
    add_a_review(call_id, network_id)
    edit_criteria(at, call_id, {0: {"Poids": 5.0}})
    at = by_label(call_form(at).button, "Enregistrer l'appel").click().run()
    no_exception(at)
    assert texts(at.success) == ["Appel enregistré."]
    with read_only() as session:
        assert session.get(Call, call_id).criteria[0].weight == 5
    edit_criteria(at, call_id, {1: {"Critère": "Marchés publics"}})
    at = by_label(call_form(at).button, "Enregistrer l'appel").click().run()
    no_exception(at)
    assert red(calls.CRITERIA_FROZEN) in texts(call_form(at).markdown)
    with read_only() as session:
        assert [c.label for c in session.get(Call, call_id).criteria] == [label for label, _ in DEFAULT_CRITERIA]


def test_appels_multiselects_have_french_placeholders(lead):
    at = open_call_page(lead, (make_network("Urtie"),))
    assert {m.label: m.proto.placeholder for m in at.multiselect} == {
        "Types de structures éligibles *": "Choisir…", "Départements éligibles *": "Choisir…",
        "Réseaux invités": "Choisir…"}


def test_appels_call_saved_meanwhile_by_a_colleague_is_refused_as_stale(lead):
    at = open_call_page(lead, (make_network("Urtie"),))
    call = the_call()
    with unit_of_work() as session:  # a colleague opens the call after the form was shown
        calls.open_call(session, actor=make_user(Role.PILOTE), call_id=call.id, expected_version=call.version)
    by_label(call_form(at).text_input, "Thème *").input("Mon thème")
    at = by_label(call_form(at).button, "Enregistrer l'appel").click().run()
    no_exception(at)
    assert texts(at.error) == [escape_md(StaleEdit.message)]
    assert the_call().theme_title == "Restauration collective"


def test_appels_draft_call_offers_no_extension_and_closing_asks_first(lead):
    at = open_call_page(lead, (make_network("Urtie"),))
    no_exception(at)
    assert not [p for p in at.main.get("popover") if p.proto.popover.label == "Prolonger"]
    assert "Prolonger jusqu'à cette date" not in [b.label for b in at.main.button]
    at = by_label(at.button, "Ouvrir l'appel").click().run()
    labels = [p.proto.popover.label for p in at.main.get("popover")]
    assert labels == ["Prolonger", "Clore maintenant"]
    closing = next(p for p in at.main.get("popover") if p.proto.popover.label == "Clore maintenant")
    assert [b.label for b in closing.button] == ["Confirmer la clôture"]
    assert the_call().state == CallState.OPEN  # showing the question changed nothing


def test_appels_extension_error_is_shown_inside_its_popover(lead):
    at = open_call_page(lead, (make_network("Urtie"),))
    at = by_label(at.button, "Ouvrir l'appel").click().run()
    by_label(at.date_input, "Nouvelle date de clôture *").set_value(date.today() - timedelta(days=2))
    at = by_label(at.button, "Prolonger jusqu'à cette date").click().run()
    no_exception(at)
    extension = next(p for p in at.main.get("popover") if p.proto.popover.label == "Prolonger")
    assert red("La nouvelle clôture doit être après la clôture actuelle et après maintenant.") in texts(
        extension.markdown)


def test_appels_chosen_edition_stays_when_another_lead_adds_one_meanwhile(lead):
    first = make_edition_through_core(lead, number=7)
    second = make_edition_through_core(lead, number=8)
    at = open_app(lead, PAGE)
    edition_box = by_label(at.selectbox, "Rencontre")
    at = edition_box.set_value(first).run()
    assert by_label(at.selectbox, "Rencontre").value == first
    make_edition_through_core(lead, number=9)  # another tab of the team adds an edition
    at.run()
    no_exception(at)
    assert by_label(at.selectbox, "Rencontre").value == first
    assert second != first


def test_appels_multiselects_offer_no_english_select_all(lead):
    at = open_call_page(lead, (make_network("Urtie"),))
    assert len(at.multiselect) == 3 and all(m.proto.select_all == 0 for m in at.multiselect)


def test_appels_invited_networks_chosen_stay_when_a_network_is_created_meanwhile(lead):
    urtie, grafie = make_network("Urtie"), make_network("GRAFIE")
    at = open_call_page(lead, (urtie, grafie))
    by_label(call_form(at).multiselect, "Réseaux invités").unselect(grafie)
    make_network("Alpha Réseau")  # an administrator creates a network while the lead edits
    at = by_label(call_form(at).button, "Enregistrer l'appel").click().run()
    no_exception(at)
    assert not at.error
    with read_only() as session:
        assert [n.id for n in session.scalars(select(Call)).one().invited_networks] == [urtie]
