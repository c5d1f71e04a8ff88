"""Forms that show each French error message next to its field and keep what was typed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from core.errors import DomainError, StaleEdit, ValidationFailed

T = TypeVar("T")
log = logging.getLogger(__name__)
FORM_ERROR = "_form"


def _key(form: str) -> str:
    return f"errors:{form}"


def errors(form: str) -> dict[str, str]:
    return st.session_state.get(_key(form), {})


def field_error(form: str, field: str) -> None:
    """Show the message for `field`, if any, right where it is called (under the field)."""
    message = errors(form).get(field)
    if message:
        st.markdown(f":red[{escape_md(message)}]")


def form_error(form: str) -> None:
    message = errors(form).get(FORM_ERROR)
    if message:
        st.error(escape_md(message))


def opened_version(record: str, current: int | None) -> int | None:
    """The record's version when its form was first shown. A save is checked against
    it, so a colleague's save in between is refused as stale, not overwritten."""
    return st.session_state.setdefault(f"version:{record}", current)


def submit(form: str, action: Callable[[], T], *, record: str | None = None) -> T | None:
    """Run a use case; on refusal keep the messages for the next run and rerun.

    `record` names the opened_version to forget once saved or found stale, so the
    next run starts from the stored record.
    """
    try:
        result = action()
    except ValidationFailed as error:
        # Field names only: the values and messages may quote what the user typed.
        log.info("use case refused: form=%s error=ValidationFailed fields=%s", form, ",".join(sorted(error.errors)))
        st.session_state[_key(form)] = {**error.errors, FORM_ERROR: error.message}
    except DomainError as error:
        log.info("use case refused: form=%s error=%s", form, type(error).__name__)
        st.session_state[_key(form)] = {FORM_ERROR: error.message}
        if isinstance(error, StaleEdit) and record:
            st.session_state.pop(f"version:{record}", None)
    else:
        st.session_state.pop(_key(form), None)
        if record:
            st.session_state.pop(f"version:{record}", None)
        return result
    st.rerun()


MD_SPECIALS = "\\`*_{}[]()#+-.!|<>~$:=&"
# Streamlit's frontend turns « :material/home: », « :streamlit: » and « :smile: » into an icon,
# a logo or an emoji in the text it has already parsed, where « \: » is a plain colon again.
# Every such shortcode starts with a colon and one of these characters: a word joiner
# (invisible, no line break) between the two breaks them all.
_SHORTCODE_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-")
# Bidi controls reorder what follows them (« SIRET 12345 » read reversed); core drops them
# from new input, this drops those of older data and of messages quoting it.
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def _opens_autolink(raw: str, i: int) -> bool:
    """Whether raw[i] completes what GFM turns into a web link by itself: the « :// » of
    « http:// », the dot of « www. ». Streamlit finds them in the text already parsed
    (escapes and entities decoded), so only a word joiner before the character breaks them;
    the text reads the same. An e-mail address is left alone: its mailto: link takes nowhere,
    and a word joiner would ride along when it is copied into a mail client."""
    c = raw[i]
    return (c == ":" and raw[i + 1:i + 3] == "//") or (c == "." and raw[max(i - 3, 0):i].lower() == "www")


def literal_md(text: str) -> str:
    """A checked address (e-mail, web site) as inline code: inert like `escape_md`, yet
    copied exactly as typed (escape_md's word joiners would ride along into a mail client).
    Text holding a backtick or a line break cannot be a code span: it is escaped instead."""
    clean = text.translate(_BIDI_CONTROLS)
    if "`" in clean or "\n" in clean or "\r" in clean:
        return escape_md(clean)
    return f"`{clean}`"


def escape_md(text: str | None) -> str:
    """User text made inert for st.markdown (no emphasis, links or autolinks, HTML, entities,
    LaTeX, headings, code blocks, icon or emoji shortcodes, bidi reordering). Its lines, without
    their indentation, are joined by hard line breaks and its blank lines dropped, so it
    stays one paragraph whatever a line starts with."""
    raw = (text or "").translate(_BIDI_CONTROLS)
    pieces = []
    for i, c in enumerate(raw):
        if _opens_autolink(raw, i):
            pieces.append("\u2060")
        pieces.append(f"\\{c}" if c in MD_SPECIALS else c)
        if c == ":" and raw[i + 1:i + 2] in _SHORTCODE_START:
            pieces.append("\u2060")
    escaped = "".join(pieces)
    return "  \n".join(line.lstrip() for line in escaped.splitlines() if line.strip())
