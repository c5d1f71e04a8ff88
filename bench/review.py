"""`python -m bench --only review`: the review board, the review form and the deliberation pages at scale.

Seeds a fresh, migrated SQLite file: one call with 4 weighted criteria, N submitted
candidacies (5,000 by default) from 8 networks, 3 reviewers who each submitted a review of
every candidacy. Then prints, each beside a baseline measured in the same run:

1. the board's core (core.review.board.board) and the board page's whole server-side run
   (AppTest of streamlit_app.py on « Évaluations », signed in as the lead), against the
   very statements that page run sent, replayed bare through sqlite3 (execute + fetchall);
2. the review form page's whole run (AppTest, signed in as a reviewer, on the candidacy
   she would be offered), against the bare replay of its own statements;
3. once the lead decided (bench/deliberation.py), the board page again, the « Sélection »
   page, and that page's run when she clicks « Proposer » (against its replay plus the bare
   milp of the programme it solved);
4. the SQL statements of each page run.

Each run is followed by its bare replay, so that a busy moment of the machine weighs on both;
the verdict is on the medians, the best and the spread are printed too. The scripts are
compiled once, as the server does (AppTest alone would compile them on every run). Printed,
never asserted.
"""

from __future__ import annotations

import gc
import hashlib
import secrets
import sqlite3
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from unittest import mock

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session

from bench import deliberation
from core.permissions import Actor
from core.review import board
from db import engine as db_engine
from db.migrate import upgrade
from db.models import (
    Call,
    CallReviewer,
    CallState,
    Candidacy,
    Criterion,
    Edition,
    Network,
    Review,
    ReviewState,
    Role,
    Score,
    SignInSession,
    Structure,
    StructureKind,
    Submission,
    User,
)

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "streamlit_app.py"
BOARD_PAGE, FORM_PAGE = "pages/pilotage/evaluations.py", "pages/evaluateur/evaluer.py"
NOW = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)
KINDS = list(StructureKind)
SECTORS = ("Restauration", "Hygiène et propreté", "Bâtiment et travaux publics", "Espaces verts et extérieurs")
WEIGHTS = (3, 2, 2, 1)


def _actor(user: User) -> Actor:
    return Actor(user_id=user.id, email=user.email, full_name=user.full_name, role=user.role)


class ReviewDatabase:
    """A fresh SQLite file holding one call reviewed at scale."""

    def __init__(self, directory: Path, candidacies: int, reviewers: int = 3):
        self.path = directory / "review.sqlite3"
        self.engine = db_engine.make_engine(f"sqlite:///{self.path}")
        upgrade(self.engine)
        with Session(self.engine) as session, session.begin():
            self._seed(session, candidacies, reviewers)

    def _seed(self, session: Session, count: int, reviewer_count: int) -> None:
        networks = [Network(name=f"Réseau du banc n° {i + 1}") for i in range(8)]
        lead = User(email="pilote@banc.exemple.fr", full_name="Cheffe de projet", role=Role.PILOTE)
        reviewers = [User(email=f"evaluateur{i}@banc.exemple.fr", full_name=f"Évaluateur {i + 1}",
                          role=Role.EVALUATEUR) for i in range(reviewer_count)]
        edition = Edition(number=1, title="Rencontre du banc d'essai", event_date=date(2027, 3, 18),
                          start_time=time_of_day(9, 0), end_time=time_of_day(12, 0))
        session.add_all([*networks, lead, *reviewers, edition])
        session.flush()
        call = Call(edition_id=edition.id, theme_title="Thème du banc d'essai", state=CallState.CLOSED,
                    opens_at=NOW - timedelta(days=40), closes_at=NOW - timedelta(days=10))
        call.criteria = [Criterion(label=f"Critère {i + 1}", weight=w, position=i) for i, w in enumerate(WEIGHTS)]
        session.add(call)
        session.flush()
        session.execute(insert(CallReviewer), [{"call_id": call.id, "reviewer_id": r.id, "named_at": NOW}
                                               for r in reviewers])
        session.execute(insert(Structure), [
            {"siret": f"{10_000_000_000_000 + n}", "name": f"Structure d'insertion n° {n}", "kind": KINDS[n % 9],
             "created_at": NOW, "updated_at": NOW, "version": 1} for n in range(count)])
        ids = list(session.scalars(select(Structure.id).order_by(Structure.id)))
        session.execute(insert(Candidacy), [
            {"call_id": call.id, "structure_id": s, "network_id": networks[n % 8].id,
             "name": f"Structure d'insertion n° {n}", "kind": KINDS[n % 9], "departement": "9" + str(1 + n % 5),
             "sectors": [SECTORS[n % 4], SECTORS[(n + 1) % 4]], "submission": Submission.SUBMITTED,
             "submitted_at": NOW - timedelta(days=12, minutes=n), "consent_processing": True,
             "consent_sharing": True, "created_at": NOW, "updated_at": NOW, "version": 1}
            for n, s in enumerate(ids)])
        candidacy_ids = list(session.scalars(select(Candidacy.id).order_by(Candidacy.id)))
        session.execute(insert(Review), [
            {"candidacy_id": c, "reviewer_id": r.id, "state": ReviewState.SUBMITTED, "submitted_at": NOW,
             "created_at": NOW, "updated_at": NOW, "version": 1} for c in candidacy_ids for r in reviewers])
        review_ids = list(session.scalars(select(Review.id).order_by(Review.id)))
        criteria = [c.id for c in call.criteria]
        session.execute(insert(Score), [{"review_id": r, "criterion_id": k, "value": 1 + (r * 7 + i * 3) % 5}
                                        for r in review_ids for i, k in enumerate(criteria)])
        # The last reviewer still has the last candidacy to do: the form has something to offer.
        session.execute(Review.__table__.delete().where(Review.candidacy_id == candidacy_ids[-1],
                                                        Review.reviewer_id == reviewers[-1].id))
        self.call_id, self.lead, self.reviewer = call.id, _actor(lead), _actor(reviewers[-1])
        self.tokens = {}
        for actor in (self.lead, self.reviewer):
            token = secrets.token_urlsafe(32)
            session.add(SignInSession(token_hash=hashlib.sha256(token.encode()).hexdigest(), user_id=actor.user_id,
                                      created_at=datetime.now(UTC), last_seen_at=datetime.now(UTC)))
            self.tokens[actor.user_id] = token

    def close(self) -> None:
        self.engine.dispose()


