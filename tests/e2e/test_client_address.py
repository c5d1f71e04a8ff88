"""The client address used for the sign-in lock and the audit, through the real server
process (`streamlit run server.py`, whose uvicorn rewrites addresses from X-Forwarded-For
unless told otherwise), and the sign-in page's Content-Security-Policy in Chromium."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, running_server

pytestmark = pytest.mark.e2e

LOCKED = "Trop de tentatives de connexion infructueuses"


def sign_in(client: httpx.Client, password: str, forwarded_for: str) -> httpx.Response:
    """GET the form (CSRF cookie and token), then POST it as a browser on this site would."""
    form = client.get("/connexion")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return client.post("/connexion", data={"email": ADMIN_EMAIL, "password": password, "csrf_token": token},
                       headers={"Origin": str(client.base_url), "X-Forwarded-For": forwarded_for})


def audited_addresses(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(
            "SELECT action, ip_address FROM audit_entries WHERE action LIKE 'sign_in_%' ORDER BY id"
        ).fetchall()


def test_sign_in_lock_ignores_forwarded_for_when_no_proxy_is_trusted(tmp_path):
    with running_server(tmp_path) as started, \
            httpx.Client(base_url=started.base_url, follow_redirects=False) as client:
        for attempt in range(5):
            assert sign_in(client, "pas-le-bon", f"198.51.100.{attempt + 1}").status_code == 401
        refused = sign_in(client, ADMIN_PASSWORD, "198.51.100.99")
        assert refused.status_code == 429 and LOCKED in refused.text
        assert "openmap_session" not in refused.cookies
        assert audited_addresses(started.database) == [("sign_in_failed", "127.0.0.1")] * 5 + [
            ("sign_in_locked", "127.0.0.1")]


def test_sign_in_lock_counts_the_trusted_proxy_last_hop_only(tmp_path):
    with running_server(tmp_path, OPENMAP_BEHIND_PROXY="1") as started, \
            httpx.Client(base_url=started.base_url, follow_redirects=False) as client:
        # The proxy (this loopback client) appends the browser's address last; what the
        # browser itself put in front is forged and changes at every attempt.
        for attempt in range(5):
            forged = f"10.9.8.{attempt + 1}, 203.0.113.7"
            assert sign_in(client, "pas-le-bon", forged).status_code == 401
        refused = sign_in(client, ADMIN_PASSWORD, "10.9.8.99, 203.0.113.7")
        assert refused.status_code == 429 and LOCKED in refused.text
        assert audited_addresses(started.database) == [("sign_in_failed", "203.0.113.7")] * 5 + [
            ("sign_in_locked", "203.0.113.7")]
        # another browser behind the same proxy is not locked out
        assert sign_in(client, ADMIN_PASSWORD, "203.0.113.7, 203.0.113.8").status_code == 303


def test_sign_in_page_renders_styled_under_its_content_security_policy(browser, server):
    page = browser.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    response = page.goto(f"{server.base_url}/connexion")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    header = page.locator("header")
    assert header.evaluate("element => getComputedStyle(element).backgroundColor") == "rgb(11, 95, 173)"
    assert violations == []
    page.close()
