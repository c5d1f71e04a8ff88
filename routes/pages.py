"""Page paths typed by hand: a path that is no page of the app gets a French « page
introuvable », never Streamlit's English « Page not found » dialog; a malformed one a French
« adresse invalide », never Streamlit's English « Bad Request »."""

from __future__ import annotations

from pathlib import Path

import streamlit
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send
from streamlit.path_security import is_unsafe_path_pattern

from routes.web import page
from ui.navigation import PAGES

# Paths Streamlit serves itself (its API under /_stcore, media, components, static files,
# auth): what starts with one of these, or names one of its files at the root
# (/favicon.png, /manifest.json), goes through untouched.
STREAMLIT_ROOTS = frozenset({"media", "component", "static", "app", "auth", "oauth2callback"})
STREAMLIT_FILES = frozenset(
    f.name for f in (Path(streamlit.__file__).parent / "static").iterdir() if f.is_file() and f.name != "index.html"
)


def unsafe(path: str) -> bool:
    """What Streamlit's own path check would refuse with a bare English « Bad Request » (a NUL
    byte, « .. », a UNC or drive path): answered first, in French."""
    return path.startswith(("//", "\\\\")) or is_unsafe_path_pattern(path.lstrip("/"))


class UnknownPageMiddleware:
    """Answer 404 with the app's French page for a path that is no page of the app, where
    Streamlit would show the home page under an English « Page not found » dialog."""

    def __init__(self, app: ASGIApp, *, other_paths: frozenset[str]) -> None:
        self.app = app
        self.pages = frozenset(PAGES)
        self.passed = STREAMLIT_ROOTS | other_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and unsafe(scope["path"]):
            response = page(Request(scope), "bad_path.html", status_code=400)
            await response(scope, receive, send)
            return
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and self._unknown(scope["path"]):
            response = page(Request(scope), "not_found.html", status_code=404)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _unknown(self, path: str) -> bool:
        name = path.strip("/")
        if not name or name in STREAMLIT_FILES:
            return False
        root = name.split("/", 1)[0]
        if root.startswith("_") or root in self.passed:
            return False
        return name not in self.pages
