"""E-mails: rendered from templates into the outbox, once per idempotency key, then sent.

A queued row is the promise that the message exists and will go out exactly once.
catalogue: the French defaults and their placeholders; rendering: which text applies
(edition, app-wide, default) and sandboxed Jinja2; html: the HTML part made from the text;
editing: the lead's saves and resets; outbox: queueing.
"""

from core.mail.catalogue import CATALOGUE, DEFAULT_TEMPLATES
from core.mail.outbox import message_row, queue, recipients
from core.mail.rendering import Rendered, compile_text, lookup, lookup_many, render, renderer

__all__ = ["CATALOGUE", "DEFAULT_TEMPLATES", "Rendered", "compile_text", "lookup", "lookup_many", "message_row",
           "queue", "recipients", "render", "renderer"]
