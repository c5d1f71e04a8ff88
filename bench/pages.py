"""`python -m bench --only pages --scale small|national10` (the first part of `make bench`):
every page on a national data set (bench/national.py), issue 12. A page is measured as its
user sees it: the candidacy form on the network's draft, the import page's preview of a CSV
(the run after the upload, the page's cached check forgotten before each run), the review
board with one row ticked (the detail), the « Sélection » page with « Proposer » clicked.

On the seeded database, prints and writes to bench/results/<timestamp>-<scale>.json:

1. the seeding time and the rows per table;
2. each page's whole server-side run (AppTest of streamlit_app.py, signed in as its user,
   scripts compiled once as on the server) against the very statements that run sent,
   replayed bare through the DBAPI (sqlite3, or psycopg on PostgreSQL) with every row
   fetched: medians and spreads of runs taken in turn, « atteint » when ≤ 3× and < 1 s;
3. the SQL statements of each page run on data sets of 3, 300 and the scale's rows for the
   page's main table, and whether that count is constant;
4. the peak memory (VmHWM, else ru_maxrss) of one process that serves the slowest page once.

Printed, never asserted.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.national import SCALES, Scale, Seeded, fresh_database, rows_scale
from bench.output import Target, markdown, ratio, seconds, thousands, verdict
from bench.review import APP, BareReplay, Recorder, Timings, compiled_once, side_by_side
from db import engine as db_engine

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    path: str
    user: str | None  # the Seeded token's role; None: anonymous
    # session_state set before the first run (which call or edition the page shows)
    choices: Callable[[Seeded], dict] = field(default=lambda seeded: {})
    # the URL's query parameters (which record the page opens)
    query: Callable[[Seeded], dict] = field(default=lambda seeded: {})
    # once, after the page is opened: fill a form, give a file, tick a row
    prepare: Callable[[Seeded, object], None] | None = None
    # before each measured run: a click, or a cached result forgotten, so that each run does the work
    act: Callable[[Seeded, object], None] | None = None
    # the reference instead of the bare replay alone: baseline(seeded, at, replay) -> callable
    baseline: Callable[[Seeded, object, object], Callable[[], object]] | None = None
    # after the recorded run: asserts the page showed what it is measured for (not an error or an empty state)
    shows: Callable[[Seeded, object], None] | None = None


IMPORT_ROWS = 100


def _give_csv(seeded: Seeded, at) -> None:
    """The network's spreadsheet of IMPORT_ROWS rows, most of them structures already known
    (the synthetic SIRETs are the seeded ones), one the draft already on the open call."""
    from bench.importing import csv_bytes, synthetic_rows

    [uploader] = at.file_uploader
    uploader.set_value(("structures.csv", csv_bytes(synthetic_rows(IMPORT_ROWS)), "text/csv"))


def _forget_preview(seeded: Seeded, at) -> None:
    # The page checks a file once per (file, call, mode); the run after the upload is the preview's.
    at.session_state["import_checked_for"] = None


def _shows_the_draft(seeded: Seeded, at) -> None:
    from bench.national import siret

    assert at.title[0].value.startswith("Candidature — Entretien des espaces verts"), at.title[0].value
    assert [box.value for box in at.text_input if box.label == "SIRET *"] == [siret(1)]


def _shows_the_preview(seeded: Seeded, at) -> None:
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics.get("En erreur") == "0" and metrics.get("À créer"), metrics


def _shows_the_detail(seeded: Seeded, at) -> None:
    assert "**Évaluations**" in [markdown.value for markdown in at.markdown], "no detail under the board"


def _tick_first_row(seeded: Seeded, at) -> None:
    at.session_state[f"board-{seeded.call_id}"] = {"selection": {"rows": [0], "columns": [], "cells": []}}


def _fill_limits(seeded: Seeded, at) -> None:
    """The review bench's limits (bench/deliberation.py), at most 2 per network loosened where
    too few networks hold the places (the tiny data sets the tests run)."""
    from bench import deliberation

    deliberation.fill_limits(seeded, at)
    per_network = max(2, -(-deliberation.SLOTS // max(seeded.scale.networks, 1)))
    at.text_input(key=deliberation.form_key(seeded, "network")).input(str(per_network))


def _ask(seeded: Seeded, at) -> None:
    from bench import deliberation

    deliberation.ask(at)


def _proposal_baseline(seeded: Seeded, at, replay) -> Callable[[], object]:
    """The replay of the click's SELECTs plus the bare milp of the programme the page solved."""
    from bench.selection import bare_milp
    from core.selection.proposal import Proposal

    stored = at.session_state[f"selection-proposal-{seeded.call_id}"]
    assert isinstance(stored["result"], Proposal), stored["result"]
    solve, _ = bare_milp(stored["candidates"], stored["slots"], list(stored["result"].limits))
    return lambda: (replay(), solve())


