"""ui.forms: user text made inert for markdown, every form of every page submitted by
its button only (no English "Press Enter to submit form" hint), each refusal logged."""

from __future__ import annotations

import logging

import pytest
from streamlit.testing.v1 import AppTest

from db.models import Role
from tests.factories import make_call, make_edition, make_network, make_user
from tests.pages.conftest import no_exception, open_app
from ui.forms import escape_md


def test_escape_md_escapes_markdown_html_entities_and_setext_underlines():
    assert escape_md("a=b & <i>c</i> **d**") == "a\\=b \\& \\<i\\>c\\</i\\> \\*\\*d\\*\\*"
    assert escape_md("&amp; &#60;") == "\\&amp; \\&\\#60;"


def test_escape_md_keeps_multi_line_text_one_paragraph():
    # a line of "=" or "-" under text would make a heading; a blank line a new paragraph;
    # an indented line a code block: each line becomes a hard line break instead.
    assert escape_md("Titre\n=====\n\nSuite\r\n    code\n- point") == (
        "Titre  \n\\=\\=\\=\\=\\=  \nSuite  \ncode  \n\\- point")
    assert "\n\n" not in escape_md("a\n\n\n \nb")
    assert escape_md(None) == "" and escape_md("une ligne") == "une ligne"


def forms_of(at) -> list:
    assert at.form, "the page shows no form"
    return list(at.form)


def test_every_form_is_submitted_by_its_button_only(sqlite_db):
    admin, lead = make_user(Role.ADMIN), make_user(Role.PILOTE)
    network = make_network("Urtie")
    make_network("Réseau Nord")
    call_id = make_call(make_edition(), networks=(network,))
    referent = make_user(Role.RESEAU, network_id=network)
    pages = [
        open_app(admin, "pages/admin/comptes.py"), open_app(admin, "pages/admin/reseaux.py"),
        open_app(admin, "pages/commun/mon_compte.py"), open_app(lead, "pages/pilotage/appels.py"),
    ]
    candidacy = open_app(referent)
    candidacy.switch_page("pages/reseau/candidature.py")
    candidacy.query_params["appel"] = str(call_id)
    pages.append(candidacy.run())
    for at in pages:
        no_exception(at)
        assert [f.proto.form.enter_to_submit for f in forms_of(at)] == [False] * len(at.form)
    assert sum(len(at.form) for at in pages) == 8


@pytest.mark.parametrize("message", ["**gras** [lien](http://x.example) <b>x</b>", "Réseau\n===\n\nsuite"])
def test_form_error_shows_the_message_as_text(sqlite_db, message):
    """A DomainError message may quote what the user typed: it is shown escaped."""
    at = open_app(make_user(Role.ADMIN), "pages/commun/mon_compte.py")
    at.session_state["errors:mon_compte"] = {"_form": message}
    at.run()
    no_exception(at)
    assert [e.value for e in at.error] == [escape_md(message)]


def _refusing_script(kind: str) -> None:
    """A page whose form's use case is refused (run by AppTest.from_function)."""
    import streamlit as st

    from core.errors import StaleEdit, ValidationFailed
    from ui import forms

    def refuse():
        if kind == "validation":
            raise ValidationFailed({"email": "Adresse « secret@exemple.fr » invalide.", "siret": "SIRET invalide."})
        raise StaleEdit()

    if not st.session_state.get("submitted"):  # once, as a click would; submit then reruns
        st.session_state["submitted"] = True
        forms.submit("essai", refuse)
    forms.form_error("essai")


@pytest.mark.parametrize(("kind", "expected"), [
    ("validation", "use case refused: form=essai error=ValidationFailed fields=email,siret"),
    ("stale", "use case refused: form=essai error=StaleEdit"),
])
def test_submit_refused_logs_one_line_with_the_error_not_the_values(caplog, kind, expected):
    caplog.set_level(logging.INFO, logger="ui.forms")
    at = AppTest.from_function(_refusing_script, args=(kind,), default_timeout=30).run()
    assert at.error  # the refusal is shown
    lines = [r.getMessage() for r in caplog.records if r.name == "ui.forms"]
    assert lines == [expected] and "secret@exemple.fr" not in caplog.text
