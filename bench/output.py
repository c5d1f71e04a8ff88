"""How the benches print: French decimals, verdicts, and a table of columns padded to their widest cell."""

from __future__ import annotations

from typing import NamedTuple

OK, BELOW = "atteint", "manqué"
INFORMATION = "pour information"


class Target(NamedTuple):
    """One line of the whole run's summary: a target named in an issue, beside its figure.
    `reached` None: no verdict (a figure for information, or a measure not taken, said in `note`)."""

    where: str  # the bench section and the issue that names the target
    measure: str
    figure: str
    target: str
    reached: bool | None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.reached is None:
            return self.note or INFORMATION
        return verdict(self.reached)


def seconds(value: float) -> str:
    return f"{value:.3f} s".replace(".", ",")


def ratio(value: float) -> str:
    return f"{value:.2f}×".replace(".", ",")


def thousands(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def verdict(good: bool) -> str:
    return OK if good else BELOW


def spread(values: list[float]) -> str:
    return f"{seconds(min(values))} – {seconds(max(values))}"


def columns(headers: tuple[str, ...], rows: list[tuple]) -> list[str]:
    widths = [max(len(str(line[i])) for line in (headers, *rows)) for i in range(len(headers))]
    return ["  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(line)).rstrip()
            for line in (headers, tuple("-" * w for w in widths), *rows)]


def markdown(headers: tuple, rows: list[tuple]) -> list[str]:
    """A Markdown table, its columns padded to their widest cell so that it reads in a terminal too."""
    widths = [max(len(str(line[i])) for line in (headers, *rows)) for i in range(len(headers))]

    def line(cells) -> str:
        return "| " + " | ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(cells)) + " |"
    return [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)]


SUMMARY_HEADERS = ("Partie du banc", "Mesure", "Chiffre", "Objectif", "Verdict")


def summary(targets: list[Target]) -> list[str]:
    """The one table of every target with its figure and verdict."""
    return markdown(SUMMARY_HEADERS, [(t.where, t.measure, t.figure, t.target, t.verdict) for t in targets])
