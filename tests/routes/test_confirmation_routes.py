"""The retained structure's personal link over real HTTP (Starlette's TestClient, the routes
and middleware the server mounts, a real SQLite database, real cookies): the pitch shown
without sign-in, confirm, decline after « Êtes-vous sûr ? », the CSRF check, and one same
page with no detail for every link that cannot be used."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.middleware import Middleware

import routes.confirmation
from core.accounts.tokens import hash_token
from core.selection import confirmation, decisions, publication
from db.engine import read_only, unit_of_work
from db.models import AuditEntry, Call, Candidacy, Confirmation, OneTimeToken, Role
from routes.web import CONTENT_SECURITY_POLICY, ClientAddressMiddleware, NoFramingMiddleware
from tests.core.selection.builders import Spec, make_candidacies, version
from tests.factories import make_call, make_user
from tests.routes.test_auth_routes import BASE, Client, csrf_of

REFUSED = "Ce lien de confirmation n&#39;est pas valable"
CSRF_MESSAGE = "Votre formulaire a expiré ou ne vient pas de ce site."


@pytest.fixture
def client(sqlite_db):
    app = Starlette(routes=routes.confirmation.ROUTES,
                    middleware=[Middleware(ClientAddressMiddleware), Middleware(NoFramingMiddleware)])
    with Client(app, base_url=BASE, follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def retained(sqlite_db):
    """A published call: « Alpha <Insertion> » retained (its link's token returned), Bravo waiting."""
    now = datetime.now(UTC)
    call_id = make_call(opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))
    with unit_of_work() as session:
        call = session.get(Call, call_id)
        call.pitch_slots, call.theme_title = 1, "Propreté & espaces verts"
    alpha, bravo = make_candidacies(call_id, [Spec(name="Alpha <Insertion>"), Spec(name="Bravo")])
    lead = make_user(Role.PILOTE)
    for candidacy_id, decision in ((alpha, "selected"), (bravo, "waitlisted")):
        with unit_of_work() as session:
            decisions.decide(session, actor=lead, candidacy_id=candidacy_id, expected_version=version(candidacy_id),
                             decision=decision)
    with unit_of_work() as session:
        fingerprint = publication.preview(session, actor=lead, call_id=call_id).fingerprint
        publication.publish(session, actor=lead, call_id=call_id, fingerprint=fingerprint, now=now)
    return {"call": call_id, "alpha": alpha, "bravo": bravo, "lead": lead, "token": new_link(alpha)}


def new_link(candidacy_id: int) -> str:
    with unit_of_work() as session:
        deadline = session.scalar(select(Call.confirm_by).join(Candidacy, Candidacy.call_id == Call.id)
                                  .where(Candidacy.id == candidacy_id))
        url = confirmation.issue_confirmation_link(session, candidacy_id=candidacy_id, expires_at=deadline,
                                                   now=datetime.now(UTC))
    return url.rsplit("/", 1)[-1]


def answer(candidacy_id: int) -> tuple:
    with read_only() as session:
        c = session.get(Candidacy, candidacy_id)
        return c.confirmation, c.decline_reason


def audit_rows(action: str) -> list[AuditEntry]:
    with read_only() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def post(client, path: str, data: dict | None = None, *, origin: str | None = BASE, csrf: bool = True):
    """GET the page (its CSRF token and cookie), then POST its form as a browser would."""
    token = csrf_of(client.get(path))
    headers = {"Origin": origin} if origin else {}
    return client.post(path, data={**(data or {}), **({"csrf_token": token} if csrf else {})}, headers=headers)


def assert_refused(response) -> None:
    """The one page every unusable link gets: no structure, no call, no reason."""
    assert response.status_code == 410
    assert "<h1>Lien non valable</h1>" in response.text and REFUSED in response.text
    for detail in ("Alpha", "Bravo", "Propreté", "expir\u00e9 le", "retenue"):
        assert detail not in response.text


