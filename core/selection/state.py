"""A call's decisions as stored, and the one path that writes them.

Every act on decisions (a decision, a move in the waiting list, a proposal applied, the
undecided marked not retained at publication, a revision, a withdrawal) goes the same
way: `lock` reads the call row FOR UPDATE (on SQLite the write lock that BEGIN IMMEDIATE
took already serialises writers) and the call's decided candidacies; the act changes a
`Decisions` in memory, where the waiting list is an ordered list of ids, not ranks;
`write` stores the difference: ranks renumbered 1..n, version and decision_version + 1
on each changed row, one audit row each. Since every act holds the call's lock until its
commit, the number retained and the ranks read here stay true while it decides.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from core.clock import utcnow
from core.errors import CapacityReached, NotFound, StaleEdit, ValidationFailed
from core.permissions import Actor
from core.selection.errors import DecisionsNotPublished, DecisionsPublished
from core.validation import FieldError, clean_int
from db.bulk import execute_many
from db.models import AuditEntry, Call, Candidacy, Confirmation, Deliberation, Publication, Submission

TABLE = Candidacy.__table__
_CHUNK = 500  # ids per IN (...): well under every backend's limit of bound parameters

SUBMISSION_REFUSALS = {
    Submission.DRAFT: "Cette candidature est un brouillon : seule une candidature déposée reçoit une décision.",
    Submission.WITHDRAWN: "Cette candidature a été retirée : elle ne peut plus recevoir de décision.",
}


@dataclass(frozen=True)
class Stored:
    """One candidacy's decision as the database holds it."""

    id: int
    call_id: int
    network_id: int
    name: str | None
    submission: Submission
    deliberation: Deliberation
    rank: int | None
    version: int
    decision_version: int
    publication: Publication
    confirmation: Confirmation


def counts_as_retained(submission: Submission, deliberation: Deliberation, confirmation: Confirmation) -> bool:
    """A pitch slot is taken by a submitted, retained candidacy that has not declined."""
    return (submission == Submission.SUBMITTED and deliberation == Deliberation.SELECTED
            and confirmation != Confirmation.DECLINED)


_COLUMNS = (TABLE.c.id, TABLE.c.call_id, TABLE.c.network_id, TABLE.c.name, TABLE.c.submission,
            TABLE.c.deliberation, TABLE.c.waitlist_rank, TABLE.c.version, TABLE.c.decision_version,
            TABLE.c.publication, TABLE.c.confirmation)


def retained_count(session: Session, call_id: int) -> int:
    """How many pitch slots of the call are taken (`counts_as_retained`, in SQL)."""
    return session.scalar(select(func.count()).select_from(Candidacy).where(
        Candidacy.call_id == call_id, Candidacy.submission == Submission.SUBMITTED,
        Candidacy.deliberation == Deliberation.SELECTED, Candidacy.confirmation != Confirmation.DECLINED))


def lock_call(session: Session, call_id: int) -> Call:
    """The call row, locked FOR UPDATE until commit (NotFound if there is none).

    A withdrawal that releases a decision calls this before it locks the candidacy (the
    lock order of every decision: call, then candidacies), so the two never deadlock.
    """
    call = session.scalar(select(Call).where(Call.id == call_id).with_for_update()
                          .execution_options(populate_existing=True))
    if call is None:
        raise NotFound("Appel à candidatures introuvable.")
    return call


def call_of(session: Session, candidacy_id: int) -> int:
    call_id = session.scalar(select(TABLE.c.call_id).where(TABLE.c.id == candidacy_id))
    if call_id is None:
        raise NotFound("Candidature introuvable.")
    return call_id


def lock(session: Session, call_id: int, targets: Iterable[int] = (), *, every_submitted: bool = False) -> Decisions:
    """The call, locked, with its decided candidacies and the `targets` (whatever their
    state), or with every submitted one too (`every_submitted`: publication)."""
    call = lock_call(session, call_id)
    targets = list(targets)
    wanted = TABLE.c.deliberation != Deliberation.PENDING
    if every_submitted:
        wanted = or_(wanted, TABLE.c.submission == Submission.SUBMITTED)
    rows: dict[int, Stored] = {}
    for start in range(0, max(len(targets), 1), _CHUNK):
        chunk = targets[start:start + _CHUNK]
        condition = or_(wanted, TABLE.c.id.in_(chunk)) if chunk else wanted
        for row in session.execute(select(*_COLUMNS).where(TABLE.c.call_id == call_id, condition)):
            rows[row.id] = Stored(*row)
    return Decisions(call, rows)


