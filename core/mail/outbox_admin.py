"""The lead's view of the outbox: a typed table with filters, counts per state, one
message in full, and the acts on rows (edit a draft, discard, put back in the queue).

What the lead sees is a *state* derived from the stored status: a row `sending` whose
claim is older than INTERRUPTED_AFTER was left by a crashed sender (« envoi interrompu »)
and is never resent unless the lead puts it back in the queue; a failed row either waits
for its next attempt or waits for the lead.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import String, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from core import audit
from core.clock import PARIS, utcnow
from core.errors import DomainError, NotFound, StaleEdit, ValidationFailed
from core.mail.html import text_to_html
from core.mail.mime import split_addresses
from core.mail.rendering import clean_body, clean_subject
from core.mail.sending import redact
from core.mail.templates import DEFAULT_TEMPLATES
from core.permissions import Action, Actor, require
from db.models import Call, MailStatus, MailTemplate, OutboxMessage

INTERRUPTED_AFTER = timedelta(minutes=15)  # far longer than a claimed batch takes to send

#: state → French label, in the order the page lists them.
STATES = {
    "draft": "Brouillon",
    "queued": "En file d'attente",
    "sending": "Envoi en cours",
    "interrupted": "Envoi interrompu",
    "retrying": "Échec, nouvel essai prévu",
    "failed": "Échec",
    "sent": "Envoyé",
    "discarded": "Écarté",
}
#: States the lead may put back in the queue, and may discard.
REQUEUABLE = frozenset({"draft", "interrupted", "retrying", "failed"})
DISCARDABLE = frozenset({"draft", "queued", "interrupted", "retrying", "failed"})

COLUMNS = {
    "id": "Int64", "state": "string", "state_label": "string", "template": "string", "call": "string",
    "to": "string", "cc": "string", "subject": "string", "attempts": "Int64", "last_error": "string",
    "status_note": "string", "created_at": "datetime64[us, Europe/Paris]",
    "sent_at": "datetime64[us, Europe/Paris]", "next_attempt_at": "datetime64[us, Europe/Paris]",
}


def _state(now: datetime):
    """SQL expression of a row's state (see STATES)."""
    m = OutboxMessage
    return case(
        (and_(m.status == MailStatus.SENDING, m.claimed_at < now - INTERRUPTED_AFTER), "interrupted"),
        (and_(m.status == MailStatus.FAILED, m.next_attempt_at.is_not(None)), "retrying"),
        else_=type_coerce(m.status, String),  # the stored value, as plain text
    )


def state_of(status: MailStatus, *, claimed_at: datetime | None, next_attempt_at: datetime | None,
             now: datetime) -> str:
    if status == MailStatus.SENDING and (claimed_at is None or claimed_at < now - INTERRUPTED_AFTER):
        return "interrupted"
    if status == MailStatus.FAILED and next_attempt_at is not None:
        return "retrying"
    return status.value


def template_labels(session: Session) -> dict[str, str]:
    """Template key → French label (the lead's stored templates, then the defaults)."""
    labels = {key: default.label for key, default in DEFAULT_TEMPLATES.items()}
    labels.update(dict(session.execute(select(MailTemplate.key, MailTemplate.label)).all()))
    return labels


@dataclass(frozen=True)
class OutboxFilter:
    states: tuple[str, ...] = ()
    template_key: str | None = None
    call_id: int | None = None
    search: str = ""  # in the recipients and the subject, any case


PAGE_SIZE = 200  # rows a page shows: at national scale the outbox holds tens of thousands


@dataclass(frozen=True)
class OutboxPage:
    """One page of the filtered outbox (newest first) and where it sits among all the rows
    the filters keep."""

    frame: pd.DataFrame
    total: int  # rows the filters keep, on every page
    page: int  # 1-based, within 1..pages
    page_size: int
    requested: int  # the page asked for: another one if it did not exist

    @property
    def pages(self) -> int:
        return _page_count(self.total, self.page_size)

    @property
    def label(self) -> str:
        if not self.total:
            return "Aucun message"
        first = (self.page - 1) * self.page_size + 1
        return f"Messages {_french(first)} à {_french(first + len(self.frame) - 1)} sur {_french(self.total)}"

    @property
    def moved(self) -> str | None:
        """Why the page shown is not the one asked for, or None."""
        if self.requested == self.page:
            return None
        return (f"La page {_french(self.requested)} n'existe pas : ces filtres donnent {_french(self.pages)} "
                f"page(s). Voici la page {_french(self.page)}.")


