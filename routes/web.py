"""Shared pieces of the HTTP routes: HTML rendering, cookies, CSRF and Origin checks."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from core.settings import settings

SESSION_COOKIE = "openmap_session"
CSRF_COOKIE = "openmap_csrf"
LINK_COOKIE = "openmap_link"
SESSION_COOKIE_MAX_AGE = 30 * 24 * 3600  # the server-side idle expiry is what counts

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


def client_ip(request: Request) -> str:
    """The browser's address; behind a reverse proxy (OPENMAP_BEHIND_PROXY=1) the one
    the proxy appended last to X-Forwarded-For, since earlier entries can be forged."""
    forwarded = request.headers.get("x-forwarded-for", "")
    if forwarded and os.environ.get("OPENMAP_BEHIND_PROXY") == "1":
        return forwarded.split(",")[-1].strip()[:64]
    return request.client.host if request.client else "inconnue"


def set_cookie(response: Response, name: str, value: str, *, max_age: int | None, path: str = "/") -> None:
    response.set_cookie(
        name, value, max_age=max_age, path=path, httponly=True, samesite="lax",
        secure=settings().secure_cookies,
    )


def csrf_token_for(request: Request) -> str:
    """The token of the double-submit pair: reuse the browser's cookie if it has one."""
    token = request.cookies.get(CSRF_COOKIE, "")
    return token if len(token) >= 32 else secrets.token_urlsafe(32)


def page(request: Request, template: str, *, status_code: int = 200, **context) -> HTMLResponse:
    """Render an HTML page carrying a CSRF token in its forms and in a cookie."""
    token = csrf_token_for(request)
    html = _templates.get_template(template).render(csrf_token=token, **context)
    response = HTMLResponse(html, status_code=status_code)
    set_cookie(response, CSRF_COOKIE, token, max_age=None)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def same_origin(request: Request) -> bool:
    """True if the POST comes from a page of this site (Origin, else Referer, must match)."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source or source == "null":
        return False
    return urlsplit(source).netloc == request.headers.get("host", "")


def csrf_ok(request: Request, form) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = str(form.get("csrf_token", ""))
    return len(cookie) >= 32 and secrets.compare_digest(cookie, sent) and same_origin(request)
