"""User text through escape_md, rendered by Streamlit's real frontend in Chromium: no icon,
logo or emoji from a shortcode typed as a name, no reordering by bidi controls, no link
from an address typed in a name (the candidacy's heading and facts)."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import ROOT, START_TIMEOUT, VENV_BIN, free_port, server_env, stop

pytestmark = pytest.mark.e2e

NAME = "Bâti http://bati.exemple.fr (www.bati.fr) contact@bati.fr"
TEXTS = [":material/home:", "Bâti :smile: Insert :tada:", ":+1: :streamlit:", "SIRET \u202e12345"]
SCRIPT = f"""
import streamlit as st
from ui.forms import escape_md
for index, text in enumerate({TEXTS!r}):
    with st.container(key=f"case{{index}}"):
        st.markdown(escape_md(text) + (" :heart:" if index == 1 else ""))

from core.review.facts import Facts
from db.models import Submission
from ui.review import show_facts
with st.container(key="facts"):
    show_facts(Facts(id=1, call_id=1, siret="73282932000074", name={NAME!r}, kind=None, address=None,
                     postcode=None, city=None, departement="95", website="https://bati.exemple.fr",
                     insertion_workforce=None, sectors=[], network="Urtie", contact_name="Jo",
                     contact_email="jo@bati.exemple.fr", contact_phone=None, presenter_name=None,
                     presenter_role=None, pitch_title="Pitch www.pitch.fr", pitch_summary=None, buyer_offer=None,
                     public_references=None, submission=Submission.SUBMITTED, submitted_at=None, structure_id=1,
                     network_id=1))
"""


@pytest.fixture(scope="module")
def markdown_app(tmp_path_factory):
    """A one-page Streamlit app showing TEXTS through escape_md."""
    workdir = tmp_path_factory.mktemp("markdown")
    (workdir / "app.py").write_text(SCRIPT, encoding="utf-8")
    port = free_port()
    env = server_env(PYTHONPATH=str(ROOT))
    command = [str(VENV_BIN / "streamlit"), "run", str(workdir / "app.py"), "--server.port", str(port),
               "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.address", "127.0.0.1"]
    with (workdir / "server.log").open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the app did not start:\n{(workdir / 'server.log').read_text()}")
                time.sleep(0.25)
        yield base_url
    finally:
        stop(process)


def test_escaped_text_renders_no_icon_logo_or_emoji_and_keeps_its_order(browser, markdown_app):
    page = browser.new_page()
    try:
        page.goto(markdown_app)
        page.wait_for_selector(f".st-key-case{len(TEXTS) - 1} [data-testid='stMarkdownContainer']")
        page.wait_for_timeout(1000)  # the emoji plugin loads lazily
        shown = []
        for index in range(len(TEXTS)):
            block = page.locator(f".st-key-case{index} [data-testid='stMarkdownContainer']")
            assert block.locator("[role='img'], img").count() == 0, block.inner_html()
            shown.append(block.inner_text().replace("\u2060", ""))
        assert shown[0] == ":material/home:"
        assert shown[1] == "Bâti :smile: Insert :tada: ❤️"  # the app's own shortcode still works
        assert shown[2] == ":+1: :streamlit:"
        assert shown[3] == "SIRET 12345"
    finally:
        page.close()


def test_an_address_in_a_structure_name_is_shown_as_plain_text_in_its_heading(browser, markdown_app):
    page = browser.new_page()
    try:
        page.goto(markdown_app)
        heading = page.locator(".st-key-facts h3")
        heading.wait_for()
        assert heading.inner_text().replace("\u2060", "") == NAME
        # No web link from user text; an address's mailto: link takes nowhere and stays copyable.
        assert heading.locator("a:not([href^='mailto:'])").count() == 0, heading.inner_html()
        assert page.locator(".st-key-facts a:not([href^='mailto:'])").count() == 0  # nor the website, pitch title
    finally:
        page.close()
