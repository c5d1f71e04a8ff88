"""Configuration read from the environment, with the embedded defaults of `make run`."""

import ipaddress
import os
from dataclasses import dataclass
from datetime import timedelta

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _networks(name: str, default: str) -> tuple[Network, ...]:
    """A comma-separated list of addresses or networks (10.0.0.0/8)."""
    networks = []
    for item in filter(None, (part.strip() for part in (os.environ.get(name) or default).split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{name} : « {item} » n'est ni une adresse IP ni un réseau (ex. 10.0.0.0/8)") from None
    return tuple(networks)


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
    behind_proxy: bool
    trusted_proxies: tuple[Network, ...]


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
        behind_proxy=os.environ.get("OPENMAP_BEHIND_PROXY", "").lower() in ("1", "true", "oui"),
        trusted_proxies=_networks("OPENMAP_TRUSTED_PROXIES", "127.0.0.1,::1"),
    )