PAGES = (
    Page("network_home", "Accueil du réseau", "pages/reseau/accueil.py", "network"),
    Page("candidacy_form", "Formulaire de candidature (brouillon, appel ouvert)", "pages/reseau/candidature.py",
         "network", query=lambda s: {"id": str(s.draft_id)}, shows=_shows_the_draft),
    Page("import_preview", f"Aperçu d'import ({IMPORT_ROWS} lignes CSV)", "pages/reseau/import.py", "network",
         lambda s: {"import_call": s.open_call_id}, prepare=_give_csv, act=_forget_preview, shows=_shows_the_preview),
    Page("review_board", "Tableau des évaluations", "pages/pilotage/evaluations.py", "lead",
         lambda s: {"board-call": s.call_id}),
    Page("candidacy_detail", "Détail d'une candidature (ligne cochée du tableau)", "pages/pilotage/evaluations.py",
         "lead", lambda s: {"board-call": s.call_id}, prepare=_tick_first_row, shows=_shows_the_detail),
    Page("review_form", "Formulaire d'évaluation", "pages/evaluateur/evaluer.py", "reviewer0"),
    Page("selection", "Sélection (décisions, équilibre)", "pages/pilotage/selection.py", "lead",
         lambda s: {"selection-call": s.call_id}),
    Page("proposal", "Sélection : « Proposer » cliqué (réf. SQL + milp nus)", "pages/pilotage/selection.py", "lead",
         lambda s: {"selection-call": s.call_id}, prepare=_fill_limits, act=_ask, baseline=_proposal_baseline),
    Page("publication", "Publication des décisions", "pages/pilotage/publication.py", "lead",
         lambda s: {"publication-call": s.call_id}),
    Page("outbox", "Courriels (boîte d'envoi)", "pages/pilotage/courriels.py", "lead"),
    Page("programme_editor", "Éditeur de programme", "pages/pilotage/programme.py", "lead",
         lambda s: {"programme_edition": s.edition_id}),
    Page("public_programme", "Programme public", "pages/public/programme.py", None),
)
# Named by issue 12, not built yet (no issue built a meeting scheduler): printed as not measured.
NOT_BUILT = ("Grille des rendez-vous bilatéraux", "Planificateur des rendez-vous bilatéraux")
COUNT_ROWS = (3, 300)


# ---------------------------------------------------------------- running a page


class DbapiReplay:
    """The SELECTs of a run through a bare DBAPI connection of the engine (psycopg on PostgreSQL),
    each result fetched whole, in one transaction."""

    def __init__(self, engine, statements: list) -> None:
        self.connection = engine.raw_connection()
        self.selects = [(s, p) for s, p in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]

    def __call__(self) -> None:
        cursor = self.connection.cursor()
        for statement, parameters in self.selects:
            cursor.execute(statement, parameters)
            cursor.fetchall()
        cursor.close()
        self.connection.rollback()

    def close(self) -> None:
        self.connection.close()


def _replay(seeded: Seeded, statements: list):
    return BareReplay(seeded.path, statements) if seeded.path else DbapiReplay(seeded.engine, statements)


def opened(seeded: Seeded, page: Page):
    """An AppTest of the app on `page`, signed in as the page's user, after its first run."""
    from streamlit.testing.v1 import AppTest

    from ui.session import TEST_TOKEN_KEY

    at = AppTest.from_file(str(APP), default_timeout=300)
    if page.user:
        at.session_state[TEST_TOKEN_KEY] = seeded.tokens[page.user]
    for key, value in page.choices(seeded).items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page.path)
    at.query_params.update(page.query(seeded))
    at.run()
    assert not at.exception, (page.key, [e.message for e in at.exception])
    if page.prepare is not None:
        page.prepare(seeded, at)
    return at


