"""The outbox: every message is first a row, queued once per idempotency key."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.mail.rendering import Rendered, compile_text, lookup
from db.models import Call, MailStatus, OutboxMessage

_HEADER_BREAK = re.compile(r"[\r\n\x00]")


def recipients(to_address: str, cc_addresses: Iterable[str | None] = (), network_copy: Iterable[str | None] = (),
               *, copy_networks: bool = True) -> tuple[str, str | None]:
    """(to, cc) as the outbox stores them: the network's referents in copy only when the
    template says so, nobody twice, nobody in copy of their own message.

    An address holding a line break would end its header and start another one: validated
    addresses never do, so one that does is a bug, refused (ValueError), never sent.
    """
    seen = {to_address.casefold()}
    copy = []
    for address in [*cc_addresses, *(network_copy if copy_networks else ())]:
        if address and address.casefold() not in seen:
            seen.add(address.casefold())
            copy.append(address)
    for address in [to_address, *copy]:
        if _HEADER_BREAK.search(address):
            raise ValueError("an e-mail address holds a line break")
    return to_address, ", ".join(copy) or None


def message_row(*, idempotency_key: str, template_key: str, to_address: str, cc_addresses: str | None,
                rendered: Rendered, now: datetime, **columns) -> dict:
    """The values of one outbox row, for a bulk insert (`columns`: candidacy_id, call_id,
    user_id, personal_link…)."""
    return {"idempotency_key": idempotency_key, "template_key": template_key, "to_address": to_address,
            "cc_addresses": cc_addresses, "subject": rendered.subject, "body_text": rendered.text,
            "body_html": rendered.html, "status": MailStatus.QUEUED, "attempts": 0, "created_at": now,
            "version": 1, **columns}


def queue(
    session: Session,
    *,
    idempotency_key: str,
    template_key: str,
    to_address: str,
    context: dict,
    cc_addresses: list[str] | None = None,
    network_copy: list[str] | None = None,
    user_id: int | None = None,
    candidacy_id: int | None = None,
    call_id: int | None = None,
    edition_id: int | None = None,
    personal_link: str | None = None,
) -> OutboxMessage:
    """Queue one rendered message (text and HTML); if the key was already queued, return that one instead.

    The text is the edition's (`edition_id`, else the call's edition), else the app-wide
    one, else the default. `cc_addresses` are always in copy, `network_copy` (the
    submitting network's referents) when the template's copy_networks says so.
    `personal_link` is the single-use link the body carries: the sender removes it from the
    stored message once sent.
    """
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key))
    if existing is not None:
        return existing
    if edition_id is None and call_id is not None:
        edition_id = session.scalar(select(Call.edition_id).where(Call.id == call_id))
    text = lookup(session, template_key, edition_id)
    rendered = compile_text(text.subject, text.body)(context)
    to_address, cc = recipients(to_address, cc_addresses or (), network_copy or (), copy_networks=text.copy_networks)
    message = OutboxMessage(**message_row(
        idempotency_key=idempotency_key, template_key=template_key, to_address=to_address, cc_addresses=cc,
        rendered=rendered, now=utcnow(), user_id=user_id, candidacy_id=candidacy_id, call_id=call_id,
        personal_link=personal_link))
    session.add(message)
    session.flush()
    return message
