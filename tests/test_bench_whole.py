"""`make bench` run whole at a tiny scale (bench/whole.py): its summary holds a line for every
target the issues name, and its JSON the same targets and every section's figures, so that an
edit of a bench cannot drop a figure without a test saying so. Timings are not asserted."""

import json
from pathlib import Path

import pytest

from bench import whole
from bench.national import Scale
from bench.output import SUMMARY_HEADERS

TINY = Scale("tiny", networks=3, structures=40, editions=3, candidacies=90, outbox=12)
SIZES = whole.Sizes(rows=40, candidacies=60, messages=10, repeat=1, count_rows=(3,), budget=15 * 60)
PAGES = ("Accueil du réseau", "Formulaire de candidature", "Aperçu d'import", "Tableau des évaluations",
         "Détail d'une candidature", "Formulaire d'évaluation", "Sélection (décisions, équilibre)",
         "Sélection : « Proposer » cliqué", "Publication des décisions", "Courriels (boîte d'envoi)",
         "Éditeur de programme", "Programme public")
# (part of the bench, start of the measure) of every target named in issues 3, 8, 9, 10, 11 and 12.
EXPECTED = (
    *(("Pages", page) for page in PAGES),
    *(("Pages", f"Requêtes SQL : {page}") for page in PAGES),
    ("Pages", "Mémoire de pointe"), ("Pages", "Remplissage de la base"),
    ("Pages", "Grille des rendez-vous bilatéraux"), ("Pages", "Planificateur des rendez-vous bilatéraux"),
    ("Import", "Validation : core.candidacies.form.validate"), ("Import", "Validation : ligne d'import"),
    ("Import", "Écriture (apply) : brouillons"), ("Import", "Écriture (apply) : dépôt"),
    ("Import", "Import : validation + écriture"), ("Import", "Parcours de la page"),
    ("Import", "Même parcours, import sans réutiliser"),
    ("Évaluation", "Tableau des évaluations : calcul (core)"), ("Évaluation", "Tableau des évaluations : page"),
    ("Évaluation", "Formulaire d'évaluation : page"), ("Évaluation", "Tableau des évaluations avec décisions"),
    ("Évaluation", "Sélection : page entière"), ("Évaluation", "Sélection : « Proposer » cliqué"),
    ("Évaluation", "Sélection : propose seul"),
    ("Proposition", "Proposition : 8 places, 30 contraintes"), ("Proposition", "Proposition : 20 places"),
    ("Courriels", "Envoi (send_queued)"), ("Courriels", "Débit de send_queued"),
    ("Programme", "PDF du programme"), ("Programme", "ICS du programme"), ("Programme", "Page publique"),
    ("Banc entier", "Durée du banc entier"),
)
VERDICTS = {"atteint", "manqué", "pour information", "non mesurée : page pas encore construite"}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    lines: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("DATABASE_URL", raising=False)  # the bench's default: SQLite files of its own
        figures = whole.run(TINY, SIZES, results=tmp_path_factory.mktemp("results"), out=lines.append)
    return lines, figures


def summary_rows(lines: list[str]) -> list[tuple[str, ...]]:
    """The cells of the one summary table (after its heading), header and rule left out."""
    start = next(i for i, line in enumerate(lines) if line.startswith("## Objectifs des issues"))
    table = [line for line in lines[start + 1:] if line.startswith("|")]
    cells = [tuple(cell.strip() for cell in line.strip("|").split(" | ")) for line in table]
    assert cells[0] == SUMMARY_HEADERS
    return cells[2:]


def matching(rows, where: str, measure: str) -> list:
    return [row for row in rows if row[0].startswith(where) and row[1].startswith(measure)]


def test_whole_bench_summary_has_one_line_per_named_target(run):
    rows = summary_rows(run[0])
    missing = [pair for pair in EXPECTED if len(matching(rows, *pair)) != 1]
    assert not missing, missing
    assert len(rows) == len(EXPECTED)  # no line counted twice, none unexpected
    assert {row[4] for row in rows} <= VERDICTS


def test_whole_bench_summary_gives_a_figure_to_every_measured_target(run):
    rows = summary_rows(run[0])
    not_built = [row for row in rows if row[4].startswith("non mesurée")]
    assert [row[1] for row in not_built] == ["Grille des rendez-vous bilatéraux",
                                            "Planificateur des rendez-vous bilatéraux"]
    assert all(row[2] not in ("", "—") for row in rows if row not in not_built)


def test_whole_bench_prints_each_part_before_the_summary(run):
    lines = run[0]
    headings = [line for line in lines if line.startswith("## ")]
    assert headings[0].startswith("## Banc national — échelle tiny, SQLite")
    assert headings[1:] == ["## import", "## review", "## selection", "## mail", "## programme",
                            "## Objectifs des issues — échelle tiny"]


def test_whole_bench_json_holds_the_summary_and_every_section(run):
    lines, figures = run
    stored = json.loads(Path(figures["json"]).read_text())
    assert {"machine", "versions", "scale", "sizes", "pages", "import", "review", "selection", "mail", "programme",
            "seconds", "targets"} <= set(stored)
    assert stored["scale"] == "tiny" and stored["versions"]["database"].startswith("SQLite")
    printed = [(row[0], row[1], row[2], row[4]) for row in summary_rows(lines)]
    assert [(t["where"], t["measure"], t["figure"], t["verdict"]) for t in stored["targets"]] == printed
    assert set(stored["pages"]["pages"]) == set(stored["pages"]["statements"]["full"])
    assert len(stored["pages"]["pages"]) == len(PAGES)
    board = stored["review"]["board"]
    assert board["min"] <= board["median"] <= board["max"] and len(board["wall"]) == SIZES.repeat