def _page_count(total: int, page_size: int) -> int:
    return max(1, -(-total // page_size))  # an empty outbox still has its (empty) first page


def _french(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")  # thousands apart by a narrow no-break space


def outbox_frame(session: Session, *, actor: Actor, filters: OutboxFilter = OutboxFilter(),
                 now: datetime | None = None, page: int = 1, page_size: int = PAGE_SIZE) -> OutboxPage:
    """One page of the outbox, newest first, as a typed frame (times in Paris), and how many
    rows the filters keep, in three queries (the count, the page, the template labels). A
    page number out of range is brought back to the nearest page that exists."""
    require(actor, Action.SEND_MAIL)
    now = now or utcnow()
    m = OutboxMessage
    kept = _filtered(filters, now)
    total = session.scalar(select(func.count()).select_from(m).where(*kept))
    requested = page
    page = min(max(1, page), _page_count(total, page_size))
    state = _state(now).label("state")
    query = (select(m.id, state, m.template_key, Call.theme_title, m.to_address, m.cc_addresses, m.subject,
                    m.attempts, m.last_error, m.status_note, m.created_at, m.sent_at, m.next_attempt_at)
             .outerjoin(Call, Call.id == m.call_id).where(*kept).order_by(m.id.desc())
             .offset((page - 1) * page_size).limit(page_size))
    labels = template_labels(session)
    rows = session.execute(query).all()
    frame = pd.DataFrame.from_records(
        [(r.id, r.state, STATES.get(r.state, r.state), labels.get(r.template_key, r.template_key), r.theme_title,
          r.to_address, r.cc_addresses, r.subject, r.attempts, r.last_error, r.status_note,
          r.created_at, r.sent_at, r.next_attempt_at) for r in rows],
        columns=list(COLUMNS),
    )
    for column in ("created_at", "sent_at", "next_attempt_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.tz_convert(PARIS)
    return OutboxPage(frame=frame.astype(COLUMNS), total=total, page=page, page_size=page_size,
                      requested=requested)


def _filtered(filters: OutboxFilter, now: datetime) -> list:
    """The filters as SQL conditions on the outbox rows."""
    m = OutboxMessage
    kept = []
    if filters.states:
        kept.append(_state(now).in_(filters.states))
    if filters.template_key:
        kept.append(m.template_key == filters.template_key)
    if filters.call_id:
        kept.append(m.call_id == filters.call_id)
    if filters.search.strip():
        # What the lead typed, literally: % and _ are no wildcards here.
        typed = filters.search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{typed}%"
        kept.append(or_(*(func.lower(column).like(pattern, escape="\\")
                          for column in (m.to_address, m.cc_addresses, m.subject))))
    return kept


def state_counts(session: Session, *, actor: Actor, now: datetime | None = None) -> dict[str, int]:
    """How many rows are in each state (every state present, zero included), in one query."""
    require(actor, Action.SEND_MAIL)
    state = _state(now or utcnow())
    counts = dict(session.execute(select(state, func.count()).group_by(state)).all())
    return {key: counts.get(key, 0) for key in STATES}


@dataclass(frozen=True)
class MessageView:
    """One message as the lead previews it."""

    id: int
    state: str
    template: str
    to: str
    cc: tuple[str, ...]
    subject: str
    body_text: str
    body_html: str | None
    message_id: str | None
    attempts: int
    last_error: str | None
    status_note: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None
    version: int

    @property
    def state_label(self) -> str:
        return STATES[self.state]


def message_view(session: Session, *, actor: Actor, message_id: int, now: datetime | None = None) -> MessageView:
    require(actor, Action.SEND_MAIL)
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound("Ce courriel n'existe plus.")
    state = state_of(row.status, claimed_at=row.claimed_at, next_attempt_at=row.next_attempt_at,
                     now=now or utcnow())
    return MessageView(id=row.id, state=state, template=template_labels(session).get(row.template_key,
                                                                                      row.template_key),
                       to=row.to_address, cc=split_addresses(row.cc_addresses), subject=row.subject,
                       body_text=row.body_text, body_html=row.body_html, message_id=row.message_id,
                       attempts=row.attempts, last_error=row.last_error, status_note=row.status_note,
                       created_at=row.created_at, sent_at=row.sent_at, next_attempt_at=row.next_attempt_at,
                       version=row.version)


def edit_draft(session: Session, *, actor: Actor, message_id: int, version: int, subject: str,
               body_text: str) -> None:
    """Change a draft's subject and text. Refused (nothing written) if the row is no longer
    a draft or changed since `version`. The HTML part, made from the former text, is
    dropped: the message goes out as text until it is rendered again."""
    require(actor, Action.SEND_MAIL)
    row = _locked(session, message_id)
    if row.version != version:
        raise StaleEdit()
    if row.status != MailStatus.DRAFT:
        raise DomainError("Seul un brouillon se modifie : ce courriel a été mis en file ou envoyé entre-temps.")
    subject, body_text = (subject or "").strip(), (body_text or "").strip()
    errors = {}
    if not subject:
        errors["subject"] = "L'objet est obligatoire."
    elif len(subject) > 300:
        errors["subject"] = "L'objet ne doit pas dépasser 300 caractères."
    elif "\r" in subject or "\n" in subject:
        errors["subject"] = "L'objet doit tenir sur une ligne."
    if not body_text:
        errors["body_text"] = "Le texte est obligatoire."
    if errors:
        raise ValidationFailed(errors)
    # As for a rendered message: one visible line (no separator, bidi or control character), a text without controls.
    subject, body_text = clean_subject(subject), clean_body(body_text)
    before = audit.snapshot(row, ["subject", "body_text"])
    # The HTML part is made from the text again, as for every message, so both parts agree.
    row.subject, row.body_text = subject, body_text + "\n"
    row.body_html = text_to_html(row.body_text)
    row.version += 1
    audit.record(session, actor=actor, action="mail_edited", object_type="outbox_message", object_id=row.id,
                 before=before, after=audit.snapshot(row, ["subject", "body_text"]))


def discard(session: Session, *, actor: Actor, message_ids: Collection[int], note: str,
            now: datetime | None = None) -> int:
    """Discard the rows (never sent afterwards), with the lead's reason; their personal
    links are removed. Refused as a whole if one of them can no longer be discarded."""
    require(actor, Action.SEND_MAIL)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed({"note": "Indiquez pourquoi ces courriels sont écartés."})
    rows = _rows_in(session, message_ids, DISCARDABLE, now or utcnow(), "écartés")
    for row in rows:
        row.status = MailStatus.DISCARDED
        row.status_note = f"Écarté par {actor.full_name} : {note}"
        row.body_text = redact(row.body_text, row.personal_link)
        row.body_html = redact(row.body_html, row.personal_link)
        row.personal_link = None
        row.next_attempt_at = None
        row.version += 1
        audit.record(session, actor=actor, action="mail_discarded", object_type="outbox_message",
                     object_id=row.id, detail=note)
    return len(rows)


def requeue(session: Session, *, actor: Actor, message_ids: Collection[int], now: datetime | None = None) -> int:
    """Put drafts, failed and interrupted rows back in the queue (the next sending takes
    them). An interrupted row may already have reached its recipient: the page says so."""
    require(actor, Action.SEND_MAIL)
    rows = _rows_in(session, message_ids, REQUEUABLE, now or utcnow(), "remis en file")
    for row in rows:
        row.status = MailStatus.QUEUED
        row.next_attempt_at = None
        row.claimed_at = None
        row.version += 1
        audit.record(session, actor=actor, action="mail_requeued", object_type="outbox_message", object_id=row.id)
    return len(rows)


def _locked(session: Session, message_id: int) -> OutboxMessage:
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update())
    if row is None:
        raise NotFound("Ce courriel n'existe plus.")
    return row


def _rows_in(session: Session, ids: Collection[int], allowed: frozenset[str], now: datetime,
             verb: str) -> list[OutboxMessage]:
    if not ids:
        raise DomainError("Sélectionnez au moins un courriel.")
    rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(list(ids)))
                                .order_by(OutboxMessage.id).with_for_update()))
    if len(rows) != len(set(ids)):
        raise NotFound("Un des courriels sélectionnés n'existe plus : rechargez la page.")
    wrong = [row for row in rows
             if state_of(row.status, claimed_at=row.claimed_at, next_attempt_at=row.next_attempt_at,
                         now=now) not in allowed]
    if wrong:
        states = sorted({STATES[state_of(r.status, claimed_at=r.claimed_at, next_attempt_at=r.next_attempt_at,
                                         now=now)].lower() for r in wrong})
        raise DomainError(f"{len(wrong)} courriel(s) sélectionné(s) ne peuvent pas être {verb} "
                          f"({', '.join(states)}) : rien n'a été changé.")
    return rows


def filter_choices(session: Session, *, actor: Actor) -> tuple[dict[str, str], dict[int, str]]:
    """The templates and the calls that the outbox holds messages of, with their labels."""
    require(actor, Action.SEND_MAIL)
    labels = template_labels(session)
    keys = session.scalars(select(OutboxMessage.template_key).distinct()).all()
    calls = session.execute(select(Call.id, Call.theme_title)
                            .where(Call.id.in_(select(OutboxMessage.call_id).distinct()))
                            .order_by(Call.id)).all()
    templates = {key: labels.get(key, key) for key in sorted(keys, key=lambda k: labels.get(k, k))}
    return templates, dict(calls)
