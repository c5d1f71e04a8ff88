"""Random tokens for sessions and links: the value handed out, and the digest stored."""

from __future__ import annotations

import hashlib
import secrets


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh random token and the digest to store."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)
