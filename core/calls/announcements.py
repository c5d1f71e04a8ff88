"""Messages to the invited networks' referents: the call is open, and the call closes soon.

Both fall due with the clock, so `manage.py send-mail` queues them (core.mail.due) before it
sends. Each is keyed so that it goes once: the announcement once per call and referent,
the reminder once per closing date (a prolonged call gets a reminder again).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import mail
from core.clock import format_date, format_datetime
from core.departements import departement_label
from core.reference import kind_label
from core.settings import settings
from db.models import (
    Call,
    CallDepartement,
    CallKind,
    CallState,
    Candidacy,
    Edition,
    Network,
    OutboxMessage,
    Role,
    Submission,
    User,
    call_networks,
)

REMINDER_DAYS = 3


@dataclass(frozen=True)
class Referent:
    user_id: int
    email: str
    full_name: str
    network_id: int
    network: str


def queue_call_announcements(session: Session, *, now: datetime) -> int:
    """Announce each open call to every active referent of its invited networks, once."""
    calls = _open_calls(session, now, since=None)
    return _queue(session, calls, now, template_key="call_opened", key=lambda call, referent:
                  f"call_opened:{call.id}:{referent.user_id}")


def queue_closing_reminders(session: Session, *, now: datetime, days_before: int = REMINDER_DAYS) -> int:
    """Remind the referents of invited networks with drafts or nothing submitted, `days_before`
    days before the call closes (once per closing date)."""
    calls = _open_calls(session, now, since=now + timedelta(days=days_before))
    return _queue(session, calls, now, template_key="call_closing_reminder", needs_reminder=True,
                  key=lambda call, referent:
                  f"call_closing_reminder:{call.id}:{referent.user_id}:{call.closes_at:%Y%m%d%H%M}")


def _open_calls(session: Session, now: datetime, since: datetime | None) -> list[tuple[Call, Edition]]:
    query = (select(Call, Edition).join(Edition, Edition.id == Call.edition_id)
             .where(Call.state == CallState.OPEN, Call.opens_at <= now, Call.closes_at > now))
    if since is not None:
        query = query.where(Call.closes_at <= since)
    return list(session.execute(query.order_by(Call.id)).tuples())


def _queue(session, calls, now, *, template_key, key, needs_reminder=False) -> int:
    queued = 0
    for call, edition in calls:
        counts = _counts(session, call.id) if needs_reminder else {}
        for referent in _referents(session, call.id):
            drafts, submitted = counts.get((referent.network_id, Submission.DRAFT), 0), counts.get(
                (referent.network_id, Submission.SUBMITTED), 0)
            if needs_reminder and submitted and not drafts:
                continue
            idempotency_key = key(call, referent)
            if _exists(session, idempotency_key):
                continue
            mail.queue(session, idempotency_key=idempotency_key, template_key=template_key,
                       to_address=referent.email, user_id=referent.user_id, call_id=call.id,
                       context=_context(session, call, edition, referent, drafts=drafts, submitted=submitted))
            queued += 1
    return queued


def _referents(session: Session, call_id: int) -> list[Referent]:
    rows = session.execute(
        select(User.id, User.email, User.full_name, Network.id, Network.name)
        .join(Network, Network.id == User.network_id)
        .join(call_networks, call_networks.c.network_id == Network.id)
        .where(call_networks.c.call_id == call_id, User.role == Role.RESEAU, User.active, Network.active)
        .order_by(Network.name, User.id))
    return [Referent(*row) for row in rows]


def _counts(session: Session, call_id: int) -> Counter:
    rows = session.execute(select(Candidacy.network_id, Candidacy.submission)
                           .where(Candidacy.call_id == call_id))
    return Counter((network_id, submission) for network_id, submission in rows)


def _exists(session: Session, idempotency_key: str) -> bool:
    return session.scalar(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == idempotency_key)) is not None


def _context(session, call: Call, edition: Edition, referent: Referent, *, drafts: int, submitted: int) -> dict:
    kinds = session.scalars(select(CallKind.kind).where(CallKind.call_id == call.id)).all()
    departements = session.scalars(select(CallDepartement.departement)
                                   .where(CallDepartement.call_id == call.id).order_by(CallDepartement.departement))
    return {
        "full_name": referent.full_name, "network": referent.network,
        "theme": call.theme_title, "description": call.theme_description or "",
        "edition": edition.title, "event_date": format_date(edition.event_date),
        "opens_at": format_datetime(call.opens_at), "closes_at": format_datetime(call.closes_at),
        "eligibility": ", ".join(sorted(kind_label(kind.value) for kind in kinds))
        or "toutes les structures inclusives",
        "departements": ", ".join(departement_label(code) for code in departements) or "toute l'Île-de-France",
        "drafts": drafts, "submitted": submitted, "link": settings().base_url,
    }
