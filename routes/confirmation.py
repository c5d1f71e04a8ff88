"""The retained structure's personal link: see the pitch, confirm it, or decline it after
a second « Êtes-vous sûr ? » step. No sign-in: the link is the right to answer, once.

The token stays in the path (/confirmation/{token}), unlike the password links, which move
it to a cookie: a network referent in copy of several structures may open two links in
two tabs, and each page must answer for its own structure. The page has no outside
resource and sends Referrer-Policy same-origin, so the token never leaves the site; once
answered, it is used up. GET only reads (`answers.peek`); every change is a POST with the
sign-in forms' CSRF check (double-submit cookie and Origin).
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core import audit
from core.clock import format_date, format_datetime, format_time
from core.errors import ValidationFailed
from core.selection import answers
from core.selection.answers import LinkRefused
from db.engine import read_only, unit_of_work
from routes.auth import CSRF_MESSAGE
from routes.web import client_ip, csrf_ok, page

log = logging.getLogger(__name__)

REFUSED_TITLE = "Lien non valable"


def _refused(request: Request, error: LinkRefused) -> Response:
    """The same page whatever the reason; the reason goes to the journal and the log only."""
    log.warning("confirmation link refused: %s ip=%s", error.reason, client_ip(request))
    with unit_of_work() as session:
        answers.record_refusal(session, error=error, ip_address=client_ip(request))
    return page(request, "confirmation_refused.html", status_code=410, title=REFUSED_TITLE, message=error.message)


def _shown(pitch: answers.Pitch) -> dict:
    """The pitch in French words, for the templates."""
    return {
        "pitch": pitch, "event_date": format_date(pitch.event_date, weekday=True),
        "start_time": format_time(pitch.start_time),
        "starts_at": format_time(pitch.starts_at) if pitch.starts_at else None,
        "confirm_by": format_datetime(pitch.confirm_by),
    }


def _peek(request: Request, template: str, *, status_code: int = 200, **context) -> Response:
    token = request.path_params["token"]
    try:
        with read_only() as session:
            pitch = answers.peek(session, token)
    except LinkRefused as error:
        return _refused(request, error)
    return page(request, template, status_code=status_code, token=token, **_shown(pitch), **context)


def show(request: Request) -> Response:
    return _peek(request, "confirmation.html", errors={})


def ask_decline(request: Request) -> Response:
    return _peek(request, "confirmation_decline.html", errors={}, reason="")


async def submit_confirm(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_submit_confirm, request, form)


async def submit_decline(request: Request) -> Response:
    form = await request.form()
    return await run_in_threadpool(_submit_decline, request, form)


def _csrf_refused(request: Request) -> None:
    log.warning("form refused (CSRF): path=/confirmation ip=%s", client_ip(request))
    with unit_of_work() as session:
        audit.record_refusal(session, action="csrf_rejected", ip_address=client_ip(request),
                             detail="/confirmation")


def _submit_confirm(request: Request, form) -> Response:
    token = request.path_params["token"]
    if not csrf_ok(request, form):
        _csrf_refused(request)
        return _peek(request, "confirmation.html", status_code=403, errors={"form": CSRF_MESSAGE})
    try:
        with unit_of_work() as session:
            pitch = answers.confirm(session, token=token, ip_address=client_ip(request))
    except LinkRefused as error:
        return _refused(request, error)
    log.info("pitch confirmed: candidacy=%s ip=%s", pitch.candidacy_id, client_ip(request))
    return page(request, "confirmation_done.html", confirmed=True, **_shown(pitch))


def _submit_decline(request: Request, form) -> Response:
    token = request.path_params["token"]
    reason = str(form.get("reason", ""))[:answers.DECLINE_REASON_LIMIT * 4]  # what a browser sends, bounded
    if not csrf_ok(request, form):
        _csrf_refused(request)
        return _peek(request, "confirmation_decline.html", status_code=403, errors={"form": CSRF_MESSAGE},
                     reason=reason)
    try:
        with unit_of_work() as session:
            pitch = answers.decline(session, token=token, reason=reason, ip_address=client_ip(request))
    except ValidationFailed as error:
        return _peek(request, "confirmation_decline.html", status_code=400, errors=error.errors, reason=reason)
    except LinkRefused as error:
        return _refused(request, error)
    log.info("pitch declined: candidacy=%s ip=%s", pitch.candidacy_id, client_ip(request))
    return page(request, "confirmation_done.html", confirmed=False, **_shown(pitch))


ROUTES = [
    Route("/confirmation/{token}", show, methods=["GET"]),
    Route("/confirmation/{token}", submit_confirm, methods=["POST"]),
    Route("/confirmation/{token}/refus", ask_decline, methods=["GET"]),
    Route("/confirmation/{token}/refus", submit_decline, methods=["POST"]),
]
