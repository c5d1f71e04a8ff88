"""Publishing a call's decisions in one act, and revising them afterwards.

Until publication the decisions are the lead's alone (Publication.UNPUBLISHED on every
candidacy: networks read the submission status only). `publish` makes them visible to
the networks (Publication.PUBLISHED on every decided submitted candidacy, the call's
decisions_published_at set), closes the review (core.review.rules.review_closed) and queues one message
per candidacy and outcome. Afterwards a decision changes only through `revise`, with a
reason and a corrected message; promoting the head of the waiting list after a withdrawal
or a decline is the same act (`promote_first`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import audit
from core.clock import utcnow
from core.errors import NotFound, StaleEdit, ValidationFailed
from core.permissions import Action, Actor, require
from core.selection import confirmation, notifications, state
from core.selection.errors import CallStillOpen, UndecidedCandidacies
from core.validation import FieldError, clean_text
from db.models import Call, CallState, Confirmation, Deliberation, Edition, Publication, Submission

REASON_LIMIT = 1000
_HEAD_MOVED = ("La liste d'attente a changé depuis l'affichage de la page : vérifiez qui est en tête, puis "
               "promouvez de nouveau ; rien n'a été enregistré.")


@dataclass(frozen=True)
class PublicationPreview:
    """What the confirmation shows: the submitted candidacies by outcome (pending:
    undecided), and a fingerprint of the decisions that `publish` checks."""

    call_id: int
    counts: dict[Deliberation, int]
    fingerprint: str
    published_at: datetime | None
    still_open: bool = False  # the call takes candidacies still: `publish` would refuse (CallStillOpen)

    @property
    def undecided(self) -> int:
        return self.counts[Deliberation.PENDING]


@dataclass(frozen=True)
class PublicationResult:
    counts: dict[Deliberation, int]
    queued: int  # messages added to the outbox by this act
    already_published: bool  # nothing was done: a double click or a retry


def preview(session: Session, *, actor: Actor, call_id: int, now: datetime | None = None) -> PublicationPreview:
    """The counts of each outcome before publishing, in one query besides the call's."""
    require(actor, Action.DECIDE)
    call = session.get(Call, call_id)
    if call is None:
        raise NotFound("Appel à candidatures introuvable.")
    rows = session.execute(
        select(state.TABLE.c.id, state.TABLE.c.version, state.TABLE.c.deliberation, state.TABLE.c.waitlist_rank)
        .where(state.TABLE.c.call_id == call_id, state.TABLE.c.submission == Submission.SUBMITTED)
    ).all()
    return PublicationPreview(call_id, _counts(row[2] for row in rows), _fingerprint(rows),
                              call.decisions_published_at, _still_open(call, now or utcnow()))


def published_ids(session: Session, *, actor: Actor, call_id: int) -> set[int]:
    """The call's candidacies whose decision the networks read (the lead only), one query."""
    require(actor, Action.DECIDE)
    return set(session.scalars(select(state.TABLE.c.id).where(state.TABLE.c.call_id == call_id,
                                                              state.TABLE.c.publication == Publication.PUBLISHED)))


