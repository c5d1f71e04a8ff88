"""The lead's « Courriels » page (AppTest): counts and the outbox table, a message's
preview, the background sending with its progress and summary, requeue, discard, editing a
draft, the .eml files in file mode, and the page refused to anyone but the lead."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import update
from streamlit.util import calc_hash

from core.mail import jobs
from db.engine import unit_of_work
from db.models import MailStatus, OutboxMessage, Role
from tests.core.mail.outbox_rows import add_messages, row, rows
from tests.pages.conftest import by_label, no_exception, open_app, texts
from ui.forms import escape_md
from ui.mail import table_key

PAGE = "pages/pilotage/courriels.py"


@pytest.fixture(autouse=True)
def file_mode(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENMAP_MAIL_TRANSPORT", raising=False)
    monkeypatch.setenv("OPENMAP_MAIL_DIR", str(tmp_path / "mail"))
    return tmp_path / "mail"


def select_rows(at, *positions: int):
    """Select rows of the outbox table as it is shown now (its key follows its rows)."""
    key = table_key(at.dataframe[0].value["id"])
    at.session_state[key] = {"selection": {"rows": list(positions), "columns": [], "cells": []}}
    return at.run()


def button(at, label: str):
    return next(b for b in at.button if b.label.startswith(label))


def wait_for_sending(at):
    """The background thread's end (it may have ended already), then a run that reports it."""
    deadline = time.monotonic() + 30
    while jobs.running():
        assert time.monotonic() < deadline, "the sending never finished"
        time.sleep(0.02)
    return at.run()


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_courriels_lead_sees_counts_and_the_outbox(as_role):
    lead = as_role(Role.PILOTE)
    add_messages(3)
    [failed] = add_messages(1, template_key="b")
    with unit_of_work() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == failed).values(
            status=MailStatus.FAILED, last_error="Serveur de courriel injoignable"))
    at = open_app(lead, PAGE)
    no_exception(at)
    assert texts(at.title) == ["Courriels"]
    assert metrics(at)["En file d'attente"] == "3" and metrics(at)["Échec"] == "1"
    table = at.dataframe[0].value
    assert len(table) == 4 and table["state_label"].iloc[0] == "Échec"
    assert "Mode fichier" in at.caption[0].value


@pytest.mark.parametrize("role", [Role.EVALUATEUR, Role.RESEAU, Role.ADMIN])
def test_courriels_refused_to_others(as_role, role):
    at = open_app(as_role(role))
    at._page_hash = calc_hash("courriels")  # what a browser asks for on /courriels
    at.run()
    no_exception(at)
    assert texts(at.title) == ["Page non disponible"]
    assert texts(at.info) == ["Cette page n'est pas accessible avec votre compte."]


def test_courriels_preview_shows_headers_text_and_html(as_role):
    lead = as_role(Role.PILOTE)
    add_messages(1, subject="Décision « Élan »", body_text="Bonjour,\nvous êtes retenus.",
                 body_html="<p>Bonjour,</p><script>alert(1)</script>")
    at = select_rows(open_app(lead, PAGE), 0)
    no_exception(at)
    assert any(m.value.startswith("**Décision « Élan »**") for m in at.markdown)
    assert "vous êtes retenus." in at.text[0].value
    assert len(at.tabs) == 2


