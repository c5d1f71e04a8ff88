"""`make bench [SCALE=small|national10]` (`python -m bench --scale …`): the whole benchmark in one run.

First the national page bench at the scale (bench/pages.py on bench/national.py's data set),
then every capability bench at the sizes its issue names: import (bench/importing.py, issue
3), review and deliberation pages (bench/review.py, issues 8 and 9), proposed selection
(bench/selection.py, issue 9), mail (bench/mail.py, issue 10), programme exports and public
page (bench/programme.py, issue 11). Each section prints its own table as it ends; the run
ends with one Markdown table of every target named in the issues beside its figure and its
verdict, and writes every figure (machine, versions, scale, sizes, each section's
measures, the targets) to bench/results/<stamp>-<scale>.json. Printed, never asserted.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import importing, mail, pages, programme, review, selection
from bench.national import SCALES, Scale
from bench.output import BELOW, OK, Target, ratio, seconds, summary, thousands
from bench.review import Timings


@dataclass(frozen=True)
class Sizes:
    """The capability benches' sizes, and the run's time budget (issue 12)."""

    rows: int = 10_000  # import (issue 3)
    candidacies: int = 5_000  # review board and proposal (issues 8 and 9)
    messages: int = 1_000  # mail (issue 10)
    budget: float = 15 * 60
    repeat: int | None = None  # None: each section's own number of runs
    count_rows: tuple[int, ...] = pages.COUNT_ROWS


# The issues' sizes at national10. At `small`, the import (a third of the capability benches'
# time) takes 5,000 rows: at 10,000 the whole run took 105-110 s of processor time, too close to
# its 2 minutes for a shared machine. The sizes used are printed at the top of the run.
SIZES = {"national10": Sizes(), "small": Sizes(rows=5_000, budget=2 * 60)}


@dataclass(frozen=True)
class Section:
    key: str
    measure: Callable[[Sizes], dict]
    table: Callable[[dict], list[str]]
    targets: Callable[[dict], list[Target]]


def _runs(sizes: Sizes, default: int) -> int:
    return sizes.repeat or default


def _review(sizes: Sizes) -> dict:
    with tempfile.TemporaryDirectory(prefix="openmap-bench-review-") as tmp:
        return {"candidacies": sizes.candidacies, **review.measure(Path(tmp), sizes.candidacies, _runs(sizes, 9))}


def _programme(sizes: Sizes) -> dict:
    with tempfile.TemporaryDirectory(prefix="openmap-bench-programme-") as tmp:
        return programme.measure(Path(tmp), _runs(sizes, 9))


SECTIONS = (
    Section("import", lambda sizes: importing.measure(sizes.rows, _runs(sizes, 3)), importing.table,
            importing.targets),
    Section("review", _review,
            lambda f: review.table(f, f["candidacies"], seconds, ratio, thousands, OK, BELOW),
            lambda f: review.targets(f, f["candidacies"], seconds, ratio, thousands)),
    Section("selection", lambda sizes: selection.measure(sizes.candidacies, _runs(sizes, 9)), selection.table,
            selection.targets),
    Section("mail", lambda sizes: mail.run(count=sizes.messages, repeat=_runs(sizes, 3)), mail.table, mail.targets),
    Section("programme", _programme, programme.table, programme.targets),
)
BY_KEY = {section.key: section for section in SECTIONS}


def run_section(key: str, sizes: Sizes, out: Callable[[str], None] = print) -> dict:
    """One capability bench measured and printed (`python -m bench --only KEY`); its figures."""
    section = BY_KEY[key]
    began = time.perf_counter()
    figures = section.measure(sizes)
    for line in section.table(figures):
        out(line)
    out(f"Durée de cette partie : {seconds(time.perf_counter() - began)}.")
    # What a bench kept (rows, plans, statements, AppTests) is not the next one's: a larger heap
    # slows every page run that follows.
    gc.collect()
    return figures


def run(scale: Scale | str, sizes: Sizes | None = None, *, results: Path = pages.RESULTS,
        out: Callable[[str], None] = print) -> dict:
    """The whole benchmark: its figures, as written to the JSON file (whose path is under "json")."""
    scale = SCALES[scale] if isinstance(scale, str) else scale
    sizes = sizes or SIZES.get(scale.name, Sizes())
    began = time.perf_counter()
    out(f"# Banc d'essai entier — échelle {scale.name} ; import de {thousands(sizes.rows)} lignes, "
        f"évaluation et proposition sur {thousands(sizes.candidacies)} candidatures, "
        f"{thousands(sizes.messages)} courriels, programme de 60 éléments")
    out("")
    page_figures = pages.measure(scale, _runs(sizes, 9 if scale.name == "small" else 5), sizes.count_rows)
    for line in pages.table(page_figures):
        out(line)
    out(f"Durée de cette partie : {seconds(time.perf_counter() - began)}.")
    gc.collect()
    figures: dict = {"scale": scale.name, "sizes": dataclasses.asdict(sizes), "pages": page_figures}
    targets = pages.targets(page_figures)
    for section in SECTIONS:
        out("")
        out(f"## {section.key}")
        out("")
        figures[section.key] = run_section(section.key, sizes, out)
        targets += section.targets(figures[section.key])
    elapsed = time.perf_counter() - began
    targets.append(Target("Banc entier (issue 12)", f"Durée du banc entier (échelle {scale.name})", seconds(elapsed),
                          f"< {sizes.budget / 60:.0f} min", elapsed < sizes.budget))
    figures["seconds"] = elapsed
    figures["targets"] = [t._asdict() | {"verdict": t.verdict} for t in targets]
    out("")
    out(f"## Objectifs des issues — échelle {scale.name}")
    out("")
    for line in summary(targets):
        out(line)
    path = write_json(figures, results)
    figures["json"] = str(path)
    out("")
    out(f"Chiffres écrits dans {_shown(path)} ; durée du banc entier : {seconds(elapsed)}.")
    return figures


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(pages.ROOT))
    except ValueError:
        return str(path)


def jsonable(value):
    """The figures as JSON holds them: Timings as their runs and medians, tuples as lists."""
    if isinstance(value, Timings):
        return {"median": statistics.median(value.wall), "min": min(value.wall), "max": max(value.wall),
                "wall": value.wall, "cpu": value.cpu}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def write_json(figures: dict, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"{stamp}-{figures['scale']}.json"
    content = {**pages.environment(figures["pages"]), **jsonable(figures)}
    path.write_text(json.dumps(content, ensure_ascii=False, indent=2) + "\n")
    return path
