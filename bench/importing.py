"""`python -m bench --only import` (part of `make bench`): throughput of the spreadsheet import.

Seeds a fresh, migrated SQLite database in a temporary directory (a network, an open
call, a referent), generates N valid synthetic rows and prints, each beside a baseline
measured in the same run so that the ratio holds on a noisy machine:

1. validation: core.candidacies.form.validate (and the import's whole row check) over all
   rows, against bare clean_siret + clean_email + clean_phone on the same values;
2. database write: the write phase of core.imports.write.apply (as drafts, then submitted with
   acknowledgements), against a bare sqlite3 replay of the same rows (the very
   statements and parameters the import sent: structures, sectors, candidacies,
   audit entries, acknowledgements) into an equivalent fresh database; the ratio to
   structures + candidacies alone is printed too;
3. overall, in rows per second: validation + write of every row (the issue's measure),
   then the page's whole path, read_rows (CSV) + preview + apply, with apply reusing
   the preview's field validation (as the page does) and without.

Timings are printed, never asserted.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session
from stdnum import luhn

from bench.output import BELOW, OK, Target, ratio, seconds, thousands
from bench.output import columns as padded
from core.accounts.sessions import actor_of
from core.candidacies import rules
from core.candidacies.form import CANDIDACY_FIELDS, STRUCTURE_FIELDS, validate
from core.imports import columns, reader, write
from core.imports.plan import make_plan, preview
from core.imports.rows import check_row, form_of
from core.permissions import Actor
from core.reference import SECTORS, STRUCTURE_KINDS
from core.validation import clean_email, clean_phone, clean_siret
from db import engine as db_engine
from db.migrate import upgrade
from db.models import (
    Call,
    CallDepartement,
    CallState,
    Edition,
    Network,
    Role,
    User,
    call_networks,
)

PLACES = (
    ("75011", "75", "Paris"), ("77100", "77", "Meaux"), ("78000", "78", "Versailles"),
    ("91000", "91", "Évry-Courcouronnes"), ("92000", "92", "Nanterre"), ("93200", "93", "Saint-Denis"),
    ("94000", "94", "Créteil"), ("95100", "95", "Argenteuil"),
)
FIRST_NAMES = ("Samia", "Jean", "Awa", "Karim", "Lucie", "Mehdi", "Chloé", "Ousmane", "Inès", "Théo")
LAST_NAMES = ("Benali", "Martin", "Diallo", "Haddad", "Lefèvre", "Nguyen", "Moreau", "Traoré", "Petit", "Roux")
NOW = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)


# ---------------------------------------------------------------- data


def synthetic_siret(n: int) -> str:
    siren = f"{10_000_000 + n:08d}"
    siren += luhn.calc_check_digit(siren)
    body = siren + f"{1 + n % 9:04d}"
    return body + luhn.calc_check_digit(body)


def synthetic_rows(count: int) -> list[dict[str, str]]:
    """`count` valid, distinct rows keyed by the template's headers."""
    kinds = list(STRUCTURE_KINDS)
    rows = []
    for n in range(count):
        postcode, departement, city = PLACES[n % len(PLACES)]
        person = f"{FIRST_NAMES[n % 10]} {LAST_NAMES[(n // 10) % 10]}"
        mobile = n % 3 == 0
        phone = (f"06 {n % 25 + 10:02d} {(n // 90) % 90 + 10:02d} {n % 7 + 10:02d} {n % 89 + 10:02d}" if mobile
                 else f"0{1 + n % 5} {n % 70 + 20:02d} {(n // 80) % 90 + 10:02d} {n % 9 + 10:02d} {n % 83 + 10:02d}")
        sectors = " ; ".join(SECTORS[(n + k * 7) % len(SECTORS)] for k in range(1 + n % 3))
        rows.append({
            "SIRET": synthetic_siret(n) if n % 4 else " ".join(
                (synthetic_siret(n)[:3], synthetic_siret(n)[3:6], synthetic_siret(n)[6:9], synthetic_siret(n)[9:])),
            "Nom de la structure": f"Structure d'insertion n° {n}",
            "Type de structure": kinds[n % len(kinds)],
            "Adresse": f"{n % 200 + 1} rue de la République",
            "Code postal": postcode,
            "Ville": city,
            "Département": departement,
            "Site internet": f"www.structure-{n}.exemple.fr",
            "Secteurs d'activité": sectors,
            "Salariés en insertion": str(n % 120),
            "Contact — nom": person,
            "Contact — e-mail": f"{person.split()[0].lower()}.{n}@structure-{n % 500}.exemple.fr",
            "Contact — téléphone": phone,
            "Présentateur — nom": person,
            "Présentateur — fonction": "Direction",
            "Titre de la présentation": f"Offre de services n° {n}",
            "Résumé": "Prestations réalisées par des salariés en parcours d'insertion, encadrés par des "
                      "professionnels du métier, pour les acheteurs publics d'Île-de-France.",
            "Offre pour les acheteurs": "Lots réservés et clauses sociales ; interventions sous 48 heures.",
            "Références de marchés publics": "Commune de Saint-Denis (2023) ; Département du Val-d'Oise (2024)."
            if n % 2 else "",
            "Accord traitement des données": "Oui",
            "Accord partage avec les acheteurs": "Oui",
        })
    return rows


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns.COLUMNS)
    writer.writerows([row[header] for header in columns.COLUMNS] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


# ---------------------------------------------------------------- database


class Database:
    """A fresh, migrated SQLite file with one network, one referent and one open call."""

    def __init__(self, directory: Path, name: str):
        self.path = directory / f"{name}.sqlite3"
        self.engine = db_engine.make_engine(f"sqlite:///{self.path}")
        upgrade(self.engine)
        with Session(self.engine) as session, session.begin():
            network = Network(name="Réseau du banc d'essai", contact_email="reseau@exemple.fr")
            session.add(network)
            session.flush()
            user = User(email="referent@exemple.fr", full_name="Référente du banc", role=Role.RESEAU,
                        network_id=network.id)
            edition = Edition(number=1, title="Rencontre du banc d'essai", event_date=date(2027, 3, 18),
                              start_time=time_of_day(9, 0), end_time=time_of_day(12, 0))
            session.add_all([user, edition])
            session.flush()
            call = Call(edition_id=edition.id, theme_title="Thème du banc d'essai", state=CallState.OPEN,
                        opens_at=NOW - timedelta(days=10), closes_at=NOW + timedelta(days=10))
            call.eligible_departements = [CallDepartement(departement=code) for _, code, _ in PLACES]
            session.add(call)
            session.flush()
            session.execute(call_networks.insert().values(call_id=call.id, network_id=network.id))
            session.refresh(user, ["network"])
            self.actor: Actor = actor_of(user)
            self.call_id = call.id
            self.network_id = network.id

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()


# ---------------------------------------------------------------- measures


def best_of(repeat: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def measure_validation(rows: list[dict[str, str]], db: Database, repeat: int) -> dict[str, float]:
    """Seconds for all rows: bare validators, core.candidacies.form.validate, the import's check_row.

    The rows are taken in slices of 500; each slice runs the three, `repeat` times in
    turn, and keeps each one's best time: a busy moment of the machine then hurts one
    slice of one measure, not a whole measure.
    """
    with db.session() as session:
        call = session.get(Call, db.call_id)
        kinds, departements = rules.eligibility(call)
    forms = [form_of(row)[0] for row in rows]

    def bare(start: int, end: int) -> None:
        for form in forms[start:end]:
            clean_siret(form.siret)
            clean_email(form.contact_email)
            clean_phone(form.contact_phone)

    def form_validate(start: int, end: int) -> None:
        for form in forms[start:end]:
            validate(form, submit=True, eligible_kinds=kinds, eligible_departements=departements)

    def import_check(start: int, end: int) -> None:
        for row in rows[start:end]:
            check_row(row, submit=True, eligible_kinds=kinds, eligible_departements=departements)

    measures = {"bare": bare, "validate": form_validate, "check_row": import_check}
    timings = dict.fromkeys(measures, 0.0)
    for start in range(0, len(rows), 500):
        best = dict.fromkeys(measures, float("inf"))
        for _ in range(repeat):
            for name, run in measures.items():
                best[name] = min(best[name], best_of(1, lambda run=run, start=start: run(start, start + 500)))
        for name in measures:
            timings[name] += best[name]
    return timings


def measure_import_write(rows: list[dict[str, str]], directory: Path, attempt: str, *, submit: bool
                         ) -> tuple[float, list]:
    """Time of the import's write phase (statements + commit) into a fresh database.

    The plan (validation and look-ups, what `preview` also does) is made first and not
    timed; `write.write_plan` is what `write.apply` runs after it.
    """
    db = Database(directory, f"write-{attempt}")
    try:
        with db.session() as session:
            session.begin()
            plan = make_plan(session, actor=db.actor, call_id=db.call_id, rows=rows, submit=submit, now=NOW)
            statements = _recorded_statements(db.engine)
            start = time.perf_counter()
            result = write.write_plan(session, plan, actor=db.actor, now=NOW, source="banc.csv")
            session.commit()
            elapsed = time.perf_counter() - start
            event.remove(db.engine, "before_cursor_execute", statements.record)
        assert result.created == len(rows) and result.rejected == 0, result
        cleans = [item.clean for item in plan.rows]
        return elapsed, cleans, statements.writes
    finally:
        db.close()


class _Recorder:
    """The INSERT / UPDATE statements an engine sends, with their driver-level parameters."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, object, bool]] = []

    def record(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            self.writes.append((statement, parameters, executemany))


def _recorded_statements(engine) -> _Recorder:
    recorder = _Recorder()
    event.listen(engine, "before_cursor_execute", recorder.record)
    return recorder


def measure_same_rows_write(writes: list, directory: Path, attempt: str) -> float:
    """Bare sqlite3 replay of exactly the rows the import wrote (structures, their sectors,
    candidacies, audit entries, acknowledgements), with the same statements."""
    db = Database(directory, f"replay-{attempt}")
    db.close()
    connection = sqlite3.connect(db.path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
            connection.execute(f"PRAGMA {pragma}")
        start = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        for statement, parameters, many in writes:
            (connection.executemany if many else connection.execute)(statement, parameters)
        connection.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        connection.close()


def measure_bare_write(cleans: list, directory: Path, attempt: int) -> float:
    """A bare sqlite3 executemany of the same structure and candidacy rows into an equivalent fresh database."""
    db = Database(directory, f"bare-{attempt}")
    call_id, network_id, user_id = db.call_id, db.network_id, db.actor.user_id
    db.close()
    stamp = NOW.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    structure_columns = (*STRUCTURE_FIELDS, "contact_name", "contact_email", "contact_phone",
                         "created_at", "updated_at", "version")
    candidacy_columns = ("call_id", "structure_id", "network_id", *CANDIDACY_FIELDS, "submission", "submitted_at",
                         "deliberation", "publication", "confirmation", "created_by_id", "created_at", "updated_at",
                         "version")
    structures = [
        (*(getattr(c, name) for name in STRUCTURE_FIELDS), c.contact_name, c.contact_email, c.contact_phone,
         stamp, stamp, 1)
        for c in cleans
    ]
    candidacy_rows = [
        (call_id, index, network_id, *(getattr(c, name) for name in CANDIDACY_FIELDS), "submitted", stamp,
         "pending", "unpublished", "pending", user_id, stamp, stamp, 1)
        for index, c in enumerate(cleans, start=1)
    ]
    connection = sqlite3.connect(db.path, isolation_level=None)
    try:
        for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
            connection.execute(f"PRAGMA {pragma}")
        start = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            f"INSERT INTO structures ({', '.join(structure_columns)}) "
            f"VALUES ({', '.join('?' * len(structure_columns))})", structures)
        connection.executemany(
            f"INSERT INTO candidacies ({', '.join(candidacy_columns)}) "
            f"VALUES ({', '.join('?' * len(candidacy_columns))})", candidacy_rows)
        connection.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        connection.close()


def measure_overall(rows: list[dict[str, str]], content: bytes, directory: Path, *, reuse: bool
                    ) -> dict[str, float]:
    """read_rows + preview + apply into a fresh database, as the import page runs them.

    With `reuse`, apply is handed the preview (checked=...), as the page does when the
    user confirms the preview it saw; without, apply validates every row again.
    """
    db = Database(directory, f"overall-{reuse}")
    try:
        start = time.perf_counter()
        read = reader.read_rows("banc.csv", content, max_bytes=len(content))
        after_read = time.perf_counter()
        with db.session() as session, session.begin():
            report = preview(session, actor=db.actor, call_id=db.call_id, rows=read, submit=True, now=NOW)
            session.rollback()
        after_preview = time.perf_counter()
        with db.session() as session, session.begin():
            result = write.apply(session, actor=db.actor, call_id=db.call_id, rows=read, submit=True, now=NOW,
                                 source="banc.csv", checked=report if reuse else None)
        end = time.perf_counter()
        assert report.rejected == 0, report.errors[:5]
        assert result.created == len(rows) and result.submitted == len(rows), result
        return {"read": after_read - start, "preview": after_preview - after_read, "apply": end - after_preview,
                "total": end - start}
    finally:
        db.close()




# ---------------------------------------------------------------- the section


def measure(count: int, repeat: int) -> dict:
    """Every figure of the import bench on `count` synthetic rows (validation `repeat` times per slice)."""
    rows = synthetic_rows(count)
    content = csv_bytes(rows)
    with tempfile.TemporaryDirectory(prefix="openmap-bench-") as tmp:
        directory = Path(tmp)
        db = Database(directory, "validation")
        validation = measure_validation(rows, db, repeat)
        db.close()
        writes: dict[bool, list[float]] = {False: [], True: []}
        replays: dict[bool, list[float]] = {False: [], True: []}
        bares: list[float] = []
        for attempt in range(2):
            for submit in (False, True):
                elapsed, cleans, statements = measure_import_write(rows, directory, f"{attempt}-{submit}",
                                                                   submit=submit)
                writes[submit].append(elapsed)
                replays[submit].append(measure_same_rows_write(statements, directory, f"{attempt}-{submit}"))
            bares.append(measure_bare_write(cleans, directory, attempt))
        overall = measure_overall(rows, content, directory, reuse=True)
        overall_again = measure_overall(rows, content, directory, reuse=False)
    return {"rows": count, "csv_bytes": len(content), "validation": validation,
            "writes_draft": writes[False], "writes_submit": writes[True],
            "replays_draft": replays[False], "replays_submit": replays[True], "bare_writes": bares,
            "overall": overall, "overall_again": overall_again}


def _derived(f: dict) -> dict:
    n, validation = f["rows"], f["validation"]
    draft, submit = min(f["writes_draft"]), min(f["writes_submit"])
    return {"validate": validation["validate"] / validation["bare"],
            "check_row": validation["check_row"] / validation["bare"],
            "draft": draft / min(f["replays_draft"]), "submit": submit / min(f["replays_submit"]),
            # The definition: validation of every row plus the database write.
            "import_rate": n / (validation["check_row"] + max(draft, submit)),
            "rate": n / f["overall"]["total"], "rate_again": n / f["overall_again"]["total"]}


def rows_of_table(f: dict) -> list[tuple]:
    """(label, time, reference, ratio or rate, target, reached) of each measure with a target."""
    d, validation, n = _derived(f), f["validation"], f["rows"]
    replay_draft, replay_submit = min(f["replays_draft"]), min(f["replays_submit"])
    return [
        ("Validation : core.candidacies.form.validate", seconds(validation["validate"]), seconds(validation["bare"]),
         ratio(d["validate"]), "≤ 1,5×", d["validate"] <= 1.5),
        ("Validation : ligne d'import (check_row)", seconds(validation["check_row"]), seconds(validation["bare"]),
         ratio(d["check_row"]), "≤ 1,5×", d["check_row"] <= 1.5),
        ("Écriture (apply) : brouillons", seconds(min(f["writes_draft"])), seconds(replay_draft),
         ratio(d["draft"]), "≤ 3×", d["draft"] <= 3),
        ("Écriture (apply) : dépôt + accusés", seconds(min(f["writes_submit"])), seconds(replay_submit),
         ratio(d["submit"]), "≤ 3×", d["submit"] <= 3),
        ("Import : validation + écriture (dépôt)", seconds(n / d["import_rate"]), "—",
         f"{thousands(d['import_rate'])} l/s", "≥ 5 000 l/s", d["import_rate"] >= 5000),
        ("Parcours de la page : lecture + aperçu + import", seconds(f["overall"]["total"]), "—",
         f"{thousands(d['rate'])} l/s", "≥ 5 000 l/s", d["rate"] >= 5000),
        ("Même parcours, import sans réutiliser l'aperçu", seconds(f["overall_again"]["total"]), "—",
         f"{thousands(d['rate_again'])} l/s", "≥ 5 000 l/s", d["rate_again"] >= 5000),
    ]


def targets(f: dict) -> list[Target]:
    where = f"Import, {thousands(f['rows'])} lignes (issue 3)"
    return [Target(where, label, f"{elapsed} ; {rate}", target, ok)
            for label, elapsed, _, rate, target, ok in rows_of_table(f)]


def table(f: dict) -> list[str]:
    n, overall, overall_again = f["rows"], f["overall"], f["overall_again"]
    bare = min(f["bare_writes"])
    lines = [f"Import de candidatures — {thousands(n)} lignes, SQLite (fichier temporaire, WAL), "
             f"CSV de {f['csv_bytes'] / 1024 / 1024:.1f} Mo".replace(".", ","),
             "Références : validation = clean_siret + clean_email + clean_phone seuls sur les mêmes valeurs ; "
             "écriture = les mêmes lignes (structures, secteurs, candidatures, journal, accusés) rejouées "
             "par executemany sqlite3 nu.", ""]
    headers = ("Mesure", "Temps", "Référence", "Rapport", "Objectif", "Verdict")
    lines += padded(headers, [(*row[:5], OK if row[5] else BELOW) for row in rows_of_table(f)])
    lines += ["",
              f"Détail global : lecture CSV {seconds(overall['read'])}, aperçu {seconds(overall['preview'])}, "
              f"enregistrement {seconds(overall['apply'])} (vérifications en base et écriture ; sans l'aperçu : "
              f"{seconds(overall_again['apply'])}, validation comprise).",
              f"Écritures mesurées (brouillons ; dépôt) : {', '.join(seconds(w) for w in f['writes_draft'])} ; "
              f"{', '.join(seconds(w) for w in f['writes_submit'])} — références : "
              f"{', '.join(seconds(b) for b in f['bare_writes'])}.",
              f"Pour information, écriture rapportée aux seules structures + candidatures en executemany nu "
              f"({seconds(bare)}) : brouillons {ratio(min(f['writes_draft']) / bare)}, "
              f"dépôt {ratio(min(f['writes_submit']) / bare)}."]
    return lines
