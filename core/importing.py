"""Spreadsheet import of candidacies: preview, then one transaction.

The same rules as the form apply (core.candidacy_form.validate with the call's
eligibility, the actor's right, the call's window, one network per structure and
call), row by row: a row in error is reported with its spreadsheet line, column and
French message, and does not stop the valid rows. A row whose SIRET matches a
candidacy the actor's network already has in the call updates it, so importing the
same file twice never duplicates.

Reading the file is core.spreadsheet's. `preview` writes nothing; `apply` writes in the
caller's transaction with a few set-based statements (no ORM object per row), so that ten thousand rows take seconds.
What a row's save writes — its columns, audit row and acknowledgement — is worked out by
core.candidacies' one write path (`plan_save`, `SaveRecords`), the form's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit, candidacies
from core.candidacies import CONTENT_FIELDS, DIRECTORY_FIELDS, Change, Stored
from core.candidacy_form import SNAPSHOT_FIELDS, CleanCandidacy
from core.clock import utcnow
from core.errors import (
    DuplicateCandidacy,
    NotAllowed,
    StaleEdit,
    ValidationFailed,
)
from core.permissions import Action, Actor, require
from core.spreadsheet import (
    CHUNK,
    CONSENT_FIELDS,
    EXAMPLE_SKIPPED,
    HEADER_OF,
    MAX_ROWS,
    ImportRejected,
    SheetRow,
    canonical_header,
    check_row,
    column_errors,
    is_example,
    too_many_rows,
)
from core.validation import FieldError, clean_siret, excerpt
from db.bulk import collector_paused, execute_many
from db.models import (
    Call,
    Candidacy,
    Network,
    Sector,
    Structure,
    StructureKind,
    Submission,
    structure_sectors,
)

# ---------------------------------------------------------------- preview and apply


@dataclass(frozen=True)
class RowReport:
    """What the import does with one row: create, update, or nothing because of errors."""

    line: int
    siret: str
    name: str
    action: str  # "create" | "update" | "error"
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class _Checked:
    """The pure part of a preview (field validation), reusable by `apply` on the same rows."""

    call_id: int
    submit: bool
    eligibility: tuple
    rows: Sequence[Mapping[str, object]]
    results: list[tuple[CleanCandidacy | None, dict[str, str]]]

    def results_for(self, call_id: int, submit: bool, eligibility: tuple,
                    rows: Sequence[Mapping[str, object]]) -> list[tuple[CleanCandidacy | None, dict[str, str]]] | None:
        if (call_id, submit, eligibility, len(rows)) != (self.call_id, self.submit, self.eligibility,
                                                         len(self.rows)):
            return None
        if any(mine is not theirs and mine != theirs for mine, theirs in zip(self.rows, rows, strict=True)):
            return None
        return self.results


@dataclass(frozen=True)
class ImportPreview:
    """The per-row report of an import, before anything is written.

    Plain data (no ORM object): a page may keep it between reruns and hand it to
    `apply(checked=...)`, which then skips re-validating the fields of identical rows.
    """

    rows: list[RowReport]
    submit: bool
    unchanged: int = 0  # among the updates, rows identical to what is stored
    checked: _Checked | None = field(default=None, repr=False, compare=False)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, why): the template's example row

    @property
    def created(self) -> int:
        return sum(1 for row in self.rows if row.action == "create")

    @property
    def updated(self) -> int:
        return sum(1 for row in self.rows if row.action == "update")

    @property
    def rejected(self) -> int:
        return sum(1 for row in self.rows if row.action == "error")

    @property
    def errors(self) -> list[tuple[int, str, str]]:
        """Every error as (line, column, message), in file order."""
        return [(row.line, column, message) for row in self.rows for column, message in row.errors]


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


def preview(
    session: Session,
    *,
    actor: Actor,
    call_id: int,
    rows: Sequence[Mapping[str, object]],
    submit: bool,
    now: datetime | None = None,
) -> ImportPreview:
    """The report of what `apply` would do with these rows now. Writes nothing.

    The template's example row, if left in, is not planned but listed in `skipped`.

    Refuses the whole import like the form: NotAllowed, NotFound (call not open to the
    actor's network), DeadlinePassed (outside the call's window), ImportRejected (too
    many rows).
    """
    rows, skipped = _without_example(rows)
    plan = _plan(session, actor=actor, call_id=call_id, rows=rows, submit=submit, now=now or utcnow())
    return ImportPreview(
        rows=[item.report() for item in plan.rows], submit=submit, skipped=skipped,
        unchanged=sum(1 for item in plan.rows if item.action == "update" and not item.changed),
        checked=_Checked(call_id=call_id, submit=submit, eligibility=plan.eligibility, rows=rows,
                         results=plan.field_results),
    )


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
    core.candidacies functions work them out): its structure created or refreshed in the
    directory (with its sectors), the candidacy created or updated (version + 1), one audit
    row with before/after; one acknowledgement queued per newly submitted candidacy. Plus
    one summary audit row « candidacies_imported ». A row identical to what is stored
    writes nothing.
    Raises StaleEdit if a candidacy changed meanwhile, DuplicateCandidacy if another
    network proposed one of the structures meanwhile (nothing is then written).
    """
    now = now or utcnow()
    rows, skipped = _without_example(rows)
    plan = _plan(session, actor=actor, call_id=call_id, rows=rows, submit=submit, now=now,
                 checked=checked.checked if checked is not None else None)
    return replace(_write(session, plan, actor=actor, now=now, source=source), skipped=skipped)


