"""Rendering a message: which text applies (edition, app-wide, default), sandboxed Jinja2.

A stored text for the edition wins over the app-wide stored text (edition_id NULL),
which wins over the default of core.mail.catalogue. Rendering is strict (a placeholder
missing from the context raises jinja2.UndefinedError: a mail with a hole in it is never
queued) and sandboxed (no attribute of Python objects is reachable from a template).
The subject never holds a line break or an invisible character, whatever the values;
the HTML part is the escaped text (core.mail.html).
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import NamedTuple

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.mail.catalogue import CATALOGUE
from core.mail.html import text_to_html
from db.models import MailTemplate

SUBJECT_LIMIT = 300  # the outbox's column

ENVIRONMENT = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True,
                                   finalize=lambda value: "" if value is None else value)


class Rendered(NamedTuple):
    """One rendered message. Unpacks as (subject, text), as earlier callers expect."""

    subject: str
    text: str

    @property
    def html(self) -> str:
        return text_to_html(self.text)


@dataclass(frozen=True)
class TemplateText:
    """The text that applies to a key for an edition, and where it comes from."""

    key: str
    subject: str
    body: str
    copy_networks: bool
    edition_id: int | None = None  # of the stored row (None: app-wide or default)
    stored: bool = False  # False: the catalogue's default
    version: int = 0  # of the stored row; 0 for the default


def lookup(session: Session, key: str, edition_id: int | None = None) -> TemplateText:
    """The text of `key` for the edition (None: the app-wide one), in one query."""
    return lookup_many(session, [key], edition_id)[key]


def lookup_many(session: Session, keys: Collection[str], edition_id: int | None = None) -> dict[str, TemplateText]:
    """The text of each key for the edition, in one query whatever the number of keys."""
    scope = MailTemplate.edition_id.is_(None)
    if edition_id is not None:
        scope = or_(scope, MailTemplate.edition_id == edition_id)
    found: dict[str, TemplateText] = {}
    for row in session.scalars(select(MailTemplate).where(MailTemplate.key.in_(list(keys)), scope)):
        if row.key not in found or row.edition_id is not None:  # the edition's own text wins
            found[row.key] = TemplateText(row.key, row.subject, row.body, row.copy_networks, row.edition_id,
                                          True, row.version)
    for key in keys:
        if key not in found:
            default = CATALOGUE[key]
            found[key] = TemplateText(key, default.subject, default.body, default.copy_networks)
    return found


# Subject and body are rendered in one pass (half the per-message cost of Jinja's context),
# cut apart at a separator no value can hold: it is drawn at random when the process starts.
_SEPARATOR = f"\x1e{secrets.token_hex(16)}\x1e"


def compile_text(subject: str, body: str) -> Callable[[dict], Rendered]:
    """context → Rendered, for this subject and text (compiled once: an import renders thousands).

    Raises jinja2.TemplateSyntaxError for a text that does not parse.
    """
    both = ENVIRONMENT.from_string(subject + _SEPARATOR + body)

    def render(context: dict) -> Rendered:
        rendered_subject, text = both.render(context).split(_SEPARATOR, 1)
        return Rendered(clean_subject(rendered_subject), clean_body(text))

    return render


def renderer(session: Session, template_key: str, edition_id: int | None = None) -> Callable[[dict], Rendered]:
    """A function context → Rendered from the text that applies to the key and edition."""
    text = lookup(session, template_key, edition_id)
    return compile_text(text.subject, text.body)


def render(session: Session, template_key: str, context: dict, edition_id: int | None = None) -> Rendered:
    """One message; see `renderer`."""
    return renderer(session, template_key, edition_id)(context)


# Controls (CR, LF, tab, NUL…), formats (bidi controls, zero-width characters), line and
# paragraph separators: in a header they would end it, hide text or reorder it.
_HEADER_UNSAFE = frozenset(("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"))
_SPACES = re.compile(r"\s+")
_BODY_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BODY_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_subject(subject: str) -> str:
    """One line of visible text: every unsafe character a space, spaces collapsed, at most
    SUBJECT_LIMIT characters (an ellipsis marks a cut)."""
    visible = "".join(" " if unicodedata.category(ch) in _HEADER_UNSAFE else ch for ch in subject)
    line = _SPACES.sub(" ", visible).strip()
    return line if len(line) <= SUBJECT_LIMIT else line[:SUBJECT_LIMIT - 1].rstrip() + "…"


def clean_body(text: str) -> str:
    """The text with LF line ends only, without bidi controls (they reorder what follows)
    nor other control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _BODY_CONTROLS.sub("", _BODY_BIDI.sub("", text))
