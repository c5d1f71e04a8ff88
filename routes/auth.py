"""Sign-in, password links and health: the few screens Streamlit cannot serve.

Each handler reads the form, opens one unit of work, calls core and answers with a
page or a redirect; the session cookie is set only here.
"""

from __future__ import annotations

import logging
import re

from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from core import audit
from core.accounts import links, passwords, resets, sessions, signin
from core.errors import InvalidLink, TooManyAttempts, ValidationFailed
from core.logs import email_ref
from db.engine import read_only, unit_of_work
from db.models import TokenPurpose
from routes.web import (
    LINK_COOKIE,
    SESSION_COOKIE,
    SESSION_COOKIE_MAX_AGE,
    client_ip,
    csrf_ok,
    page,
    set_cookie,
)

log = logging.getLogger(__name__)

CSRF_MESSAGE = "Votre formulaire a expiré ou ne vient pas de ce site. Rechargez la page et réessayez."
NOTICES = {
    "deconnecte": "Vous êtes déconnecté.",
    "expire": "Votre session a expiré : reconnectez-vous.",
}


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _signed_in(url: str, token: str) -> RedirectResponse:
    response = _redirect(url)
    set_cookie(response, SESSION_COOKIE, token, max_age=SESSION_COOKIE_MAX_AGE)
    response.delete_cookie(LINK_COOKIE, path="/mot-de-passe")
    return response


def _record_csrf_rejection(request: Request, path: str) -> None:
    log.warning("form refused (CSRF): path=%s ip=%s", path, client_ip(request))
    with unit_of_work() as session:
        audit.record_refusal(session, action="csrf_rejected", ip_address=client_ip(request), detail=path)


# ---------------------------------------------------------------- sign-in


_APP_PATH = re.compile(r"/[a-z-]{0,40}")


def _next_page(value: object) -> str:
    """Where to go after signing in: a page path of this app, never another site."""
    text = str(value or "")
    return text if _APP_PATH.fullmatch(text) else "/"


def sign_in_form(request: Request) -> Response:
    next_page = _next_page(request.query_params.get("suivant"))
    with read_only() as session:
        if sessions.check_session(session, request.cookies.get(SESSION_COOKIE)).actor is not None:
            return _redirect(next_page)  # already signed in
    notice = NOTICES.get(request.query_params.get("info", ""))
    response = page(request, "sign_in.html", email="", error=None, notice=notice, next_page=next_page)
    response.delete_cookie(SESSION_COOKIE)  # whatever was there is not a live session any more
    return response


async def sign_in_submit(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_sign_in_submit, request, form)


def _sign_in_submit(request: Request, form) -> Response:
    email = str(form.get("email", ""))[:254]
    next_page = _next_page(form.get("suivant"))
    if not csrf_ok(request, form):
        _record_csrf_rejection(request, "/connexion")
        return page(request, "sign_in.html", status_code=403, email=email, error=CSRF_MESSAGE, notice=None,
                    next_page=next_page)
    with unit_of_work() as session:
        outcome = signin.sign_in(
            session, email=email, password=str(form.get("password", "")),
            ip_address=client_ip(request), user_agent=request.headers.get("user-agent"),
        )
        if outcome.error is None:
            # The cookie about to be replaced may still name a live session (another tab,
            # another account): end it with the sign-in, so one browser holds one session.
            sessions.sign_out(session, request.cookies.get(SESSION_COOKIE))
    if outcome.error:
        log.warning("sign-in refused: %s email_ref=%s ip=%s", type(outcome.error).__name__, email_ref(email),
                    client_ip(request))
        status = 429 if isinstance(outcome.error, TooManyAttempts) else 401
        return page(request, "sign_in.html", status_code=status, email=email, error=outcome.error.message,
                    notice=None, next_page=next_page)
    return _signed_in(next_page, outcome.token)


# ---------------------------------------------------------------- single-use links


