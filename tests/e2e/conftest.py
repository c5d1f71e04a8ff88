"""End-to-end fixtures: one real `streamlit run server.py` per test session on a free
loopback port with its own SQLite file, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path("/tmp/e2e-shots")
ADMIN_EMAIL = "admin.e2e@exemple.fr"
ADMIN_PASSWORD = "mot-de-passe-admin-e2e"
START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_command(port: int) -> list[str]:
    return [str(VENV_BIN / "streamlit"), "run", "server.py", "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.address", "127.0.0.1"]


def server_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENMAP_") and k != "DATABASE_URL"}
    env.update(overrides)
    return env


def stop(process: subprocess.Popen) -> None:
    """End the server and everything it started (it runs in a process group of its own)."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@dataclass(frozen=True)
class Server:
    base_url: str
    database: Path  # its SQLite file
    log: Path

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database}"


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Server:
    with running_server(tmp_path_factory.mktemp("e2e")) as started:
        yield started


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        unavailable(f"end-to-end suite skipped: {CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def shots():
    """shots(page, "name"): save a screenshot as /tmp/e2e-shots/<nn>-<name>.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def shoot(page, name: str) -> None:
        page.screenshot(path=str(SHOTS / f"{next(counter):02d}-{name}.png"))

    return shoot


@contextmanager
def engine_pointed_at(database_url: str):
    """This process's db.engine pointed at a running server's database, so that a test
    seeds its data through core and tests.factories (restored afterwards)."""
    from db import engine as db_engine

    engine = db_engine.make_engine(database_url)
    previous = db_engine._engine, db_engine._sessions
    db_engine.set_engine(engine)
    try:
        yield engine
    finally:
        db_engine._engine, db_engine._sessions = previous
        engine.dispose()


@pytest.fixture
def server_db(server):
    """The shared server's database, for seeding (see engine_pointed_at)."""
    with engine_pointed_at(server.database_url) as engine:
        yield engine


@contextmanager
def running_server(workdir: Path, **env: str):
    """A `streamlit run server.py` of its own (own port, own SQLite file in `workdir`),
    yielded as a Server once /sante answers."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    database = workdir / "server.sqlite3"
    env = server_env(DATABASE_URL=f"sqlite:///{database}", OPENMAP_ADMIN_EMAIL=ADMIN_EMAIL,
                     OPENMAP_ADMIN_PASSWORD=ADMIN_PASSWORD, OPENMAP_BASE_URL=base_url, **env)
    subprocess.run([sys.executable, "manage.py", "migrate"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=60)
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(streamlit_command(port), cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"the server stopped (exit {process.returncode}):\n{log.read_text()}")
            try:
                if httpx.get(f"{base_url}/sante", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"/sante did not answer 200 within {START_TIMEOUT} s:\n{log.read_text()}")
            time.sleep(0.25)
        yield Server(base_url=base_url, database=database, log=log)
    finally:
        stop(process)
