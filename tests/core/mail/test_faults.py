"""Faults against a real SMTP server on loopback: down, refusing (4xx, 5xx), dropping the
connection mid-batch, two senders at once. Each time nothing is lost, the failed rows say
why in French, and retrying delivers every message exactly once (counted by Message-ID)."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from core.mail.sending import send_queued
from db.engine import unit_of_work
from db.models import MailStatus, OutboxMessage
from tests.core.mail.outbox_rows import add_messages, row, rows, smtp_settings
from tests.mailserver import MailServer, smtp_server  # noqa: F401 — the fixture

NOW = datetime(2027, 3, 8, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=1)


def assert_each_delivered_once(server: MailServer, ids: list[int]) -> None:
    stored = rows(ids)
    assert [r.status for r in stored] == [MailStatus.SENT] * len(ids)
    assert server.received_ids() == {r.message_id: 1 for r in stored}


def requeue(ids: list[int]) -> None:
    with unit_of_work() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(status=MailStatus.QUEUED))


def test_server_down_fails_every_message_with_reason_then_retry_delivers_once(db):
    server = MailServer()  # not started: nothing listens on its port
    ids = add_messages(5)
    report = send_queued(unit_of_work, now=NOW, settings=smtp_settings(server.port))
    assert (report.sent, report.failed) == (0, 5)
    for stored in rows(ids):
        assert stored.status == MailStatus.FAILED and stored.attempts == 1
        assert stored.last_error.startswith(f"Serveur de courriel injoignable (127.0.0.1:{server.port})")
        assert stored.next_attempt_at == LATER
    server.start()
    try:
        assert send_queued(unit_of_work, now=LATER, settings=smtp_settings(server.port)).sent == 5
        assert_each_delivered_once(server, ids)
    finally:
        server.stop()


def test_temporary_refusal_is_retried_and_delivered_once(db, smtp_server):  # noqa: F811
    ids = add_messages(3)
    smtp_server.behaviour.refuse_data = "451 4.3.0 Boîte pleine, réessayez"
    send_queued(unit_of_work, now=NOW, settings=smtp_settings(smtp_server.port))
    for stored in rows(ids):
        assert stored.status == MailStatus.FAILED and stored.next_attempt_at == LATER
        assert stored.last_error.startswith("Le serveur de courriel a refusé le message temporairement (451 4.3.0")
    smtp_server.behaviour.refuse_data = None
    send_queued(unit_of_work, now=LATER, settings=smtp_settings(smtp_server.port))
    assert_each_delivered_once(smtp_server, ids)


def test_permanent_refusal_is_not_retried_until_requeued(db, smtp_server):  # noqa: F811
    ids = add_messages(2)
    smtp_server.behaviour.refuse_rcpt = "550 5.1.1 Destinataire inconnu"
    send_queued(unit_of_work, now=NOW, settings=smtp_settings(smtp_server.port))
    for stored in rows(ids):
        assert stored.status == MailStatus.FAILED and stored.next_attempt_at is None
        assert stored.last_error.startswith("Le serveur de courriel a refusé les destinataires (550 5.1.1")
        assert "Pas de nouvel essai automatique" in stored.last_error
    smtp_server.behaviour.refuse_rcpt = None
    assert send_queued(unit_of_work, now=NOW + timedelta(days=2), settings=smtp_settings(smtp_server.port)).handled == 0
    assert smtp_server.received == []
    requeue(ids)
    send_queued(unit_of_work, now=NOW + timedelta(days=2), settings=smtp_settings(smtp_server.port))
    assert_each_delivered_once(smtp_server, ids)


def test_permanent_data_refusal_says_550(db, smtp_server):  # noqa: F811
    [message_id] = add_messages(1)
    smtp_server.behaviour.refuse_data = "550 5.7.1 Message refusé"
    send_queued(unit_of_work, now=NOW, settings=smtp_settings(smtp_server.port))
    assert row(message_id).last_error.startswith(
        "Le serveur de courriel a refusé le message (550 5.7.1 Message refusé)")


def test_connection_dropped_mid_batch_fails_one_and_the_rest_go_out_once(db, smtp_server):  # noqa: F811
    ids = add_messages(10)
    smtp_server.behaviour.drop_after = 3
    report = send_queued(unit_of_work, now=NOW, settings=smtp_settings(smtp_server.port))
    assert smtp_server.behaviour.drops == 1
    assert (report.sent, report.failed) == (9, 1)
    dropped = row(ids[3])
    assert dropped.status == MailStatus.FAILED and dropped.next_attempt_at == LATER
    assert "connexion au serveur de courriel a été interrompue" in dropped.last_error
    assert smtp_server.connections() == 2  # the batch reconnected once, not per message
    send_queued(unit_of_work, now=LATER, settings=smtp_settings(smtp_server.port))
    assert_each_delivered_once(smtp_server, ids)


def test_server_stopped_mid_run_loses_nothing(db, smtp_server):  # noqa: F811
    ids = add_messages(6)
    settings = smtp_settings(smtp_server.port)
    send_queued(unit_of_work, ids=ids[:3], now=NOW, settings=settings)
    smtp_server.stop()
    send_queued(unit_of_work, now=NOW, settings=settings)
    assert [r.status for r in rows(ids)] == [MailStatus.SENT] * 3 + [MailStatus.FAILED] * 3
    smtp_server.start()
    send_queued(unit_of_work, now=LATER, settings=settings)
    assert_each_delivered_once(smtp_server, ids)


def test_interrupted_row_is_never_resent_on_its_own(db, smtp_server):  # noqa: F811
    """A row left `sending` by a crash (the server may have accepted it) waits for the lead."""
    [message_id] = add_messages(1, status=MailStatus.SENDING)
    assert send_queued(unit_of_work, now=NOW + timedelta(days=1), settings=smtp_settings(smtp_server.port)).handled == 0
    assert smtp_server.received == [] and row(message_id).status == MailStatus.SENDING


def test_two_concurrent_senders_deliver_each_message_exactly_once(db, smtp_server):  # noqa: F811
    ids = add_messages(200)
    settings = smtp_settings(smtp_server.port)
    start = threading.Barrier(2)
    reports, errors = [], []

    def sender() -> None:
        try:
            start.wait(10)
            reports.append(send_queued(unit_of_work, now=NOW, settings=settings))
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == [] and len(reports) == 2
    assert all(report.sent for report in reports)  # both senders took part: their claims really raced
    assert sum(report.sent for report in reports) == 200 and sum(report.failed for report in reports) == 0
    assert_each_delivered_once(smtp_server, ids)
    assert smtp_server.received_count == 200
