"""A real SMTP server on loopback (aiosmtpd) for the tests and the bench, which they start,
stop and make misbehave, and which records what it received.

    server = MailServer().start()
    server.behaviour.refuse_data = "451 4.3.0 Réessayez plus tard"
    ... send to 127.0.0.1:server.port ...
    server.received_ids()  # Counter of Message-IDs received
    server.stop()
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Received:
    message_id: str
    mail_from: str
    recipients: tuple[str, ...]
    content: bytes
    peer: tuple = ()  # the client's (address, port): one per connection

    def parsed(self):
        return message_from_bytes(self.content)


@dataclass
class Behaviour:
    """How the server misbehaves; changed by the tests between (or during) batches."""

    refuse_rcpt: str | None = None  # reply to every RCPT TO, e.g. "550 5.1.1 Destinataire inconnu"
    refuse_data: str | None = None  # reply to DATA instead of accepting, e.g. "451 4.3.0 Plus tard"
    drop_after: int | None = None   # close the connection, without accepting, once this many were accepted
    drops: int = 0                  # connections dropped so far
    count_only: bool = False        # keep no content (the bench): received_count only
    delay: float = 0.0              # seconds before answering DATA: a slow server, so that senders overlap
    accepted: int = field(default=0)


class Recorder:
    """aiosmtpd handler: accepts and records each message, or misbehaves as `behaviour` says."""

    def __init__(self, behaviour: Behaviour):
        self.behaviour = behaviour
        self.received: list[Received] = []
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 — aiosmtpd hook
        if self.behaviour.refuse_rcpt:
            return self.behaviour.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd hook
        b = self.behaviour
        if b.delay:
            await asyncio.sleep(b.delay)
        if b.drop_after is not None and b.accepted >= b.drop_after:
            b.drop_after = None  # once: the next connection works again
            b.drops += 1
            server.transport.close()
            return "421 4.4.2 Connexion fermée"  # never reaches the client
        if b.refuse_data:
            return b.refuse_data
        with self.lock:
            b.accepted += 1
            if not b.count_only:
                message_id = BytesParser().parsebytes(envelope.content, headersonly=True)["Message-ID"] or ""
                self.received.append(Received(message_id.strip(), envelope.mail_from, tuple(envelope.rcpt_tos),
                                              envelope.content, tuple(session.peer or ())))
        return "250 Message accepté"


class MailServer:
    """An aiosmtpd server on 127.0.0.1 at a free port (kept across stop/start)."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.behaviour = Behaviour()
        self.handler = Recorder(self.behaviour)
        self.controller: Controller | None = None

    def start(self) -> MailServer:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    @property
    def received_count(self) -> int:
        return self.behaviour.accepted

    def connections(self) -> int:
        """How many connections delivered at least one message."""
        return len({item.peer for item in self.received})

    def received_ids(self) -> Counter:
        return Counter(item.message_id for item in self.received)


@pytest.fixture
def smtp_server():
    """A running loopback SMTP server, stopped at the end of the test."""
    server = MailServer().start()
    yield server
    server.stop()