def publish(
    session: Session,
    *,
    actor: Actor,
    call_id: int,
    fingerprint: str,
    undecided_as_not_selected: bool = False,
    now: datetime | None = None,
) -> PublicationResult:
    """Publish the decisions of a closed call, as the preview with `fingerprint` showed them.

    Undecided submitted candidacies block it, unless `undecided_as_not_selected` marks them
    non retenues in the same act. Publishing a published call does nothing (a double
    click). Refuses: NotAllowed, CallStillOpen, StaleEdit (the decisions changed since
    the preview), UndecidedCandidacies, ValidationFailed (no submitted candidacy).
    Side effects: the marked candidacies' decisions (« decision_set »), publication state,
    the call's decisions_published_at and version, its confirmation deadline (the lead's if
    still ahead, else `confirmation.default_confirm_by`), one outbox row per decided submitted
    candidacy (`notifications`), one « decisions_published » audit row with the counts.
    """
    now = now or utcnow()
    require(actor, Action.DECIDE)
    decisions = state.lock(session, call_id, every_submitted=True)
    call = decisions.call
    submitted = [row for row in decisions.stored.values() if row.submission == Submission.SUBMITTED]
    if decisions.published:
        return PublicationResult(_counts(row.deliberation for row in submitted), 0, True)
    if _still_open(call, now):
        raise CallStillOpen()
    if _fingerprint([(r.id, r.version, r.deliberation, r.rank) for r in submitted]) != fingerprint:
        raise StaleEdit("Les décisions ont changé depuis l'aperçu de la publication : vérifiez les nombres "
                        "et publiez à nouveau ; rien n'a été publié.")
    if not submitted:
        raise ValidationFailed({"publication": "Aucune candidature déposée : il n'y a rien à publier."})
    undecided = [row.id for row in submitted if row.deliberation == Deliberation.PENDING]
    if undecided and not undecided_as_not_selected:
        who = _n(len(undecided), "candidature déposée n'a", "candidatures déposées n'ont")
        raise UndecidedCandidacies(f"{who} pas de décision : décidez-en, ou marquez-les non retenues dans la même "
                                   "publication. Rien n'a été publié.")
    for candidacy_id in undecided:
        decisions.targets.append(candidacy_id)
        decisions.set(candidacy_id, Deliberation.NOT_SELECTED)
    state.write(session, decisions, actor=actor, action="decision_set",
                detail="Marquée non retenue à la publication", now=now)
    ids = [row.id for row in submitted]
    for start in range(0, len(ids), 500):
        session.execute(update(state.TABLE).where(state.TABLE.c.id.in_(ids[start:start + 500]))
                        .values(publication=Publication.PUBLISHED, updated_at=state.TABLE.c.updated_at))
    counts = _counts(decisions.outcome[i] for i in ids)
    call.decisions_published_at, call.version = now, call.version + 1
    # Before the messages: the retained ones carry a link valid until this deadline.
    call.confirm_by = confirmation.deadline_at_publication(
        call, session.scalar(select(Edition.event_date).where(Edition.id == call.edition_id)), now)
    queued = notifications.queue(session, call_id=call_id, candidacy_ids=ids, revised=False, now=now)
    audit.record(session, actor=actor, action="decisions_published", object_type="call", object_id=call_id,
                 before={"decisions_published_at": None},
                 after={"decisions_published_at": now, **{d.value: n for d, n in counts.items()}, "queued": queued,
                        "confirm_by": call.confirm_by})
    return PublicationResult(counts, queued, False)


def revise(
    session: Session,
    *,
    actor: Actor,
    candidacy_id: int,
    expected_version: int,
    decision: Deliberation | str,
    reason: str,
    rank: int | str | None = None,
    now: datetime | None = None,
) -> dict[int, int]:
    """Change a published decision, for a reason; return the new versions.

    The rules of `decisions.decide` hold (slots, ranks, submitted only, stale view
    refused); back to pending is not an outcome once published. The network sees the new
    outcome at once (a candidacy submitted after publication, the call extended, gets its
    first decision this way). Side effects: « decision_revised » audit row with the reason (and
    « waitlist_shifted » rows), one corrected message for the revised candidacy (the
    others whose rank moved are not written to).
    """
    require(actor, Action.DECIDE)
    decision = state.parse_decision(decision)
    reason = _reason(reason)
    if decision == Deliberation.PENDING:
        raise ValidationFailed({"decision": "Une décision publiée ne revient pas « en attente » : choisissez "
                                            "retenue, liste d'attente ou non retenue."})
    decisions = state.lock(session, state.call_of(session, candidacy_id), targets=[candidacy_id])
    decisions.refuse_unless_published()
    decisions.target(candidacy_id, expected_version)
    position = None
    if decision == Deliberation.WAITLISTED:
        others = len([i for i in decisions.waitlist if i != candidacy_id])
        chosen = state.parse_rank(rank, largest=others + 1)
        position = None if chosen is None else chosen - 1
    return _revise(session, decisions, actor=actor, candidacy_id=candidacy_id, decision=decision,
                   position=position, reason=reason, now=now)