def _without_example(rows: Sequence[Mapping[str, object]]
                     ) -> tuple[Sequence[Mapping[str, object]], list[tuple[int, str]]]:
    """The rows without the template's example row, and (line, why) of each one left out.

    Kept rows keep their spreadsheet line (plain mappings get it from their position)."""
    examples = [is_example(row) for row in rows]
    if not any(examples):
        return rows, []
    kept, skipped = [], []
    for index, (row, example) in enumerate(zip(rows, examples, strict=True)):
        line = getattr(row, "line", None) or index + 2
        if example:
            skipped.append((line, EXAMPLE_SKIPPED))
        else:
            kept.append(row if getattr(row, "line", None) else SheetRow(row, line))
    return kept, skipped


# ---------------------------------------------------------------- planning


@dataclass
class _Existing:
    """What the database holds for one SIRET (structure, and candidacy in this call)."""

    structure: dict
    sectors: list[str]
    candidacy: Stored | None
    network_name: str | None


@dataclass
class _Planned:
    line: int
    siret: str
    name: str
    row: Mapping[str, object]
    clean: CleanCandidacy | None = None
    errors: dict[str, str] = field(default_factory=dict)
    existing: _Existing | None = None
    change: Change | None = None  # what saving the row writes to its candidacy (core.candidacies.plan_save)
    structure_values: dict | None = None
    structure_changed: bool = False
    sectors_changed: bool = False

    @property
    def action(self) -> str:
        if self.errors or self.clean is None:
            return "error"
        return "update" if self.existing is not None and self.existing.candidacy is not None else "create"

    @property
    def changed(self) -> bool:
        """Whether saving the row changes anything: always for a creation."""
        return self.action == "create" or (self.action == "update" and (
            self.change.before != self.change.after or self.structure_changed or self.sectors_changed))

    def report(self) -> RowReport:
        return RowReport(line=self.line, siret=self.siret, name=self.name, action=self.action,
                         errors=column_errors(self.errors))


@dataclass
class _Plan:
    call: Call
    network: Network
    rows: list[_Planned]
    submit: bool
    eligibility: tuple
    field_results: list[tuple[CleanCandidacy | None, dict[str, str]]]


