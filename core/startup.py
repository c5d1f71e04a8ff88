"""What the app checks and prepares once per process, before serving anyone."""

from __future__ import annotations

import os

from sqlalchemy import inspect, text
from sqlalchemy.exc import SQLAlchemyError

from core.accounts import administration
from core.settings import MailSettingsError, mail_settings
from db.engine import database_url, get_engine, unit_of_work


class StartupError(Exception):
    """The app cannot serve; the message is one line for the operator."""


def _redacted(url: str) -> str:
    """The URL without its password, safe to print."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
    return url


def check_database() -> None:
    """Raise StartupError unless the database answers and its schema is migrated."""
    url = database_url()
    try:
        with get_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
            migrated = inspect(connection).has_table("alembic_version")
    except SQLAlchemyError as error:
        reason = str(error.orig if getattr(error, "orig", None) else error).splitlines()[0]
        raise StartupError(
            f"Base de données injoignable (DATABASE_URL={_redacted(url)}) : {reason}"
        ) from error
    if not migrated:
        raise StartupError(
            f"La base de données (DATABASE_URL={_redacted(url)}) n'est pas initialisée : "
            "lancez « python manage.py migrate »."
        )


def bootstrap_admin_from_env() -> bool:
    """Create the administrator named by OPENMAP_ADMIN_EMAIL / _PASSWORD if absent."""
    email = os.environ.get("OPENMAP_ADMIN_EMAIL", "").strip()
    password = os.environ.get("OPENMAP_ADMIN_PASSWORD", "")
    if not email or not password:
        return False
    with unit_of_work() as session:
        return administration.ensure_admin(session, email=email, password=password)


def check_mail_settings() -> None:
    """Raise StartupError if a mail variable is wrong (before anyone queues a message)."""
    try:
        mail_settings()
    except MailSettingsError as error:
        raise StartupError(str(error)) from None


def prepare() -> None:
    check_mail_settings()
    check_database()
    bootstrap_admin_from_env()
