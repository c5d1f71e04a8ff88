"""Two app processes on one PostgreSQL database behind nginx running deploy/nginx/openmap.conf.

A signed-in user whom the proxy moves to the other process stays signed in, and signing
out on one process signs out on both: nothing about a session lives in one process.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import fresh_postgresql_database, unavailable
from tests.e2e.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, ROOT, START_TIMEOUT, free_port, server_env, stop
from tests.e2e.conftest import streamlit_command as app_command
from tests.e2e.test_sign_in_flow import TIMEOUT_MS, settled

SAMPLE = ROOT / "deploy" / "nginx" / "openmap.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
FAIL_TIMEOUT = int(re.search(r"fail_timeout=(\d+)s", SAMPLE.read_text()).group(1))


pytestmark = pytest.mark.e2e


@contextmanager
def migrated_postgresql_database(prefix: str):
    """A PostgreSQL database of its own, migrated, for the two processes."""
    with fresh_postgresql_database(prefix) as url:
        subprocess.run([sys.executable, "manage.py", "migrate"], cwd=ROOT, env=server_env(DATABASE_URL=url),
                       check=True, capture_output=True, timeout=120)
        yield url


@pytest.fixture(scope="module")
def database_url():
    with migrated_postgresql_database("openmap_procs") as url:
        yield url


class App:
    """One `streamlit run server.py` on a fixed port, which the test stops and starts again."""

    def __init__(self, port: int, env: dict[str, str], log: Path):
        self.port, self.env, self.log, self.process = port, env, log, None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(app_command(self.port), cwd=ROOT, env=self.env, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(f"http://127.0.0.1:{self.port}/sante", self.process, self.log)

    def stop(self) -> None:
        stop(self.process)


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"stopped (exit {process.returncode}):\n{log.read_text()}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    pytest.fail(f"{url} did not answer 200 within {START_TIMEOUT} s:\n{log.read_text()}")


def nginx_config(workdir: Path, listen: int, ports: tuple[int, int], *, ipv6: bool = False) -> Path:
    """The sample configuration on loopback ports, inside a minimal main configuration that
    logs which process served each request, and for whom. With `ipv6`, nginx also listens
    on [::1]: browsers reaching it there come from another address, which ip_hash sends to
    the other process (127.0.0.1 hashes to the first; see test_concurrent_writers)."""
    sample = SAMPLE.read_text()
    sample = sample.replace("127.0.0.1:8501", f"127.0.0.1:{ports[0]}").replace("127.0.0.1:8502",
                                                                               f"127.0.0.1:{ports[1]}")
    directives = f"listen 127.0.0.1:{listen};" + (f" listen [::1]:{listen};" if ipv6 else "")
    sample, listens = re.subn(r"listen 80;", directives, sample)
    assert listens == 1, "the sample's `listen 80;` line changed: update this test"
    (workdir / "openmap.conf").write_text(sample)
    main = workdir / "nginx.conf"
    main.write_text(f"""
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log;
events {{ worker_connections 256; }}
http {{
    log_format upstream '$request_uri $remote_addr $status $upstream_addr';
    access_log {workdir}/access.log upstream;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    include {workdir}/openmap.conf;
}}
""")
    return main


@contextmanager
def two_apps_behind_nginx(workdir: Path, database_url: str, *, ipv6: bool = False):
    if not os.path.exists(NGINX):
        unavailable(f"several-processes test skipped: {NGINX} is missing (apt-get install nginx)")
    listen, ports = free_port(), (free_port(), free_port())
    proxy = f"http://127.0.0.1:{listen}"
    env = server_env(DATABASE_URL=database_url, OPENMAP_BASE_URL=proxy, OPENMAP_BEHIND_PROXY="1",
                     OPENMAP_TRUSTED_PROXIES="127.0.0.1", OPENMAP_ADMIN_EMAIL=ADMIN_EMAIL,
                     OPENMAP_ADMIN_PASSWORD=ADMIN_PASSWORD)
    apps = [App(port, env, workdir / f"app-{port}.log") for port in ports]
    config = nginx_config(workdir, listen, ports, ipv6=ipv6)
    nginx = None
    try:
        for app in apps:
            app.start()
        nginx = subprocess.Popen([NGINX, "-p", str(workdir), "-c", str(config)], stdout=subprocess.DEVNULL,
                                 stderr=(workdir / "nginx.out").open("wb"), start_new_session=True)
        wait_for(f"{proxy}/_stcore/health", nginx, workdir / "nginx.out")
        yield proxy, {app.port: app for app in apps}, workdir / "access.log"
    finally:
        if nginx is not None:
            stop(nginx)
        for app in apps:
            app.stop()


def last_upstream(access_log: Path) -> int:
    """The port of the process that served the latest plain HTTP request (the page and its
    files; its WebSocket goes to the same one). nginx logs a WebSocket only once it closes,
    and lists every process it tried: the last one answered."""
    served = [line for line in access_log.read_text().splitlines() if not line.startswith("/_stcore/stream")]
    return int(served[-1].split()[-1].rsplit(":", 1)[-1])


def reload_and_wait(page, *texts: str) -> None:
    page.reload()
    settled(page, *texts)


def test_a_signed_in_user_moved_to_the_other_process_stays_signed_in_and_signs_out_of_both(
        browser, database_url, tmp_path):
    from playwright.sync_api import expect

    with two_apps_behind_nginx(tmp_path, database_url) as (proxy, apps, access_log):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        try:
            page.goto(f"{proxy}/connexion")
            page.fill("#email", ADMIN_EMAIL)
            page.fill("#password", ADMIN_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{proxy}/")
            settled(page, "Administration", "Comptes actifs")
            first = last_upstream(access_log)
            other = next(port for port in apps if port != first)

            apps[first].stop()  # the proxy now sends this browser to the other process
            reload_and_wait(page, "Administration", "Comptes actifs")
            assert last_upstream(access_log) == other
            expect(page.get_by_test_id("stSidebar").get_by_text(ADMIN_EMAIL)).to_be_visible()

            apps[first].start()
            time.sleep(FAIL_TIMEOUT)  # nginx tries a process again only once its fail_timeout has passed
            # The tab's WebSocket, opened while the first process was down, is on the other one.
            page.get_by_role("button", name="Se déconnecter").click()
            settled(page, "Se connecter")
            apps[other].stop()  # back to the first process, which never saw the sign-out
            page.goto(f"{proxy}/comptes")
            settled(page)
            assert last_upstream(access_log) == first
            expect(page.get_by_test_id("stSidebar").get_by_text(ADMIN_EMAIL)).to_have_count(0)
            expect(page.get_by_test_id("stSidebar").get_by_role("link", name="Se connecter")).to_be_visible()
        finally:
            context.close()
