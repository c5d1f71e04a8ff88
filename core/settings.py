"""Configuration read from the environment, with the embedded defaults of `make run`."""

import os
from dataclasses import dataclass
from datetime import timedelta


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    base_url: str
    session_idle: timedelta
    max_failed_sign_ins: int
    lockout: timedelta
    invitation_validity: timedelta
    reset_validity: timedelta
    secure_cookies: bool
    import_max_bytes: int


def settings() -> Settings:
    return Settings(
        base_url=os.environ.get("OPENMAP_BASE_URL", "http://localhost:8501").rstrip("/"),
        session_idle=timedelta(hours=_int("OPENMAP_SESSION_IDLE_HOURS", 12)),
        max_failed_sign_ins=5,
        lockout=timedelta(minutes=15),
        invitation_validity=timedelta(days=7),
        reset_validity=timedelta(hours=_int("OPENMAP_RESET_VALIDITY_HOURS", 24)),
        secure_cookies=os.environ.get("OPENMAP_SECURE_COOKIES", "").lower() in ("1", "true", "oui"),
        import_max_bytes=_int("OPENMAP_IMPORT_MAX_MB", 5) * 1024 * 1024,
    )
