"""The plain HTTP routes (sign-in, single-use links, password reset, health) over real HTTP
semantics: Starlette's TestClient, a real SQLite database, real cookies."""

import base64
import hashlib
import re

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

import routes.auth
from core.accounts import invitations, sessions, signin, tokens
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, Network, OutboxMessage, Role, SignInSession
from routes.web import CSRF_COOKIE, LINK_COOKIE, SESSION_COOKIE
from tests.factories import PASSWORD, make_session_token, make_user

BASE = "http://testserver"
NEW_PASSWORD = "un-nouveau-secret-42"
WRONG_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."
CSRF_MESSAGE = "Votre formulaire a expiré ou ne vient pas de ce site."
INVALID_LINK = "Ce lien n&#39;est plus valable"  # HTML-escaped apostrophe
RESET_SENT = "Si un compte actif correspond à cette adresse"


class Client(TestClient):
    """TestClient that checks every answer for a leaked Python traceback."""

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        assert "Traceback" not in response.text and 'File "' not in response.text
        return response


@pytest.fixture
def client(sqlite_db):
    app = Starlette(routes=routes.auth.ROUTES)
    with Client(app, base_url=BASE, follow_redirects=False) as test_client:
        yield test_client


def csrf_of(response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', response.text)
    assert match, response.text
    return match.group(1)


def post_form(client, path: str, data: dict, *, origin: str | None = BASE, csrf: bool = True):
    """GET the page (for its CSRF token and cookie), then POST the form as a browser would."""
    token = csrf_of(client.get(path))
    headers = {"Origin": origin} if origin else {}
    return client.post(path, data={**data, **({"csrf_token": token} if csrf else {})}, headers=headers)


def set_cookie_headers(response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]


def audit_actions() -> list[str]:
    with read_only() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def invitation_token() -> str:
    admin = make_user(Role.ADMIN)
    with unit_of_work() as session:
        issued = invitations.invite(session, actor=admin, email="nouvelle@exemple.fr", full_name="Nouvelle Personne",
                                    role=Role.EVALUATEUR)
    return issued.url.rsplit("/", 1)[-1]


# ---------------------------------------------------------------- sign-in


def test_sign_in_form_has_csrf_token_and_cookie(client):
    response = client.get("/connexion")
    assert response.status_code == 200
    assert "<h1>Connexion</h1>" in response.text
    token = csrf_of(response)
    assert len(token) >= 32
    [cookie] = set_cookie_headers(response, CSRF_COOKIE)
    assert f"{CSRF_COOKIE}={token}" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-frame-options"] == "DENY"


def test_sign_in_form_reuses_the_browser_csrf_token(client):
    first = csrf_of(client.get("/connexion"))
    assert csrf_of(client.get("/connexion")) == first


def test_sign_in_with_right_credentials_sets_session_cookie_and_redirects(client):
    actor = make_user(Role.PILOTE)
    response = post_form(client, "/connexion", {"email": actor.email.upper(), "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/"
    [cookie] = set_cookie_headers(response, SESSION_COOKIE)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    with read_only() as session:
        assert sessions.check_session(session, token).actor.user_id == actor.user_id
        assert session.scalar(select(SignInSession.token_hash)) == tokens.hash_token(token)


def test_sign_in_with_wrong_password_is_401_without_session_cookie(client):
    actor = make_user(Role.PILOTE)
    response = post_form(client, "/connexion", {"email": actor.email, "password": "pas-le-bon"})
    assert response.status_code == 401
    assert WRONG_CREDENTIALS in response.text
    assert set_cookie_headers(response, SESSION_COOKIE) == []
    assert f'value="{actor.email}"' in response.text  # the e-mail typed is kept
    assert audit_actions() == ["sign_in_failed"]


def test_sign_in_unknown_account_is_the_same_401(client):
    response = post_form(client, "/connexion", {"email": "inconnu@exemple.fr", "password": PASSWORD})
    assert response.status_code == 401 and WRONG_CREDENTIALS in response.text
    assert set_cookie_headers(response, SESSION_COOKIE) == []


def test_sign_in_without_csrf_token_is_403_and_audited(client):
    actor = make_user(Role.PILOTE)
    response = post_form(client, "/connexion", {"email": actor.email, "password": PASSWORD}, csrf=False)
    assert response.status_code == 403 and CSRF_MESSAGE in response.text
    assert set_cookie_headers(response, SESSION_COOKIE) == []
    assert audit_actions() == ["csrf_rejected"]


def test_sign_in_with_a_forged_csrf_token_is_403(client):
    actor = make_user(Role.PILOTE)
    client.get("/connexion")
    response = client.post("/connexion", headers={"Origin": BASE},
                           data={"email": actor.email, "password": PASSWORD, "csrf_token": "x" * 43})
    assert response.status_code == 403 and CSRF_MESSAGE in response.text


def test_sign_in_without_csrf_cookie_is_403(client):
    actor = make_user(Role.PILOTE)
    token = csrf_of(client.get("/connexion"))
    client.cookies.clear()
    response = client.post("/connexion", headers={"Origin": BASE},
                           data={"email": actor.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 403


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://testserver.evil.example", None])
def test_sign_in_from_another_origin_is_403(client, origin):
    actor = make_user(Role.PILOTE)
    response = post_form(client, "/connexion", {"email": actor.email, "password": PASSWORD}, origin=origin)
    assert response.status_code == 403 and CSRF_MESSAGE in response.text
    assert set_cookie_headers(response, SESSION_COOKIE) == []


def test_sign_in_with_same_site_referer_and_no_origin_is_accepted(client):
    actor = make_user(Role.PILOTE)
    token = csrf_of(client.get("/connexion"))
    response = client.post("/connexion", headers={"Referer": f"{BASE}/connexion"},
                           data={"email": actor.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303


def test_sign_in_after_five_failures_is_429(client):
    actor = make_user(Role.PILOTE)
    for _ in range(5):
        assert post_form(client, "/connexion", {"email": actor.email, "password": "faux"}).status_code == 401
    response = post_form(client, "/connexion", {"email": actor.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Trop de tentatives de connexion infructueuses" in response.text
    assert set_cookie_headers(response, SESSION_COOKIE) == []


def session_token_of(response) -> str:
    [cookie] = set_cookie_headers(response, SESSION_COOKIE)
    return cookie.split(";", 1)[0].split("=", 1)[1]


def live_sessions() -> list[int]:
    with read_only() as session:
        return list(session.scalars(select(SignInSession.user_id).where(SignInSession.revoked_at.is_(None))))


def post_sign_in_while_signed_in(client, email: str, password: str = PASSWORD):
    """POST the sign-in form from a tab left open: GET /connexion redirects once signed in,
    so the CSRF token comes from another page (the cookie is the same for the whole site)."""
    csrf = csrf_of(client.get("/mot-de-passe-oublie"))
    return client.post("/connexion", headers={"Origin": BASE},
                       data={"email": email, "password": password, "csrf_token": csrf})


@pytest.mark.parametrize("same_account", [True, False])
def test_sign_in_while_holding_a_live_session_revokes_it(client, same_account):
    first = make_user(Role.PILOTE)
    second = first if same_account else make_user(Role.EVALUATEUR)
    old_token = session_token_of(post_form(client, "/connexion", {"email": first.email, "password": PASSWORD}))
    response = post_sign_in_while_signed_in(client, second.email)
    assert response.status_code == 303
    new_token = session_token_of(response)
    assert new_token != old_token
    with read_only() as session:
        assert sessions.check_session(session, old_token).actor is None
        assert sessions.check_session(session, new_token).actor.user_id == second.user_id
    assert live_sessions() == [second.user_id]  # one browser, one live session
    assert audit_actions()[-2:] == ["sign_in", "sign_out"]


def test_sign_in_failing_while_holding_a_live_session_keeps_it(client):
    actor = make_user(Role.PILOTE)
    token = session_token_of(post_form(client, "/connexion", {"email": actor.email, "password": PASSWORD}))
    response = post_sign_in_while_signed_in(client, actor.email, "pas-le-bon")
    assert response.status_code == 401
    with read_only() as session:
        assert sessions.check_session(session, token).actor.user_id == actor.user_id


def test_sign_in_referent_of_a_deactivated_network_is_the_same_401(client):
    referent = make_user(Role.RESEAU)
    with unit_of_work() as session:
        session.get(Network, referent.network_id).active = False
    response = post_form(client, "/connexion", {"email": referent.email, "password": PASSWORD})
    assert response.status_code == 401 and WRONG_CREDENTIALS in response.text
    assert set_cookie_headers(response, SESSION_COOKIE) == []
    assert audit_actions() == ["sign_in_failed"]


# ---------------------------------------------------------------- single-use links


def test_link_valid_redirects_without_the_token_in_the_url(client):
    token = invitation_token()
    response = client.get(f"/lien/{token}")
    assert response.status_code == 303
    assert response.headers["location"] == "/mot-de-passe"
    assert token not in response.headers["location"]
    [cookie] = set_cookie_headers(response, LINK_COOKIE)
    assert f"{LINK_COOKIE}={token}" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/mot-de-passe" in cookie


def test_link_password_form_shows_who_it_is_for(client):
    client.get(f"/lien/{invitation_token()}")
    response = client.get("/mot-de-passe")
    assert response.status_code == 200
    assert "Bienvenue, Nouvelle Personne" in response.text and "nouvelle@exemple.fr" in response.text
    assert 'name="password_confirmation"' in response.text
    csrf_of(response)


def test_link_password_form_without_link_cookie_is_410(client):
    response = client.get("/mot-de-passe")
    assert response.status_code == 410 and INVALID_LINK in response.text


def test_link_password_submit_sets_password_and_signs_in(client):
    client.get(f"/lien/{invitation_token()}")
    response = post_form(client, "/mot-de-passe", {"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/"
    [cookie] = set_cookie_headers(response, SESSION_COOKIE)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    [gone] = set_cookie_headers(response, LINK_COOKIE)
    assert "Max-Age=0" in gone or "expires=Thu, 01 Jan 1970" in gone
    with unit_of_work() as session:
        assert signin.sign_in(session, email="nouvelle@exemple.fr", password=NEW_PASSWORD,
                              ip_address="127.0.0.1").error is None


def test_link_password_submit_weak_password_is_400_with_field_message(client):
    client.get(f"/lien/{invitation_token()}")
    response = post_form(client, "/mot-de-passe", {"password": "court", "password_confirmation": "court"})
    assert response.status_code == 400
    assert "Le mot de passe doit comporter au moins 10 caractères." in response.text
    assert set_cookie_headers(response, SESSION_COOKIE) == []
    response = post_form(client, "/mot-de-passe", {"password": NEW_PASSWORD, "password_confirmation": "autre"})
    assert response.status_code == 400
    assert "Les deux mots de passe ne sont pas identiques." in response.text


def test_link_password_submit_without_csrf_is_403_and_keeps_the_link(client):
    client.get(f"/lien/{invitation_token()}")
    response = post_form(client, "/mot-de-passe", {"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD},
                         csrf=False)
    assert response.status_code == 403 and CSRF_MESSAGE in response.text
    assert "csrf_rejected" in audit_actions()
    response = post_form(client, "/mot-de-passe", {"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD})
    assert response.status_code == 303


def test_link_password_submit_revokes_the_session_of_the_cookie_presented(client):
    someone = make_user(Role.PILOTE)
    old_token = make_session_token(someone)
    client.cookies.set(SESSION_COOKIE, old_token)
    client.get(f"/lien/{invitation_token()}")
    response = post_form(client, "/mot-de-passe", {"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD})
    assert response.status_code == 303
    new_token = session_token_of(response)
    with read_only() as session:
        assert sessions.check_session(session, old_token).actor is None
        assert sessions.check_session(session, new_token).actor.email == "nouvelle@exemple.fr"
    assert len(live_sessions()) == 1


def test_link_reused_is_410(client):
    token = invitation_token()
    client.get(f"/lien/{token}")
    post_form(client, "/mot-de-passe", {"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD})
    again = client.get(f"/lien/{token}")
    assert again.status_code == 410 and INVALID_LINK in again.text
    assert "<html lang=\"fr\">" in again.text
    # Replaying the consumed token straight at the form is refused too.
    csrf = csrf_of(client.get("/mot-de-passe-oublie"))  # signed in now: /connexion redirects
    client.cookies.set(LINK_COOKIE, token, path="/mot-de-passe")
    response = client.post("/mot-de-passe", headers={"Origin": BASE}, data={
        "password": "encore-autre-1234", "password_confirmation": "encore-autre-1234", "csrf_token": csrf})
    assert response.status_code == 410 and INVALID_LINK in response.text


def test_link_unknown_token_is_410_and_audited(client):
    response = client.get("/lien/jeton-inconnu")
    assert response.status_code == 410 and INVALID_LINK in response.text
    assert set_cookie_headers(response, LINK_COOKIE) == []
    assert audit_actions() == ["link_rejected"]


# ---------------------------------------------------------------- password reset


def test_reset_form_shows_the_form(client):
    response = client.get("/mot-de-passe-oublie")
    assert response.status_code == 200 and "Mot de passe oublié" in response.text
    csrf_of(response)


def test_reset_gives_the_same_answer_for_known_and_unknown_emails(client):
    actor = make_user(Role.PILOTE)
    known = post_form(client, "/mot-de-passe-oublie", {"email": actor.email})
    unknown = post_form(client, "/mot-de-passe-oublie", {"email": "inconnu@exemple.fr"})
    assert known.status_code == unknown.status_code == 200
    assert RESET_SENT in known.text
    assert known.text == unknown.text
    with read_only() as session:
        assert session.scalars(select(OutboxMessage.to_address)).all() == [actor.email]
    assert audit_actions() == ["password_reset_requested", "password_reset_requested"]


def test_reset_flooding_gives_the_same_answer_and_queues_three_messages(client):
    actor = make_user(Role.PILOTE)
    answers = [post_form(client, "/mot-de-passe-oublie", {"email": actor.email}) for _ in range(5)]
    unknown = post_form(client, "/mot-de-passe-oublie", {"email": "inconnu@exemple.fr"})
    assert {a.status_code for a in answers} == {200}
    assert {a.text for a in answers} == {unknown.text} and RESET_SENT in unknown.text
    with read_only() as session:
        bodies = session.scalars(select(OutboxMessage.body_text).order_by(OutboxMessage.id)).all()
        details = session.scalars(select(AuditEntry.detail).order_by(AuditEntry.id)).all()
    assert len(bodies) == 3
    assert details == [None] * 3 + ["trop de demandes"] * 2 + ["compte inconnu"]
    # The last link mailed still works.
    link = re.search(r"http://testserver(/lien/\S+)", bodies[-1]).group(1)
    assert client.get(link).status_code == 303
    response = post_form(client, "/mot-de-passe", {"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD})
    assert response.status_code == 303


def test_reset_without_csrf_is_403_and_queues_nothing(client):
    actor = make_user(Role.PILOTE)
    response = post_form(client, "/mot-de-passe-oublie", {"email": actor.email}, csrf=False)
    assert response.status_code == 403 and CSRF_MESSAGE in response.text
    with read_only() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_reset_link_end_to_end_signs_in_with_the_new_password(client):
    actor = make_user(Role.PILOTE)
    post_form(client, "/mot-de-passe-oublie", {"email": actor.email})
    with read_only() as session:
        body = session.scalar(select(OutboxMessage.body_text))
    link = re.search(r"http://testserver(/lien/\S+)", body).group(1)
    assert client.get(link).status_code == 303
    page = client.get("/mot-de-passe")
    assert "Nouveau mot de passe" in page.text
    response = post_form(client, "/mot-de-passe", {"password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD})
    assert response.status_code == 303
    client.cookies.clear()
    response = post_form(client, "/connexion", {"email": actor.email, "password": NEW_PASSWORD})
    assert response.status_code == 303


# ---------------------------------------------------------------- health


def test_health_is_ok(client):
    response = client.get("/sante")
    assert response.status_code == 200 and response.text == "ok"


def test_sign_in_form_when_already_signed_in_redirects_home(client):
    actor = make_user(Role.PILOTE)
    client.cookies.set(SESSION_COOKIE, make_session_token(actor))
    response = client.get("/connexion", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


@pytest.mark.parametrize("asked, landing", [
    ("/appels", "/appels"),
    ("https://evil.example/", "/"),
    ("//evil.example", "/"),
    ("/appels?x=1", "/"),
    ("/../etc", "/"),
])
def test_sign_in_returns_to_the_page_asked_for_but_never_elsewhere(client, asked, landing):
    actor = make_user(Role.PILOTE)
    form = client.get("/connexion", params={"suivant": asked})
    assert f'name="suivant" value="{landing}"' in form.text
    response = client.post("/connexion", headers={"Origin": BASE}, follow_redirects=False, data={
        "email": actor.email, "password": PASSWORD, "csrf_token": csrf_of(form), "suivant": asked})
    assert response.status_code == 303 and response.headers["location"] == landing


# ---------------------------------------------------------------- security headers


def html_pages(client) -> dict[str, object]:
    """One answer of each HTML page these routes serve."""
    pages = {
        "sign-in": client.get("/connexion"),
        "sign-in refused": client.post("/connexion", data={"email": "x@exemple.fr", "password": "x"}),
        "reset": client.get("/mot-de-passe-oublie"),
        "link error": client.get("/lien/inconnu"),
        "password without link": client.get("/mot-de-passe"),
    }
    client.get(f"/lien/{invitation_token()}")
    pages["password"] = client.get("/mot-de-passe")
    return pages


def test_html_pages_send_a_strict_content_security_policy(client):
    for name, response in html_pages(client).items():
        assert response.headers["content-type"].startswith("text/html"), name
        policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
        assert policy.pop("style-src").startswith("'sha256-"), name
        assert policy == {"default-src": "'none'", "form-action": "'self'",
                          "frame-ancestors": "'none'", "base-uri": "'none'"}, name
        assert response.headers["x-frame-options"] == "DENY", name
        assert "<script" not in response.text and " style=" not in response.text, name


def test_html_pages_style_matches_the_hash_in_their_policy(client):
    for name, response in html_pages(client).items():
        [style] = re.findall(r"<style>(.*?)</style>", response.text, re.S)
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"style-src 'sha256-{digest}'" in response.headers["content-security-policy"], name


def test_a_flood_of_forged_links_writes_a_bounded_number_of_audit_rows(client):
    """Each refusal is answered, but the journal keeps the first REFUSALS_PER_WINDOW of each kind
    from one address in a window: a script cannot fill the database with them."""
    from core.audit import REFUSALS_PER_WINDOW

    for n in range(REFUSALS_PER_WINDOW + 15):
        assert client.get(f"/lien/jeton-forge-{n}").status_code == 410
    assert audit_actions() == ["link_rejected"] * REFUSALS_PER_WINDOW
