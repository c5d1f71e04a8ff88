"""Which address counts as the client's (sign-in lock, audit): the socket's peer, or the
last hop of X-Forwarded-For when that peer is a proxy the operator trusts."""

import re

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from core.settings import settings
from routes.web import ClientAddressMiddleware, client_ip


def address_and_scheme(request):
    return PlainTextResponse(f"{client_ip(request)} {request.url.scheme}")


def seen(peer: str, headers: list[tuple[str, str]]) -> str:
    """What the app sees as (address, scheme) for a request from `peer` with `headers`."""
    app = Starlette(routes=[Route("/", address_and_scheme)], middleware=[Middleware(ClientAddressMiddleware)])
    with TestClient(app, client=(peer, 40000)) as client:
        return client.get("/", headers=headers).text


FORGED = [("X-Forwarded-For", "6.6.6.6, 203.0.113.7"), ("X-Forwarded-Proto", "https")]


def test_client_address_without_proxy_setting_is_the_peer(monkeypatch):
    monkeypatch.delenv("OPENMAP_BEHIND_PROXY", raising=False)
    assert seen("127.0.0.1", FORGED) == "127.0.0.1 http"


def test_client_address_behind_proxy_is_the_last_hop(monkeypatch):
    monkeypatch.setenv("OPENMAP_BEHIND_PROXY", "1")
    monkeypatch.delenv("OPENMAP_TRUSTED_PROXIES", raising=False)
    assert seen("127.0.0.1", FORGED) == "203.0.113.7 https"
    assert seen("::1", [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "198.51.100.4")]) == "198.51.100.4 http"


def test_client_address_behind_proxy_from_an_untrusted_peer_is_the_peer(monkeypatch):
    monkeypatch.setenv("OPENMAP_BEHIND_PROXY", "1")
    monkeypatch.setenv("OPENMAP_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1")
    assert seen("127.0.0.1", FORGED) == "127.0.0.1 http"
    assert seen("10.20.30.40", FORGED) == "203.0.113.7 https"
    assert seen("192.0.2.1", FORGED) == "203.0.113.7 https"


def test_client_address_behind_proxy_without_header_is_the_peer(monkeypatch):
    monkeypatch.setenv("OPENMAP_BEHIND_PROXY", "1")
    assert seen("127.0.0.1", []) == "127.0.0.1 http"
    assert seen("127.0.0.1", [("X-Forwarded-For", " ")]) == "127.0.0.1 http"


def test_client_address_trusted_proxies_invalid_is_refused_in_french(monkeypatch):
    monkeypatch.setenv("OPENMAP_TRUSTED_PROXIES", "10.0.0.0/8, proxy.local")
    refused = re.escape("OPENMAP_TRUSTED_PROXIES : « proxy.local » n'est ni une adresse IP")
    with pytest.raises(ValueError, match=refused):
        settings()


def test_client_address_uvicorn_does_not_rewrite_it_for_the_app(monkeypatch):
    """`streamlit run server.py` and `uvicorn server:app` both load the app through
    uvicorn.Config, which would wrap it in its own X-Forwarded-For rewriting."""
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    config = uvicorn.Config("server:app", proxy_headers=True)
    config.load()
    assert not isinstance(config.loaded_app, ProxyHeadersMiddleware)
