"""The retained structure confirms or declines its pitch through a personal link, without an account.

The link's token is handed out once, in the retained message (and again, fresh, in each
confirmation reminder); the database keeps its SHA-256 digest. A link works once, while
its candidacy is retained and unanswered, until the call's confirmation deadline.

The deadline lives on the call (`Call.confirm_by`), and `answers` checks it when a link
is used: moving the deadline is one column, and every live link follows it at once (the
token's own expires_at only records the deadline it was issued under, the fallback of a
call that has none). This module owns the deadline (its default at publication, the
lead's changes), the links, and the reminders; `answers` owns what the structure does
with its link and what the lead reads of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from core import audit, mail
from core.accounts.tokens import new_token
from core.clock import format_date, format_datetime, paris_to_utc, to_paris, utcnow
from core.errors import NotFound, ValidationFailed
from core.permissions import Action, Actor, require
from core.selection import state
from core.settings import settings
from db.models import (
    Call,
    Candidacy,
    Confirmation,
    Deliberation,
    Edition,
    Network,
    OneTimeToken,
    OutboxMessage,
    Publication,
    Submission,
    TokenPurpose,
    User,
)

CONFIRMATION_DAYS = 10
REMINDER_DAYS_BEFORE = 3
REMINDER_TEMPLATE = "confirmation_reminder"


def default_confirm_by(published_at: datetime, event_date: date) -> datetime:
    """Ten days after publication, and never after the edition's day (its start, Paris time)."""
    return min(published_at + timedelta(days=CONFIRMATION_DAYS), latest_confirm_by(event_date))


def latest_confirm_by(event_date: date) -> datetime:
    """The latest deadline an edition allows: the start of its day, Paris time."""
    return paris_to_utc(event_date, time(0, 0))


def confirmation_url(token: str) -> str:
    return f"{settings().base_url}/confirmation/{token}"


def issue_confirmation_link(session: Session, *, candidacy_id: int, expires_at: datetime, now: datetime,
                            keep_earlier: bool = False) -> str:
    """A new personal link for the candidacy (its URL); earlier unused ones stop working,
    unless `keep_earlier` (a reminder: the link of the first message keeps working too,
    since whichever is used first answers, and the answer ends them all)."""
    if not keep_earlier:
        for old in session.scalars(select(OneTimeToken).where(
                OneTimeToken.candidacy_id == candidacy_id, OneTimeToken.purpose == TokenPurpose.CONFIRMATION,
                OneTimeToken.used_at.is_(None))):
            old.used_at = now
    token, digest = new_token()
    session.add(OneTimeToken(token_hash=digest, purpose=TokenPurpose.CONFIRMATION, candidacy_id=candidacy_id,
                             created_at=now, expires_at=expires_at))
    return confirmation_url(token)


# ---------------------------------------------------------------- the deadline


def deadline_at_publication(call: Call, event_date: date, now: datetime) -> datetime:
    """The deadline publication gives the call: the lead's, if she set one still ahead, else the default."""
    if call.confirm_by is not None and call.confirm_by > now:
        return call.confirm_by
    return default_confirm_by(now, event_date)


def set_confirm_by(session: Session, *, actor: Actor, call_id: int, confirm_by: datetime,
                   now: datetime | None = None) -> datetime:
    """Set the call's confirmation deadline (before or after publication); return it.

    It must be ahead of `now` and no later than the start of the edition's day (Paris
    time). Every live link of the call follows it at once (see the module docstring).
    Refuses: NotAllowed, NotFound, ValidationFailed({"confirm_by": ...}). Side effect: one
    « confirmation_deadline_set » audit row (before, after).
    """
    now = now or utcnow()
    require(actor, Action.DECIDE)
    call = state.lock_call(session, call_id)
    event_date = session.scalar(select(Edition.event_date).where(Edition.id == call.edition_id))
    if event_date is None:
        raise NotFound("Rencontre introuvable.")
    latest = latest_confirm_by(event_date)
    if confirm_by <= now:
        raise ValidationFailed({"confirm_by": "Cette date limite est déjà passée : choisissez un moment à venir."})
    if confirm_by > latest:
        day_before = format_date(event_date - timedelta(days=1))
        raise ValidationFailed({"confirm_by": "La date limite de confirmation ne peut pas dépasser la veille de la "
                                              f"rencontre : au plus tard le {day_before} à 23 h 59."})
    before = call.confirm_by
    if before == confirm_by:
        return confirm_by
    call.confirm_by, call.version = confirm_by, call.version + 1
    audit.record(session, actor=actor, action="confirmation_deadline_set", object_type="call", object_id=call_id,
                 before={"confirm_by": before}, after={"confirm_by": confirm_by})
    return confirm_by


