"""escape_md against what Streamlit's frontend does to markdown text after parsing it.

Streamlit 1.67 (static/js/StreamlitMarkdown.*.js) first rewrites « :material/ » into
« :material_ » in the source, parses the markdown (so « \\: » is already a plain colon),
then replaces, in every text node, « :material_name: » by an icon, « :streamlit: » by its
logo and « :smile: », « :+1: » by emoji (remark-emoji). `shown` models those steps; the
real browser check is tests/e2e/test_markdown_shortcodes.py.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.forms import escape_md, literal_md

# JavaScript's \w is ASCII only.
SHORTCODES = re.compile(r":material_[A-Za-z0-9_]+:|:streamlit:|:\+1:|:-1:|:[A-Za-z0-9_-]+:")
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def shown(source: str) -> str:
    """The text nodes' content, as Streamlit's shortcode plugins see it."""
    source = source.replace(":material/", ":material_")
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", source)  # CommonMark backslash escapes


def visible(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


@pytest.mark.parametrize("text", [
    ":material/home:", "Régie :material/warning: 93", ":smile:", "Bâti :tada: Insert", ":+1:", ":-1:",
    ":streamlit:", "a::material/x::b", "x:y:z", "10:30:45",
])
def test_escape_md_shortcodes_stay_text(text):
    assert SHORTCODES.search(shown(escape_md(text))) is None
    assert visible(shown(escape_md(text))) == text  # reads the same, only an invisible joiner added


def test_escape_md_leaves_ordinary_colons_alone():
    assert escape_md("Ligne 2 : texte") == "Ligne 2 \\: texte"
    assert escape_md("https://exemple.fr") == "https\u2060\\://exemple\\.fr"  # no autolink: see below


@pytest.mark.parametrize("text", ["Régie http://exemple.fr", "https://a.fr/x", "WWW.exemple.fr",
                                  "Bâti (www.bati.fr)", "contact: www.bati.fr/jo"])
def test_escape_md_breaks_every_web_autolink_and_reads_the_same(text):
    # GFM's web autolink literals, as Streamlit's remark-gfm finds them in the parsed text.
    autolinks = re.compile(r"https?://|www(?=\.)", re.IGNORECASE)
    assert autolinks.search(shown(escape_md(text))) is None
    assert visible(shown(escape_md(text))) == text


def test_escape_md_drops_bidi_controls():
    assert escape_md("SIRET \u202e12345\u202c") == "SIRET 12345"
    assert escape_md("".join(BIDI_CONTROLS) + "a") == "a"


@given(st.text(alphabet=":material/hoe+-_1 \u202e", max_size=40), st.text(alphabet=":smile ", max_size=8))
def test_escape_md_any_text_opens_no_shortcode_even_beside_app_text(text, app_text):
    # A shortcode the app writes itself (« :tada: ») must not make the user's text render one.
    source = escape_md(text)
    assert SHORTCODES.search(shown(source)) is None
    assert not any(ch in BIDI_CONTROLS for ch in source)
    assert SHORTCODES.findall(shown(app_text + " " + source)) == SHORTCODES.findall(app_text + " ")


@pytest.mark.parametrize("address", ["jo@bati.fr", "https://www.bati.fr/a_b*c"])
def test_literal_md_shows_a_checked_address_as_code_copied_as_typed(address):
    # The lead copies a contact's address into her mail client: no word joiner may ride along.
    assert literal_md(address) == f"`{address}`"
    assert literal_md(address + "\u202e") == f"`{address}`"


def test_literal_md_escapes_what_a_code_span_cannot_hold():
    assert literal_md("a`b@c.fr") == escape_md("a`b@c.fr")
    assert literal_md("a@b.fr\n# titre") == escape_md("a@b.fr\n# titre")


@pytest.mark.parametrize("text", ["jo@bati.fr", "prenom.nom@exemple.fr"])
def test_escape_md_leaves_an_email_address_as_typed(text):
    # Copied from the sidebar or a message into a mail client: no invisible character inside.
    assert "\u2060" not in escape_md(text)
