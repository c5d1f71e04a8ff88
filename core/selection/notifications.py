"""The outbox rows that tell each structure its outcome: one per candidacy and outcome.

Each row's idempotency key is (call, candidacy, decision_version): publishing twice, a
double click or a retry after a crash finds the key queued and adds nothing; a revision
changes the outcome (decision_version + 1), so its message has a key of its own.

A message is tied to the state that caused it: queueing a candidacy's new outcome
discards every earlier message about its outcome that has not gone out (draft, queued,
failed; not sending, not sent), so a structure never receives both « retenue » and « non
retenue ». If none had gone out, the new one is the plain outcome message (the structure
never heard the first); otherwise it is the corrected decision (decision_revised), or the
promotion (decision_promoted) for one that had been told it was on the waiting list.

The retained message carries a personal confirmation link (core.selection.confirmation),
valid until the call's confirm_by (set here to the default when publication left it
empty); a new outcome revokes the links handed out before. The texts are the edition's
(core.mail); the structure's contact is the recipient, its network in copy when the
template says so.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, aliased

from core.accounts.tokens import new_token
from core.clock import format_date, format_datetime, format_time
from core.mail import outbox
from core.mail.catalogue import DECISION_TEMPLATES, OUTCOME_TEMPLATES
from core.mail.rendering import compile_text, lookup_many
from core.selection.confirmation import confirmation_url, default_confirm_by
from db.bulk import execute_many
from db.models import (
    Call,
    Candidacy,
    Deliberation,
    Edition,
    MailStatus,
    Network,
    OneTimeToken,
    OutboxMessage,
    Review,
    ReviewState,
    TokenPurpose,
    User,
)

REPLACED = "Remplacé par un message plus récent (décision modifiée)"
# Gone out, or maybe: a row left « sending » by a crash may have been accepted by the server.
HEARD = frozenset({MailStatus.SENT, MailStatus.SENDING})
REPLACEABLE = (MailStatus.DRAFT, MailStatus.QUEUED, MailStatus.FAILED)
OUTCOMES = {Deliberation.SELECTED: "retenue pour une présentation express",
            Deliberation.WAITLISTED: "inscrite sur la liste d'attente",
            Deliberation.NOT_SELECTED: "non retenue"}
SAMPLE_LINK = "/confirmation/exemple-de-lien"  # previews never issue a real link
_CHUNK = 500


def notification_key(call_id: int, candidacy_id: int, decision_version: int) -> str:
    return f"decision:{call_id}:{candidacy_id}:{decision_version}"


@dataclass(frozen=True)
class CallFacts:
    """What every decision message of a call says about the call and its edition."""

    call_id: int
    edition_id: int
    theme: str
    pitch_minutes: int
    confirm_by: datetime | None
    edition: str
    event_date: date
    start_time: time
    venue: str | None
    address: str | None
    city: str | None

    @property
    def full_address(self) -> str:
        """The address with the city, unless the address names it already (« 91000 Évry »)."""
        if self.city and self.city.casefold() not in (self.address or "").casefold():
            return ", ".join(part for part in (self.address, self.city) if part)
        return self.address or ""


def queue(session: Session, *, call_id: int, candidacy_ids: Collection[int], revised: bool = False,
          now: datetime) -> int:
    """Queue the outcome message of each candidacy (decided ones only) whose key is not
    queued yet, replacing its earlier unsent ones, in a constant number of statements;
    return how many were queued. `revised` is kept for the callers: which message goes is
    read from what the structure already received."""
    del revised
    facts = call_facts(session, call_id)
    rows = _candidacies(session, list(candidacy_ids))
    keys = {row.id: notification_key(call_id, row.id, row.decision_version) for row in rows}
    queued = _queued(session, list(keys.values()))
    rows = [row for row in rows if keys[row.id] not in queued]
    if not rows:
        return 0
    earlier = _earlier(session, [row.id for row in rows])
    chosen = {row.id: _template_for(row.deliberation, earlier.get(row.id, [])) for row in rows}
    texts = lookup_many(session, set(chosen.values()), facts.edition_id)
    renderers = {key: compile_text(text.subject, text.body) for key, text in texts.items()}
    comments = _shared_comments(session, [i for i, key in chosen.items() if key == "decision_not_selected"])
    _discard(session, [m.id for messages in earlier.values() for m in messages if m.status in REPLACEABLE])
    retained = [row.id for row in rows if row.deliberation == Deliberation.SELECTED]
    confirm_by = _confirm_by(session, facts, now) if retained else None
    links = _issue_links(session, [row.id for row in rows], retained, confirm_by, now)
    messages = []
    for row in rows:
        key = chosen[row.id]
        context = decision_context(facts, structure=row.name, network=row.network, deliberation=row.deliberation,
                                   rank=row.rank, confirm_link=links.get(row.id), confirm_by=confirm_by,
                                   shared_comments=comments.get(row.id, []))
        copy = row.network_email or row.creator_email
        to_address, cc = outbox.recipients(row.contact or copy or "", (), [copy],
                                           copy_networks=texts[key].copy_networks)
        messages.append(outbox.message_row(
            idempotency_key=keys[row.id], template_key=key, to_address=to_address, cc_addresses=cc,
            rendered=renderers[key](context), now=now, candidacy_id=row.id, call_id=call_id,
            personal_link=links.get(row.id)))
    execute_many(session, insert(OutboxMessage.__table__), messages)
    return len(messages)


def decision_context(facts: CallFacts, *, structure: str | None, network: str, deliberation: Deliberation,
                     rank: int | None, confirm_link: str | None, confirm_by: datetime | None,
                     shared_comments: list[str]) -> dict:
    """The placeholders of every decision message (each template uses its own part of them)."""
    selected = deliberation == Deliberation.SELECTED
    outcome = OUTCOMES.get(deliberation, "")
    if deliberation == Deliberation.WAITLISTED and rank:
        outcome += f", au rang {rank}"
    return {
        "structure": structure or "", "network": network, "theme": facts.theme, "edition": facts.edition,
        "event_date": format_date(facts.event_date), "venue": facts.venue or "", "address": facts.full_address,
        "start_time": format_time(facts.start_time), "time_slot": "",  # the programme (a later issue) will tell
        "pitch_minutes": facts.pitch_minutes, "rank": rank if rank is not None else "",
        "confirm_link": confirm_link or "",
        "confirm_by": format_datetime(confirm_by) if confirm_by and selected else "",
        "shared_comments": list(shared_comments), "outcome": outcome, "selected": selected,
        "waitlisted": deliberation == Deliberation.WAITLISTED,
    }


def call_facts(session: Session, call_id: int) -> CallFacts:
    return CallFacts(*session.execute(
        select(Call.id, Call.edition_id, Call.theme_title, Call.pitch_minutes, Call.confirm_by, Edition.title,
               Edition.event_date, Edition.start_time, Edition.venue, Edition.address, Edition.city)
        .join(Edition, Edition.id == Call.edition_id).where(Call.id == call_id)).one())


def preview_context(session: Session, candidacy_id: int, *, base_url: str, now: datetime) -> dict:
    """The decision placeholders for one real candidacy, as its message would hold them,
    without side effects: the confirmation link is a sample, the deadline the one the
    call has (or would get if published now)."""
    [row] = _candidacies(session, [candidacy_id], decided_only=False)
    facts = call_facts(session, session.scalar(select(Candidacy.call_id).where(Candidacy.id == candidacy_id)))
    deliberation = row.deliberation if row.deliberation != Deliberation.PENDING else Deliberation.SELECTED
    return decision_context(facts, structure=row.name, network=row.network, deliberation=deliberation,
                            rank=row.rank, confirm_link=base_url + SAMPLE_LINK,
                            confirm_by=facts.confirm_by or default_confirm_by(now, facts.event_date),
                            shared_comments=_shared_comments(session, [candidacy_id]).get(candidacy_id, []))


# ---------------------------------------------------------------- steps


@dataclass(frozen=True)
class _Row:
    id: int
    name: str | None
    contact: str | None
    deliberation: Deliberation
    rank: int | None
    decision_version: int
    network: str
    network_email: str | None
    creator_email: str | None


@dataclass(frozen=True)
class _Earlier:
    id: int
    status: MailStatus
    template_key: str


def _candidacies(session: Session, ids: list[int], *, decided_only: bool = True) -> list[_Row]:
    creator = aliased(User)
    rows = []
    for chunk in _chunks(ids):
        query = (select(Candidacy.id, Candidacy.name, Candidacy.contact_email, Candidacy.deliberation,
                        Candidacy.waitlist_rank, Candidacy.decision_version, Network.name, Network.contact_email,
                        creator.email)
                 .join(Network, Network.id == Candidacy.network_id)
                 .outerjoin(creator, creator.id == Candidacy.created_by_id).where(Candidacy.id.in_(chunk)))
        if decided_only:
            query = query.where(Candidacy.deliberation != Deliberation.PENDING)
        rows += [_Row(*row) for row in session.execute(query)]
    return rows


def _queued(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(keys):
        found.update(session.scalars(select(OutboxMessage.idempotency_key)
                                     .where(OutboxMessage.idempotency_key.in_(chunk))))
    return found


def _earlier(session: Session, ids: list[int]) -> dict[int, list[_Earlier]]:
    """Each candidacy's earlier messages about its outcome, oldest first (discarded ones left out),
    locked: a sender cannot claim one (SKIP LOCKED) between reading it unsent and discarding it."""
    found: dict[int, list[_Earlier]] = {}
    for chunk in _chunks(ids):
        for candidacy_id, *message in session.execute(
                select(OutboxMessage.candidacy_id, OutboxMessage.id, OutboxMessage.status, OutboxMessage.template_key)
                .where(OutboxMessage.candidacy_id.in_(chunk), OutboxMessage.template_key.in_(DECISION_TEMPLATES),
                       OutboxMessage.status != MailStatus.DISCARDED).order_by(OutboxMessage.id)
                .with_for_update()):
            found.setdefault(candidacy_id, []).append(_Earlier(*message))
    return found


def _template_for(deliberation: Deliberation, earlier: list[_Earlier]) -> str:
    heard = [message for message in earlier if message.status in HEARD]
    if not heard:
        return OUTCOME_TEMPLATES[deliberation]
    if deliberation == Deliberation.SELECTED and heard[-1].template_key == "decision_waitlisted":
        return "decision_promoted"
    return "decision_revised"


def _discard(session: Session, message_ids: list[int]) -> None:
    for chunk in _chunks(message_ids):
        session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(chunk),
                                                    OutboxMessage.status.in_(REPLACEABLE))
                        .values(status=MailStatus.DISCARDED, status_note=REPLACED,
                                version=OutboxMessage.version + 1))


def _shared_comments(session: Session, ids: list[int]) -> dict[int, list[str]]:
    """What the reviewers wrote for the structure (« commentaire pour la structure ») in
    their submitted reviews; a draft or an abstention shares nothing."""
    found: dict[int, list[str]] = {}
    for chunk in _chunks(ids):
        for candidacy_id, comment in session.execute(
                select(Review.candidacy_id, Review.shared_comment)
                .where(Review.candidacy_id.in_(chunk), Review.state == ReviewState.SUBMITTED,
                       Review.shared_comment.is_not(None)).order_by(Review.id)):
            if comment.strip():
                found.setdefault(candidacy_id, []).append(comment.strip())
    return found


def _confirm_by(session: Session, facts: CallFacts, now: datetime) -> datetime:
    """The call's confirmation deadline; the default is set on the call at its first retained message."""
    if facts.confirm_by is not None:
        return facts.confirm_by
    deadline = default_confirm_by(now, facts.event_date)
    session.execute(update(Call).where(Call.id == facts.call_id, Call.confirm_by.is_(None)).values(confirm_by=deadline))
    return deadline


def _issue_links(session: Session, told: list[int], retained: list[int], expires_at: datetime | None,
                 now: datetime) -> dict[int, str]:
    """Revoke the unused confirmation links of every candidacy told a new outcome, then hand a
    new one to each retained: two statements per chunk, whatever the number of candidacies.
    (core.selection.confirmation.issue_confirmation_link does the same for one candidacy.)"""
    for chunk in _chunks(told):
        session.execute(update(OneTimeToken).where(
            OneTimeToken.candidacy_id.in_(chunk), OneTimeToken.purpose == TokenPurpose.CONFIRMATION,
            OneTimeToken.used_at.is_(None)).values(used_at=now))
    links, rows = {}, []
    for candidacy_id in retained:
        token, digest = new_token()
        links[candidacy_id] = confirmation_url(token)
        rows.append({"token_hash": digest, "purpose": TokenPurpose.CONFIRMATION, "candidacy_id": candidacy_id,
                     "created_at": now, "expires_at": expires_at, "user_id": None, "created_by_id": None,
                     "used_at": None})
    execute_many(session, insert(OneTimeToken.__table__), rows)
    return links


def _chunks(values: list, size: int = _CHUNK) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]
