"""The sign-in and link routes write one log line per refusal, and never a password,
a token or the clear e-mail address (core.logs.email_ref stands for it)."""

from __future__ import annotations

import logging

import pytest
from starlette.applications import Starlette

import routes.auth
from core.logs import email_ref
from db.models import Role
from routes.web import CSRF_COOKIE, SESSION_COOKIE
from tests.factories import PASSWORD, make_user
from tests.routes.test_auth_routes import BASE, Client, invitation_token, post_form, set_cookie_headers

WRONG = "pas-le-bon-mot-de-passe"


@pytest.fixture
def client(sqlite_db):
    with Client(Starlette(routes=routes.auth.ROUTES), base_url=BASE, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def log(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def route_lines(caplog) -> list[tuple[int, str]]:
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "routes.auth"]


def assert_no_secret(caplog, *secrets: str) -> None:
    """No record of the app's loggers, formatted or raw, holds one of `secrets` (the test
    client's own httpx log, which shows the URLs it asks for, is not the app's)."""
    for record in caplog.records:
        if record.name.startswith(("httpx", "httpcore")):
            continue
        text = f"{record.getMessage()} {record.msg} {record.args}"
        for secret in secrets:
            assert secret not in text, (secret, record.name, text)


def test_sign_in_refused_logs_one_warning_with_the_email_ref_and_no_password(client, log):
    actor = make_user(Role.PILOTE, email="Claire.Martin@exemple.fr")
    response = post_form(client, "/connexion", {"email": actor.email, "password": WRONG})
    assert response.status_code == 401
    [(level, line)] = route_lines(log)
    assert level == logging.WARNING and "sign-in refused" in line and "SignInFailed" in line
    assert f"email_ref={email_ref(actor.email)}" in line and "ip=testclient" in line
    assert_no_secret(log, WRONG, actor.email, actor.email.lower(), client.cookies[CSRF_COOKIE])


def test_sign_in_locked_out_logs_too_many_attempts(client, log):
    actor = make_user(Role.PILOTE)
    for _ in range(5):
        post_form(client, "/connexion", {"email": actor.email, "password": WRONG})
    log.clear()
    assert post_form(client, "/connexion", {"email": actor.email, "password": PASSWORD}).status_code == 429
    [(level, line)] = route_lines(log)
    assert level == logging.WARNING and "TooManyAttempts" in line
    assert_no_secret(log, PASSWORD, actor.email)


def test_sign_in_accepted_logs_no_refusal_and_no_token(client, log):
    actor = make_user(Role.PILOTE)
    response = post_form(client, "/connexion", {"email": actor.email, "password": PASSWORD})
    assert response.status_code == 303
    [cookie] = set_cookie_headers(response, SESSION_COOKIE)
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    assert [level for level, _line in route_lines(log) if level >= logging.WARNING] == []
    assert_no_secret(log, PASSWORD, token)


def test_sign_in_without_csrf_token_logs_the_refusal(client, log):
    actor = make_user(Role.PILOTE)
    assert post_form(client, "/connexion", {"email": actor.email, "password": PASSWORD}, csrf=False).status_code == 403
    [(level, line)] = route_lines(log)
    assert level == logging.WARNING and "CSRF" in line and "/connexion" in line
    assert_no_secret(log, PASSWORD, actor.email)


def test_link_refused_logs_a_warning_without_the_token(client, log):
    token = "jeton-inconnu-" + "x" * 30
    assert client.get(f"/lien/{token}").status_code == 410
    [(level, line)] = route_lines(log)
    assert level == logging.WARNING and "link refused" in line
    assert_no_secret(log, token)


def test_link_password_refused_logs_the_fields_not_the_password(client, log):
    token = invitation_token()
    client.get(f"/lien/{token}")
    log.clear()
    weak = "court"
    response = post_form(client, "/mot-de-passe", {"password": weak, "password_confirmation": weak})
    assert response.status_code == 400
    [(level, line)] = route_lines(log)
    assert level == logging.INFO and "password form refused" in line and "password" in line
    assert_no_secret(log, weak, token)
