"""Passwords: argon2 hashes, the check of a typed password, and the strength rule."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.errors import ValidationFailed
from db.models import User

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# Verified against when the account does not exist, so timing does not reveal it.
_DUMMY_HASH = _hasher.hash("openmap-no-such-account")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with older argon2 parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def password_matches(user: User | None, password: str) -> bool:
    """Whether the password is the account's; as slow for an unknown account or none set."""
    stored = user.password_hash if user is not None else None
    try:
        return _hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def check_password_strength(password: str, *, email: str) -> None:
    """Raise ValidationFailed (field "password") if the password is too weak."""
    if len(password) < MIN_PASSWORD_LENGTH:
        message = f"Le mot de passe doit comporter au moins {MIN_PASSWORD_LENGTH} caractères."
    elif password.strip().lower() == email.lower() or len(set(password)) < 4:
        message = "Ce mot de passe est trop facile à deviner : choisissez-en un autre."
    elif len(password) > 200:
        message = "Le mot de passe doit comporter au plus 200 caractères."
    else:
        return
    raise ValidationFailed({"password": message})
