"""The HTML part of a message, generated from its text: nothing in it is markup but ours.

The whole rendered text is escaped, then cut into paragraphs (blank lines) and lines;
http(s) addresses become links. Whatever a network typed (a structure's name, a comment)
or the lead wrote in a template can therefore show, never inject, markup.
"""

from __future__ import annotations

import re
from html import escape

# Up to the first space or character that cannot end an address in running French text.
_URL = re.compile(r"https?://[^\s<>\"'«»]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}’"
_PARAGRAPHS = re.compile(r"\n[ \t]*\n+")

_PAGE = ('<!DOCTYPE html>\n<html lang="fr">\n<head><meta charset="utf-8"></head>\n'
         '<body style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5; '
         'color: #1f2328;">\n{}\n</body>\n</html>\n')


def text_to_html(text: str) -> str:
    """A complete HTML document telling the same as `text`, safe whatever `text` holds."""
    paragraphs = [p for p in _PARAGRAPHS.split(text.replace("\r\n", "\n").strip("\n")) if p.strip()]
    return _PAGE.format("\n".join(f"<p>{_paragraph(p)}</p>" for p in paragraphs))


def _paragraph(text: str) -> str:
    return "<br>\n".join(_line(line) for line in text.split("\n"))


def _line(line: str) -> str:
    pieces, end = [], 0
    for match in _URL.finditer(line):
        url = match.group().rstrip(_TRAILING)
        pieces.append(escape(line[end:match.start()]))
        safe = escape(url, quote=True)
        pieces.append(f'<a href="{safe}">{safe}</a>')
        end = match.start() + len(url)
    pieces.append(escape(line[end:]))
    return "".join(pieces)
