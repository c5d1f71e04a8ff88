"""MIME: outbox rows become proper messages, parsed back with email.parser."""

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser
from email.utils import formataddr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def parsed(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


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
    raw = build(outgoing(), sender=SENDER, date=WHEN)
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


# ---------------------------------------------------------------- hostile values, parsed back

# Header text: any printable character of any script (control characters are refused, see above).
header_text = st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=200).filter(
    lambda s: s.strip() == s and "  " not in s)
body_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), max_size=2000)


def normalised(text: str) -> str:
    return text.replace("\r\n", "\n")


@settings(max_examples=150, deadline=None)
@given(subject=header_text, text=body_text, html=st.one_of(st.none(), body_text.filter(bool)),
       name=st.one_of(st.just(""), header_text))
def test_build_any_subject_body_and_display_name_round_trip(subject, text, html, name):
    sender = formataddr((name, "openmap@openmap.exemple.fr"))  # as OPENMAP_MAIL_FROM would be written
    raw = build(outgoing(subject=subject, body_text=text, body_html=html), sender=sender, date=WHEN)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n")) and b"\n" not in raw.replace(b"\r\n", b"")
    raw.decode("ascii")
    message = parsed(raw)
    assert message["Subject"] == subject
    assert message["From"].addresses[0].addr_spec == "openmap@openmap.exemple.fr"
    assert message["From"].addresses[0].display_name == name
    assert normalised(message.get_body(("plain",)).get_content()) == normalised(text)
    if html:
        assert normalised(message.get_body(("html",)).get_content()) == normalised(html)
    assert not message.defects and all(not part.defects for part in message.walk())


def test_build_subject_that_looks_encoded_stays_literal():
    raw = build(outgoing(subject="Code =?utf-8?q?pi=C3=A8ge?= inclus"), sender=SENDER, date=WHEN)
    assert parsed(raw)["Subject"] == "Code =?utf-8?q?pi=C3=A8ge?= inclus"


@pytest.mark.parametrize("address", ["pas-une-adresse", "a@", "@b.fr", "a b@c.fr", "a@b..fr", "é@b.fr"])
def test_build_malformed_recipient_is_refused(address):
    with pytest.raises(ValueError):
        build(outgoing(to_address=address), sender=SENDER, date=WHEN)


def test_build_long_copy_list_is_folded_under_the_line_limit():
    many = tuple(f"referent{n}@reseau-{n}.fr" for n in range(40))
    raw = build(outgoing(cc_addresses=many), sender=SENDER, date=WHEN)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    assert [a.addr_spec for a in parsed(raw)["Cc"].addresses] == list(many)