def rerun(seeded: Seeded, page: Page, at) -> None:
    """One measured run of the page: its act (a click...) then the run it triggers."""
    if page.act is not None:
        page.act(seeded, at)
    at.run()


def statements_of(seeded: Seeded, page: Page) -> tuple[object, list]:
    """The page opened, and the statements one rerun of it sends."""
    at = opened(seeded, page)
    with Recorder(seeded.engine) as recorder:
        rerun(seeded, page, at)
    assert not at.exception, (page.key, [e.message for e in at.exception])
    if page.shows is not None:
        page.shows(seeded, at)
    return at, recorder.statements


def page_run(seeded: Seeded, page: Page, repeat: int) -> tuple[Timings, Timings, int, dict]:
    """Timings of reruns of the page and of their bare replay (or the page's baseline), the number
    of statements, and the slowest of them replayed alone (where the bare time goes)."""
    at, statements = statements_of(seeded, page)
    bare = _replay(seeded, statements)
    try:
        reference = bare if page.baseline is None else page.baseline(seeded, at, bare)
        return (*side_by_side(repeat, lambda: rerun(seeded, page, at), reference), len(statements), _slowest(bare))
    finally:
        bare.close()


def _slowest(bare) -> dict:
    """The replay's slowest SELECT, best of 3, with its time and its text's start."""
    cursor = bare.connection.cursor()
    best: dict = {"seconds": 0.0, "statement": ""}
    for statement, parameters in bare.selects:
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            timings.append(time.perf_counter() - start)
        if min(timings) > best["seconds"]:
            best = {"seconds": min(timings), "statement": " ".join(statement.split())[:300]}
    cursor.close()
    bare.connection.rollback()
    return best


# ---------------------------------------------------------------- the section


def measure(scale: Scale | str, repeat: int, count_rows: tuple[int, ...] = COUNT_ROWS) -> dict:
    scale = SCALES[scale] if isinstance(scale, str) else scale
    figures: dict = {"scale": scale.name, "repeat": repeat, "pages": {}, "statements": {}}
    with compiled_once():
        for rows in count_rows:
            figures["statements"][str(rows)] = _counts(rows_scale(rows))
        with fresh_database(scale) as seeded:
            db_engine.set_engine(seeded.engine)
            try:
                figures["seeding"] = {"seconds": seeded.seconds, "rows": dict(seeded.counts),
                                      "database": _database_version(seeded)}
                floor = _floor(seeded, repeat)
                figures["floor"] = {"median": statistics.median(floor.wall), "min": min(floor.wall),
                                    "max": max(floor.wall)}
                full = {}
                for page in PAGES:
                    runs, bares, count, slowest = page_run(seeded, page, repeat)
                    figures["pages"][page.key] = {**_page_figures(page, runs, bares, count), "slowest": slowest}
                    full[page.key] = count
                figures["statements"]["full"] = full
                slowest = max(PAGES, key=lambda p: figures["pages"][p.key]["median"])
                figures["memory"] = _memory(seeded, slowest)
            finally:
                db_engine.reset_engine()
                seeded.engine.dispose()
    figures["statements_constant"] = {
        page.key: len({figures["statements"][k][page.key] for k in figures["statements"]}) == 1 for page in PAGES}
    return figures


def _floor(seeded: Seeded, repeat: int) -> Timings:
    """Runs of the public home page (a title, a paragraph, a link, no SQL): what any page costs."""
    at = opened(seeded, Page("floor", "Accueil public", "pages/public/accueil.py", None))
    timings = Timings()
    for _ in range(repeat):
        timings.time(at.run)
    return timings


def _counts(scale) -> dict[str, int]:
    with fresh_database(scale) as seeded:
        db_engine.set_engine(seeded.engine)
        try:
            return {page.key: len(statements_of(seeded, page)[1]) for page in PAGES}
        finally:
            db_engine.reset_engine()
            seeded.engine.dispose()