class Decisions:
    """A call's decided candidacies, and the outcome the current act wants for them.

    The waiting list is kept as an ordered list of ids: whatever an act does to it, the
    ranks written are its positions, 1..n.
    """

    def __init__(self, call: Call, stored: dict[int, Stored]):
        self.call = call
        self.stored = stored
        self.outcome = {row.id: row.deliberation for row in stored.values()}
        listed = sorted((row for row in stored.values() if row.rank is not None), key=lambda r: (r.rank, r.id))
        self.waitlist = [row.id for row in listed]
        self.targets: list[int] = []

    # ---------------------------------------------------------------- rules

    @property
    def published(self) -> bool:
        return self.call.decisions_published_at is not None

    def refuse_if_published(self) -> None:
        if self.published:
            raise DecisionsPublished()

    def refuse_unless_published(self) -> None:
        if not self.published:
            raise DecisionsNotPublished()

    def target(self, candidacy_id: int, expected_version: int | None) -> Stored:
        """The candidacy an act is about: of this call, unchanged since the actor saw it, submitted."""
        row = self.stored.get(candidacy_id)
        if row is None:
            raise NotFound("Candidature introuvable.")
        if expected_version != row.version:
            raise StaleEdit("Cette décision a été modifiée entre-temps (dans un autre onglet ou par quelqu'un "
                            "d'autre) : rechargez la page ; votre décision n'a pas été enregistrée.")
        if row.submission != Submission.SUBMITTED:
            raise ValidationFailed({"decision": SUBMISSION_REFUSALS[row.submission]})
        if candidacy_id not in self.targets:
            self.targets.append(candidacy_id)
        return row

    def retained(self, *, after: bool) -> int:
        outcome = self.outcome if after else {i: row.deliberation for i, row in self.stored.items()}
        return sum(counts_as_retained(row.submission, outcome[row.id], row.confirmation)
                   for row in self.stored.values())

    def require_capacity(self) -> None:
        """Refuse an act that would retain more than the call's pitch slots.

        An act that retains no more than before passes, even above the slots (they were
        lowered after the decisions): it cannot make things worse.
        """
        before, after, slots = self.retained(after=False), self.retained(after=True), self.call.pitch_slots
        if after > slots and after > before:
            raise CapacityReached(
                f"Le nombre de places de présentation est atteint : {slots} place{_s(slots)}, "
                f"{before} candidature{_s(before)} déjà retenue{_s(before)}. "
                "Libérez une place avant d'en retenir une autre ; rien n'a été enregistré."
            )

    # ---------------------------------------------------------------- changes in memory

    def set(self, candidacy_id: int, deliberation: Deliberation, position: int | None = None) -> None:
        """Give the candidacy this decision; on the waiting list at `position` (0-based; None: last)."""
        if candidacy_id in self.waitlist:
            self.waitlist.remove(candidacy_id)
        self.outcome[candidacy_id] = deliberation
        if deliberation == Deliberation.WAITLISTED:
            self.waitlist.insert(len(self.waitlist) if position is None else position, candidacy_id)

    def rank(self, candidacy_id: int) -> int | None:
        return self.waitlist.index(candidacy_id) + 1 if candidacy_id in self.waitlist else None

    def changes(self) -> list[tuple[Stored, Deliberation, int | None]]:
        """Each candidacy whose decision or rank the act changes: (as stored, decision, rank)."""
        ranks = {candidacy_id: index + 1 for index, candidacy_id in enumerate(self.waitlist)}
        return [(row, self.outcome[row.id], ranks.get(row.id)) for row in self.stored.values()
                if (self.outcome[row.id], ranks.get(row.id)) != (row.deliberation, row.rank)]


def _s(count: int) -> str:
    return "" if count == 1 else "s"


# ---------------------------------------------------------------- input


def parse_decision(raw: Deliberation | str | None) -> Deliberation:
    try:
        return Deliberation(raw)
    except ValueError:
        raise ValidationFailed({"decision": "Choisissez une décision : retenue, liste d'attente, non retenue "
                                            "ou en attente de décision."}) from None


