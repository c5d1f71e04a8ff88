"""Applying an import: the plan checked again at this moment, then written in the caller's
transaction with a few set-based statements (no ORM object per row), so that ten thousand
rows take seconds. The audit rows and acknowledgements are core.candidacies.saving's
(`SaveRecords`), the form's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.candidacies import saving
from core.candidacies.saving import DIRECTORY_FIELDS
from core.clock import utcnow
from core.errors import DuplicateCandidacy, StaleEdit
from core.imports.plan import ImportPreview, Plan, Planned, RowReport, chunks, make_plan, without_example
from core.permissions import Actor
from core.validation import excerpt
from db.bulk import collector_paused, execute_many
from db.engine import optimize
from db.models import Candidacy, Sector, Structure, StructureKind, structure_sectors


@dataclass(frozen=True)
class ImportResult:
    """What `apply` wrote. `updated` counts rows that changed a stored candidacy."""

    created: int
    updated: int
    rejected: int
    unchanged: int = 0
    submitted: int = 0  # newly submitted, one acknowledgement queued each
    errors: list[RowReport] = field(default_factory=list)  # the rejected rows, with their errors
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why): the template's example row


def apply(
    session: Session,
    *,
    actor: Actor,
    call_id: int,
    rows: Sequence[Mapping[str, object]],
    submit: bool,
    now: datetime | None = None,
    source: str | None = None,
    checked: ImportPreview | None = None,
) -> ImportResult:
    """Check the rows again and save the valid ones, as drafts or submitted, in the caller's transaction.

    Every rule is checked again at this moment (right, window, other networks' proposals,
    duplicates in the file, withdrawn candidacies). Only the field validation of rows
    identical to those of `checked` — a preview of the same call and mode, whose
    eligibility has not changed — is taken from it instead of being redone.
    Row errors do not stop the valid rows; the whole import is refused as in `preview`.
    Like `preview`, it leaves out the template's example row and lists it in `skipped`.

    Side effects, for each created or changed candidacy, those of the form's save (the same
    core.candidacies.saving functions work them out): its structure created or refreshed in the
    directory (with its sectors), the candidacy created or updated (version + 1), one audit
    row with before/after; one acknowledgement queued per newly submitted candidacy. Plus
    one summary audit row « candidacies_imported ». A row identical to what is stored
    writes nothing.
    Raises StaleEdit if a candidacy changed meanwhile, DuplicateCandidacy if another
    network proposed one of the structures meanwhile (nothing is then written).
    """
    now = now or utcnow()
    rows, skipped = without_example(rows)
    plan = make_plan(session, actor=actor, call_id=call_id, rows=rows, submit=submit, now=now,
                     checked=checked.checked if checked is not None else None)
    return replace(write_plan(session, plan, actor=actor, now=now, source=source), skipped=skipped)


# ---------------------------------------------------------------- writing


def write_plan(session: Session, plan: Plan, *, actor: Actor, now: datetime, source: str | None = None) -> ImportResult:
    """Write a plan in a handful of executemany statements (see `apply`)."""
    with collector_paused():
        return _write_all(session, plan, actor=actor, now=now, source=source)


def _write_all(session: Session, plan: Plan, *, actor: Actor, now: datetime, source: str | None) -> ImportResult:
    to_write = [item for item in plan.rows if item.action != "error" and item.changed]
    creates = [item for item in to_write if item.action == "create"]
    updates = [item for item in to_write if item.action == "update"]
    try:
        structure_ids = _write_structures(session, to_write, now=now)
        _write_sectors(session, to_write, structure_ids)
        candidacy_ids = _write_candidacies(session, plan, creates, updates, structure_ids, actor=actor)
    except IntegrityError as error:
        raise DuplicateCandidacy(
            "Une autre personne a proposé une de ces structures pendant l'import : rien n'a été enregistré. "
            "Relancez l'import pour voir le rapport à jour."
        ) from error
    records = saving.SaveRecords(session, actor=actor, call=plan.call, network=plan.network,
                                 detail=_source_detail(source))
    for item in to_write:
        records.add(item.change, candidacy_id=candidacy_ids[item.siret], siret=item.siret)
    records.write()
    result = ImportResult(
        created=len(creates), updated=len(updates),
        rejected=sum(1 for item in plan.rows if item.action == "error"),
        unchanged=sum(1 for item in plan.rows if item.action == "update" and not item.changed),
        submitted=sum(1 for item in to_write if item.change.newly_submitted),
        errors=[item.report() for item in plan.rows if item.errors],
    )
    audit.record(
        session, actor=actor, action="candidacies_imported", object_type="call", object_id=plan.call.id,
        network_id=actor.network_id,
        after={"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
               "rejected": result.rejected, "submitted": result.submitted, "submit": plan.submit,
               "rows": len(plan.rows), "source": source},
        detail=(f"{_source_detail(source) or 'Import'} : {result.created} créée(s), {result.updated} modifiée(s), "
                f"{result.unchanged} inchangée(s), {result.rejected} ligne(s) en erreur."),
    )
    session.flush()
    optimize(session)  # thousands of rows may have come: the planner's statistics follow, in this transaction
    return result


def _source_detail(source: str | None) -> str | None:
    return f"Import du fichier « {excerpt(source, 80)} »" if source else None


def _write_structures(session: Session, items: list[Planned], *, now: datetime) -> dict[str, int]:
    """Create new structures, refresh changed ones; return SIRET → structure id for every item."""
    ids = {item.siret: item.existing.structure["id"] for item in items if item.existing is not None}
    table = Structure.__table__
    new = [item for item in items if item.existing is None]
    # Plain executemany, then the ids by SIRET (unique): SQLite cannot batch an INSERT … RETURNING
    # whose rows must come back in order, and would run one statement per row.
    execute_many(session, insert(table), [
        {**_structure_params(item.structure_values), "created_at": now, "updated_at": now, "version": 1}
        for item in new
    ])
    for chunk in chunks([item.siret for item in new]):
        ids.update(session.execute(select(table.c.siret, table.c.id).where(table.c.siret.in_(chunk))).all())
    changed = [item for item in items if item.existing is not None and item.structure_changed]
    execute_many(session, update(table).where(table.c.id == bindparam("b_id")), [
        {**_structure_params(item.structure_values, with_siret=False), "updated_at": now,
         "b_id": item.existing.structure["id"]}
        for item in changed
    ])
    return ids


def _structure_params(values: dict, *, with_siret: bool = True) -> dict:
    params = {name: values[name] for name in DIRECTORY_FIELDS if with_siret or name != "siret"}
    params["kind"] = StructureKind(params["kind"])
    return params


def _write_sectors(session: Session, items: list[Planned], structure_ids: dict[str, int]) -> None:
    items = [item for item in items if item.sectors_changed]
    if not items:
        return
    sector_ids = dict(session.execute(select(Sector.__table__.c.label, Sector.__table__.c.id)).all())
    stale = [structure_ids[item.siret] for item in items if item.existing is not None]
    for chunk in chunks(stale):
        session.execute(structure_sectors.delete().where(structure_sectors.c.structure_id.in_(chunk)))
    execute_many(session, insert(structure_sectors), [
        {"structure_id": structure_ids[item.siret], "sector_id": sector_ids[label]}
        for item in items for label in item.clean.sectors if label in sector_ids
    ])


def _write_candidacies(session: Session, plan: Plan, creates: list[Planned], updates: list[Planned],
                       structure_ids: dict[str, int], *, actor: Actor) -> dict[str, int]:
    """Insert the new candidacies, update the changed ones with the columns their save
    planned; return SIRET → candidacy id."""
    table = Candidacy.__table__
    ids = {item.siret: item.existing.candidacy.id for item in updates}
    execute_many(session, insert(table), [
        {"call_id": plan.call.id, "structure_id": structure_ids[item.siret], "network_id": actor.network_id,
         "created_by_id": actor.user_id, **item.change.columns}
        for item in creates
    ])
    siret_of = {structure_ids[item.siret]: item.siret for item in creates}
    for chunk in chunks(list(siret_of)):
        query = select(table.c.structure_id, table.c.id).where(table.c.call_id == plan.call.id,
                                                               table.c.structure_id.in_(chunk))
        ids.update({siret_of[structure_id]: candidacy_id for structure_id, candidacy_id in session.execute(query)})
    params = [
        {**item.change.columns, "b_id": item.existing.candidacy.id, "b_version": item.existing.candidacy.version}
        for item in updates
    ]
    statement = update(table).where(table.c.id == bindparam("b_id"), table.c.version == bindparam("b_version"))
    if execute_many(session, statement, params) != len(params):
        raise StaleEdit(
            "Des candidatures ont été modifiées par quelqu'un d'autre pendant l'import : rien n'a été "
            "enregistré. Relancez l'import pour voir le rapport à jour."
        )
    return ids
