"""Planning an import: every rule checked for every row, and what saving each one writes.

The same rules as the form apply (core.candidacies.form.validate with the call's
eligibility, the actor's right, the call's window, one network per structure and call),
row by row: a row in error is reported with its spreadsheet line, column and French
message, and does not stop the valid rows. A row whose SIRET matches a candidacy the
actor's network already has in the call updates it, so importing the same file twice
never duplicates. What a row's save writes — its columns, audit row and acknowledgement —
is worked out by core.candidacies.saving (`plan_save`), the form's one write path.
`preview` writes nothing; core.imports.write applies a plan.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.candidacies import rules, saving
from core.candidacies.form import SNAPSHOT_FIELDS, CleanCandidacy
from core.candidacies.saving import CONTENT_FIELDS, DIRECTORY_FIELDS, Change, Stored
from core.clock import utcnow
from core.errors import NotAllowed, ValidationFailed
from core.imports.columns import CONSENT_FIELDS, HEADER_OF, canonical_header, column_errors
from core.imports.reader import MAX_ROWS, ImportRejected, SheetRow, too_many_rows
from core.imports.rows import EXAMPLE_SKIPPED, check_row, is_example
from core.permissions import Action, Actor, require
from core.validation import FieldError, clean_siret
from db.models import (
    Call,
    Candidacy,
    Network,
    Sector,
    Structure,
    Submission,
    structure_sectors,
)

# SQLite refuses statements with more than 999 parameters in older versions.
CHUNK = 900

# ---------------------------------------------------------------- preview


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
    rows, skipped = without_example(rows)
    plan = make_plan(session, actor=actor, call_id=call_id, rows=rows, submit=submit, now=now or utcnow())
    return ImportPreview(
        rows=[item.report() for item in plan.rows], submit=submit, skipped=skipped,
        unchanged=sum(1 for item in plan.rows if item.action == "update" and not item.changed),
        checked=_Checked(call_id=call_id, submit=submit, eligibility=plan.eligibility, rows=rows,
                         results=plan.field_results),
    )


def without_example(rows: Sequence[Mapping[str, object]]
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
class Planned:
    line: int
    siret: str
    name: str
    row: Mapping[str, object]
    clean: CleanCandidacy | None = None
    errors: dict[str, str] = field(default_factory=dict)
    existing: _Existing | None = None
    change: Change | None = None  # what saving the row writes to its candidacy (saving.plan_save)
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
class Plan:
    call: Call
    network: Network
    rows: list[Planned]
    submit: bool
    eligibility: tuple
    field_results: list[tuple[CleanCandidacy | None, dict[str, str]]]


def make_plan(session: Session, *, actor: Actor, call_id: int, rows: Sequence[Mapping[str, object]], submit: bool,
              now: datetime, checked: _Checked | None = None) -> Plan:
    """Check every rule for every row and work out what to write; writes nothing."""
    require(actor, Action.EDIT_CANDIDACY, network_id=actor.network_id)
    if actor.network_id is None:
        raise NotAllowed()
    call = rules.invited_call(session, actor, call_id)
    rules.require_open(call, now)
    if len(rows) > MAX_ROWS:
        raise ImportRejected(too_many_rows())
    kinds, departements = rules.eligibility(call)
    kinds = frozenset(kinds) if kinds else None
    departements = frozenset(departements) if departements else None
    eligibility = (tuple(sorted(kinds or ())), tuple(sorted(departements or ())))

    results = checked.results_for(call_id, submit, eligibility, rows) if checked is not None else None
    if results is None:
        results = [_field_result(row, submit, kinds, departements) for row in rows]
    planned: list[Planned] = []
    for index, (row, (clean, errors)) in enumerate(zip(rows, results, strict=True)):
        line = getattr(row, "line", None) or index + 2
        if clean is not None:
            item = Planned(line=line, siret=clean.siret, name=clean.name, row=row, clean=clean)
        else:
            raw = _cell(row, "SIRET")
            item = Planned(line=line, siret=raw if "siret" in errors else _siret_or_raw(raw),
                           name=_cell(row, "Nom de la structure"), row=row, errors=dict(errors))
        planned.append(item)

    first: dict[str, Planned] = {}  # SIRET → the row that names it first
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
    return Plan(call=call, network=session.get(Network, actor.network_id), rows=planned, submit=submit,
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
    for chunk in chunks(sirets):
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
    for chunk in chunks(list(by_id)):
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


def chunks(values: list, size: int = CHUNK) -> Iterator[list]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _settle(item: Planned, *, submit: bool, now: datetime) -> None:
    """Work out what saving the row writes, with the form's rules (core.candidacies.saving).

    Empty cells keep what is known: for the directory, its entry; for a new candidacy,
    the directory's; for a candidacy the network already has, its own values (a partial
    file never erases a draft).
    """
    clean, existing = item.clean, item.existing
    old_structure = existing.structure if existing else None
    structure = saving.merged_structure(old_structure, clean)
    item.structure_values = structure
    item.structure_changed = old_structure is None or any(structure[k] != old_structure[k] for k in structure)
    item.sectors_changed = bool(clean.sectors) and (existing is None or list(clean.sectors) != existing.sectors)
    stored = existing.candidacy if existing else None
    if stored is None:
        sectors = list(clean.sectors) or (existing.sectors if existing else [])
        content = {**clean.candidacy_values(), **_snapshot(structure), "sectors": sectors}
    else:
        content = _merged_candidacy(stored.content, clean, item.row)
    item.change = saving.plan_save(content=content, siret=item.siret, stored=stored, submit=submit,
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
