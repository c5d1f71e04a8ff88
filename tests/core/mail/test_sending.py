"""send_queued: claims, outcomes, backoff, redaction of personal links, interrupted rows."""

from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser

import pytest

from core.mail import sending
from core.mail.sending import LINK_REMOVED, MAX_ATTEMPTS, backoff, send_queued
from core.mail.transport import eml_name
from db.engine import unit_of_work
from db.models import MailStatus
from tests.core.mail.outbox_rows import add_messages, file_settings, row, rows, smtp_settings
from tests.mailserver import smtp_server  # noqa: F401 — the fixture

NOW = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)
LINK = "http://testserver/lien/jeton-secret-123"


def eml(directory, message_id):
    return BytesParser(policy=policy.default).parsebytes((directory / eml_name(message_id)).read_bytes())


def test_backoff_doubles_from_one_minute_and_stops_at_six_hours():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(9) == timedelta(minutes=256)
    assert backoff(10) == backoff(20) == timedelta(hours=6)


def test_send_queued_file_writes_one_eml_per_message_and_marks_sent(db, tmp_path):
    ids = add_messages(3)
    calls = []
    report = send_queued(unit_of_work, now=NOW, settings=file_settings(tmp_path),
                         progress=lambda done, total: calls.append((done, total)))
    assert (report.sent, report.failed) == (3, 0)
    assert calls[0] == (0, 3) and calls[-1] == (3, 3)
    for stored in rows(ids):
        assert stored.status == MailStatus.SENT and stored.sent_at == NOW and stored.attempts == 1
        message = eml(tmp_path, stored.message_id)
        assert message["Message-ID"] == stored.message_id and message["To"] == stored.to_address
    assert len(list(tmp_path.glob("*.eml"))) == 3 and not list(tmp_path.glob(".*"))


def test_send_queued_file_keeps_demo_addresses(db, tmp_path):
    [message_id] = add_messages(1, to="pilote{n}@openmap.exemple.fr")
    assert send_queued(unit_of_work, now=NOW, settings=file_settings(tmp_path)).sent == 1
    assert row(message_id).status == MailStatus.SENT


def test_send_queued_twice_sends_nothing_the_second_time(db, tmp_path):
    add_messages(2)
    send_queued(unit_of_work, now=NOW, settings=file_settings(tmp_path))
    again = send_queued(unit_of_work, now=NOW + timedelta(days=1), settings=file_settings(tmp_path))
    assert again.handled == 0 and again.summary() == "Aucun courriel à envoyer."


def test_send_queued_with_ids_sends_only_those(db, tmp_path):
    ids = add_messages(4)
    send_queued(unit_of_work, ids=ids[1:3], now=NOW, settings=file_settings(tmp_path))
    assert [r.status for r in rows(ids)] == [MailStatus.QUEUED, MailStatus.SENT, MailStatus.SENT, MailStatus.QUEUED]


def test_send_queued_skips_drafts_discarded_and_sending_rows(db, tmp_path):
    add_messages(1, status=MailStatus.DRAFT, template_key="a")
    add_messages(1, status=MailStatus.DISCARDED, template_key="b")
    add_messages(1, status=MailStatus.SENDING, template_key="c")  # interrupted: the server may have it
    assert send_queued(unit_of_work, now=NOW, settings=file_settings(tmp_path)).handled == 0
    assert not list(tmp_path.glob("*.eml"))


def test_send_queued_removes_the_personal_link_once_sent(db, tmp_path):
    [message_id] = add_messages(1, body_text=f"Votre lien :\n{LINK}\n", body_html=f'<a href="{LINK}">{LINK}</a>',
                                personal_link=LINK)
    send_queued(unit_of_work, now=NOW, settings=file_settings(tmp_path))
    stored = row(message_id)
    assert LINK in eml(tmp_path, stored.message_id).get_body(("plain",)).get_content()  # the recipient has it
    assert stored.personal_link is None
    assert LINK not in stored.body_text and LINK not in stored.body_html
    assert LINK_REMOVED in stored.body_text and LINK_REMOVED in stored.body_html


