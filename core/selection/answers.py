"""What a retained structure does with its personal link, and what the lead reads of it.

`peek` shows the pitch the link is about and changes nothing; `confirm` and `decline`
answer once: the candidacy's confirmation (confirmed / declined, when, the reason), every
live link of the candidacy used up, one audit row (no actor: the structure has no
account). A link that cannot be used (unknown, used, replaced, past the deadline, its
candidacy no longer retained or already answered) raises `LinkRefused`, whose message
says nothing of the candidacy; `record_refusal` audits the attempt with the reason.

A decline keeps the candidacy retenue (the decision is the lead's) but frees its pitch
slot: `state.counts_as_retained` does not count a declined one, so `publication.promote_first`
may retain the head of the waiting list at once (`overview` proposes it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import audit
from core.accounts.tokens import hash_token
from core.clock import PARIS, utcnow
from core.errors import InvalidLink, NotFound, ValidationFailed
from core.permissions import Action, Actor, require
from core.programme.timing import paris_time
from core.programme.working import working_programme
from core.selection import state
from core.validation import FieldError, clean_text
from db.models import (
    Call,
    Candidacy,
    Confirmation,
    Deliberation,
    Edition,
    Network,
    OneTimeToken,
    Publication,
    Submission,
    TokenPurpose,
)

DECLINE_REASON_LIMIT = 1000
ANSWERED_BY = "Structure (lien de confirmation)"
REPEAT_WINDOW = timedelta(minutes=2)  # a form sent twice (double click, reload of the reply) in that time


class LinkRefused(InvalidLink):
    """The link cannot be used; `reason` (for the audit only) says why, `candidacy_id` if known."""

    message = ("Ce lien de confirmation n'est pas valable : il a déjà servi, a été remplacé par un lien plus récent "
               "ou a expiré. Si vous devez encore répondre, écrivez à l'équipe OpenMap ou à votre réseau.")

    def __init__(self, reason: str, candidacy_id: int | None = None):
        self.reason, self.candidacy_id = reason, candidacy_id
        super().__init__()


@dataclass(frozen=True)
class Pitch:
    """What the confirmation page shows of the pitch the link is about."""

    candidacy_id: int
    structure: str
    network: str
    theme: str
    edition: str
    event_date: date
    start_time: time  # the edition's
    venue: str | None  # venue, address and city, as known
    starts_at: time | None  # the pitch's own time, once the programme places it
    pitch_minutes: int
    confirm_by: datetime
    confirmation: Confirmation


def peek(session: Session, token: str | None, *, now: datetime | None = None) -> Pitch:
    """The pitch of a usable link, changing nothing; LinkRefused otherwise."""
    link, candidacy, call, edition = _find(session, token)
    _check(link, candidacy, call, now or utcnow())
    return _pitch(session, candidacy, call, edition, link)


def confirm(session: Session, *, token: str | None, ip_address: str | None, now: datetime | None = None) -> Pitch:
    """The structure confirms its pitch. See the module docstring for the side effects."""
    return _answer(session, token=token, answer=Confirmation.CONFIRMED, reason=None, ip_address=ip_address, now=now)


def decline(session: Session, *, token: str | None, reason: str | None, ip_address: str | None,
            now: datetime | None = None) -> Pitch:
    """The structure declines its pitch, with an optional reason (ValidationFailed({"reason": ...})
    if too long; invisible and control characters dropped). Its slot is free at once."""
    try:
        cleaned = clean_text(reason, label="Motif", required=False, max_length=DECLINE_REASON_LIMIT, multiline=True)
    except FieldError as error:
        raise ValidationFailed({"reason": error.message}) from None
    return _answer(session, token=token, answer=Confirmation.DECLINED, reason=cleaned, ip_address=ip_address, now=now)


def record_refusal(session: Session, *, error: LinkRefused, ip_address: str | None) -> None:
    """Audit an attempt with a link that could not be used (in its own transaction: the
    refused one rolled back)."""
    audit.record_refusal(session, action="confirmation_link_rejected", ip_address=ip_address,
                         object_type="candidacy" if error.candidacy_id else None, object_id=error.candidacy_id,
                         detail=error.reason)


def _answer(session, *, token, answer, reason, ip_address, now) -> Pitch:
    now = now or utcnow()
    _, candidacy, call, _ = _find(session, token)
    state.lock_call(session, call.id)  # as every decision does: a promotion sees the decline, or waits for it
    link, candidacy, call, edition = _find(session, token, locked=True)
    if _repeated(link, candidacy, answer, now):  # a double click: the browser shows the second reply
        return _pitch(session, candidacy, call, edition, link)
    _check(link, candidacy, call, now)
    session.execute(update(OneTimeToken).where(
        OneTimeToken.candidacy_id == candidacy.id, OneTimeToken.purpose == TokenPurpose.CONFIRMATION,
        OneTimeToken.used_at.is_(None)).values(used_at=now))
    # The version moves (a lead's view of this candidacy is stale now); updated_at stays, as for decisions.
    session.execute(update(Candidacy).where(Candidacy.id == candidacy.id).values(
        confirmation=answer, confirmation_answered_at=now, decline_reason=reason, version=Candidacy.version + 1,
        updated_at=Candidacy.updated_at))
    audit.record(session, actor=None, actor_label=ANSWERED_BY, ip_address=ip_address,
                 action="pitch_confirmed" if answer == Confirmation.CONFIRMED else "pitch_declined",
                 object_type="candidacy", object_id=candidacy.id, network_id=candidacy.network_id,
                 before={"confirmation": Confirmation.PENDING},
                 after={"confirmation": answer, **({"decline_reason": reason} if reason else {})})
    session.refresh(candidacy)
    return _pitch(session, candidacy, call, edition, link)


def _find(session: Session, token: str | None, *, locked: bool = False):
    if not token or len(token) > 200:
        raise LinkRefused("lien inconnu")
    query = (select(OneTimeToken, Candidacy, Call, Edition)
             .join(Candidacy, Candidacy.id == OneTimeToken.candidacy_id)
             .join(Call, Call.id == Candidacy.call_id).join(Edition, Edition.id == Call.edition_id)
             .where(OneTimeToken.token_hash == hash_token(token), OneTimeToken.purpose == TokenPurpose.CONFIRMATION))
    if locked:
        query = query.execution_options(populate_existing=True)
    row = session.execute(query).first()
    if row is None:
        raise LinkRefused("lien inconnu")
    return tuple(row)


def _repeated(link: OneTimeToken, candidacy: Candidacy, answer: Confirmation, now: datetime) -> bool:
    """Whether this very link just gave this very answer (within REPEAT_WINDOW): the same
    form sent twice, answered again with the same page, nothing changed."""
    return (link.used_at is not None and candidacy.confirmation == answer
            and candidacy.confirmation_answered_at == link.used_at and now - link.used_at < REPEAT_WINDOW
            and candidacy.deliberation == Deliberation.SELECTED and candidacy.publication == Publication.PUBLISHED)


def _check(link: OneTimeToken, candidacy: Candidacy, call: Call, now: datetime) -> None:
    if candidacy.confirmation != Confirmation.PENDING:
        raise LinkRefused("réponse déjà donnée", candidacy.id)
    if link.used_at is not None:
        raise LinkRefused("lien déjà utilisé ou remplacé", candidacy.id)
    if now >= (call.confirm_by or link.expires_at):
        raise LinkRefused("date limite de confirmation passée", candidacy.id)
    retained = (candidacy.submission == Submission.SUBMITTED and candidacy.deliberation == Deliberation.SELECTED
                and candidacy.publication == Publication.PUBLISHED and call.decisions_published_at is not None)
    if not retained:
        raise LinkRefused("candidature plus retenue", candidacy.id)


def _pitch(session: Session, candidacy: Candidacy, call: Call, edition: Edition, link: OneTimeToken) -> Pitch:
    network = session.scalar(select(Network.name).where(Network.id == candidacy.network_id)) or ""
    city = edition.city if edition.city and edition.city not in (edition.address or "") else None
    venue = ", ".join(part for part in (edition.venue, edition.address, city) if part) or None
    return Pitch(candidacy.id, candidacy.name or "", network, call.theme_title, edition.title, edition.event_date,
                 edition.start_time, venue, _starts_at(session, edition, candidacy.id), call.pitch_minutes,
                 call.confirm_by or link.expires_at, candidacy.confirmation)


def _starts_at(session: Session, edition: Edition, candidacy_id: int) -> time | None:
    """The pitch's time (Paris) in the edition's working programme, once a pitch session holds it."""
    for item in working_programme(session, edition.id).items:
        for timed in item.pitches:
            if timed.pitch.candidacy_id == candidacy_id:
                return paris_time(timed.starts_at)
    return None


# ---------------------------------------------------------------- the lead's view


@dataclass(frozen=True)
class Head:
    """The head of the waiting list as the page showed it (promote_first's expected_head)."""

    candidacy_id: int
    version: int
    name: str
    network: str


@dataclass(frozen=True)
class Overview:
    """The retained candidacies' answers: `frame` (one typed row each), the count of each
    answer, the deadline, the free slots and, if one is free, the head to promote."""

    frame: pd.DataFrame
    counts: dict[Confirmation, int]
    confirm_by: datetime | None
    free_slots: int
    head: Head | None
    declined: list[str]  # the structures that declined, by answer time
    edition_day: date  # the deadline is at most the start of this day

    @property
    def proposal(self) -> Head | None:
        """The head of the waiting list, when a slot is free for it."""
        return self.head if self.free_slots > 0 else None


FRAME_COLUMNS = {"Structure": "string", "Réseau": "string", "Statut de confirmation": "string",
                 "Répondu le": "datetime64[ns, Europe/Paris]", "Motif du refus": "string"}


def overview(session: Session, *, actor: Actor, call_id: int) -> Overview:
    """The lead's view of who has confirmed, in three queries whatever the number of candidacies."""
    require(actor, Action.DECIDE)
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound("Appel à candidatures introuvable.")
    rows = session.execute(
        select(Candidacy.name, Network.name, Candidacy.confirmation, Candidacy.confirmation_answered_at,
               Candidacy.decline_reason, Candidacy.waitlist_rank, Candidacy.id, Candidacy.version,
               Candidacy.deliberation)
        .join(Network, Network.id == Candidacy.network_id)
        .where(Candidacy.call_id == call_id, Candidacy.submission == Submission.SUBMITTED,
               Candidacy.deliberation.in_([Deliberation.SELECTED, Deliberation.WAITLISTED]))
        .order_by(Candidacy.name, Candidacy.id)
    ).all()
    retained = [r for r in rows if r[8] == Deliberation.SELECTED]
    waiting = sorted((r for r in rows if r[8] == Deliberation.WAITLISTED), key=lambda r: r[5])
    counts = dict.fromkeys(Confirmation, 0)
    for row in retained:
        counts[row[2]] += 1
    taken = len(retained) - counts[Confirmation.DECLINED]
    head = Head(waiting[0][6], waiting[0][7], waiting[0][0] or "", waiting[0][1]) if waiting else None
    declined = [r[0] or "" for r in sorted((r for r in retained if r[2] == Confirmation.DECLINED),
                                           key=lambda r: r[3] or datetime.min.replace(tzinfo=PARIS))]
    edition_day = session.scalar(select(Edition.event_date).where(Edition.id == call.edition_id))
    return Overview(_frame(retained), counts, call.confirm_by, max(call.pitch_slots - taken, 0), head, declined,
                    edition_day)


def _frame(rows) -> pd.DataFrame:
    frame = pd.DataFrame({
        "Structure": [r[0] or "" for r in rows],
        "Réseau": [r[1] for r in rows],
        "Statut de confirmation": [Confirmation(r[2]).label for r in rows],
        "Répondu le": pd.to_datetime([r[3] for r in rows], utc=True),
        "Motif du refus": [r[4] for r in rows],
    })
    frame["Répondu le"] = frame["Répondu le"].dt.tz_convert("Europe/Paris")
    return frame.astype(FRAME_COLUMNS)

