"""Backup and restore of the whole database: SQLite's online backup, pg_dump / pg_restore.

Both copy a consistent state while the app keeps running: SQLite's backup API copies the
pages under a read transaction; pg_dump works in one snapshot. The password of a PostgreSQL
URL goes to the tools through PGPASSWORD, never on their command line (visible to `ps`).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupFailed(Exception):
    """A French sentence for the operator."""


def backup(url: str, target: Path) -> None:
    """Write a copy of the database at `url` to `target` (SQLite file, or pg_dump's custom format)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        _sqlite_copy(_sqlite_path(url), target)
    else:
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target)], url)


def restore(url: str, source: Path) -> None:
    """Replace the database at `url` with the copy in `source`. The app should be stopped."""
    if not source.is_file():
        raise BackupFailed(f"Sauvegarde introuvable : {source}")
    if url.startswith("sqlite"):
        _sqlite_copy(source, _sqlite_path(url))
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"], url, str(source))


def _sqlite_path(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupFailed("Une base SQLite en mémoire ne se sauvegarde pas.")
    return Path(path)


def _sqlite_copy(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupFailed(f"Base SQLite introuvable : {source}")
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    # The copy is a standalone file: no -wal / -shm beside it holds part of its pages.
    with sqlite3.connect(target) as copy:
        copy.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _run(command: list[str], url: str, *arguments: str) -> None:
    parsed = make_url(url)
    env = dict(os.environ, PGPASSWORD=parsed.password or "")
    database = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    try:
        result = subprocess.run(  # noqa: S603 — fixed tool names, the URL is the operator's own
            [*command, "--dbname", database, *arguments], env=env, capture_output=True,
            text=True, timeout=3600)
    except FileNotFoundError:
        raise BackupFailed(f"{command[0]} est introuvable : installez le client PostgreSQL.") from None
    if result.returncode != 0:
        detail = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"code {result.returncode}"
        raise BackupFailed(f"{command[0]} a échoué : {detail}")
