"""A button clicked after the session ended in another tab (signed out, revoked, expired) does
nothing (its callback runs before the top of the script checks the session), and the page then
asks to sign in again."""

from __future__ import annotations

import pytest

from core.accounts import sessions
from core.mail import jobs
from db.engine import read_only, unit_of_work
from db.models import MailStatus, OutboxMessage, Role
from tests.core.mail.outbox_rows import add_messages
from tests.pages.conftest import no_exception, open_app
from ui.session import TEST_TOKEN_KEY


@pytest.fixture(autouse=True)
def file_mode(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENMAP_MAIL_TRANSPORT", raising=False)
    monkeypatch.setenv("OPENMAP_MAIL_DIR", str(tmp_path / "mail"))


def test_send_all_after_the_session_ended_sends_nothing_and_asks_to_sign_in(as_role):
    lead = as_role(Role.PILOTE)
    [queued] = add_messages(1)
    at = open_app(lead, "pages/pilotage/courriels.py")
    with unit_of_work() as session:
        sessions.sign_out(session, at.session_state[TEST_TOKEN_KEY])
    next(b for b in at.button if b.label.startswith("Envoyer tout ce qui est en file")).click().run()
    no_exception(at)
    assert not jobs.running()
    with read_only() as session:
        assert session.get(OutboxMessage, queued).status == MailStatus.QUEUED
    assert [e.value for e in at.info] == ["Connectez-vous pour accéder à cette page."]