def _plan(session: Session, *, actor: Actor, call_id: int, rows: Sequence[Mapping[str, object]], submit: bool,
          now: datetime, checked: _Checked | None = None) -> _Plan:
    """Check every rule for every row and work out what to write; writes nothing."""
    require(actor, Action.EDIT_CANDIDACY, network_id=actor.network_id)
    if actor.network_id is None:
        raise NotAllowed()
    call = candidacies.invited_call(session, actor, call_id)
    candidacies.require_open(call, now)
    if len(rows) > MAX_ROWS:
        raise ImportRejected(too_many_rows())
    kinds, departements = candidacies.eligibility(call)
    kinds = frozenset(kinds) if kinds else None
    departements = frozenset(departements) if departements else None
    eligibility = (tuple(sorted(kinds or ())), tuple(sorted(departements or ())))

    results = checked.results_for(call_id, submit, eligibility, rows) if checked is not None else None
    if results is None:
        results = [_field_result(row, submit, kinds, departements) for row in rows]
    planned: list[_Planned] = []
    for index, (row, (clean, errors)) in enumerate(zip(rows, results, strict=True)):
        line = getattr(row, "line", None) or index + 2
        if clean is not None:
            item = _Planned(line=line, siret=clean.siret, name=clean.name, row=row, clean=clean)
        else:
            raw = _cell(row, "SIRET")
            item = _Planned(line=line, siret=raw if "siret" in errors else _siret_or_raw(raw),
                            name=_cell(row, "Nom de la structure"), row=row, errors=dict(errors))
        planned.append(item)

    first: dict[str, _Planned] = {}  # SIRET → the row that names it first
    for item in planned:
        if "siret" in item.errors or not item.siret:
            continue
        if item.siret in first:
            item.errors["siret"] = f"Ce SIRET figure déjà à la ligne {first[item.siret].line} du fichier."
        else:
            first[item.siret] = item

    existing = _load_existing(session, call_id=call.id, sirets=list(first))
    for item in planned:
        if first.get(item.siret) is not item:
            continue
        item.existing = existing.get(item.siret)
        candidacy = item.existing.candidacy if item.existing else None
        if candidacy is None:
            continue
        if candidacy.network_id != actor.network_id:
            item.errors["siret"] = (
                f"Cette structure a déjà été proposée pour cet appel par le réseau {item.existing.network_name}."
            )
        elif candidacy.submission == Submission.WITHDRAWN:
            item.errors["siret"] = (
                "La candidature de cette structure a été retirée : l'import ne la modifie pas. "
                "Modifiez-la depuis la liste des candidatures si besoin."
            )
        elif candidacy.submission == Submission.SUBMITTED and not submit and not item.errors:
            # A submitted candidacy stays submitted, so it must stay complete, as in the form.
            item.clean, errors = _field_result(item.row, True, kinds, departements)
            item.errors.update(errors)

    for item in planned:
        if item.errors:
            item.clean = None
        else:
            _settle(item, submit=submit, now=now)
    return _Plan(call=call, network=session.get(Network, actor.network_id), rows=planned, submit=submit,
                 eligibility=eligibility, field_results=results)


def _field_result(row: Mapping[str, object], submit: bool, kinds, departements
                  ) -> tuple[CleanCandidacy | None, dict[str, str]]:
    try:
        return check_row(row, submit=submit, eligible_kinds=kinds, eligible_departements=departements), {}
    except ValidationFailed as refused:
        return None, refused.errors


def _cell(row: Mapping[str, object], header: str) -> str:
    value = row.get(header)
    if value is None:
        value = next((v for k, v in row.items() if isinstance(k, str) and canonical_header(k) == header), "")
    return (value if isinstance(value, str) else str(value or "")).strip()


def _siret_or_raw(raw: str) -> str:
    try:
        return clean_siret(raw)
    except FieldError:
        return raw


_STRUCTURE_READ = ("id", *DIRECTORY_FIELDS)
_CANDIDACY_READ = ("id", "network_id", "version", "submission", "submitted_at", "withdrawn_at",
                   "withdrawal_reason", *CONTENT_FIELDS)


def _load_existing(session: Session, *, call_id: int, sirets: list[str]) -> dict[str, _Existing]:
    """Structures with these SIRETs, their sectors and their candidacy in the call: a few IN queries."""
    s, c, n = Structure.__table__.c, Candidacy.__table__.c, Network.__table__.c
    columns = [
        *(s[name].label(f"s_{name}") for name in _STRUCTURE_READ),
        *(c[name].label(f"c_{name}") for name in _CANDIDACY_READ),
        n.name.label("network_name"),
    ]
    found: dict[str, _Existing] = {}
    for chunk in _chunks(sirets):
        query = (
            select(*columns)
            .select_from(Structure.__table__)
            .outerjoin(Candidacy.__table__, (c.structure_id == s.id) & (c.call_id == call_id))
            .outerjoin(Network.__table__, n.id == c.network_id)
            .where(s.siret.in_(chunk))
        )
        for row in session.execute(query).mappings():
            structure = {name: row[f"s_{name}"] for name in _STRUCTURE_READ}
            structure["kind"] = _enum_value(structure["kind"])
            candidacy = None
            if row["c_id"] is not None:
                content = {name: row[f"c_{name}"] for name in CONTENT_FIELDS}
                content["kind"] = _enum_value(content["kind"])
                content["sectors"] = list(content["sectors"] or [])
                candidacy = Stored(
                    id=row["c_id"], network_id=row["c_network_id"], version=row["c_version"],
                    siret=structure["siret"], submission=Submission(_enum_value(row["c_submission"])),
                    submitted_at=row["c_submitted_at"], withdrawn_at=row["c_withdrawn_at"],
                    withdrawal_reason=row["c_withdrawal_reason"], content=content,
                )
            found[structure["siret"]] = _Existing(structure=structure, sectors=[], candidacy=candidacy,
                                                  network_name=row["network_name"])
    by_id = {item.structure["id"]: item for item in found.values()}
    sector = Sector.__table__.c
    for chunk in _chunks(list(by_id)):
        query = (
            select(structure_sectors.c.structure_id, sector.label)
            .join(Sector.__table__, sector.id == structure_sectors.c.sector_id)
            .where(structure_sectors.c.structure_id.in_(chunk))
            .order_by(structure_sectors.c.structure_id, sector.position)
        )
        for structure_id, label in session.execute(query):
            by_id[structure_id].sectors.append(label)
    return found


