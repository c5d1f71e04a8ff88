"""The entry script: who is signed in decides the navigation; the sidebar signs out."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from core.accounts import sessions
from db.engine import read_only, unit_of_work
from db.models import Role
from tests.factories import make_network, make_session_token
from tests.pages.conftest import (
    APP,
    ROOT,
    TIMEOUT,
    by_label,
    no_exception,
    open_app,
    texts,
)
from ui.forms import escape_md
from ui.session import TEST_TOKEN_KEY

ADMIN_ONLY = ["pages/admin/accueil.py", "pages/admin/comptes.py", "pages/admin/reseaux.py", "pages/admin/journal.py"]
PILOTE_ONLY = ["pages/pilotage/accueil.py"]


def sign_in_links(block) -> int:
    """Links to the sign-in route (same tab: ui.session.sign_in_link, not st.link_button)."""
    return sum('href="/connexion"' in h.proto.body and "Se connecter" in h.proto.body for h in block.get("html"))


def registered_scripts(at) -> set[str]:
    """The page files st.navigation registered in the last run (AppTest keeps them privately)."""
    return {Path(info["script_path"]).resolve().relative_to(ROOT).as_posix()
            for info in at._registered_pages.values() if info.get("script_path")}


def test_app_anonymous_shows_the_public_home_and_sign_in(sqlite_db):
    at = open_app()
    no_exception(at)
    assert texts(at.title) == ["🤝 OpenMap candidatures"]
    assert sign_in_links(at.sidebar) == 1 and sign_in_links(at.main) == 1
    assert not at.sidebar.button  # no sign-out button for nobody


def test_app_anonymous_cannot_switch_to_a_signed_in_page(sqlite_db):
    at = open_app()
    with pytest.raises(ValueError):
        at.switch_page("pages/commun/mon_compte.py")


@pytest.mark.parametrize("case", ["unknown", "revoked", "deactivated"])
def test_app_with_a_dead_token_is_anonymous(as_role, case):
    token = "jeton-inconnu"
    if case != "unknown":
        actor = as_role(Role.PILOTE, active=case != "deactivated")
        token = make_session_token(actor)
        if case == "revoked":
            with unit_of_work() as session:
                sessions.sign_out(session, token)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state[TEST_TOKEN_KEY] = token
    at.run()
    no_exception(at)
    assert texts(at.title) == ["🤝 OpenMap candidatures"]


def test_app_network_referent_sees_name_network_and_only_its_pages(as_role):
    name = "Réseau des Hauts-de-Seine"
    referent = as_role(Role.RESEAU, network_id=make_network(name))
    at = open_app(referent)
    no_exception(at)
    assert texts(at.title) == [escape_md(name)]
    assert texts(at.sidebar.markdown) == [f"**{escape_md(referent.full_name)}**"]
    assert escape_md(f"Réseau · {name}") in texts(at.sidebar.caption)
    assert "Se déconnecter" in [b.label for b in at.sidebar.button]
    assert all(page.startswith(ALLOWED[Role.RESEAU]) for page in registered_scripts(at))
    for page in ADMIN_ONLY + PILOTE_ONLY:
        with pytest.raises(ValueError):
            at.switch_page(page)


def test_app_network_referent_asking_for_an_admin_url_gets_a_french_refusal(as_role):
    """What a browser does on /comptes: ask for the page hash of that url path."""
    referent = as_role(Role.RESEAU)
    at = open_app(referent)
    at._page_hash = calc_hash("comptes")  # st.Page hashes its url_path
    at.run()
    no_exception(at)
    assert texts(at.title) == ["Page non disponible"]
    assert texts(at.info) == ["Cette page n'est pas accessible avec votre compte."]
    assert not [w for w in at.text_input if w.label == "Adresse e-mail"]


def test_app_anonymous_asking_for_a_page_is_asked_to_sign_in(sqlite_db):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at._page_hash = calc_hash("appels")
    at.run()
    no_exception(at)
    assert texts(at.title) == ["Page non disponible"]
    assert texts(at.info) == ["Connectez-vous pour accéder à cette page."]


# What each role's navigation may hold, must hold, and must never hold.
PUBLIC = "pages/public/"  # the public home is open to everyone (hidden from signed-in menus)
ALLOWED = {
    Role.ADMIN: ("pages/admin/", "pages/commun/", PUBLIC),
    Role.PILOTE: ("pages/pilotage/", "pages/admin/comptes.py", "pages/admin/journal.py", "pages/commun/", PUBLIC,
                  "pages/evaluateur/evaluer.py", "pages/evaluateur/liens.py"),  # the lead reviews too
    Role.EVALUATEUR: ("pages/evaluateur/", "pages/commun/", PUBLIC),
    Role.RESEAU: ("pages/reseau/", "pages/commun/", PUBLIC),
}
REQUIRED = {
    Role.ADMIN: {"pages/admin/accueil.py", "pages/admin/comptes.py", "pages/admin/reseaux.py",
                 "pages/admin/journal.py", "pages/commun/mon_compte.py"},
    Role.PILOTE: {"pages/pilotage/accueil.py", "pages/admin/comptes.py", "pages/admin/journal.py",
                  "pages/commun/mon_compte.py", "pages/pilotage/evaluations.py", "pages/pilotage/evaluateurs.py",
                  "pages/evaluateur/evaluer.py", "pages/pilotage/selection.py",
                  "pages/pilotage/publication.py"},
    Role.EVALUATEUR: {"pages/evaluateur/accueil.py", "pages/evaluateur/evaluer.py", "pages/evaluateur/liens.py",
                      "pages/commun/mon_compte.py"},
    Role.RESEAU: {"pages/reseau/accueil.py", "pages/commun/mon_compte.py"},
}


@pytest.mark.parametrize("role", list(Role))
def test_app_navigation_lists_only_the_pages_of_the_role(as_role, role):
    at = open_app(as_role(role))
    no_exception(at)
    pages = registered_scripts(at)
    assert REQUIRED[role] <= pages
    assert all(page.startswith(ALLOWED[role]) for page in pages), pages


def test_app_sign_out_revokes_the_session(as_role):
    admin = as_role(Role.ADMIN)
    at = open_app(admin)
    token = at.session_state[TEST_TOKEN_KEY]
    by_label(at.sidebar.button, "Se déconnecter").click().run()
    no_exception(at)
    with read_only() as session:
        assert sessions.check_session(session, token).actor is None
    assert "Vous êtes déconnecté." in texts(at.success)  # taken to the public home
    assert texts(at.title) == ["🤝 OpenMap candidatures"]
    assert "Vous êtes déconnecté." in texts(at.success)
    assert TEST_TOKEN_KEY not in at.session_state


def test_a_served_app_reads_the_session_from_its_cookie_never_from_session_state():
    """Outside AppTest no page test can have put a token in session_state: a value there
    (a widget's key, a bug) never signs anybody in."""
    import streamlit as st

    from ui.session import session_token

    st.session_state[TEST_TOKEN_KEY] = "a-token-from-session-state"
    try:
        assert st.session_state.get(TEST_TOKEN_KEY) == "a-token-from-session-state"
        assert session_token() is None
    finally:
        del st.session_state[TEST_TOKEN_KEY]
