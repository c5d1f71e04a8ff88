"""Configuration read from the environment, with the embedded defaults of `make run`."""

import ipaddress
import os
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

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


# ---------------------------------------------------------------- mail

MAIL_TRANSPORTS = ("file", "smtp")
SMTP_SECURITIES = ("starttls", "tls", "none")


class MailSettingsError(ValueError):
    """A mail variable of the environment is wrong; the message (French) names it."""


@dataclass(frozen=True)
class MailSettings:
    transport: str  # "file" (default: .eml files under mail_dir) or "smtp"
    mail_dir: Path  # absolute; a relative OPENMAP_MAIL_DIR is taken from the project's folder
    smtp_host: str
    smtp_port: int
    smtp_security: str  # "starttls", "tls" (implicit TLS) or "none"
    smtp_user: str
    smtp_password: str
    mail_from: str
    reply_to: str
    smtp_timeout: float = 30.0


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = (os.environ.get(name) or default).strip().lower()
    if value not in allowed:
        raise MailSettingsError(f"{name} : « {value} » n'est pas reconnu ; valeurs possibles : {', '.join(allowed)}.")
    return value


def _address(name: str, default: str) -> str:
    from email.headerregistry import Address
    from email.utils import parseaddr

    value = (os.environ.get(name) or default).strip()
    if not value:
        return ""
    _display, email = parseaddr(value)
    # Address() refuses what the headers could not carry (CR/LF, no domain, several @).
    try:
        Address(addr_spec=email)
    except (ValueError, IndexError):
        email = ""
    if "@" not in email or "\n" in value or "\r" in value:
        raise MailSettingsError(f"{name} : « {value} » n'est pas une adresse e-mail valable "
                                "(ex. « OpenMap <openmap@exemple.fr> »).")
    return value


def mail_settings() -> MailSettings:
    """The mail configuration from OPENMAP_MAIL_* / OPENMAP_SMTP_*; MailSettingsError names a wrong variable."""
    transport = _choice("OPENMAP_MAIL_TRANSPORT", "file", MAIL_TRANSPORTS)
    security = _choice("OPENMAP_SMTP_SECURITY", "starttls", SMTP_SECURITIES)
    raw_port = os.environ.get("OPENMAP_SMTP_PORT", "").strip()
    default_port = {"starttls": 587, "tls": 465, "none": 25}[security]
    if raw_port and not (raw_port.isdigit() and 1 <= int(raw_port) <= 65535):
        raise MailSettingsError(f"OPENMAP_SMTP_PORT : « {raw_port} » n'est pas un numéro de port (1 à 65535).")
    host = os.environ.get("OPENMAP_SMTP_HOST", "").strip()
    if transport == "smtp" and not host:
        raise MailSettingsError("OPENMAP_SMTP_HOST : obligatoire quand OPENMAP_MAIL_TRANSPORT=smtp "
                                "(nom du serveur de courriel).")
    user = os.environ.get("OPENMAP_SMTP_USER", "").strip()
    password = os.environ.get("OPENMAP_SMTP_PASSWORD", "")
    if user and not password:
        raise MailSettingsError("OPENMAP_SMTP_PASSWORD : obligatoire quand OPENMAP_SMTP_USER est renseigné.")
    return MailSettings(
        transport=transport,
        mail_dir=PROJECT_ROOT / (os.environ.get("OPENMAP_MAIL_DIR", "").strip() or "data/mail"),
        smtp_host=host,
        smtp_port=int(raw_port) if raw_port else default_port,
        smtp_security=security,
        smtp_user=user,
        smtp_password=password,
        mail_from=_address("OPENMAP_MAIL_FROM", "OpenMap candidatures <openmap@openmap.exemple.fr>"),
        reply_to=_address("OPENMAP_MAIL_REPLY_TO", ""),
    )