def test_send_queued_failure_keeps_the_personal_link_for_the_retry(db, smtp_server):  # noqa: F811
    [message_id] = add_messages(1, body_text=f"Lien : {LINK}", personal_link=LINK)
    smtp_server.behaviour.refuse_data = "451 4.3.0 Réessayez plus tard"
    send_queued(unit_of_work, now=NOW, settings=smtp_settings(smtp_server.port))
    stored = row(message_id)
    assert stored.status == MailStatus.FAILED and stored.personal_link == LINK and LINK in stored.body_text


def test_send_queued_smtp_never_sends_demo_addresses(db, smtp_server):  # noqa: F811
    """The demo domain and the reserved example domains are not sent over SMTP: the row is
    discarded with a French note, and the server receives nothing."""
    demo, example = add_messages(1, to="pilote{n}@openmap.exemple.fr")[0], add_messages(
        1, to="x{n}@example.com", template_key="y")[0]
    report = send_queued(unit_of_work, now=NOW, settings=smtp_settings(smtp_server.port))
    assert (report.sent, report.not_sent) == (0, 2)
    assert smtp_server.received == []
    for message_id in (demo, example):
        stored = row(message_id)
        assert stored.status == MailStatus.DISCARDED
        assert "adresse de démonstration" in stored.status_note and "jamais envoyées par SMTP" in stored.status_note


def test_send_queued_smtp_drops_demo_copies_but_sends_to_real_recipients(db, smtp_server):  # noqa: F811
    [message_id] = add_messages(1, cc_addresses="reseau@openmap.exemple.fr, referente@urtie.fr")
    send_queued(unit_of_work, now=NOW, settings=smtp_settings(smtp_server.port))
    [received] = smtp_server.received
    assert received.recipients == ("structure0@inclusion-idf.fr", "referente@urtie.fr")
    stored = row(message_id)
    assert stored.status == MailStatus.SENT and "reseau@openmap.exemple.fr" in stored.status_note


def test_failed_row_is_retried_only_once_its_next_attempt_is_due(db, smtp_server):  # noqa: F811
    [message_id] = add_messages(1)
    settings = smtp_settings(smtp_server.port)
    smtp_server.behaviour.refuse_data = "451 4.3.0 Réessayez plus tard"
    send_queued(unit_of_work, now=NOW, settings=settings)
    first = row(message_id)
    assert (first.attempts, first.next_attempt_at) == (1, NOW + timedelta(minutes=1))
    smtp_server.behaviour.refuse_data = None
    assert send_queued(unit_of_work, now=NOW + timedelta(seconds=59), settings=settings).handled == 0
    smtp_server.behaviour.refuse_data = "451 4.3.0 Toujours pas"
    send_queued(unit_of_work, now=NOW + timedelta(minutes=1), settings=settings)
    second = row(message_id)
    assert (second.attempts, second.next_attempt_at) == (2, NOW + timedelta(minutes=3))
    assert second.message_id == first.message_id  # a retry is the same message
    smtp_server.behaviour.refuse_data = None
    send_queued(unit_of_work, now=NOW + timedelta(minutes=3), settings=settings)
    assert row(message_id).status == MailStatus.SENT and row(message_id).attempts == 3
    assert smtp_server.received_ids() == {first.message_id: 1}


def test_failed_row_is_abandoned_after_the_maximum_attempts(db, smtp_server):  # noqa: F811
    [message_id] = add_messages(1)
    settings = smtp_settings(smtp_server.port)
    smtp_server.behaviour.refuse_data = "451 4.3.0 Réessayez plus tard"
    moment = NOW
    for _ in range(MAX_ATTEMPTS):
        assert send_queued(unit_of_work, now=moment, settings=settings).failed == 1
        moment += sending.MAX_BACKOFF
    stored = row(message_id)
    assert stored.attempts == MAX_ATTEMPTS and stored.next_attempt_at is None
    assert f"Abandon après {MAX_ATTEMPTS} essais" in stored.last_error
    assert send_queued(unit_of_work, now=moment + timedelta(days=1), settings=settings).handled == 0


