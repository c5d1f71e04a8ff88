"""Outbox rows as proper MIME messages: UTF-8 subject and body, text with an HTML
alternative, Date, Message-ID, From, To, Cc, Reply-To.

Also which addresses are the demo's (never sent over SMTP).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid, parseaddr

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


def build(outgoing: Outgoing, *, sender: str, reply_to: str = "", date: datetime) -> EmailMessage:
    """The MIME message of one row. Raises ValueError if a header would carry CR/LF or
    an address is malformed (the row is then refused, never sent half-formed)."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = outgoing.subject
    message["From"] = sender
    message["To"] = outgoing.to_address
    if outgoing.cc_addresses:
        message["Cc"] = ", ".join(outgoing.cc_addresses)
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(date)
    message["Message-ID"] = outgoing.message_id
    message.set_content(outgoing.body_text, charset="utf-8", cte="quoted-printable")
    if outgoing.body_html:
        message.add_alternative(outgoing.body_html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message
