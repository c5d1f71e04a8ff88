"""The signed-in user of this browser, read from the HttpOnly cookie set by the sign-in route."""

from __future__ import annotations

import threading
from collections.abc import Callable

import streamlit as st
from streamlit import config
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.accounts import sessions
from core.permissions import Actor
from db.engine import read_only, unit_of_work
from routes.web import SESSION_COOKIE

# AppTest cannot send cookies, so page tests put a real session token here; a
# browser cannot write session_state directly, and the token is checked as usual.
TEST_TOKEN_KEY = "session_token"  # noqa: S105 — the name of a session_state key


def session_token() -> str | None:
    """The session cookie's token; under AppTest (which sends no cookies), the page test's
    token in session_state. A served app never reads session_state for it."""
    if config.get_option("global.appTest"):  # how Streamlit itself tells AppTest (its own patch)
        return st.session_state.get(TEST_TOKEN_KEY)
    cookie = st.context.cookies.get(SESSION_COOKIE)
    return cookie if isinstance(cookie, str) and cookie else None


# streamlit_app.py checks the session at the top of every run (check_actor); the page
# it then runs, in the same thread and browser session, reuses that answer.
_this_run = threading.local()


def _browser_session() -> str | None:
    context = get_script_run_ctx()
    return context.session_id if context else None


def check_actor(*, activity: bool = True) -> Actor | None:
    """The actor of this browser, checked against the database (revocation and expiry
    take effect at once). Called first in every run; `activity=False` for an automatic
    refresh, which must not push the idle expiry back."""
    actor = _checked_actor(activity=activity)
    _this_run.value = (_browser_session(), actor)
    return actor


def current_actor() -> Actor | None:
    """The actor checked at the top of this run, or checked now."""
    cached = getattr(_this_run, "value", None)
    if cached is not None and cached[0] == _browser_session():
        return cached[1]
    return check_actor()


def still_signed_in(actor: Actor) -> bool:
    """For a fragment that refreshes itself: whether this browser is still signed in as
    `actor`. A fragment's own rerun skips the top of the script, so the session is checked
    again there (as an automatic refresh, not activity: an idle session still expires);
    in a full run it was checked at the top already."""
    context = get_script_run_ctx()
    if not (context and context.fragment_ids_this_run):
        return True
    viewer = check_actor(activity=False)
    return viewer is not None and viewer.user_id == actor.user_id


def actor_at_click(shown: Actor) -> Actor | None:
    """For a button's callback, which runs before the top of the script checks the session:
    `shown` (the actor the page was drawn for) checked again now, or None once this browser
    is signed out, the session revoked or the role changed, so the act is not done."""
    viewer = check_actor()
    return viewer if viewer is not None and (viewer.user_id, viewer.role) == (shown.user_id, shown.role) else None


SESSION_ENDED = "Votre session a pris fin : reconnectez-vous. Rien n'a été enregistré."


def ended_since_drawn(shown: Actor, tell: Callable[[str], object]) -> bool:
    """For a button's callback: True, after `tell(SESSION_ENDED)`, once this browser is no
    longer signed in as `shown` (see actor_at_click); the callback then does nothing."""
    if actor_at_click(shown) is not None:
        return False
    tell(SESSION_ENDED)
    return True


def _checked_actor(*, activity: bool = True) -> Actor | None:
    token = session_token()
    if not token:
        return None
    with read_only() as session:
        check = sessions.check_session(session, token)
    if activity and check.needs_touch:
        with unit_of_work() as session:
            sessions.touch_session(session, check.session_id)
    return check.actor


def sign_in_link(*, full_width: bool = False, back_to: str | None = None) -> None:
    """A "Se connecter" button to the sign-in route, in this same tab (st.link_button
    always opens a new tab, which would leave this one signed out). `back_to` is a page
    url path of this app to return to once signed in (the route checks it)."""
    width = "display:block;text-align:center" if full_width else "display:inline-block"
    target = f"/connexion?suivant=/{back_to}" if back_to and back_to.replace("-", "").isalpha() else "/connexion"
    st.html(
        f'<a href="{target}" style="{width};padding:.4rem .9rem;border-radius:.5rem;background:#0b5fad;'
        'color:#fff;text-decoration:none;font-weight:500">Se connecter</a>'
    )


def require_actor() -> Actor:
    """The actor, or stop the page (navigation never offers it to anonymous users)."""
    actor = current_actor()
    if actor is None:
        st.warning("Votre session a expiré : reconnectez-vous.")
        sign_in_link()
        st.stop()
    return actor


def sign_out() -> None:
    with unit_of_work() as session:
        sessions.sign_out(session, session_token())
    _this_run.__dict__.pop("value", None)
    st.session_state.clear()
    st.session_state["signed_out"] = True