def _page_figures(page: Page, runs: Timings, bares: Timings, count: int) -> dict:
    value, bare = statistics.median(runs.wall), statistics.median(bares.wall)
    return {"label": page.label, "page": page.path, "median": value, "min": min(runs.wall), "max": max(runs.wall),
            "bare_median": bare, "bare_min": min(bares.wall), "bare_max": max(bares.wall),
            "ratio": value / bare, "cpu_median": statistics.median(runs.cpu), "statements": count,
            "target": "≤ 3× et < 1 s", "reached": value / bare <= 3 and value < 1}


def _database_version(seeded: Seeded) -> str:
    with seeded.engine.connect() as connection:
        if seeded.backend == "sqlite":
            return "SQLite " + connection.exec_driver_sql("select sqlite_version()").scalar()
        return connection.exec_driver_sql("select version()").scalar().split(" on ")[0]


# ---------------------------------------------------------------- memory


def _memory(seeded: Seeded, page: Page) -> dict:
    """Peak resident memory of a fresh process that opens `page` and serves it once more."""
    request = {"url": seeded.url, "tokens": seeded.tokens, "call_id": seeded.call_id,
               "edition_id": seeded.edition_id, "open_call_id": seeded.open_call_id, "draft_id": seeded.draft_id,
               "page": page.key}
    result = subprocess.run([sys.executable, "-m", "bench.pages", "--memory", json.dumps(request)], cwd=ROOT,  # noqa: S603 — our own interpreter and module
                            capture_output=True, text=True, check=True, timeout=1800)
    peak = json.loads(result.stdout.strip().splitlines()[-1])
    return {"page": page.key, "label": page.label, **peak}


def _memory_child(request: dict) -> None:
    engine = db_engine.make_engine(request["url"])
    db_engine.set_engine(engine)
    path = Path(request["url"].split("///", 1)[1]) if request["url"].startswith("sqlite") else None
    seeded = Seeded(scale=rows_scale(0), engine=engine, url=request["url"], path=path, tokens=request["tokens"],
                    call_id=request["call_id"], edition_id=request["edition_id"],
                    open_call_id=request["open_call_id"], draft_id=request["draft_id"])
    [page] = [p for p in PAGES if p.key == request["page"]]
    # Streamlit and the app's modules imported, as in a running server, with no data read yet
    # (a first run of the app would already serve a page: the default one of its user).
    import streamlit.testing.v1  # noqa: F401

    import core.programme.public
    import core.review.board  # noqa: F401
    import ui.navigation  # noqa: F401

    before = _peak_kib()
    with compiled_once():
        at = opened(seeded, page)
        tracemalloc.start()
        rerun(seeded, page, at)
        _, traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    peak = _peak_kib()
    print(json.dumps({"peak_mib": peak / 1024, "before_mib": before / 1024, "rerun_traced_mib": traced / 2**20}))


