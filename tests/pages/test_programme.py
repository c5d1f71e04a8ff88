"""The programme editor (AppTest) and the public programme page: template, add with bad
input refused next to its field, pitch session from the selection, warnings, publication;
the public page without sign-in, showing the published version only, without contacts."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from streamlit.util import calc_hash

from core.clock import to_paris, utcnow
from core.programme.editing import apply_template, remove_item, shift_item
from core.programme.pitches import retained_pitches
from core.programme.publishing import publish_programme
from db.engine import read_only, unit_of_work
from db.models import Confirmation, Edition, ItemKind, PitchPosition, ProgrammeItem, ProgrammeVersion, Role
from tests.core.programme.builders import add, decline, item, make_edition_with_call, retained, set_status, withdraw
from tests.factories import make_call, make_user
from tests.pages.conftest import by_label, no_exception, open_app, red, texts
from tests.querycount import counting
from ui.forms import escape_md

EDITOR = "pages/pilotage/programme.py"
PUBLIC = "pages/public/programme.py"


@pytest.fixture
def lead(sqlite_db):
    return make_user(Role.PILOTE)


@pytest.fixture
def edition(lead):
    """An upcoming edition whose call retained three structures (one not yet confirmed)."""
    day = to_paris(utcnow()).date() + timedelta(days=60)
    edition_id, call_id = make_edition_with_call(day=day)
    ids = retained(call_id, 3)
    set_status(ids[2], confirmation=Confirmation.PENDING)
    return edition_id, call_id, ids


def count(model) -> int:
    with read_only() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_editor_proposes_a_morning_then_shows_its_timeline_and_pitches(lead, edition):
    at = open_app(lead, EDITOR)
    no_exception(at)
    by_label(at.button, "Proposer une matinée type").click().run()
    no_exception(at)
    assert count(ProgrammeItem) == 7
    assert "Matinée type ajoutée : adaptez-la à votre rencontre." in texts(at.success)
    assert len(at.get("vega_lite_chart")) == 1  # the timeline
    pitches = at.dataframe[1].value
    assert list(pitches["Structure"]) == ["Bâti'Insert 95", "Élan Propreté", "Œuvre Verte"]
    assert list(pitches["Confirmation"])[2] == "En attente de confirmation"
    assert any("Œuvre Verte n'a pas encore confirmé" in w for w in texts(at.warning))


def test_editor_refuses_bad_input_beside_each_field_and_writes_nothing(lead, edition):
    at = open_app(lead, EDITOR)
    by_label(at.text_input, "Début * (HH:MM)").input("25:00")
    by_label(at.text_input, "Fin * (HH:MM)").input("10:00")
    by_label(at.button, "Ajouter l'élément").click().run()
    no_exception(at)
    assert count(ProgrammeItem) == 0
    markdowns = texts(at.markdown)
    assert red("Le champ « Titre » est obligatoire.") in markdowns
    assert red("L'heure doit être comprise entre 0 et 23.") in markdowns


def test_editor_adds_an_item_from_paris_times(lead, edition):
    at = open_app(lead, EDITOR)
    by_label(at.text_input, "Titre *").input("Plénière d'ouverture")
    by_label(at.text_input, "Début * (HH:MM)").input("9 h 30")
    by_label(at.text_input, "Fin * (HH:MM)").input("10:15")
    by_label(at.button, "Ajouter l'élément").click().run()
    no_exception(at)
    assert "Élément ajouté." in texts(at.success)
    assert at.dataframe[0].value["Horaire"].tolist() == ["09 h 30 – 10 h 15"]


def test_editor_publishes_a_version_with_its_note_and_confirmed_pitches_only(lead, edition):
    edition_id, *_ = edition
    with unit_of_work() as session:
        apply_template(session, actor=lead, edition_id=edition_id)
    at = open_app(lead, EDITOR)
    by_label(at.text_input, "Note de version *").input("Première version")
    by_label(at.button, "Publier la version 1").click().run()
    no_exception(at)
    with read_only() as session:
        version = session.scalar(select(ProgrammeVersion))
    assert version.number == 1 and version.note == "Première version"
    pitches = [p["structure"] for i in version.content["items"] for p in i["pitches"]]
    assert pitches == ["Bâti'Insert 95", "Élan Propreté"]
    assert any("Version 1 publiée" in s for s in texts(at.success))


def test_editor_is_refused_to_a_network_referent(sqlite_db, edition):
    at = open_app(make_user(Role.RESEAU))
    with pytest.raises(ValueError):  # not registered for this role
        at.switch_page(EDITOR)
    at._page_hash = calc_hash("construction-programme")  # what a browser asks for on /construction-programme
    at.run()
    no_exception(at)
    assert texts(at.title) == ["Page non disponible"]


def test_public_page_without_sign_in_shows_the_published_version_only(lead, edition):
    edition_id, call_id, _ids = edition
    add(lead, edition_id, item(ItemKind.WELCOME, "09:00", "09:30", title="Accueil café"))
    add(lead, edition_id, item(ItemKind.PITCHES, "09:30", "10:00", call_id=call_id, title="Présentations express"))
    with unit_of_work() as session:
        publish_programme(session, actor=lead, edition_id=edition_id, note="Première version", expected_number=0)
    add(lead, edition_id, item(ItemKind.CLOSING, "12:00", "12:30", title="Clôture pas encore publiée"))
    at = open_app(None, PUBLIC)
    no_exception(at)
    shown = "\n".join(texts(at.markdown))
    assert escape_md("Accueil café") in shown and escape_md("Bâti'Insert 95") in shown
    assert "Clôture" not in shown and escape_md("Œuvre Verte") not in shown  # unpublished, unconfirmed
    assert "@" not in shown and "01 39" not in shown
    assert {b.label for b in at.get("download_button")} >= {"Programme (PDF)", "Agenda (ICS)"}


def test_public_page_with_nothing_published_says_so(sqlite_db):
    at = open_app(None, PUBLIC)
    no_exception(at)
    assert texts(at.info) == ["Aucun programme n'est encore publié. Revenez bientôt !"]


def past_box(at):
    [box] = [box for box in at.selectbox if box.label == "Rencontre passée"]
    return box


def test_public_page_lists_past_editions_apart(lead):
    edition_id, _call_id = make_edition_with_call(day=date(2019, 11, 21))
    add(lead, edition_id, item(ItemKind.WELCOME, "09:00", "09:30", title="Accueil"))
    with unit_of_work() as session:
        publish_programme(session, actor=lead, edition_id=edition_id, note="Version finale", expected_number=0)
    at = open_app(make_user(Role.EVALUATEUR), PUBLIC)  # signed in: still readable
    no_exception(at)
    assert "Rencontres passées" in texts(at.header)
    assert past_box(at).options == ["Rencontre de test"]
    assert escape_md("Accueil") in "\n".join(texts(at.markdown))


def test_public_page_draws_one_past_edition_at_a_time(lead):
    for day, title in ((date(2018, 11, 22), "Accueil 2018"), (date(2019, 11, 21), "Accueil 2019")):
        edition_id, _call_id = make_edition_with_call(day=day)
        add(lead, edition_id, item(ItemKind.WELCOME, "09:00", "09:30", title=title))
        with unit_of_work() as session:
            publish_programme(session, actor=lead, edition_id=edition_id, note="Version finale", expected_number=0)
    at = open_app(None, PUBLIC)
    no_exception(at)
    shown = "\n".join(texts(at.markdown))
    assert escape_md("Accueil 2019") in shown and escape_md("Accueil 2018") not in shown  # the latest first
    past_box(at).select_index(1).run()
    shown = "\n".join(texts(at.markdown))
    assert escape_md("Accueil 2018") in shown and escape_md("Accueil 2019") not in shown


def _statements(engine, actor, page: str) -> list[str]:
    at = open_app(actor, page)
    with counting(engine) as statements:
        at.run()
    no_exception(at)
    return statements


def _published_editions(lead, count: int, start: int) -> None:
    for offset in range(count):
        edition_id, call_id = make_edition_with_call(day=date(2027, 5, 1) + timedelta(days=start + offset))
        retained(call_id, 3)
        add(lead, edition_id, item(ItemKind.PITCHES, "09:30", "10:00", call_id=call_id))
        add(lead, edition_id, item(ItemKind.CLOSING, "12:00", "12:30"))
        with unit_of_work() as session:
            publish_programme(session, actor=lead, edition_id=edition_id, note="Version", expected_number=0)


def test_public_page_statement_count_does_not_grow_with_editions(lead, sqlite_db):
    _published_editions(lead, 1, 0)
    few = _statements(sqlite_db, None, PUBLIC)
    _published_editions(lead, 6, 10)
    many = _statements(sqlite_db, None, PUBLIC)
    assert any(s.lstrip().upper().startswith("SELECT") for s in few)
    assert len(many) == len(few), "\n".join(many)


def test_editor_statement_count_does_not_grow_with_items_and_pitches(lead, sqlite_db, edition):
    edition_id, call_id, _ids = edition
    add(lead, edition_id, item(ItemKind.PITCHES, "09:30", "10:00", call_id=call_id))
    few = _statements(sqlite_db, lead, EDITOR)
    retained(call_id, 10)
    for hour in range(10, 12):
        add(lead, edition_id, item(ItemKind.WORKSHOP, f"{hour}:00", f"{hour}:30", room=f"Salle {hour}"))
    with unit_of_work() as session:
        publish_programme(session, actor=lead, edition_id=edition_id, note="Version", expected_number=0)
    many = _statements(sqlite_db, lead, EDITOR)
    assert len(many) == len(few), "\n".join(many)


def _with_items(lead, edition):
    edition_id, call_id, _ids = edition
    first = add(lead, edition_id, item(ItemKind.WELCOME, "09:00", "09:30", title="Accueil"))
    add(lead, edition_id, item(ItemKind.PITCHES, "09:30", "10:00", call_id=call_id, title="Présentations"))
    return first


def _selected(lead, row: int):
    at = open_app(lead, EDITOR)
    at.session_state["programme_items"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    no_exception(at)
    return at


def stored_item(item_id: int) -> ProgrammeItem:
    with read_only() as session:
        return session.get(ProgrammeItem, item_id)


def test_editor_edits_the_selected_item_and_moves_it(lead, edition):
    first = _with_items(lead, edition)
    at = _selected(lead, 0)
    titles = [w for w in at.text_input if w.label == "Titre *"]
    titles[0].input("Accueil et café")
    by_label(at.button, "Enregistrer l'élément").click().run()
    no_exception(at)
    assert stored_item(first).title == "Accueil et café"
    at = _selected(lead, 0)
    by_label(at.button, "Retarder de 5 min").click().run()
    no_exception(at)
    assert "Horaire modifié." in texts(at.success)
    assert at.dataframe[0].value["Horaire"].tolist()[0] == "09 h 05 – 09 h 35"
    at.session_state["programme_items"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    starts = [w.value for w in at.text_input if w.label == "Début * (HH:MM)"]
    assert starts[0] == "09:05"  # the edit form shows the moved time, not the one it opened with


def test_editor_refuses_an_edit_made_stale_by_another_lead(lead, edition):
    first = _with_items(lead, edition)
    at = _selected(lead, 0)
    with unit_of_work() as session:  # a colleague moves it meanwhile
        shift_item(session, actor=lead, item_id=first, expected_version=1, start_minutes=10, end_minutes=10)
    by_label(at.button, "Supprimer l'élément").click().run()
    no_exception(at)
    assert any("modifié par quelqu'un d'autre" in e for e in texts(at.error))
    assert stored_item(first) is not None


def test_editor_moves_a_pitch_up(lead, edition):
    _with_items(lead, edition)
    _edition_id, _call_id, ids = edition
    at = open_app(lead, EDITOR)
    by_label(at.selectbox, "Structure à déplacer").set_value(ids[1])
    by_label(at.button, "Monter").click().run()
    no_exception(at)
    assert "Ordre des présentations modifié." in texts(at.success)
    assert list(at.dataframe[1].value["Structure"]) == ["Élan Propreté", "Bâti'Insert 95", "Œuvre Verte"]


def test_editor_puts_items_back_on_the_day_of_a_moved_edition(lead, edition):
    edition_id, *_ = edition
    first = _with_items(lead, edition)
    with unit_of_work() as session:
        moved = session.get(Edition, edition_id)
        moved.event_date += timedelta(days=7)
        new_day = moved.event_date
    at = open_app(lead, EDITOR)
    by_label(at.button, "Replacer ces éléments au jour de la rencontre (mêmes heures)").click().run()
    no_exception(at)
    assert "2 élément(s) replacé(s) au jour de la rencontre." in texts(at.success)
    assert to_paris(stored_item(first).starts_at).date() == new_day


def _editing(at) -> list[str]:
    return [h for h in texts(at.subheader) if h.startswith("Modifier")]


def test_editor_keeps_the_selected_item_when_a_colleague_adds_one_before_it(lead, edition):
    edition_id, *_ = edition
    first = _with_items(lead, edition)
    at = _selected(lead, 0)
    assert _editing(at) == [f"Modifier « {escape_md('Accueil')} »"]
    coffee = add(lead, edition_id, item(ItemKind.OTHER, "08:30", "08:45", title="Café des partenaires"))
    by_label(at.button, "Retarder de 5 min").click().run()  # row 0 is now the colleague's item
    no_exception(at)
    assert to_paris(stored_item(first).starts_at).strftime("%H:%M") == "09:05"
    assert to_paris(stored_item(coffee).starts_at).strftime("%H:%M") == "08:30"
    assert _editing(at) == [f"Modifier « {escape_md('Accueil')} »"]


def test_editor_keeps_the_selected_item_once_moved_past_the_next_one(lead, edition):
    edition_id, *_ = edition
    first = add(lead, edition_id, item(ItemKind.WELCOME, "09:00", "09:30", title="Accueil"))
    other = add(lead, edition_id, item(ItemKind.WORKSHOP, "09:03", "09:40", title="Atelier", room="Salle 2"))
    at = _selected(lead, 0)
    by_label(at.button, "Retarder de 5 min").click().run()  # Accueil now starts after the workshop
    no_exception(at)
    assert _editing(at) == [f"Modifier « {escape_md('Accueil')} »"]
    by_label(at.button, "Retarder de 5 min").click().run()
    no_exception(at)
    assert to_paris(stored_item(first).starts_at).strftime("%H:%M") == "09:10"
    assert to_paris(stored_item(other).starts_at).strftime("%H:%M") == "09:03"


def test_editor_forgets_the_selection_of_an_item_a_colleague_removed(lead, edition):
    first = _with_items(lead, edition)
    at = _selected(lead, 0)
    with unit_of_work() as session:
        remove_item(session, actor=lead, item_id=first, expected_version=1)
    at.run()
    no_exception(at)
    assert _editing(at) == []  # not the next item, which the lead never chose


def test_editor_publishes_once_on_a_double_click(lead, edition):
    edition_id, *_ = edition
    with unit_of_work() as session:
        apply_template(session, actor=lead, edition_id=edition_id)
    at = open_app(lead, EDITOR)
    by_label(at.text_input, "Note de version *").input("Première version")
    by_label(at.button, "Publier la version 1").click().run()
    # The second click reaches the server with the form as the first one sent it.
    by_label(at.text_input, "Note de version *").input("Première version")
    by_label(at.button, "Publier la version 2").click().run()
    no_exception(at)
    assert count(ProgrammeVersion) == 1
    assert texts(at.success)[0] == "Version 1 publiée : la page publique et l'agenda la montrent."


def test_editor_moves_the_chosen_one_of_two_structures_of_the_same_name(lead, edition):
    # Two SIAE may share a name (different SIRET); the choice box holds its choice by label.
    _with_items(lead, edition)
    _edition_id, _call_id, ids = edition
    set_status(ids[2], name="Élan Propreté")  # the order reads: Bâti'Insert 95, Élan Propreté, Élan Propreté
    at = open_app(lead, EDITOR)
    by_label(at.selectbox, "Structure à déplacer").set_value(ids[1])
    by_label(at.button, "Descendre").click().run()
    no_exception(at)
    with read_only() as session:
        order = [p.candidacy_id for p in retained_pitches(session, [_call_id])[_call_id]]
    assert order == [ids[0], ids[2], ids[1]]


def test_editor_presents_the_chosen_one_of_two_calls_of_the_same_theme(lead, edition):
    edition_id, call_id, _ids = edition
    second = make_call(edition_id)  # same theme title as the first (« Thème de test »)
    at = open_app(lead, EDITOR)
    by_label(at.selectbox, "Type *").set_value(ItemKind.PITCHES.value)
    by_label(at.text_input, "Titre *").input("Présentations express, second appel")
    by_label(at.text_input, "Début * (HH:MM)").input("10:00")
    by_label(at.text_input, "Fin * (HH:MM)").input("10:30")
    by_label(at.selectbox, "Appel présenté (présentations express)").set_value(call_id)
    by_label(at.button, "Ajouter l'élément").click().run()
    no_exception(at)
    with read_only() as session:
        assert session.scalar(select(ProgrammeItem.call_id)) == call_id != second


@pytest.mark.parametrize("change", ["decline", "withdraw", "promote"])
def test_editor_refuses_a_pitch_move_once_the_selection_changed_meanwhile(lead, edition, change):
    _with_items(lead, edition)
    _edition_id, call_id, ids = edition
    at = open_app(lead, EDITOR)
    by_label(at.selectbox, "Structure à déplacer").set_value(ids[2]).run()
    if change == "decline":  # in another tab, or the structure's own link
        decline(ids[1])
    elif change == "withdraw":
        withdraw(ids[1])
    else:
        retained(call_id, 1)
    by_label(at.button, "Monter").click().run()
    no_exception(at)
    assert any("modifié par quelqu'un d'autre" in e for e in texts(at.error))
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(PitchPosition)) == 0  # nothing written


HOSTILE = ":material/home: **gras** [lien](javascript:alert(1)) <img src=x onerror=alert(1)> $x^2$ :red[x]"


def test_public_page_shows_markdown_and_shortcodes_of_the_programme_as_typed(lead, edition):
    edition_id, call_id, ids = edition
    set_status(ids[0], name=":red[Rouge] :smile:", presenter_name="[moi](javascript:alert(1))")
    add(lead, edition_id, item(ItemKind.PLENARY, "09:00", "09:30", title=HOSTILE, speakers=":blue[MACS]",
                               description="# Titre\n- liste\n> cité", room="Salle :material/home:"))
    add(lead, edition_id, item(ItemKind.PITCHES, "09:30", "10:00", call_id=call_id, title="Présentations"))
    with unit_of_work() as session:
        publish_programme(session, actor=lead, edition_id=edition_id, note=":red[note]", expected_number=0)
    at = open_app(None, PUBLIC)
    no_exception(at)
    shown = "\n".join(texts(at.markdown) + texts(at.caption))
    for typed in (HOSTILE, ":blue[MACS]", "# Titre", "Salle :material/home:", ":red[Rouge] :smile:",
                  "[moi](javascript:alert(1))", ":red[note]"):
        assert escape_md(typed) in shown
    for live in (r"(?<!\\):material/home:", r"(?<!\\)\]\(javascript", r"(?<!\\)<img"):  # unescaped
        assert re.search(live, shown) is None, live


def test_editor_saves_an_item_reopened_after_a_colleague_s_change(lead, edition):
    # Its form shows the colleague's values: a save from it is not stale.
    first = _with_items(lead, edition)
    at = _selected(lead, 0)
    at.session_state["programme_items"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    with unit_of_work() as session:
        shift_item(session, actor=lead, item_id=first, expected_version=1, start_minutes=10, end_minutes=10)
    at.session_state["programme_items"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert _editing(at) == [f"Modifier « {escape_md('Accueil')} »"]
    next(w for w in at.text_input if w.label == "Titre *").input("Accueil et café")
    by_label(at.button, "Enregistrer l'élément").click().run()
    no_exception(at)
    assert texts(at.error) == []
    assert stored_item(first).title == "Accueil et café"
    assert to_paris(stored_item(first).starts_at).strftime("%H:%M") == "09:10"  # the colleague's move kept


def test_editor_never_moves_another_structure_once_the_chosen_one_left(lead, edition):
    # The choice box would fall back on its first structure: « Descendre » moved one never chosen.
    _with_items(lead, edition)
    _edition_id, _call_id, ids = edition
    at = open_app(lead, EDITOR)
    by_label(at.selectbox, "Structure à déplacer").set_value(ids[1]).run()
    decline(ids[1])
    at.run()  # any rerun: the table now shows the two others
    assert any("ne fait plus partie des présentations" in c for c in texts(at.caption))
    by_label(at.button, "Descendre").click().run()
    no_exception(at)
    assert texts(at.error)  # refused, with a message
    with read_only() as session:
        assert session.scalar(select(func.count()).select_from(PitchPosition)) == 0  # nothing moved