def test_the_link_shows_the_pitch_without_sign_in_and_uses_nothing(client, retained):
    path = f"/confirmation/{retained['token']}"
    response = client.get(path)
    assert response.status_code == 200
    text = response.text
    assert "<h1>Confirmer votre présentation</h1>" in text
    assert "Alpha &lt;Insertion&gt;" in text and "<Insertion>" not in text  # a network's text is escaped
    assert "Propreté &amp; espaces verts" in text and "Rencontre de test" in text
    assert "jeudi 18 mars 2027, à partir de 09 h 00" in text and "Argenteuil" in text and "5 minutes" in text
    assert ">Je confirme</button>" in text and ">Je décline</button>" in text
    assert f'action="{path}/refus"' in text and len(csrf_of(response)) >= 32
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["cache-control"] == "no-store" and response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-frame-options"] == "DENY"
    assert client.get(path).status_code == 200  # peeking again: still usable
    assert answer(retained["alpha"]) == (Confirmation.PENDING, None)
    with read_only() as session:
        assert session.scalar(select(OneTimeToken.used_at)
                              .where(OneTimeToken.token_hash == hash_token(retained["token"]))) is None


def test_confirming_records_the_answer_and_the_link_then_stops_working(client, retained):
    path = f"/confirmation/{retained['token']}"
    response = post(client, path)
    assert response.status_code == 200 and "<h1>Présentation confirmée</h1>" in response.text
    assert answer(retained["alpha"]) == (Confirmation.CONFIRMED, None)
    [entry] = audit_rows("pitch_confirmed")
    assert (entry.actor_id, entry.object_id, entry.ip_address) == (None, retained["alpha"], "testclient")
    assert_refused(client.get(path))
    answered_long_ago(retained["alpha"])
    again = client.post(path, data={"csrf_token": client.cookies["openmap_csrf"]}, headers={"Origin": BASE})
    assert_refused(again)
    assert_refused(client.get(f"{path}/refus"))
    assert answer(retained["alpha"]) == (Confirmation.CONFIRMED, None)
    assert [e.detail for e in audit_rows("confirmation_link_rejected")] == ["réponse déjà donnée"] * 3


def answered_long_ago(candidacy_id: int) -> None:
    """Move the answer (and the link's use) a few minutes back: past a double click."""
    with unit_of_work() as session:
        candidacy = session.get(Candidacy, candidacy_id)
        candidacy.confirmation_answered_at -= timedelta(minutes=5)
        for link in session.scalars(select(OneTimeToken).where(OneTimeToken.candidacy_id == candidacy_id)):
            link.used_at = candidacy.confirmation_answered_at


@pytest.mark.parametrize(("suffix", "data", "said", "recorded"), [
    ("", {}, "<h1>Présentation confirmée</h1>", (Confirmation.CONFIRMED, None)),
    ("/refus", {"reason": "Absents"}, "<h1>Présentation déclinée</h1>", (Confirmation.DECLINED, "Absents")),
])
def test_a_double_click_shows_the_answer_again_not_a_refused_link(client, retained, suffix, data, said, recorded):
    path = f"/confirmation/{retained['token']}{suffix}"
    token = csrf_of(client.get(path))
    first, second = (client.post(path, data={**data, "csrf_token": token}, headers={"Origin": BASE})
                     for _ in range(2))
    assert first.status_code == 200 and said in first.text
    assert second.status_code == 200 and said in second.text  # what the browser shows after a double click
    assert answer(retained["alpha"]) == recorded
    assert len(audit_rows("pitch_confirmed") + audit_rows("pitch_declined")) == 1
    assert audit_rows("confirmation_link_rejected") == []
    other = "/refus" if suffix == "" else ""  # the other answer is refused: the first one stands
    assert_refused(client.post(f"/confirmation/{retained['token']}{other}",
                               data={"csrf_token": token, "reason": "x"}, headers={"Origin": BASE}))


def test_decline_asks_are_you_sure_first_and_changes_nothing_until_posted(client, retained):
    path = f"/confirmation/{retained['token']}/refus"
    response = client.get(path)
    assert response.status_code == 200
    assert "<h1>Êtes-vous sûr ?</h1>" in response.text and 'name="reason"' in response.text
    assert ">Je décline la présentation</button>" in response.text
    assert answer(retained["alpha"]) == (Confirmation.PENDING, None)


def test_declining_with_a_reason_records_it(client, retained):
    response = post(client, f"/confirmation/{retained['token']}/refus",
                    {"reason": "Indisponibles ce jour-là\x00\r\nDésolés"})
    assert response.status_code == 200 and "<h1>Présentation déclinée</h1>" in response.text
    assert answer(retained["alpha"]) == (Confirmation.DECLINED, "Indisponibles ce jour-là\nDésolés")
    [entry] = audit_rows("pitch_declined")
    assert entry.object_id == retained["alpha"] and entry.actor_id is None


