"""Shared pieces of the HTTP routes: HTML rendering, cookies, CSRF and Origin checks."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from core.settings import Network, settings

SESSION_COOKIE = "openmap_session"
CSRF_COOKIE = "openmap_csrf"
LINK_COOKIE = "openmap_link"
SESSION_COOKIE_MAX_AGE = 30 * 24 * 3600  # the server-side idle expiry is what counts

_TEMPLATES = Path(__file__).parent / "templates"
_templates = Environment(loader=FileSystemLoader(_TEMPLATES), autoescape=select_autoescape(["html"]))

# The pages' only resource is their inline style sheet, allowed by its hash: no script,
# no other origin, no framing, forms posting to this site only.
_STYLE = (_TEMPLATES / "page.css").read_text(encoding="utf-8")
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def client_ip(request: Request) -> str:
    """The address for throttling and the audit, as ClientAddressMiddleware set it."""
    return request.client.host[:64] if request.client else "inconnue"


class ClientAddressMiddleware:
    """Make the ASGI client the browser's address: the socket's peer, unless the operator
    says a proxy is trusted (OPENMAP_BEHIND_PROXY) and the peer is one
    (OPENMAP_TRUSTED_PROXIES). Then it is the last X-Forwarded-For entry, the one that
    proxy appended: what comes before it was sent by the browser and can be anything.
    X-Forwarded-Proto gives the scheme the same way."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        config = settings()
        self.trusted_proxies = config.trusted_proxies if config.behind_proxy else ()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and _peer_in(scope, self.trusted_proxies):
            scope = _as_forwarded(scope)
        await self.app(scope, receive, send)


class NoFramingMiddleware:
    """Forbid other sites to frame any page (clickjacking): Streamlit sends no such header.
    The app's own pages say it in their Content-Security-Policy already."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-frame-options"]
                message = {**message, "headers": [*headers, (b"x-frame-options", b"DENY")]}
            await send(message)

        await self.app(scope, receive, send_with_header)


def _peer_in(scope: Scope, networks: tuple[Network, ...]) -> bool:
    try:
        peer = ipaddress.ip_address(scope["client"][0])
    except (TypeError, ValueError):  # no client, or a unix socket
        return False
    peer = getattr(peer, "ipv4_mapped", None) or peer  # ::ffff:10.0.0.1 on a dual-stack socket
    return any(peer in network for network in networks)


def _last_entry(scope: Scope, header: bytes) -> str:
    values = [value.decode("latin-1") for name, value in scope["headers"] if name == header]
    return ",".join(values).rsplit(",", 1)[-1].strip()


def _as_forwarded(scope: Scope) -> Scope:
    scope = dict(scope)
    if host := _last_entry(scope, b"x-forwarded-for")[:64]:
        scope["client"] = (host, 0)
    proto = _last_entry(scope, b"x-forwarded-proto").lower()
    if proto in ("http", "https"):
        scope["scheme"] = proto if scope["type"] == "http" else proto.replace("http", "ws")
    return scope


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
    style = Markup(_STYLE)  # noqa: S704 — the app's own stylesheet, not user input
    html = _templates.get_template(template).render(csrf_token=token, page_style=style, **context)
    response = HTMLResponse(html, status_code=status_code)
    set_cookie(response, CSRF_COOKIE, token, max_age=None)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
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
