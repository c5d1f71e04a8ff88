"""Sending the outbox: claim due rows, hand them to the transport, record each outcome.

Guarantees:
- a row is claimed by one sender only (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the write
  lock of BEGIN IMMEDIATE on SQLite), in a short transaction that marks it `sending`;
- a row left `sending` (a crash between hand-over and record) is never sent again on its
  own, since the server may have accepted it: the lead requeues it explicitly;
- the Message-ID is fixed at the first attempt, so a retry is the same message;
- a failure is recorded with a French reason and, unless the server refused for good
  (5xx) or the attempts ran out, a next attempt time with exponential backoff;
- once sent, the personal link is removed from the stored bodies;
- messages to the demo domain or a reserved example domain are never sent over SMTP.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, exists, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from core.clock import utcnow
from core.mail.catalogue import DECISION_TEMPLATES, OUTCOME_TEMPLATES
from core.mail.mime import Outgoing, build, is_reserved_address, new_message_id, split_addresses
from core.mail.transport import SendFailure, open_transport
from core.settings import MailSettings, mail_settings
from db.models import MailStatus, OutboxMessage

MAX_ATTEMPTS = 8  # about 13 hours of retries with the backoff below
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)
#: The messages that tell an outcome; an earlier decision message is outdated by a later one.
OUTCOME_MESSAGES = frozenset({*OUTCOME_TEMPLATES.values(), "decision_revised", "decision_promoted"})
OUTDATED = "Écarté à l'envoi : une décision plus récente a été annoncée par un autre message"
CLAIM_SIZE = 50  # rows claimed per transaction: two senders share a large outbox
RECORD_EVERY = 10  # outcomes written per transaction
LINK_REMOVED = "(lien personnel retiré après l'envoi)"
DEMO_NOTE = ("Non envoyé : adresse de démonstration ou de domaine réservé ({addresses}) ; "
             "ces adresses ne sont jamais envoyées par SMTP.")

SessionFactory = Callable[[], AbstractContextManager[Session]]
Progress = Callable[[int, int], object]


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt after `attempts` failed ones: 1 min × 2^(attempts-1), at most 6 h."""
    return min(FIRST_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def due(now: datetime):
    """Rows a sender may claim: queued, or failed with a next attempt due and attempts left."""
    m = OutboxMessage
    return or_(m.status == MailStatus.QUEUED,
               and_(m.status == MailStatus.FAILED, m.next_attempt_at <= now, m.attempts < MAX_ATTEMPTS))


def count_due(session: Session, *, now: datetime, ids: Collection[int] | None = None) -> int:
    query = select(func.count()).select_from(OutboxMessage).where(due(now))
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(list(ids)))
    return session.scalar(query)


@dataclass
class SendReport:
    """What one run of `send_queued` did."""

    sent: int = 0
    failed: int = 0
    not_sent: int = 0  # demo or reserved addresses over SMTP
    reasons: Counter = field(default_factory=Counter)  # French reason → messages
    stopped: str | None = None  # why sending could not start at all

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.not_sent

    def summary(self) -> str:
        """One French paragraph for the operator or the lead."""
        if self.stopped:
            return f"Aucun courriel envoyé : {self.stopped}"
        if not self.handled:
            return "Aucun courriel à envoyer."
        parts = [f"{self.sent} envoyé{'s' if self.sent > 1 else ''}"]
        if self.failed:
            parts.append(f"{self.failed} en échec")
        if self.not_sent:
            parts.append(f"{self.not_sent} non envoyé{'s' if self.not_sent > 1 else ''} (adresses de démonstration)")
        text = "Courriels : " + ", ".join(parts) + "."
        for reason, count in self.reasons.most_common(5):
            text += f"\n  {count} × {reason}"
        return text


