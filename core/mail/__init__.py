"""E-mails: rendered from templates into the outbox, once per idempotency key, then sent.

A queued row is the promise that the message exists and will go out exactly once.
"""

from core.mail.outbox import queue
from core.mail.templates import DEFAULT_TEMPLATES, render, renderer

__all__ = ["DEFAULT_TEMPLATES", "queue", "render", "renderer"]