def test_a_too_long_reason_is_shown_next_to_the_field_kept_and_nothing_is_recorded(client, retained):
    path = f"/confirmation/{retained['token']}/refus"
    reason = "trop long " * 101
    response = post(client, path, {"reason": reason})
    assert response.status_code == 400
    assert re.search(r'<div class="field-error" id="reason-error">1\u202f000 caractères au maximum', response.text)
    assert 'aria-invalid="true"' in response.text and reason.strip() in response.text
    assert answer(retained["alpha"]) == (Confirmation.PENDING, None)
    assert post(client, path, {"reason": "Plus court"}).status_code == 200


@pytest.mark.parametrize("origin", ["http://evil.example", "null", None])
def test_a_post_from_elsewhere_is_refused_and_audited(client, retained, origin):
    path = f"/confirmation/{retained['token']}"
    response = post(client, path, origin=origin)
    assert response.status_code == 403 and CSRF_MESSAGE in response.text
    assert "<h1>Confirmer votre présentation</h1>" in response.text  # the page again, to answer from
    assert answer(retained["alpha"]) == (Confirmation.PENDING, None)
    assert [e.detail for e in audit_rows("csrf_rejected")] == ["/confirmation"]


def test_a_post_without_the_csrf_token_is_refused(client, retained):
    for path in (f"/confirmation/{retained['token']}", f"/confirmation/{retained['token']}/refus"):
        response = post(client, path, {"reason": "x"}, csrf=False)
        assert response.status_code == 403 and CSRF_MESSAGE in response.text
    assert answer(retained["alpha"]) == (Confirmation.PENDING, None)


@pytest.mark.parametrize("forged", ["jeton-invente", "a" * 43, "x" * 300])
def test_a_forged_link_gets_the_page_with_no_detail_and_is_audited(client, retained, forged, caplog):
    caplog.set_level(logging.INFO)
    assert_refused(client.get(f"/confirmation/{forged}"))
    response = client.post(f"/confirmation/{forged}", data={"csrf_token": client.cookies.get("openmap_csrf", "")},
                           headers={"Origin": BASE})
    assert response.status_code in (403, 410)
    [entry, *_] = audit_rows("confirmation_link_rejected")
    assert (entry.detail, entry.object_id, entry.ip_address) == ("lien inconnu", None, "testclient")
    assert answer(retained["alpha"]) == (Confirmation.PENDING, None)
    assert all(retained["token"] not in r.getMessage() and forged not in r.getMessage() for r in caplog.records
               if r.name == "routes.confirmation")


def test_an_expired_link_gets_the_same_page(client, retained):
    with unit_of_work() as session:
        session.get(Call, retained["call"]).confirm_by = datetime.now(UTC) - timedelta(minutes=1)
    assert_refused(client.get(f"/confirmation/{retained['token']}"))
    assert [e.detail for e in audit_rows("confirmation_link_rejected")] == ["date limite de confirmation passée"]


def test_a_link_replaced_by_a_newer_one_gets_the_same_page(client, retained):
    newer = new_link(retained["alpha"])
    assert_refused(client.get(f"/confirmation/{retained['token']}"))
    assert client.get(f"/confirmation/{newer}").status_code == 200


def test_the_link_of_a_candidacy_no_longer_retained_gets_the_same_page(client, retained):
    with unit_of_work() as session:
        publication.revise(session, actor=retained["lead"], candidacy_id=retained["alpha"],
                           expected_version=version(retained["alpha"]), decision="waitlisted", reason="Erreur")
    assert_refused(client.get(f"/confirmation/{retained['token']}"))


def test_the_server_mounts_the_confirmation_routes():
    import server

    paths = {route.path for route in server.ROUTES}
    assert {"/confirmation/{token}", "/confirmation/{token}/refus", "/connexion"} <= paths
    assert "confirmation" in server.ROUTE_PATHS


def test_a_flood_of_forged_confirmation_links_writes_a_bounded_number_of_audit_rows(client, retained):
    from core.audit import REFUSALS_PER_WINDOW

    for n in range(REFUSALS_PER_WINDOW + 15):
        assert_refused(client.get(f"/confirmation/jeton-forge-{n}"))
    assert len(audit_rows("confirmation_link_rejected")) == REFUSALS_PER_WINDOW
