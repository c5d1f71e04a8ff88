"""Transports: .eml files written whole, one SMTP connection per batch, TLS settings honoured."""

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

import pytest

from core.mail.mime import Outgoing, build
from core.mail.transport import FileTransport, SendFailure, SmtpTransport, eml_name
from tests.core.mail.outbox_rows import SENDER, smtp_settings
from tests.mailserver import MailServer, smtp_server  # noqa: F401 — the fixture

WHEN = datetime(2027, 3, 8, 9, 30, tzinfo=UTC)


def message(n: int):
    outgoing = Outgoing(id=n, message_id=f"<m{n}.x@openmap.exemple.fr>", to_address=f"s{n}@inclusion-idf.fr",
                        cc_addresses=(), subject=f"Objet n° {n} — été", body_text="Texte accentué : é à ç\n",
                        body_html=None, personal_link=None)
    return outgoing.message_id, build(outgoing, sender=SENDER, date=WHEN)


def test_eml_name_is_the_message_id_made_safe():
    assert eml_name("<1700.42@openmap.exemple.fr>") == "1700.42@openmap.exemple.fr.eml"
    assert eml_name("<../../etc/passwd@x>") == ".._.._etc_passwd@x.eml"


def test_file_transport_writes_the_whole_message_and_no_temporary_file(tmp_path):
    with FileTransport(tmp_path / "courriels") as transport:
        transport.send(*message(1), ("s1@inclusion-idf.fr",))
        transport.send(*message(1), ("s1@inclusion-idf.fr",))  # a retry replaces its file
    [written] = (tmp_path / "courriels").iterdir()
    assert written.name == "m1.x@openmap.exemple.fr.eml"
    parsed = BytesParser(policy=policy.default).parsebytes(written.read_bytes())
    assert parsed["Subject"] == "Objet n° 1 — été"
    assert parsed.get_content() == "Texte accentué : é à ç\r\n"


def test_smtp_transport_reuses_one_connection_for_the_batch(smtp_server):  # noqa: F811
    with SmtpTransport(smtp_settings(smtp_server.port)) as transport:
        for n in range(5):
            assert transport.send(*message(n), (f"s{n}@inclusion-idf.fr",)) == {}
    assert len(smtp_server.received) == 5 and smtp_server.connections() == 1
    first = smtp_server.received[0]
    assert first.mail_from == "openmap@openmap.exemple.fr" and first.recipients == ("s0@inclusion-idf.fr",)


def test_smtp_transport_unreachable_fails_every_message_without_waiting_again():
    server = MailServer()  # nothing listens
    with SmtpTransport(smtp_settings(server.port)) as transport:
        with pytest.raises(SendFailure) as first:
            transport.send(*message(1), ("s1@inclusion-idf.fr",))
        with pytest.raises(SendFailure) as second:
            transport.send(*message(2), ("s2@inclusion-idf.fr",))
    assert first.value is second.value and not first.value.permanent
    assert "injoignable" in first.value.reason and "connexion refusée" in first.value.reason


def test_smtp_transport_starttls_refused_by_a_plain_server_says_so(smtp_server):  # noqa: F811
    settings = smtp_settings(smtp_server.port, smtp_security="starttls")
    with SmtpTransport(settings) as transport, pytest.raises(SendFailure) as failure:
        transport.send(*message(1), ("s1@inclusion-idf.fr",))
    assert "STARTTLS" in failure.value.reason and "OPENMAP_SMTP_SECURITY" in failure.value.reason
    assert smtp_server.received == []


def test_smtp_transport_partial_refusal_returns_the_refused_recipients(smtp_server):  # noqa: F811
    original = smtp_server.handler.handle_RCPT

    async def refuse_one(server, session, envelope, address, options):
        if address.startswith("inconnu"):
            return "550 5.1.1 Destinataire inconnu"
        return await original(server, session, envelope, address, options)

    smtp_server.handler.handle_RCPT = refuse_one
    with SmtpTransport(smtp_settings(smtp_server.port)) as transport:
        refused = transport.send(*message(1), ("s1@inclusion-idf.fr", "inconnu@inclusion-idf.fr"))
    assert list(refused) == ["inconnu@inclusion-idf.fr"]
    assert smtp_server.received[0].recipients == ("s1@inclusion-idf.fr",)


@pytest.mark.parametrize(("env", "named"), [
    ({"OPENMAP_MAIL_TRANSPORT": "pigeon"}, "OPENMAP_MAIL_TRANSPORT"),
    ({"OPENMAP_SMTP_SECURITY": "ssl3"}, "OPENMAP_SMTP_SECURITY"),
    ({"OPENMAP_SMTP_PORT": "vingt-cinq"}, "OPENMAP_SMTP_PORT"),
    ({"OPENMAP_SMTP_PORT": "70000"}, "OPENMAP_SMTP_PORT"),
    ({"OPENMAP_MAIL_TRANSPORT": "smtp"}, "OPENMAP_SMTP_HOST"),
    ({"OPENMAP_SMTP_USER": "openmap"}, "OPENMAP_SMTP_PASSWORD"),
    ({"OPENMAP_MAIL_FROM": "pas une adresse"}, "OPENMAP_MAIL_FROM"),
    ({"OPENMAP_MAIL_REPLY_TO": "a@b@c"}, "OPENMAP_MAIL_REPLY_TO"),
])
def test_mail_settings_bad_value_stops_startup_naming_the_variable(monkeypatch, env, named):
    from core.startup import StartupError, check_mail_settings

    for name in ("OPENMAP_MAIL_TRANSPORT", "OPENMAP_SMTP_HOST", "OPENMAP_SMTP_PORT", "OPENMAP_SMTP_SECURITY",
                 "OPENMAP_SMTP_USER", "OPENMAP_SMTP_PASSWORD", "OPENMAP_MAIL_FROM", "OPENMAP_MAIL_REPLY_TO"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(StartupError) as refused:
        check_mail_settings()
    assert str(refused.value).startswith(named + " :")


def test_mail_settings_defaults_and_smtp_values(monkeypatch):
    from core.settings import PROJECT_ROOT, mail_settings

    for name in ("OPENMAP_MAIL_TRANSPORT", "OPENMAP_MAIL_DIR", "OPENMAP_SMTP_PORT", "OPENMAP_SMTP_SECURITY",
                 "OPENMAP_SMTP_USER", "OPENMAP_MAIL_FROM", "OPENMAP_MAIL_REPLY_TO"):
        monkeypatch.delenv(name, raising=False)
    default = mail_settings()
    assert (default.transport, default.mail_dir) == ("file", PROJECT_ROOT / "data" / "mail")
    monkeypatch.setenv("OPENMAP_MAIL_TRANSPORT", "SMTP")
    monkeypatch.setenv("OPENMAP_SMTP_HOST", "smtp.mission-clauses.fr")
    monkeypatch.setenv("OPENMAP_SMTP_SECURITY", "tls")
    monkeypatch.setenv("OPENMAP_MAIL_REPLY_TO", "Mission <contact@mission-clauses.fr>")
    smtp = mail_settings()
    assert (smtp.transport, smtp.smtp_port, smtp.reply_to) == ("smtp", 465, "Mission <contact@mission-clauses.fr>")
