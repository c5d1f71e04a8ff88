"""No other site may frame the app (clickjacking): every page of the real server says so,
Streamlit's own as well as the app's routes."""

from __future__ import annotations

import urllib.request

import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path", ["/", "/comptes", "/connexion", "/_stcore/health"])
def test_every_answer_forbids_framing(server, path):
    with urllib.request.urlopen(f"{server.base_url}{path}", timeout=10) as answer:
        assert answer.headers.get_all("X-Frame-Options") == ["DENY"]