_HUGE_NUMBER = re.compile(r"\s*[+-]?[0-9]+\s*")


def parse_rank(raw: int | str | None, *, largest: int, field: str = "rank", required: bool = False) -> int | None:
    """A rank typed or chosen by the lead: a whole number from 1 to `largest`, or None if left empty."""
    if isinstance(raw, bool):
        raw = "?"
    within = "égal à 1" if largest == 1 else f"compris entre 1 et {largest}"
    try:
        rank = clean_int(None if raw is None else str(raw), min_value=None, max_value=None, required=required)
    except FieldError as error:
        if raw in (None, ""):
            message = error.message
        elif _HUGE_NUMBER.fullmatch(str(raw)):  # a whole number, only too long to read: its range helps more
            message = f"Le rang doit être {within}."
        else:
            message = "Le rang est un nombre entier (1 : tête de la liste d'attente)."
        raise ValidationFailed({field: message}) from None
    if rank is not None and not 1 <= rank <= largest:
        raise ValidationFailed({field: f"Le rang doit être {within}."})
    return rank


# ---------------------------------------------------------------- writing


def write(
    session: Session,
    decisions: Decisions,
    *,
    actor: Actor,
    action: str,
    detail: str | None = None,
    keep_version: Collection[int] = (),
    now: datetime | None = None,
) -> dict[int, int]:
    """Store what the act changed; return the new version of each changed candidacy.

    Ranks are written in two steps so that the unique (call, rank) index holds after
    every statement: the changed rows that hold a rank are parked above every rank in use,
    then each gets its final rank, which no other row holds by then. Each changed row's
    version and decision_version grow by one (the version not for `keep_version`: a
    withdrawal counts its own); its updated_at stays, so a network's list does not move
    because of a decision it cannot see. The targets' audit rows carry `action`, the
    rows whose rank only moved because of them « waitlist_shifted ».
    """
    now = now or utcnow()
    changed = decisions.changes()
    if not changed:
        return {}
    in_use = [row.rank for row in decisions.stored.values() if row.rank is not None]
    offset = max([*in_use, len(decisions.waitlist)]) + 1
    parked = [row.id for row, _, _ in changed if row.rank is not None]
    for start in range(0, len(parked), _CHUNK):
        session.execute(update(TABLE).where(TABLE.c.id.in_(parked[start:start + _CHUNK]))
                        .values(waitlist_rank=TABLE.c.waitlist_rank + offset, updated_at=TABLE.c.updated_at))
    execute_many(session, _final_update(), [
        {"row_id": row.id, "new_deliberation": deliberation, "new_rank": rank,
         "version_step": 0 if row.id in keep_version else 1}
        for row, deliberation, rank in changed
    ])
    _forget_loaded(session, [row.id for row, _, _ in changed])
    targets = set(decisions.targets)
    execute_many(session, insert(AuditEntry.__table__), [
        {"at": now, "actor_id": actor.user_id, "actor_label": actor.email,
         "action": action if row.id in targets else "waitlist_shifted",
         "object_type": "candidacy", "object_id": row.id, "network_id": row.network_id,
         "ip_address": actor.ip_address, "detail": detail,
         "before": {"deliberation": row.deliberation.value, "waitlist_rank": row.rank},
         "after": {"deliberation": deliberation.value, "waitlist_rank": rank}}
        for row, deliberation, rank in changed
    ])
    return {row.id: row.version + (0 if row.id in keep_version else 1) for row, _, _ in changed}


def _final_update():
    return (
        update(TABLE).where(TABLE.c.id == bindparam("row_id"))
        .values(deliberation=bindparam("new_deliberation", type_=TABLE.c.deliberation.type),
                waitlist_rank=bindparam("new_rank", type_=TABLE.c.waitlist_rank.type),
                version=TABLE.c.version + bindparam("version_step", type_=TABLE.c.version.type),
                decision_version=TABLE.c.decision_version + 1, updated_at=TABLE.c.updated_at)
    )


def _forget_loaded(session: Session, ids: Iterable[int]) -> None:
    """Expire candidacies the session holds as objects: the rows changed under them."""
    for candidacy_id in ids:
        loaded = session.identity_map.get(identity_key(Candidacy, candidacy_id))
        if loaded is not None:
            session.expire(loaded)