def _peak_kib() -> int:
    """This process's peak resident memory. Linux's VmHWM, not ru_maxrss: a child keeps the
    ru_maxrss of the process it was forked from (the bench, holding the seeded data) across exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# ---------------------------------------------------------------- output


def environment(figures: dict) -> dict:
    import sqlalchemy
    import streamlit

    return {"machine": {"platform": platform.platform(), "processor": platform.machine(), "cores": os.cpu_count()},
            "versions": {"python": platform.python_version(), "streamlit": streamlit.__version__,
                         "sqlalchemy": sqlalchemy.__version__, "database": figures["seeding"]["database"]}}


def write_json(figures: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}-{figures['scale']}.json"
    path.write_text(json.dumps({**environment(figures), **figures}, ensure_ascii=False, indent=2) + "\n")
    return path


def table(figures: dict) -> list[str]:
    seeding, env = figures["seeding"], environment(figures)
    rows = seeding["rows"]
    lines = [f"## Banc national — échelle {figures['scale']}, {env['versions']['database']}",
             "",
             f"Machine : {env['machine']['platform']}, {env['machine']['cores']} cœurs ; Python "
             f"{env['versions']['python']}, Streamlit {env['versions']['streamlit']}, SQLAlchemy "
             f"{env['versions']['sqlalchemy']}.",
             f"Remplissage : {seconds(seeding['seconds'])} pour {thousands(sum(rows.values()))} lignes "
             f"({', '.join(f'{name} {thousands(n)}' for name, n in rows.items())}).",
             f"Référence de chaque page : les requêtes qu'elle a envoyées, rejouées par le pilote nu avec lecture "
             f"de toutes les lignes ; médianes de {figures['repeat']} exécutions prises en alternance.", ""]
    headers = ("Page", "Médiane", "Étendue", "SQL nu", "Rapport", "Requêtes", "Objectif", "Verdict")
    body = []
    for page in PAGES:
        p = figures["pages"][page.key]
        body.append((p["label"], seconds(p["median"]), f"{seconds(p['min'])} – {seconds(p['max'])}",
                     seconds(p["bare_median"]), ratio(p["ratio"]), str(p["statements"]), p["target"],
                     verdict(p["reached"])))
    lines += markdown(headers, body)
    floor = figures["floor"]
    lines += ["", f"Plancher : la page d'accueil publique (un titre, un paragraphe, un lien, aucune requête) "
                  f"s'exécute en {seconds(floor['median'])} (étendue {seconds(floor['min'])} – "
                  f"{seconds(floor['max'])}) ; au-delà de ce plancher, chaque page prend : "
                  + " ; ".join(f"{p['label']} {seconds(p['median'] - floor['median'])}"
                               for p in figures["pages"].values()) + "."]
    lines += ["", "Requête la plus lente de chaque référence (rejouée seule, meilleur de 3) :", ""]
    lines += [f"- {p['label']} : {seconds(p['slowest']['seconds'])} — {p['slowest']['statement'][:140]}…"
              for p in figures["pages"].values()]
    lines += ["", "Requêtes SQL par exécution selon le nombre de lignes de la table principale :", ""]
    sizes = list(figures["statements"])
    head = ("Page", *(f"{s} lignes" if s != "full" else "échelle entière" for s in sizes), "Constant")
    counts = [(figures["pages"][p.key]["label"], *(str(figures["statements"][s][p.key]) for s in sizes),
               "oui" if figures["statements_constant"][p.key] else "non") for p in PAGES]
    lines += markdown(head, counts)
    memory = figures["memory"]
    lines += ["", f"Mémoire : un processus qui sert la page la plus lente ({memory['label']}) culmine à "
                  f"{memory['peak_mib']:.0f} Mio de mémoire résidente (VmHWM ; {memory['before_mib']:.0f} Mio "
                  "avant toute page : interpréteur, Streamlit, modules de l'application) ; une réexécution de la page "
                  f"alloue au plus {memory['rerun_traced_mib']:.0f} Mio à la fois (tracemalloc)."]
    return lines


def targets(figures: dict) -> list[Target]:
    """Issue 12's page targets: each page ≤ 3× its bare SQL and under 1 s, its statements the same
    at 3, 300 rows and full scale; the peak memory for information; the pages not built yet."""
    where = f"Pages, échelle {figures['scale']} (issue 12)"
    lines = [Target(where, p["label"], f"{seconds(p['median'])} ; {ratio(p['ratio'])}", p["target"], p["reached"])
             for p in figures["pages"].values()]
    sizes = " / ".join("échelle entière" if s == "full" else f"{s} lignes" for s in figures["statements"])
    for page in PAGES:
        counts = " / ".join(str(figures["statements"][s][page.key]) for s in figures["statements"])
        lines.append(Target(where, f"Requêtes SQL : {figures['pages'][page.key]['label']}",
                            f"{counts} ({sizes})", "constant", figures["statements_constant"][page.key]))
    memory = figures["memory"]
    lines.append(Target(where, f"Mémoire de pointe d'un processus servant la page la plus lente ({memory['label']})",
                        f"{memory['peak_mib']:.0f} Mio", "—", None))
    lines.append(Target(where, "Remplissage de la base", seconds(figures["seeding"]["seconds"]), "—", None))
    lines += [Target(where, name, "—", "≤ 3× et < 1 s", None, "non mesurée : page pas encore construite")
              for name in NOT_BUILT]
    return lines


def run(scale_name: str, repeat: int | None = None) -> int:
    began = time.perf_counter()
    figures = measure(scale_name, repeat or (9 if scale_name == "small" else 5))
    for line in table(figures):
        print(line)
    path = write_json(figures)
    print(f"\nChiffres écrits dans {path.relative_to(ROOT)} ; durée du banc national : "
          f"{seconds(time.perf_counter() - began)}.")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--memory"]:
        _memory_child(json.loads(sys.argv[2]))
