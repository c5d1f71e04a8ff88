"""Outbox rows as proper MIME messages, in their wire form (CRLF): UTF-8 subject (RFC 2047)
and body (quoted-printable), text with an HTML alternative, Date, Message-ID, From, To,
Cc, Reply-To. Also which addresses are the demo's (never sent over SMTP).

The bytes are written here rather than by email.message.EmailMessage, whose header
objects cost about 3 ms a message (more than the SMTP exchange itself on a local
server): the encoders are the standard library's (email.header, binascii's
quoted-printable, email.utils), and the tests parse every shape back with email.parser,
hostile values included. A header value holding CR, LF or another control character is
refused (ValueError): nothing can add a header or a recipient.
"""

from __future__ import annotations

import binascii
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, getaddresses, make_msgid, parseaddr

# Domains reserved for documentation and tests (RFC 2606, RFC 6761), and the demo's own:
# a message to them is a demonstration, never a real person's mail.
RESERVED_DOMAINS = frozenset({"openmap.exemple.fr", "exemple.fr", "example.com", "example.org", "example.net"})
RESERVED_SUFFIXES = (".test", ".invalid", ".example", ".localhost")
RESERVED_TOP = frozenset({"test", "invalid", "example", "localhost"})


@dataclass(frozen=True)
class Outgoing:
    """What a sender needs of an outbox row, read in the claim's transaction (no ORM object)."""

    id: int
    message_id: str
    to_address: str
    cc_addresses: tuple[str, ...]
    subject: str
    body_text: str
    body_html: str | None
    personal_link: str | None
    attempts: int = 0

    @property
    def recipients(self) -> tuple[str, ...]:
        return (self.to_address, *self.cc_addresses)


def split_addresses(raw: str | None) -> tuple[str, ...]:
    """« a@x.fr, b@y.fr » → ("a@x.fr", "b@y.fr"); empty parts dropped."""
    return tuple(email for _name, email in getaddresses([raw or ""]) if email)


def domain_of(address: str) -> str:
    return parseaddr(address)[1].rpartition("@")[2].strip().lower().rstrip(".")


def is_reserved_address(address: str) -> bool:
    """Whether the address is the demo's or a reserved example domain's (never sent over SMTP)."""
    domain = domain_of(address)
    return (domain in RESERVED_DOMAINS or domain in RESERVED_TOP
            or domain.endswith(RESERVED_SUFFIXES)
            or any(domain.endswith("." + reserved) for reserved in RESERVED_DOMAINS))


def new_message_id(sender: str) -> str:
    """A fresh RFC 5322 Message-ID on the sender's domain (« <…@openmap.exemple.fr> »)."""
    return make_msgid(domain=domain_of(sender) or "openmap.invalid")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ADDR_SPEC = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")
_MAX_LINE = 78
CRLF = "\r\n"


def _checked(name: str, value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError(f"{name}: control character in a header value")
    return value


def _header(name: str, value: str) -> str:
    """One header line (folded, encoded when it is not plain ASCII), CRLF-terminated."""
    _checked(name, value)
    literal = "=?" not in value  # else a reader would decode it as an encoded word
    if value.isascii() and literal and len(name) + 2 + len(value) <= _MAX_LINE:
        return f"{name}: {value}\r\n"
    charset = "us-ascii" if value.isascii() and literal else "utf-8"
    return f"{name}: {Header(value, charset, header_name=name).encode(linesep=CRLF)}{CRLF}"


def _mailbox(raw: str) -> str:
    """« Nom <adresse> » with the name encoded if needed; ValueError if the address is not one."""
    name, address = parseaddr(_checked("address", raw))
    if not _ADDR_SPEC.match(address) or ".." in address:
        raise ValueError(f"not an e-mail address: {raw!r}")
    return formataddr((name, address), charset="utf-8") if name else address


def _address_header(name: str, addresses: tuple[str, ...] | list[str]) -> str:
    """An address list, one address per folded line (no line ever grows past the limit)."""
    return f"{name}: " + ",\r\n ".join(_mailbox(a) for a in addresses) + "\r\n"


def _quoted_printable(text: str) -> bytes:
    """Quoted-printable with CRLF line ends, soft breaks included (binascii writes LF ends
    when the text has no line break at all, so it is given LF and its output turned to CRLF;
    a CR of the text is a line end, never a bare CR on the wire)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return binascii.b2a_qp(lines.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")


def _part(subtype: str, text: str) -> bytes:
    return (f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode("ascii") + _quoted_printable(text)


def build(outgoing: Outgoing, *, sender: str, reply_to: str = "", date: datetime) -> bytes:
    """The wire form of one row (CRLF line ends, 7-bit). Raises ValueError if a header would
    carry a control character or an address is malformed: the row is then refused, never
    sent half-formed."""
    head = [
        _header("Subject", outgoing.subject),
        _address_header("From", [sender]),
        _address_header("To", [outgoing.to_address]),
    ]
    if outgoing.cc_addresses:
        head.append(_address_header("Cc", outgoing.cc_addresses))
    if reply_to:
        head.append(_address_header("Reply-To", [reply_to]))
    head.append(_header("Date", format_datetime(date)))
    head.append(_header("Message-ID", outgoing.message_id))
    head.append("MIME-Version: 1.0\r\n")
    if not outgoing.body_html:
        return "".join(head).encode("ascii") + _part("plain", outgoing.body_text)
    boundary = f"=_openmap_{secrets.token_hex(12)}"  # "=_" never occurs in quoted-printable text
    head.append(f'Content-Type: multipart/alternative;\r\n boundary="{boundary}"\r\n\r\n')
    return b"".join([
        "".join(head).encode("ascii"),
        f"--{boundary}\r\n".encode("ascii"), _part("plain", outgoing.body_text),
        f"\r\n--{boundary}\r\n".encode("ascii"), _part("html", outgoing.body_html),
        f"\r\n--{boundary}--\r\n".encode("ascii"),
    ])