def test_courriels_send_all_runs_in_the_background_and_reports(as_role, file_mode):
    lead = as_role(Role.PILOTE)
    ids = add_messages(3)
    at = open_app(lead, PAGE)
    button(at, "Envoyer tout ce qui est en file").click().run()
    no_exception(at)
    at = wait_for_sending(at)
    no_exception(at)
    assert [s.value for s in at.success] == [escape_md("Courriels : 3 envoyés.")]
    assert [r.status for r in rows(ids)] == [MailStatus.SENT] * 3
    assert len(list(file_mode.glob("*.eml"))) == 3
    eml_table = at.dataframe[1].value
    assert len(eml_table) == 3
    at.session_state["courriels-eml"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    no_exception(at)
    assert any("voici le message" in t.value for t in at.text)


def test_courriels_send_selection_sends_only_it(as_role):
    lead = as_role(Role.PILOTE)
    ids = add_messages(3)
    at = select_rows(open_app(lead, PAGE), 0)  # newest first: the last one added
    button(at, "Envoyer la sélection").click().run()
    wait_for_sending(at)
    assert [r.status for r in rows(ids)] == [MailStatus.QUEUED, MailStatus.QUEUED, MailStatus.SENT]


def test_courriels_requeue_a_failed_message(as_role):
    lead = as_role(Role.PILOTE)
    [failed] = add_messages(1)
    with unit_of_work() as session:
        session.execute(update(OutboxMessage).values(status=MailStatus.FAILED, last_error="refusé (550)"))
    at = select_rows(open_app(lead, PAGE), 0)
    button(at, "Remettre en file").click().run()
    no_exception(at)
    assert row(failed).status == MailStatus.QUEUED
    assert [s.value for s in at.success] == [escape_md("1 courriel(s) remis en file d'attente.")]


def test_courriels_discard_needs_a_reason(as_role):
    lead = as_role(Role.PILOTE)
    [queued] = add_messages(1)
    at = select_rows(open_app(lead, PAGE), 0)
    button(at, "Écarter la sélection").click().run()
    assert [e.value for e in at.error] == [escape_md("Indiquez pourquoi ces courriels sont écartés.")]
    assert row(queued).status == MailStatus.QUEUED
    at = select_rows(at, 0)
    by_label(at.text_input, "Raison (obligatoire pour écarter)").input("Doublon")
    button(at, "Écarter la sélection").click().run()
    no_exception(at)
    assert row(queued).status == MailStatus.DISCARDED


def test_courriels_edit_a_draft(as_role):
    lead = as_role(Role.PILOTE)
    [draft] = add_messages(1, status=MailStatus.DRAFT)
    at = select_rows(open_app(lead, PAGE), 0)
    by_label(at.text_input, "Objet").input("Objet corrigé")
    button(at, "Enregistrer le brouillon").click().run()
    no_exception(at)
    assert row(draft).subject == "Objet corrigé"
    assert [s.value for s in at.success] == [escape_md("Brouillon enregistré.")]


def test_courriels_statement_count_does_not_grow_with_the_rows(as_role, sqlite_db):
    from tests.querycount import counting

    lead = as_role(Role.PILOTE)
    add_messages(2)
    at = open_app(lead, PAGE)
    with counting(sqlite_db) as few:
        at.run()
    add_messages(60, template_key="autre")
    with counting(sqlite_db) as many:
        at.run()
    no_exception(at)
    assert len(at.dataframe[0].value) == 62
    assert len(many) == len(few)


def test_courriels_a_selection_does_not_move_to_other_messages_when_the_rows_change(as_role):
    # The table selects by position: a message queued meanwhile (another tab, a revision) comes
    # first, and the lead's selection would silently be that new message.
    lead = as_role(Role.PILOTE)
    add_messages(2)
    at = select_rows(open_app(lead, PAGE), 0)
    assert "Sélection : 1 courriel(s)" in [s.value for s in at.subheader]
    add_messages(1, template_key="autre")
    at.run()
    no_exception(at)
    assert not any(s.value.startswith("Sélection") for s in at.subheader)
    assert not any(b.label.startswith("Envoyer la sélection") for b in at.button)


def test_courriels_send_all_queues_the_reminders_due_even_when_nothing_is_queued(as_role, file_mode):
    """Without a send-mail timer (`make run`), the page's « Envoyer tout » is what sends the
    announcement of an open call: it must not be disabled for an empty queue."""
    from tests.factories import make_call, make_network, make_user

    network = make_network("Réseau annoncé")
    make_user(Role.RESEAU, network_id=network, email="referente@reseau-annonce.fr")
    make_call(networks=(network,))
    lead = as_role(Role.PILOTE)
    at = open_app(lead, PAGE)
    send_all = button(at, "Envoyer tout ce qui est en file")
    assert not send_all.disabled
    send_all.click().run()
    at = wait_for_sending(at)
    no_exception(at)
    assert [s.value for s in at.success] == [escape_md("Courriels : 1 envoyé.")]
    [eml] = file_mode.glob("*.eml")
    assert "referente@reseau-annonce.fr" in eml.read_text()


# ---------------------------------------------------------------- pages of the outbox


@pytest.fixture
def pages_of_three(monkeypatch):
    from core.mail import outbox_admin

    monkeypatch.setattr(outbox_admin, "PAGE_SIZE", 3)


def shown_ids(at) -> list[int]:
    return [int(i) for i in at.dataframe[0].value["id"]]


def page_box(at):
    return by_label(at.number_input, "Page")


def test_courriels_shows_a_page_of_200_with_the_count_of_all(as_role):
    lead = as_role(Role.PILOTE)
    ids = add_messages(205)
    at = open_app(lead, PAGE)
    no_exception(at)
    assert shown_ids(at) == ids[:4:-1]  # the 200 newest
    assert "Messages 1 à 200 sur 205" in texts(at.caption)
    assert button(at, "Page précédente").disabled and not button(at, "Page suivante").disabled
    button(at, "Page suivante").click().run()
    no_exception(at)
    assert shown_ids(at) == ids[4::-1]
    assert "Messages 201 à 205 sur 205" in texts(at.caption)
    assert button(at, "Page suivante").disabled


def test_courriels_next_and_previous_pages_and_the_page_box(as_role, pages_of_three):
    lead = as_role(Role.PILOTE)
    ids = add_messages(7)
    at = open_app(lead, PAGE)
    assert shown_ids(at) == ids[6:3:-1]
    button(at, "Page suivante").click().run()
    assert shown_ids(at) == ids[3:0:-1] and page_box(at).value == 2
    assert "Messages 4 à 6 sur 7" in texts(at.caption)
    page_box(at).set_value(3).run()
    assert shown_ids(at) == [ids[0]]
    button(at, "Page précédente").click().run()
    no_exception(at)
    assert shown_ids(at) == ids[3:0:-1]


def test_courriels_another_filter_goes_back_to_its_first_page(as_role, pages_of_three):
    lead = as_role(Role.PILOTE)
    ids = add_messages(7)
    at = open_app(lead, PAGE)
    page_box(at).set_value(3).run()
    assert shown_ids(at) == [ids[0]]
    by_label(at.text_input, "Destinataire ou objet").input("Message").run()  # all seven still match
    no_exception(at)
    assert page_box(at).value == 1 and shown_ids(at) == ids[6:3:-1]
    assert "Messages 1 à 3 sur 7" in texts(at.caption)


def test_courriels_a_page_that_does_not_exist_says_so_and_shows_the_last(as_role, pages_of_three):
    lead = as_role(Role.PILOTE)
    ids = add_messages(7)
    at = open_app(lead, PAGE)
    page_box(at).set_value(40).run()
    no_exception(at)
    moved = "La page 40 n'existe pas : ces filtres donnent 3 page(s). Voici la page 3."
    assert moved in texts(at.info)
    assert page_box(at).value == 3 and shown_ids(at) == [ids[0]]
    at.run()
    assert moved not in texts(at.info) and shown_ids(at) == [ids[0]]  # said once


def test_courriels_an_act_on_page_two_acts_on_the_messages_selected_there(as_role, pages_of_three):
    lead = as_role(Role.PILOTE)
    ids = add_messages(7)
    at = open_app(lead, PAGE)
    at = select_rows(at, 0)  # on page 1: ids[6]
    button(at, "Page suivante").click().run()
    assert not any(s.value.startswith("Sélection") for s in at.subheader)  # that selection does not follow
    at = select_rows(at, 1)  # on page 2, the second row: ids[2]
    assert "Sélection : 1 courriel(s)" in [s.value for s in at.subheader]
    by_label(at.text_input, "Raison (obligatoire pour écarter)").input("Doublon")
    button(at, "Écarter la sélection").click().run()
    no_exception(at)
    assert [r.id for r in rows() if r.status == MailStatus.DISCARDED] == [ids[2]]
