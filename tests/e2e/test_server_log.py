"""The real server process (`streamlit run server.py`) configures logging at start: a
refused sign-in is one line of its log, without the password; a bad level stops it."""

from __future__ import annotations

import re
import subprocess
import time

import httpx
import pytest

from core.logs import email_ref
from tests.e2e.conftest import ROOT, free_port, server_env, stop, streamlit_command

pytestmark = pytest.mark.e2e


def test_server_logs_a_refused_sign_in_without_the_password(server):
    email, password = "personne.inconnue@exemple.fr", "mot-de-passe-jamais-ecrit"
    with httpx.Client(base_url=server.base_url, follow_redirects=False) as client:
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/connexion").text).group(1)
        answer = client.post("/connexion", data={"email": email, "password": password, "csrf_token": token},
                             headers={"Origin": server.base_url})
    assert answer.status_code == 401
    expected = f"WARNING routes.auth: sign-in refused: SignInFailed email_ref={email_ref(email)} ip=127.0.0.1"
    deadline = time.monotonic() + 10
    while expected not in (log := server.log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert expected in log, log
    assert password not in log and email not in log


def test_server_refuses_to_start_with_an_unknown_log_level(tmp_path):
    env = server_env(DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}", OPENMAP_LOG_LEVEL="bavard")
    process = subprocess.Popen(streamlit_command(free_port()), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        stop(process)
        output, _ = process.communicate()
        pytest.fail(f"the server kept running with OPENMAP_LOG_LEVEL=bavard:\n{output}")
    assert process.returncode != 0, output
    assert "OpenMap ne peut pas démarrer : OPENMAP_LOG_LEVEL : « bavard »" in output, output