# ---------------------------------------------------------------- measures


class Recorder:
    """Every statement an engine sends, with its driver-level parameters."""

    def __init__(self, engine) -> None:
        self.engine, self.statements = engine, []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.record)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self.record)

    def record(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:
        self.statements.append((statement, parameters))


class Timings:
    """Wall-clock and processor seconds of each run of something (processor time: every thread
    of this process, the script's included; a machine busy with other work barely changes it)."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def time(self, run: Callable[[], object]) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)


class BareReplay:
    """The statements run through a bare sqlite3 connection, each result fetched whole."""

    def __init__(self, path: Path, statements: list) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)
        self.connection.execute("PRAGMA foreign_keys=ON")
        self.selects = [(s, p) for s, p in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]

    def __call__(self) -> None:
        self.connection.execute("BEGIN")
        for statement, parameters in self.selects:
            self.connection.execute(statement, parameters).fetchall()
        self.connection.execute("COMMIT")

    def close(self) -> None:
        self.connection.close()


def side_by_side(repeat: int, run: Callable[[], object], bare: BareReplay) -> tuple[Timings, Timings]:
    """`repeat` timings of `run` and of its bare replay, taken in turn: a busy moment of the
    machine slows both, not one of them. The garbage of what ran before (earlier pages, their
    AppTest objects) is collected first, not in the middle of this measure."""
    runs, bares = Timings(), Timings()
    gc.collect()
    for _ in range(repeat):
        runs.time(run)
        bares.time(bare)
    return runs, bares


@contextmanager
def compiled_once():
    """AppTest compiles every script anew on each run (a fresh ScriptCache per run); the server
    compiles each once per process (one ScriptCache in its Runtime). One cache for all the runs
    here, as on the server, so that compiling is not counted as the page's time."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    shared = ScriptCache()
    with mock.patch("streamlit.testing.v1.app_test.ScriptCache", return_value=shared):
        yield


def page_run(db: ReviewDatabase, actor: Actor, page: str, repeat: int, *,
             prepare: Callable | None = None, act: Callable | None = None,
             baseline: Callable | None = None) -> tuple[Timings, Timings, int]:
    """Timings of reruns of `page` (AppTest, signed in as `actor`) and of the bare replay of the
    statements such a rerun sends, taken in turn; and the number of statements.

    `prepare(at)` runs once before (fills a form), `act(at)` before each rerun (clicks a
    button: its callback's statements are the rerun's); `baseline(at, replay)` gives the
    reference instead of the bare replay alone (the replay plus a bare solve...)."""
    from streamlit.testing.v1 import AppTest

    from ui.session import TEST_TOKEN_KEY

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.session_state[TEST_TOKEN_KEY] = db.tokens[actor.user_id]
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    if prepare is not None:
        prepare(at)

    def rerun() -> None:
        if act is not None:
            act(at)
        at.run()
    with Recorder(db.engine) as recorder:
        rerun()
    assert not at.exception, [e.message for e in at.exception]
    bare = BareReplay(db.path, recorder.statements)
    try:
        reference = bare if baseline is None else baseline(at, bare)
        return (*side_by_side(repeat, rerun, reference), len(recorder.statements))
    finally:
        bare.close()


def proposal_run(db: ReviewDatabase, repeat: int, figures: dict) -> None:
    """The « Sélection » page's run when the lead clicks « Proposer » (bench/deliberation.py),
    against the bare replay of its SELECTs plus the bare milp of the programme it solved
    (figures « proposal »); then `propose` alone on that programme against the bare milp
    (« optimiser »): the issue's optimiser target on the page's own data."""
    from bench.selection import bare_milp
    from core.selection.proposal import propose

    programme = {}

    def baseline(at, replay: BareReplay) -> Callable[[], object]:
        stored = deliberation.proposal_of(db, at)
        programme.update(candidates=stored["candidates"], slots=stored["slots"], limits=list(stored["result"].limits))
        solve, groups = bare_milp(programme["candidates"], programme["slots"], programme["limits"])
        assert groups == deliberation.GROUPS, groups  # every limit the form asked reached the solver
        programme["solve"] = solve
        return lambda: (replay(), solve())

    figures["proposal"], figures["proposal_bare"], figures["proposal_statements"] = page_run(
        db, db.lead, deliberation.SELECTION_PAGE, repeat, act=deliberation.ask, baseline=baseline,
        prepare=lambda at: deliberation.fill_limits(db, at))
    figures["optimiser"], figures["optimiser_bare"] = side_by_side(
        repeat, lambda: propose(programme["candidates"], slots=programme["slots"], limits=programme["limits"]),
        programme["solve"])


def measure(directory: Path, candidacies: int, repeat: int) -> dict[str, object]:
    """For the board's core, the board page and the form page, then (once the lead decided,
    bench/deliberation.py) the board page, the « Sélection » page and its proposal: their
    timings and their bare replay's ({key: Timings, key_bare: Timings}), and each page's
    number of statements ({key_statements: n})."""
    db = ReviewDatabase(directory, candidacies)
    db_engine.set_engine(db.engine)
    try:
        with Recorder(db.engine) as core_statements, db_engine.read_only() as session:
            result = board.board(session, actor=db.lead, call_id=db.call_id)
        assert len(result.frame) == candidacies, len(result.frame)

        def core() -> None:
            with db_engine.read_only() as session:
                board.board(session, actor=db.lead, call_id=db.call_id)
        figures: dict[str, object] = {}
        bare = BareReplay(db.path, core_statements.statements)
        try:
            figures["core"], figures["core_bare"] = side_by_side(repeat, core, bare)
        finally:
            bare.close()
        with compiled_once():
            pages = {"board": (db.lead, BOARD_PAGE), "form": (db.reviewer, FORM_PAGE)}
            for key, (actor, page) in pages.items():
                figures[key], figures[f"{key}_bare"], figures[f"{key}_statements"] = page_run(db, actor, page, repeat)
            figures["decided"] = deliberation.decide(db)
            pages = {"board_decided": BOARD_PAGE, "selection": deliberation.SELECTION_PAGE}
            for key, page in pages.items():
                figures[key], figures[f"{key}_bare"], figures[f"{key}_statements"] = page_run(db, db.lead, page, repeat)
            proposal_run(db, repeat, figures)
        return figures
    finally:
        db_engine.reset_engine()
        db.close()


def spread(values: list[float], seconds) -> str:
    return f"{seconds(min(values))} – {seconds(max(values))}"


MEASURES = (("Tableau des évaluations : calcul (core)", "core"),
            ("Tableau des évaluations : page entière (AppTest)", "board"),
            ("Formulaire d'évaluation : page entière (AppTest)", "form"),
            ("Tableau des évaluations avec décisions : page entière", "board_decided"),
            ("Sélection : page entière (équilibre, liste d'attente)", "selection"),
            ("Sélection : « Proposer » cliqué, page entière (*)", "proposal"),
            ("Sélection : propose seul, même programme (**)", "optimiser"))


def verdicts(figures: dict) -> list[tuple[str, str, float, float, str, bool]]:
    """(label, key, median, baseline median, target, reached) of each measure (issues 8 and 9)."""
    lines = []
    for label, key in MEASURES:
        value, bare = statistics.median(figures[key].wall), statistics.median(figures[f"{key}_bare"].wall)
        good = value / bare <= 3 and (key == "core" or value < (2 if key == "optimiser" else 1))
        target = {"core": "≤ 3×", "optimiser": "≤ 3× et < 2 s"}.get(key, "≤ 3× et < 1 s")
        lines.append((label, key, value, bare, target, good))
    return lines


def targets(figures: dict, candidacies: int, seconds, ratio, thousands) -> list:
    from bench.output import Target

    where = f"Évaluation et délibération, {thousands(candidacies)} candidatures (issues 8 et 9)"
    return [Target(where, label.replace(" (*)", " (SQL + milp nus)").replace(" (**)", " (milp nu)"),
                   f"{seconds(value)} ; {ratio(value / bare)}", target, good)
            for label, _, value, bare, target, good in verdicts(figures)]


def table(figures: dict, candidacies: int, seconds, ratio, thousands, ok: str, below: str) -> list[str]:
    """The figures as printed: medians (the verdict's), then each side's best and spread, and
    the medians in processor time."""
    rows, details = [], []
    for label, key, value, bare, target, good in verdicts(figures):
        runs, bares = figures[key], figures[f"{key}_bare"]
        rows.append((label, seconds(value), seconds(bare), ratio(value / bare), target, ok if good else below))
        cpu, bare_cpu = statistics.median(runs.cpu), statistics.median(bares.cpu)
        reference = {"proposal": "SQL + milp nus", "optimiser": "milp nu"}.get(key, "SQL nu")
        details.append(f"  {label} : meilleur {seconds(min(runs.wall))} ({reference} {seconds(min(bares.wall))}, "
                       f"{ratio(min(runs.wall) / min(bares.wall))}) ; étendue {spread(runs.wall, seconds)} "
                       f"({reference} {spread(bares.wall, seconds)}) ; temps processeur (médianes) {seconds(cpu)} "
                       f"contre {seconds(bare_cpu)}, {ratio(cpu / bare_cpu)}.")
    headers = ("Mesure", "Médiane", "SQL nu", "Rapport", "Objectif", "Verdict")
    widths = [max(len(str(line[i])) for line in (headers, *rows)) for i in range(len(headers))]
    repeat = len(figures["form"].wall)
    lines = [f"Évaluation — {thousands(candidacies)} candidatures déposées × 3 évaluations × 4 critères, SQLite",
             "Référence : les mêmes requêtes (celles que la page a envoyées), rejouées par sqlite3 nu "
             "avec lecture de toutes les lignes.",
             f"Médianes de {repeat} exécutions, chacune suivie de sa référence (une charge passagère de la machine "
             "pèse sur les deux) ; scripts compilés une fois, comme sur le serveur.", ""]
    for line in (headers, tuple("-" * w for w in widths), *rows):
        lines.append("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
    lines.append("")
    lines.extend(details)
    lines.append("")
    decided = figures["decided"]
    lines.append(f"Décisions de la cheffe de projet avant les trois dernières mesures : {decided['selected']} retenues "
                 f"({decided['selected']} places), {decided['waitlisted']} en liste d'attente, "
                 f"{decided['not_selected']} non retenues. (*) Référence : SQL nu + milp nu du même programme "
                 "(au plus 2 par réseau, au moins 2 structures du handicap, au plus 3 par département, "
                 f"un retenu au moins dans chacun des 4 secteurs : {deliberation.GROUPS} contraintes). "
                 "(**) Référence : milp nu de ce programme (le score seul, sans départage ni liste d'attente).")
    lines.append(f"Requêtes SQL par exécution : tableau {figures['board_statements']} "
                 f"(avec décisions {figures['board_decided_statements']}), formulaire {figures['form_statements']}, "
                 f"sélection {figures['selection_statements']} (proposition demandée "
                 f"{figures['proposal_statements']}).")
    return lines
