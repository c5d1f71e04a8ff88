"""`manage.py backup` and `restore`, run as the operator runs them, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import nullcontext
from pathlib import Path

import pytest
from sqlalchemy import text

from db.engine import make_engine
from db.migrate import upgrade
from tests.conftest import fresh_postgresql_database

ROOT = Path(__file__).resolve().parents[2]


def manage(url: str, *arguments: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"DATABASE_URL": url}
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    place = (nullcontext(f"sqlite:///{tmp_path / 'app.sqlite3'}") if request.param == "sqlite"
             else fresh_postgresql_database("openmap_backup"))
    with place as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url


def networks(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.scalars(text("SELECT name FROM networks ORDER BY name")))
    finally:
        engine.dispose()


def execute(url: str, statement: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def test_backup_then_restore_brings_back_the_saved_state(database_url, tmp_path):
    execute(database_url, "INSERT INTO networks (name, active, created_at, version) "
                          "VALUES ('Réseau sauvegardé', true, CURRENT_TIMESTAMP, 1)")
    target = tmp_path / "copie.bak"
    saved = manage(database_url, "backup", "--output", str(target))
    assert saved.returncode == 0, saved.stderr
    assert f"Sauvegarde écrite : {target}" in saved.stdout and target.stat().st_size > 0

    execute(database_url, "DELETE FROM networks")
    execute(database_url, "INSERT INTO networks (name, active, created_at, version) "
                          "VALUES ('Créé après la sauvegarde', true, CURRENT_TIMESTAMP, 1)")
    restored = manage(database_url, "restore", str(target), "--oui")
    assert restored.returncode == 0, restored.stderr
    assert networks(database_url) == ["Réseau sauvegardé"]
    assert manage(database_url, "check").returncode == 0


def test_restore_without_confirmation_changes_nothing(database_url, tmp_path):
    target = tmp_path / "copie.bak"
    assert manage(database_url, "backup", "--output", str(target)).returncode == 0
    execute(database_url, "INSERT INTO networks (name, active, created_at, version) "
                          "VALUES ('Gardé', true, CURRENT_TIMESTAMP, 1)")
    refused = manage(database_url, "restore", str(target))
    assert refused.returncode == 1
    assert "relancez avec --oui" in refused.stderr
    assert networks(database_url) == ["Gardé"]


def test_restore_of_a_missing_file_says_so_in_french(database_url, tmp_path):
    result = manage(database_url, "restore", str(tmp_path / "absente.bak"), "--oui")
    assert result.returncode == 1
    assert "Sauvegarde introuvable" in result.stderr


def test_sqlite_backup_is_consistent_while_a_writer_holds_a_transaction(tmp_path):
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO networks (name, active, created_at, version) "
                                "VALUES ('Validé', 1, CURRENT_TIMESTAMP, 1)"))
    with engine.connect() as writer:
        transaction = writer.begin()  # the engine begins SQLite write transactions IMMEDIATE
        writer.execute(text("INSERT INTO networks (name, active, created_at, version) "
                            "VALUES ('Pas encore validé', 1, CURRENT_TIMESTAMP, 1)"))
        target = tmp_path / "copie.sqlite3"
        assert manage(url, "backup", "--output", str(target)).returncode == 0
        transaction.rollback()
    engine.dispose()
    assert networks(f"sqlite:///{target}") == ["Validé"]
