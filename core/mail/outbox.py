"""The outbox: every message is first a row, queued once per idempotency key."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.clock import utcnow
from core.mail.templates import render
from db.models import MailStatus, OutboxMessage


def queue(
    session: Session,
    *,
    idempotency_key: str,
    template_key: str,
    to_address: str,
    context: dict,
    cc_addresses: list[str] | None = None,
    user_id: int | None = None,
    candidacy_id: int | None = None,
    call_id: int | None = None,
    personal_link: str | None = None,
) -> OutboxMessage:
    """Queue one rendered message; if the key was already queued, return that one instead.

    `personal_link` is the single-use link the body carries: the sender removes it from the
    stored message once sent.
    """
    existing = session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key))
    if existing is not None:
        return existing
    subject, body = render(session, template_key, context)
    message = OutboxMessage(
        idempotency_key=idempotency_key,
        template_key=template_key,
        to_address=to_address,
        cc_addresses=", ".join(cc_addresses) if cc_addresses else None,
        subject=subject,
        body_text=body,
        status=MailStatus.QUEUED,
        user_id=user_id,
        candidacy_id=candidacy_id,
        call_id=call_id,
        personal_link=personal_link,
        created_at=utcnow(),
    )
    session.add(message)
    session.flush()
    return message