# ---------------------------------------------------------------- reminders


@dataclass(frozen=True)
class _Due:
    call_id: int
    candidacy_id: int
    structure: str
    contact: str | None
    network_email: str | None
    creator_email: str | None
    theme: str
    edition: str
    event_date: date
    confirm_by: datetime


def reminder_key(call_id: int, candidacy_id: int, confirm_by: datetime) -> str:
    """Once per candidacy and deadline: a deadline moved later brings a reminder of its own."""
    return f"{REMINDER_TEMPLATE}:{call_id}:{candidacy_id}:{to_paris(confirm_by).date().isoformat()}"


def queue_confirmation_reminders(session: Session, *, now: datetime,
                                 days_before: int = REMINDER_DAYS_BEFORE) -> int:
    """Queue a reminder for each retained candidacy still unanswered whose call's deadline
    falls within `days_before` days of `now` (and is not past); return how many were queued.

    Each carries a fresh personal link (the first one was removed from the sent message);
    the earlier link keeps working. Idempotent: one reminder per candidacy and deadline
    (`reminder_key`), checked before a link is issued, so a second run issues nothing.
    Candidacies without any address to write to are skipped.
    """
    due = _due(session, now=now, days_before=days_before)
    if not due:
        return 0
    keys = {row.candidacy_id: reminder_key(row.call_id, row.candidacy_id, row.confirm_by) for row in due}
    queued_before = set(session.scalars(select(OutboxMessage.idempotency_key)
                                        .where(OutboxMessage.idempotency_key.in_(list(keys.values())))))
    queued = 0
    for row in due:
        key = keys[row.candidacy_id]
        to_address = row.contact or row.network_email or row.creator_email
        if key in queued_before or not to_address:
            continue
        link = issue_confirmation_link(session, candidacy_id=row.candidacy_id, expires_at=row.confirm_by, now=now,
                                       keep_earlier=True)
        copy = row.network_email or row.creator_email
        mail.queue(session, idempotency_key=key, template_key=REMINDER_TEMPLATE, to_address=to_address,
                   network_copy=[copy] if copy and copy != to_address else None, candidacy_id=row.candidacy_id,
                   call_id=row.call_id, personal_link=link,
                   context={"structure": row.structure, "theme": row.theme, "edition": row.edition,
                            "event_date": format_date(row.event_date), "confirm_link": link,
                            "confirm_by": format_datetime(row.confirm_by)})
        queued += 1
    return queued


def _due(session: Session, *, now: datetime, days_before: int) -> list[_Due]:
    """The retained, unanswered candidacies of the published calls whose deadline is near, in one query."""
    creator = aliased(User)
    rows = session.execute(
        select(Call.id, Candidacy.id, Candidacy.name, Candidacy.contact_email, Network.contact_email, creator.email,
               Call.theme_title, Edition.title, Edition.event_date, Call.confirm_by)
        .join(Call, Call.id == Candidacy.call_id).join(Edition, Edition.id == Call.edition_id)
        .join(Network, Network.id == Candidacy.network_id).outerjoin(creator, creator.id == Candidacy.created_by_id)
        .where(Call.decisions_published_at.is_not(None), Call.confirm_by.is_not(None), Call.confirm_by > now,
               Call.confirm_by <= now + timedelta(days=days_before),
               Candidacy.submission == Submission.SUBMITTED, Candidacy.deliberation == Deliberation.SELECTED,
               Candidacy.publication == Publication.PUBLISHED, Candidacy.confirmation == Confirmation.PENDING)
        .order_by(Candidacy.id)
    ).all()
    return [_Due(r[0], r[1], r[2] or "", r[3], r[4], r[5], r[6], r[7], r[8], r[9]) for r in rows]

