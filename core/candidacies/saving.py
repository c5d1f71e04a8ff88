"""Saving a candidacy: draft, submit, edit until the deadline, withdraw — the one write path.

Every function checks the actor's right on the candidacy's network first, and the
call's window second: after the closing time nothing changes, whatever the path.
The save's rules and side effects (`plan_save`, `SaveRecords`) are also the import's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, mail
from core.candidacies.form import (
    CANDIDACY_FIELDS,
    SNAPSHOT_FIELDS,
    STRUCTURE_FIELDS,
    CandidacyForm,
    CleanCandidacy,
)
from core.candidacies.rules import invited_call, own_candidacy, require_open, validate_for_call
from core.clock import format_datetime, utcnow
from core.errors import DuplicateCandidacy, NotFound, StaleEdit, ValidationFailed
from core.permissions import Action, Actor, require
from core.selection import decisions
from core.selection import state as selection_state
from db.bulk import execute_many
from db.models import (
    AuditEntry,
    Call,
    Candidacy,
    Confirmation,
    Deliberation,
    MailStatus,
    Network,
    OutboxMessage,
    Publication,
    Sector,
    Structure,
    StructureKind,
    Submission,
)

# What a withdrawal's audit row records (a save records the structure's copy too, see audit_state).
WITHDRAWAL_AUDITED = ("submission", "withdrawal_reason", *CANDIDACY_FIELDS)

# ---------------------------------------------------------------- one write path
#
# The form (`save`) and the import (core.imports) write a candidacy through the same
# functions: `merged_structure` for the directory entry, `plan_save` for the candidacy's
# columns and audit snapshots, `SaveRecords` for its audit row and acknowledgement. A rule
# added to saving (a decision reset, a notification) is written there, once.

#: What a candidacy holds of its own: its fields and its copy of the structure.
CONTENT_FIELDS = (*CANDIDACY_FIELDS, *SNAPSHOT_FIELDS, "sectors")
#: What the directory keeps of a structure, besides its sectors.
DIRECTORY_FIELDS = (*STRUCTURE_FIELDS, "contact_name", "contact_email", "contact_phone")
ACKNOWLEDGEMENT_TEMPLATE = "submission_ack"
_SNAPSHOT_KEYS = tuple((f"structure.{name}", name) for name in SNAPSHOT_FIELDS)


@dataclass(frozen=True)
class Stored:
    """A candidacy as stored before a save, in plain values: `content` holds CONTENT_FIELDS
    with the kind as its code. The form reads it from its row (`stored_of`), the import
    from one query for all its rows."""

    id: int
    network_id: int
    version: int
    siret: str
    submission: Submission
    submitted_at: datetime | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    content: Mapping[str, object]


@dataclass(frozen=True)
class Change:
    """What one save writes, worked out before anything is written (see `plan_save`)."""

    columns: dict  # the candidacy's new column values, to write as they are
    action: str  # of its audit row
    before: dict | None  # audit snapshots (`audit_state`)
    after: dict
    newly_submitted: bool  # then one acknowledgement is queued


def stored_of(candidacy: Candidacy) -> Stored:
    return Stored(
        id=candidacy.id, network_id=candidacy.network_id, version=candidacy.version,
        siret=candidacy.structure.siret, submission=candidacy.submission, submitted_at=candidacy.submitted_at,
        withdrawn_at=candidacy.withdrawn_at, withdrawal_reason=candidacy.withdrawal_reason,
        content={**audit.snapshot(candidacy, list(CONTENT_FIELDS)), "sectors": list(candidacy.sectors or [])},
    )


def merged_structure(known: Mapping | None, clean: CleanCandidacy) -> dict:
    """The directory entry of a SIRET after a save (DIRECTORY_FIELDS, kind as its code): typed
    values win, empty ones keep what was known. Other candidacies keep their own copy."""
    merged = dict.fromkeys(DIRECTORY_FIELDS) if known is None else {name: known[name] for name in DIRECTORY_FIELDS}
    merged.update({name: value for name, value in clean.structure_values().items() if value is not None})
    for name in ("contact_name", "contact_email", "contact_phone"):
        merged[name] = getattr(clean, name) or merged[name]
    return merged


def audit_state(*, submission: Submission, withdrawal_reason: str | None, content: Mapping, siret: str) -> dict:
    """What an audit row records of a candidacy: its statuses, fields and copy of the structure."""
    state = {"submission": submission.value, "withdrawal_reason": withdrawal_reason}
    for name in CANDIDACY_FIELDS:
        state[name] = content[name]
    state["structure.siret"] = siret
    for key, name in _SNAPSHOT_KEYS:
        state[key] = content[name]
    state["structure.sectors"] = list(content["sectors"] or [])
    return state


def plan_save(*, content: Mapping, siret: str, stored: Stored | None, submit: bool, now: datetime) -> Change:
    """The save of one candidacy with this content (CONTENT_FIELDS, validated and merged as
    the caller's input means), as a draft or submitted. Pure: writes nothing.

    A new candidacy starts as a draft, or submitted, pending, unpublished, version 1. A
    stored one gets version + 1 and keeps its submission, except that `submit` on one not
    yet submitted (a draft, or withdrawn) submits it and clears the withdrawal: that save
    is « newly submitted », and queues an acknowledgement.
    """
    if stored is None:
        newly_submitted = submit
        columns = {
            **content, "submission": Submission.SUBMITTED if submit else Submission.DRAFT,
            "submitted_at": now if submit else None, "withdrawn_at": None, "withdrawal_reason": None,
            "deliberation": Deliberation.PENDING, "publication": Publication.UNPUBLISHED,
            "confirmation": Confirmation.PENDING, "version": 1, "created_at": now, "updated_at": now,
        }
        before = None
    else:
        newly_submitted = submit and stored.submission != Submission.SUBMITTED
        if newly_submitted:
            statuses = {"submission": Submission.SUBMITTED, "submitted_at": now, "withdrawn_at": None,
                        "withdrawal_reason": None}
        else:
            statuses = {"submission": stored.submission, "submitted_at": stored.submitted_at,
                        "withdrawn_at": stored.withdrawn_at, "withdrawal_reason": stored.withdrawal_reason}
        columns = {**content, **statuses, "version": stored.version + 1, "updated_at": now}
        before = audit_state(submission=stored.submission, withdrawal_reason=stored.withdrawal_reason,
                             content=stored.content, siret=stored.siret)
    after = audit_state(submission=columns["submission"], withdrawal_reason=columns["withdrawal_reason"],
                        content=content, siret=siret)
    action = "candidacy_submitted" if newly_submitted else (
        "candidacy_updated" if stored is not None else "candidacy_created")
    return Change(columns=columns, action=action, before=before, after=after, newly_submitted=newly_submitted)


def acknowledgement_key(candidacy_id: int, submitted_at: datetime) -> str:
    """One acknowledgement per submission: a retry or a double click never queues two."""
    return f"submission-ack:{candidacy_id}:{submitted_at.isoformat()}"


class SaveRecords:
    """The rows that saves of one network's candidacies to one call leave beside them: one
    audit row per save, one acknowledgement per newly submitted candidacy (to the network's
    address, or the referent's, with the referent in copy).

    The form adds its one save, the import all of its rows; `write` inserts them all in two
    statements, skipping an acknowledgement whose key is already queued.
    """

    def __init__(self, session: Session, *, actor: Actor, call: Call, network: Network,
                 detail: str | None = None) -> None:
        self.session, self.actor, self.call, self.network, self.detail = session, actor, call, network, detail
        self.at = utcnow()
        self.audit_rows: list[dict] = []
        self.acknowledgements: list[dict] = []
        self._maybe_queued: list[str] = []
        self._render = None
        self._dates: dict[datetime, str] = {}

    def add(self, change: Change, *, candidacy_id: int, siret: str) -> None:
        actor = self.actor
        self.audit_rows.append({
            "at": self.at, "actor_id": actor.user_id, "actor_label": actor.email, "action": change.action,
            "object_type": "candidacy", "object_id": candidacy_id, "network_id": actor.network_id,
            "ip_address": actor.ip_address, "before": change.before, "after": change.after, "detail": self.detail,
        })
        if change.newly_submitted:
            key = acknowledgement_key(candidacy_id, change.columns["submitted_at"])
            if change.before is not None:  # a new candidacy has a new id: only a stored one can collide
                self._maybe_queued.append(key)
            self.acknowledgements.append(self._acknowledgement(key, change, candidacy_id, siret))

    def _acknowledgement(self, key: str, change: Change, candidacy_id: int, siret: str) -> dict:
        if self._render is None:  # once: an import acknowledges thousands of candidacies
            self._render = mail.renderer(self.session, ACKNOWLEDGEMENT_TEMPLATE, self.call.edition_id)
            self._to_address = self.network.contact_email or self.actor.email
            self._context = {
                "network": self.network.name, "theme": self.call.theme_title, "edition": self.call.edition.title,
                "closes_at": format_datetime(self.call.closes_at), "referent": self.actor.full_name,
            }
        submitted_at = change.columns["submitted_at"]
        if submitted_at not in self._dates:  # an import's rows share one moment
            self._dates[submitted_at] = format_datetime(submitted_at)
        rendered = self._render({**self._context, "structure": change.columns["name"], "siret": siret,
                                 "submitted_at": self._dates[submitted_at]})
        # user_id, last_error and sent_at stay NULL: no column given, nothing to process per row.
        return {
            "idempotency_key": key, "template_key": ACKNOWLEDGEMENT_TEMPLATE, "to_address": self._to_address,
            "cc_addresses": self.actor.email if self.actor.email != self._to_address else None,
            "subject": rendered.subject, "body_text": rendered.text, "body_html": rendered.html,
            "status": MailStatus.QUEUED, "attempts": 0, "candidacy_id": candidacy_id, "call_id": self.call.id,
            "created_at": self.at,
        }

    def write(self) -> None:
        outbox = OutboxMessage.__table__
        queued: set[str] = set()
        for start in range(0, len(self._maybe_queued), 500):
            chunk = self._maybe_queued[start:start + 500]
            queued.update(self.session.scalars(select(outbox.c.idempotency_key)
                                               .where(outbox.c.idempotency_key.in_(chunk))))
        execute_many(self.session, insert(AuditEntry.__table__), self.audit_rows)
        execute_many(self.session, insert(outbox),
                     [row for row in self.acknowledgements if row["idempotency_key"] not in queued])


# ---------------------------------------------------------------- structures


def _upsert_structure(session: Session, clean: CleanCandidacy) -> Structure:
    """The directory entry for this SIRET, created or refreshed with what was typed."""
    structure = session.scalar(select(Structure).where(Structure.siret == clean.siret))
    known = audit.snapshot(structure, list(DIRECTORY_FIELDS)) if structure is not None else None
    values = merged_structure(known, clean)
    values["kind"] = StructureKind(values["kind"])
    # Read before the new row is added: this query's autoflush would insert it outside the guard below.
    sectors = list(session.scalars(select(Sector).where(Sector.label.in_(clean.sectors)))) if clean.sectors else None
    if structure is None:
        structure = Structure(**values)
        session.add(structure)
    else:
        for name, value in values.items():
            setattr(structure, name, value)
    if sectors is not None:
        structure.sectors = sectors
    try:
        session.flush()
    except IntegrityError as error:  # the same new SIRET saved at the same instant by someone else
        raise StaleEdit() from error
    return structure


def _refuse_duplicate(session: Session, call_id: int, structure_id: int, candidacy_id: int | None) -> None:
    other = session.execute(
        select(Candidacy.id, Network.name)
        .join(Network, Network.id == Candidacy.network_id)
        .where(Candidacy.call_id == call_id, Candidacy.structure_id == structure_id,
               Candidacy.id != (candidacy_id or 0))
    ).first()
    if other is not None:
        raise DuplicateCandidacy(
            f"Cette structure a déjà été proposée pour cet appel par le réseau {other.name}."
        )


# ---------------------------------------------------------------- saving


def save(
    session: Session,
    *,
    actor: Actor,
    call_id: int,
    form: CandidacyForm,
    submit: bool,
    candidacy_id: int | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> int:
    """Create or edit a candidacy of the actor's network, as a draft or submitted.

    Refuses: another network's candidacy (NotFound), a closed call (DeadlinePassed),
    a stale edit (StaleEdit), a structure already proposed to the call
    (DuplicateCandidacy, naming the network), invalid fields (ValidationFailed).
    The candidacy keeps its own copy of the structure as typed; the directory entry of
    the SIRET is refreshed for future look-ups, without touching other candidacies.
    Side effects (the import's, see `plan_save` and `SaveRecords`): directory entry
    upserted, audit row with before/after, and on the draft → submitted transition one
    acknowledgement queued.
    """
    now = now or utcnow()
    require(actor, Action.EDIT_CANDIDACY, network_id=actor.network_id)
    call = invited_call(session, actor, call_id)
    candidacy = own_candidacy(session, actor, candidacy_id) if candidacy_id else None
    if candidacy is not None and candidacy.call_id != call_id:
        raise NotFound("Candidature introuvable.")
    require_open(call, now)
    if candidacy is not None and candidacy.version != expected_version:
        raise StaleEdit()
    keep_submitted = candidacy is not None and candidacy.submission == Submission.SUBMITTED
    clean = validate_for_call(call, form, submit=submit or keep_submitted)
    stored = stored_of(candidacy) if candidacy is not None else None
    structure = _upsert_structure(session, clean)
    _refuse_duplicate(session, call_id, structure.id, candidacy_id)
    # The form shows every field: what it holds is the whole candidacy, empty fields included.
    content = {**clean.candidacy_values(), **clean.snapshot_values(), "sectors": list(clean.sectors)}
    change = plan_save(content=content, siret=structure.siret, stored=stored, submit=submit, now=now)
    if candidacy is None:
        candidacy = Candidacy(call_id=call_id, network_id=actor.network_id, created_by_id=actor.user_id)
        session.add(candidacy)
    candidacy.structure_id = structure.id
    for name, value in change.columns.items():
        setattr(candidacy, name, StructureKind(value) if name == "kind" and value else value)
    try:
        session.flush()
    except IntegrityError as error:  # a concurrent proposal of the same structure
        raise DuplicateCandidacy() from error
    records = SaveRecords(session, actor=actor, call=call, network=session.get(Network, actor.network_id))
    records.add(change, candidacy_id=candidacy.id, siret=structure.siret)
    records.write()
    return candidacy.id


def withdraw(
    session: Session,
    *,
    actor: Actor,
    candidacy_id: int,
    expected_version: int,
    reason: str,
    now: datetime | None = None,
) -> None:
    """Withdraw a candidacy of the actor's network before the deadline; a reason is required."""
    now = now or utcnow()
    require(actor, Action.EDIT_CANDIDACY, network_id=actor.network_id)
    # The call, then the candidacy: the lock order of save() and of every decision, so they
    # never deadlock. FOR UPDATE (not FOR SHARE): the withdrawal may release a decision.
    call_id = session.scalar(select(Candidacy.call_id).where(Candidacy.id == candidacy_id))
    call = selection_state.lock_call(session, call_id) if call_id is not None else None
    candidacy = own_candidacy(session, actor, candidacy_id)
    require_open(call, now)
    if candidacy.version != expected_version:
        raise StaleEdit()
    if candidacy.submission == Submission.WITHDRAWN:
        return
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": "Indiquez la raison du retrait."})
    if len(reason) > 1000:
        raise ValidationFailed({"reason": f"1000 caractères au maximum (actuellement {len(reason)})."})
    before = audit.snapshot(candidacy, list(WITHDRAWAL_AUDITED))
    candidacy.submission, candidacy.withdrawn_at, candidacy.withdrawal_reason = Submission.WITHDRAWN, now, reason
    candidacy.version += 1
    audit.record(session, actor=actor, action="candidacy_withdrawn", object_type="candidacy",
                 object_id=candidacy.id, network_id=candidacy.network_id, before=before,
                 after=audit.snapshot(candidacy, list(WITHDRAWAL_AUDITED)))
    # A decided candidacy leaves the selection: back to pending, the waiting list closes up.
    decisions.release_on_withdrawal(session, actor=actor, candidacy_id=candidacy.id, now=now)