def send_queued(
    session_factory: SessionFactory,
    *,
    ids: Collection[int] | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    settings: MailSettings | None = None,
) -> SendReport:
    """Send every due row (only those of `ids` when given); return what happened.

    `session_factory()` opens one committed transaction (db.engine.unit_of_work): the
    rows are claimed, then the outcomes recorded, in short transactions of their own, so
    that the connection to the mail server never holds a database lock. `progress(done,
    total)` is called after each message. `now` (default: the clock) dates the claim, the
    Date header and the backoff. Raises MailSettingsError if the configuration is wrong.
    """
    settings = settings or mail_settings()
    clock = (lambda: now) if now is not None else utcnow
    report = SendReport()
    with session_factory() as session:
        total = count_due(session, now=clock(), ids=ids)
    if progress:
        progress(0, total)
    if not total:
        return report
    try:
        transport = open_transport(settings).__enter__()
    except SendFailure as failure:
        report.stopped = failure.reason
        return report
    try:
        for batch in _claimed_batches(session_factory, clock=clock, ids=ids, sender=settings.mail_from):
            outcomes: list[_Outcome] = []
            for outgoing in batch:
                outcomes.append(_send_one(transport, outgoing, settings, clock(), report))
                if len(outcomes) >= RECORD_EVERY:
                    _record(session_factory, outcomes, clock())
                    outcomes = []
                if progress:
                    progress(report.handled, max(total, report.handled))
            _record(session_factory, outcomes, clock())
            if getattr(transport, "unreachable", None) is not None:
                break  # the server is down: what is still queued waits for the next run
    finally:
        transport.__exit__(None, None, None)
    return report


def _claimed_batches(session_factory: SessionFactory, *, clock, ids, sender: str) -> Iterator[list[Outgoing]]:
    while True:
        with session_factory() as session:
            batch = claim(session, now=clock(), limit=CLAIM_SIZE, ids=ids, sender=sender)
        if not batch:
            return
        yield batch


def claim(session: Session, *, now: datetime, limit: int, sender: str,
          ids: Collection[int] | None = None) -> list[Outgoing]:
    """Mark up to `limit` due rows `sending` in this transaction and return them.

    Rows another sender has locked are skipped, not waited for. A row without a
    Message-ID gets one now (its first attempt) on `sender`'s domain.
    """
    m = OutboxMessage
    query = (select(m.id, m.message_id, m.to_address, m.cc_addresses, m.subject, m.body_text, m.body_html,
                    m.personal_link, m.attempts, m.template_key, m.candidacy_id)
             .where(due(now)).order_by(m.id).limit(limit).with_for_update(skip_locked=True))
    if ids is not None:
        query = query.where(m.id.in_(list(ids)))
    rows = session.execute(query).all()
    outdated = _outdated(session, [r.id for r in rows
                                   if r.template_key in DECISION_TEMPLATES and r.candidacy_id is not None])
    if outdated:  # never sent after the message that corrects it
        session.execute(update(m).where(m.id.in_(outdated)).values(
            status=MailStatus.DISCARDED, status_note=OUTDATED, next_attempt_at=None, version=m.version + 1))
        rows = [r for r in rows if r.id not in outdated]
        if not rows:  # a whole batch of them: the next due rows
            return claim(session, now=now, limit=limit, sender=sender, ids=ids)
    if not rows:
        return []
    claimed = [Outgoing(id=r.id, message_id=r.message_id or new_message_id(sender), to_address=r.to_address,
                        cc_addresses=split_addresses(r.cc_addresses), subject=r.subject, body_text=r.body_text,
                        body_html=r.body_html, personal_link=r.personal_link, attempts=r.attempts)
               for r in rows]
    table = m.__table__
    session.connection().execute(
        update(table).where(table.c.id == bindparam("row_id"))
        .values(status=MailStatus.SENDING, claimed_at=now, message_id=bindparam("mid"), version=table.c.version + 1),
        [{"row_id": o.id, "mid": o.message_id} for o in claimed],
    )
    return claimed


def _outdated(session: Session, ids: list[int]) -> set[int]:
    """Those of the rows (about a decision) for which a later outcome message was queued:
    one that failed (or was put back in the queue) while a revision corrected it."""
    if not ids:
        return set()
    m, later = OutboxMessage, aliased(OutboxMessage)
    return set(session.scalars(select(m.id).where(
        m.id.in_(ids),
        exists().where(later.candidacy_id == m.candidacy_id, later.id > m.id,
                       later.template_key.in_(OUTCOME_MESSAGES), later.status != MailStatus.DISCARDED))))