def open_link(request: Request) -> Response:
    """Keep the token in a short-lived cookie and move to a URL that does not show it."""
    token = request.path_params["token"]
    try:
        with read_only() as session:
            links.peek_link(session, token)
    except InvalidLink as error:
        log.warning("link refused: expired, used or unknown ip=%s", client_ip(request))
        with unit_of_work() as session:
            links.reject_link(session, ip_address=client_ip(request), reason="lien expiré, utilisé ou inconnu")
        return page(request, "message.html", status_code=410, title="Lien non valable", message=error.message)
    response = _redirect("/mot-de-passe")
    set_cookie(response, LINK_COOKIE, token, max_age=3600, path="/mot-de-passe")
    return response


def _password_page(request: Request, *, status_code: int = 200, errors: dict | None = None) -> Response:
    try:
        with read_only() as session:
            info = links.peek_link(session, request.cookies.get(LINK_COOKIE))
    except InvalidLink as error:
        return page(request, "message.html", status_code=410, title="Lien non valable", message=error.message)
    return page(
        request, "set_password.html", status_code=status_code, info=info, errors=errors or {},
        invitation=info.purpose == TokenPurpose.INVITATION, min_length=passwords.MIN_PASSWORD_LENGTH,
    )


def password_form(request: Request) -> Response:
    return _password_page(request)


async def password_submit(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_password_submit, request, form)


def _password_submit(request: Request, form) -> Response:
    if not csrf_ok(request, form):
        _record_csrf_rejection(request, "/mot-de-passe")
        return _password_page(request, status_code=403, errors={"form": CSRF_MESSAGE})
    try:
        with unit_of_work() as session:
            token, _actor = links.use_link(
                session, token=request.cookies.get(LINK_COOKIE),
                password=str(form.get("password", "")),
                password_confirmation=str(form.get("password_confirmation", "")),
                ip_address=client_ip(request), user_agent=request.headers.get("user-agent"),
            )
            sessions.sign_out(session, request.cookies.get(SESSION_COOKIE))  # replaced below, as on sign-in
    except ValidationFailed as error:
        log.info("password form refused: fields=%s ip=%s", ",".join(sorted(error.errors)), client_ip(request))
        return _password_page(request, status_code=400, errors=error.errors)
    except InvalidLink as error:
        log.warning("password form refused: link expired or used ip=%s", client_ip(request))
        return page(request, "message.html", status_code=410, title="Lien non valable", message=error.message)
    return _signed_in("/", token)


def reset_form(request: Request) -> Response:
    return page(request, "reset.html", sent=False, error=None)


async def reset_submit(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_reset_submit, request, form)


def _reset_submit(request: Request, form) -> Response:
    if not csrf_ok(request, form):
        _record_csrf_rejection(request, "/mot-de-passe-oublie")
        return page(request, "reset.html", status_code=403, sent=False, error=CSRF_MESSAGE)
    with unit_of_work() as session:
        resets.request_password_reset(session, email=str(form.get("email", "")), ip_address=client_ip(request))
    return page(request, "reset.html", sent=True, error=None)


# ---------------------------------------------------------------- health


def health(_request: Request) -> Response:
    try:
        with read_only() as session:
            session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means "not healthy"
        return PlainTextResponse("base de données injoignable", status_code=503)
    return PlainTextResponse("ok")


ROUTES = [
    Route("/connexion", sign_in_form, methods=["GET"]),
    Route("/connexion", sign_in_submit, methods=["POST"]),
    Route("/lien/{token}", open_link, methods=["GET"]),
    Route("/mot-de-passe", password_form, methods=["GET"]),
    Route("/mot-de-passe", password_submit, methods=["POST"]),
    Route("/mot-de-passe-oublie", reset_form, methods=["GET"]),
    Route("/mot-de-passe-oublie", reset_submit, methods=["POST"]),
    Route("/sante", health, methods=["GET"]),
]
