"""MIME: outbox rows become proper messages, parsed back with email.parser."""

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

import pytest

from core.mail.mime import Outgoing, build, is_reserved_address, new_message_id, split_addresses

SENDER = "OpenMap candidatures <openmap@openmap.exemple.fr>"
WHEN = datetime(2027, 3, 8, 9, 30, tzinfo=UTC)


def outgoing(**changes) -> Outgoing:
    values = dict(id=1, message_id="<abc.123@openmap.exemple.fr>", to_address="camille@inclusion-idf.fr",
                  cc_addresses=("referente@urtie.fr", "suivi@initiatives77.fr"),
                  subject="Votre candidature « Élan » — décision", body_text="Bonjour Élodie,\nVous êtes retenue.\n",
                  body_html="<p>Bonjour Élodie,</p><p>Vous êtes retenue.</p>", personal_link=None)
    values.update(changes)
    return Outgoing(**values)


def parsed(message):
    return BytesParser(policy=policy.default).parsebytes(message.as_bytes())


def test_build_with_html_is_a_utf8_text_and_html_alternative():
    message = parsed(build(outgoing(), sender=SENDER, reply_to="contact@mission-clauses.fr", date=WHEN))
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.iter_parts()
    assert (text.get_content_type(), html.get_content_type()) == ("text/plain", "text/html")
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    assert text.get_content() == "Bonjour Élodie,\r\nVous êtes retenue.\r\n"  # CRLF on the wire
    assert "<p>Bonjour Élodie,</p>" in html.get_content()


def test_build_headers_survive_the_round_trip():
    message = parsed(build(outgoing(), sender=SENDER, reply_to="contact@mission-clauses.fr", date=WHEN))
    assert message["Subject"] == "Votre candidature « Élan » — décision"
    assert message["From"] == SENDER
    assert message["To"] == "camille@inclusion-idf.fr"
    assert message["Cc"] == "referente@urtie.fr, suivi@initiatives77.fr"
    assert message["Reply-To"] == "contact@mission-clauses.fr"
    assert message["Message-ID"] == "<abc.123@openmap.exemple.fr>"
    assert message["Date"].datetime == WHEN


def test_build_raw_subject_header_is_encoded_ascii():
    raw = build(outgoing(), sender=SENDER, date=WHEN).as_bytes()
    raw.decode("ascii")  # 8-bit text is encoded (RFC 2047 / quoted-printable or base64)
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n", 1)[0]


def test_build_without_html_is_text_only_and_without_optional_headers():
    message = parsed(build(outgoing(body_html=None, cc_addresses=()), sender=SENDER, date=WHEN))
    assert message.get_content_type() == "text/plain"
    assert message["Cc"] is None and message["Reply-To"] is None


@pytest.mark.parametrize("field", ["subject", "to_address"])
def test_build_with_line_break_in_a_header_is_refused(field):
    with pytest.raises(ValueError):
        build(outgoing(**{field: "x@inclusion-idf.fr\r\nBcc: victime@ailleurs.fr"}), sender=SENDER, date=WHEN)


def test_new_message_id_uses_the_sender_domain_and_differs_each_time():
    first, second = new_message_id(SENDER), new_message_id(SENDER)
    assert first.startswith("<") and first.endswith("@openmap.exemple.fr>")
    assert first != second


@pytest.mark.parametrize("address", [
    "pilote@openmap.exemple.fr", "quelqu.un@exemple.fr", "x@sous.exemple.fr", "a@example.com", "a@example.org",
    "a@example.net", "a@machine.test", "a@nulle-part.invalid", "A@EXAMPLE.COM", "Nom <a@example.com>",
])
def test_is_reserved_address_for_demo_and_example_domains(address):
    assert is_reserved_address(address)


@pytest.mark.parametrize("address", ["camille@inclusion-idf.fr", "a@exemple-reel.fr", "a@contest.fr",
                                     "a@example.com.fr"])
def test_is_reserved_address_false_for_real_domains(address):
    assert not is_reserved_address(address)


def test_split_addresses_drops_empty_parts():
    assert split_addresses("a@x.fr, ,b@y.fr") == ("a@x.fr", "b@y.fr")
    assert split_addresses(None) == ()