@dataclass(frozen=True)
class _Outcome:
    outgoing: Outgoing
    status: MailStatus
    error: str | None = None
    next_attempt_at: datetime | None = None
    note: str | None = None
    at: datetime | None = None


def _send_one(transport, outgoing: Outgoing, settings: MailSettings, now: datetime, report: SendReport) -> _Outcome:
    recipients = outgoing.recipients
    note = None
    if not transport.delivers_reserved:
        reserved = [a for a in recipients if is_reserved_address(a)]
        recipients = tuple(a for a in recipients if a not in reserved)
        if reserved:
            note = DEMO_NOTE.format(addresses=", ".join(reserved))
        if not recipients:
            report.not_sent += 1
            return _Outcome(outgoing, MailStatus.DISCARDED, note=note, at=now)
    try:
        raw = build(outgoing, sender=settings.mail_from, reply_to=settings.reply_to, date=now)
    except ValueError:
        return _failed(outgoing, report, SendFailure(
            "Message invalide : un en-tête (adresse ou objet) contient un caractère interdit.", permanent=True), now)
    try:
        refused = transport.send(outgoing.message_id, raw, recipients)
    except SendFailure as failure:
        return _failed(outgoing, report, failure, now)
    if refused:
        note = "Refusé par le serveur pour : " + ", ".join(refused) + (f" ; {note}" if note else "")
    report.sent += 1
    return _Outcome(outgoing, MailStatus.SENT, note=note, at=now)


def _failed(outgoing: Outgoing, report: SendReport, failure: SendFailure, now: datetime) -> _Outcome:
    attempts = outgoing.attempts + 1
    reason = failure.reason
    retry_at = None
    if failure.permanent:
        reason += " Pas de nouvel essai automatique : corrigez puis remettez-le en file."
    elif attempts >= MAX_ATTEMPTS:
        reason += f" Abandon après {attempts} essais : remettez-le en file pour réessayer."
    else:
        retry_at = now + backoff(attempts)
    report.failed += 1
    report.reasons[failure.reason] += 1
    return _Outcome(outgoing, MailStatus.FAILED, error=reason, next_attempt_at=retry_at, at=now)


def redact(text: str | None, link: str | None) -> str | None:
    """The text without the personal link (nor its HTML-escaped form)."""
    if text is None or not link:
        return text
    return text.replace(link, LINK_REMOVED).replace(html.escape(link), LINK_REMOVED)


def _record(session_factory: SessionFactory, outcomes: list[_Outcome], now: datetime) -> None:
    """Write the outcomes of rows this sender claimed (still `sending`), in one transaction."""
    if not outcomes:
        return
    table = OutboxMessage.__table__
    mine = and_(table.c.id == bindparam("row_id"), table.c.status == MailStatus.SENDING)
    delivered = [o for o in outcomes if o.status != MailStatus.FAILED]
    failed = [o for o in outcomes if o.status == MailStatus.FAILED]
    with session_factory() as session:
        connection = session.connection()
        if delivered:
            connection.execute(
                update(table).where(mine).values(
                    status=bindparam("new_status"), sent_at=bindparam("new_sent_at"),
                    attempts=table.c.attempts + bindparam("tried"), last_error=None, next_attempt_at=None,
                    status_note=bindparam("note"), body_text=bindparam("text"), body_html=bindparam("html"),
                    personal_link=None, version=table.c.version + 1),
                [{"row_id": o.outgoing.id, "new_status": o.status,
                  "new_sent_at": o.at if o.status == MailStatus.SENT else None,
                  "tried": 1 if o.status == MailStatus.SENT else 0, "note": o.note,
                  "text": redact(o.outgoing.body_text, o.outgoing.personal_link),
                  "html": redact(o.outgoing.body_html, o.outgoing.personal_link)} for o in delivered],
            )
        if failed:
            connection.execute(
                update(table).where(mine).values(
                    status=MailStatus.FAILED, attempts=table.c.attempts + 1, last_error=bindparam("error"),
                    next_attempt_at=bindparam("retry_at"), version=table.c.version + 1),
                [{"row_id": o.outgoing.id, "error": o.error, "retry_at": o.next_attempt_at} for o in failed],
            )