def _enum_value(value):
    return value.value if hasattr(value, "value") else value


def _chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _settle(item: _Planned, *, submit: bool, now: datetime) -> None:
    """Work out what saving the row writes, with the form's rules (core.candidacies).

    Empty cells keep what is known: for the directory, its entry; for a new candidacy,
    the directory's; for a candidacy the network already has, its own values (a partial
    file never erases a draft).
    """
    clean, existing = item.clean, item.existing
    old_structure = existing.structure if existing else None
    structure = candidacies.merged_structure(old_structure, clean)
    item.structure_values = structure
    item.structure_changed = old_structure is None or any(structure[k] != old_structure[k] for k in structure)
    item.sectors_changed = bool(clean.sectors) and (existing is None or list(clean.sectors) != existing.sectors)
    stored = existing.candidacy if existing else None
    if stored is None:
        sectors = list(clean.sectors) or (existing.sectors if existing else [])
        content = {**clean.candidacy_values(), **_snapshot(structure), "sectors": sectors}
    else:
        content = _merged_candidacy(stored.content, clean, item.row)
    item.change = candidacies.plan_save(content=content, siret=item.siret, stored=stored, submit=submit,
                                        now=now)


def _snapshot(structure: Mapping) -> dict:
    return {name: structure[name] for name in SNAPSHOT_FIELDS}


def _merged_candidacy(old: Mapping, clean: CleanCandidacy, row: Mapping[str, object]) -> dict:
    """The candidacy's content after the row: typed values win; empty cells keep the stored ones."""
    typed = {**clean.candidacy_values(), **_snapshot(clean.structure_values()), "sectors": list(clean.sectors)}
    merged = {name: value if value not in (None, "", []) else old[name] for name, value in typed.items()}
    for name in CONSENT_FIELDS:  # « Non » withdraws consent; an empty or absent cell keeps it
        if not str(row.get(HEADER_OF[name]) or "").strip():
            merged[name] = old[name]
    return merged


# ---------------------------------------------------------------- writing


def _write(session: Session, plan: _Plan, *, actor: Actor, now: datetime, source: str | None = None) -> ImportResult:
    """Write a plan in a handful of executemany statements (see `apply`)."""
    with collector_paused():
        return _write_plan(session, plan, actor=actor, now=now, source=source)


def _write_plan(session: Session, plan: _Plan, *, actor: Actor, now: datetime, source: str | None) -> ImportResult:
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
    records = candidacies.SaveRecords(session, actor=actor, call=plan.call, network=plan.network,
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
    return result


def _source_detail(source: str | None) -> str | None:
    return f"Import du fichier « {excerpt(source, 80)} »" if source else None


def _write_structures(session: Session, items: list[_Planned], *, now: datetime) -> dict[str, int]:
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
    for chunk in _chunks([item.siret for item in new]):
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


def _write_sectors(session: Session, items: list[_Planned], structure_ids: dict[str, int]) -> None:
    items = [item for item in items if item.sectors_changed]
    if not items:
        return
    sector_ids = dict(session.execute(select(Sector.__table__.c.label, Sector.__table__.c.id)).all())
    stale = [structure_ids[item.siret] for item in items if item.existing is not None]
    for chunk in _chunks(stale):
        session.execute(structure_sectors.delete().where(structure_sectors.c.structure_id.in_(chunk)))
    execute_many(session, insert(structure_sectors), [
        {"structure_id": structure_ids[item.siret], "sector_id": sector_ids[label]}
        for item in items for label in item.clean.sectors if label in sector_ids
    ])


def _write_candidacies(session: Session, plan: _Plan, creates: list[_Planned], updates: list[_Planned],
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
    for chunk in _chunks(list(siret_of)):
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