def test_send_queued_file_directory_unusable_changes_nothing(db, tmp_path):
    ids = add_messages(2)
    blocker = tmp_path / "fichier"
    blocker.write_text("")
    report = send_queued(unit_of_work, now=NOW, settings=file_settings(blocker / "courriels"))
    assert report.stopped and "Dossier des courriels inaccessible" in report.summary()
    assert [r.status for r in rows(ids)] == [MailStatus.QUEUED] * 2


@pytest.mark.parametrize("bad", ["sujet\r\nBcc: victime@ailleurs.fr"])
def test_send_queued_header_injection_fails_for_good_and_sends_nothing(db, tmp_path, bad):
    [message_id] = add_messages(1, subject=bad)
    report = send_queued(unit_of_work, now=NOW, settings=file_settings(tmp_path))
    stored = row(message_id)
    assert report.failed == 1 and stored.status == MailStatus.FAILED and stored.next_attempt_at is None
    assert "caractère interdit" in stored.last_error
    assert not list(tmp_path.glob("*.eml"))


def test_sent_invitation_keeps_no_usable_link_and_the_link_still_works(db, tmp_path):
    from db.models import Role
    from tests.core.accounts.support import invite, outbox, use_link
    from tests.factories import make_user

    issued = invite(make_user(Role.ADMIN), "camille@inclusion-idf.fr", role=Role.PILOTE, full_name="Camille")
    [queued] = outbox()
    assert queued.personal_link == issued.url
    send_queued(unit_of_work, settings=file_settings(tmp_path))
    [sent] = outbox()
    assert sent.status == MailStatus.SENT and sent.personal_link is None
    assert issued.url not in sent.body_text and LINK_REMOVED in sent.body_text
    received = eml(tmp_path, sent.message_id)  # the recipient got it, in both parts
    assert issued.url in received.get_body(("plain",)).get_content()
    assert issued.url in received.get_body(("html",)).get_content()
    use_link(issued.url)  # the token itself stays valid: only its clear copy in the outbox is gone


def test_send_mail_command_queues_due_reminders_then_sends_and_summarises(db, tmp_path, monkeypatch, capsys):
    import manage
    from core.mail import due

    monkeypatch.setenv("OPENMAP_MAIL_DIR", str(tmp_path))
    monkeypatch.delenv("OPENMAP_MAIL_TRANSPORT", raising=False)
    reminders = []
    monkeypatch.setattr(due, "queue_due_messages", lambda session, *, now: reminders.append(now) or 0)
    add_messages(2)
    assert manage.main(["send-mail"]) == 0
    assert len(reminders) == 1
    assert "Courriels : 2 envoyés." in capsys.readouterr().out
    assert len(list(tmp_path.glob("*.eml"))) == 2


def test_send_mail_command_with_server_down_exits_zero_and_says_why(db, monkeypatch, capsys):
    import manage
    from tests.mailserver import free_port

    for name, value in {"OPENMAP_MAIL_TRANSPORT": "smtp", "OPENMAP_SMTP_HOST": "127.0.0.1",
                        "OPENMAP_SMTP_PORT": str(free_port()), "OPENMAP_SMTP_SECURITY": "none"}.items():
        monkeypatch.setenv(name, value)
    add_messages(1)
    assert manage.main(["send-mail"]) == 0
    out = capsys.readouterr().out
    assert "1 en échec" in out and "Serveur de courriel injoignable" in out


def test_send_mail_command_with_bad_configuration_exits_non_zero(db, monkeypatch, capsys):
    import manage

    monkeypatch.setenv("OPENMAP_MAIL_TRANSPORT", "pigeon")
    add_messages(1)
    assert manage.main(["send-mail"]) == 2
    assert "OPENMAP_MAIL_TRANSPORT" in capsys.readouterr().err
    assert rows()[0].status == MailStatus.QUEUED