def promote_first(session: Session, *, actor: Actor, call_id: int, reason: str,
                  expected_head: tuple[int, int] | None = None, now: datetime | None = None) -> int | None:
    """Retain the head of the published waiting list (a retained one withdrew or declined):
    `revise` to retenue, the ranks closing up. Returns its id, or None if the list is empty.
    CapacityReached if no place is free (the decline must be recorded first).
    `expected_head` (id, version): the head the page showed; StaleEdit if another one
    heads the list by now, or it changed, so the lead never promotes one she did not see."""
    require(actor, Action.DECIDE)
    reason = _reason(reason)
    decisions = state.lock(session, call_id)
    decisions.refuse_unless_published()
    if not decisions.waitlist:
        if expected_head is not None:
            raise StaleEdit(_HEAD_MOVED)
        return None
    head = decisions.waitlist[0]
    if expected_head is not None and expected_head[0] != head:
        raise StaleEdit(_HEAD_MOVED)
    decisions.target(head, decisions.stored[head].version if expected_head is None else expected_head[1])
    _revise(session, decisions, actor=actor, candidacy_id=head, decision=Deliberation.SELECTED, position=None,
            reason=reason, now=now)
    return head


def _revise(session, decisions, *, actor, candidacy_id, decision, position, reason, now) -> dict[int, int]:
    now = now or utcnow()
    decisions.set(candidacy_id, decision, position)
    decisions.require_capacity()
    versions = state.write(session, decisions, actor=actor, action="decision_revised", detail=reason, now=now)
    if candidacy_id in versions:
        # A candidacy submitted after publication (the call extended) is published by its first decision.
        values = {"publication": Publication.PUBLISHED, "updated_at": state.TABLE.c.updated_at}
        if decision == Deliberation.SELECTED:  # newly retained: its answer is still to come (a fresh link asks it)
            values.update(confirmation=Confirmation.PENDING, confirmation_answered_at=None, decline_reason=None)
        session.execute(update(state.TABLE).where(state.TABLE.c.id == candidacy_id).values(**values))
        notifications.queue(session, call_id=decisions.call.id, candidacy_ids=[candidacy_id], revised=True, now=now)
    return versions


def _still_open(call: Call, now: datetime) -> bool:
    """Closed by the lead, or past its closing time: its decisions may be published."""
    return call.state != CallState.CLOSED and now < call.closes_at


def _reason(reason: str | None) -> str:
    """The reason as the journal keeps it: line breaks as LF, invisible characters (zero-width,
    bidi controls) dropped, so that a reason of nothing visible is no reason."""
    try:
        cleaned = clean_text(reason, label="Raison", required=False, max_length=REASON_LIMIT, multiline=True)
    except FieldError as error:
        raise ValidationFailed({"reason": error.message}) from None
    if cleaned is None:
        raise ValidationFailed({"reason": "Indiquez la raison de la révision : elle est gardée au journal."})
    return cleaned


def _counts(deliberations) -> dict[Deliberation, int]:
    counts = dict.fromkeys(Deliberation, 0)
    for deliberation in deliberations:
        counts[deliberation] += 1
    return counts


def _fingerprint(rows) -> str:
    """A digest of the submitted candidacies' decisions: id, version, decision, rank."""
    text = ";".join(f"{i}:{v}:{getattr(d, 'value', d)}:{r}" for i, v, d, r in sorted(rows, key=lambda row: row[0]))
    return hashlib.sha256(text.encode()).hexdigest()


def _n(count: int, one: str, many: str) -> str:
    return f"1 {one}" if count == 1 else f"{count} {many}"
