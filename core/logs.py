"""The process's log: one line per record on stderr, at the level OPENMAP_LOG_LEVEL names.

Modules log through `logging.getLogger(__name__)`; server.py configures this once at start.
What is logged: refused sign-ins and forms, failed use cases (later: each mail attempt).
Never a password, a token or a clear e-mail address: a log may be shipped where the
database's audit journal is not, so an account appears as `email_ref`, a short hash that
an operator can compute from the address to find its lines.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys

LEVEL_VARIABLE = "OPENMAP_LOG_LEVEL"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class InvalidLogLevel(ValueError):
    """OPENMAP_LOG_LEVEL names no level; the message is one French line for the operator."""


class OpenMapHandler(logging.StreamHandler):
    """The handler configure_logging installs, told apart so a second call replaces none."""


def configure_logging() -> None:
    """Send every record at or above OPENMAP_LOG_LEVEL (default INFO) to stderr.

    Idempotent: a second call only changes the level. Raises InvalidLogLevel, changing
    nothing, if the variable names no level.
    """
    raw = os.environ.get(LEVEL_VARIABLE, "")
    level = raw.strip().upper() or "INFO"
    if level not in LEVELS:
        raise InvalidLogLevel(f"{LEVEL_VARIABLE} : « {raw.strip()} » n'est pas un niveau ({', '.join(LEVELS)})")
    root = logging.getLogger()
    if not any(isinstance(handler, OpenMapHandler) for handler in root.handlers):
        handler = OpenMapHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LINE_FORMAT))
        root.addHandler(handler)
    root.setLevel(level)


def email_ref(email: str | None) -> str:
    """A short, stable stand-in for an e-mail address in the log (case and spaces ignored)."""
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()[:12]
