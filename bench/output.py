"""How the benches print: French decimals, verdicts, and a table of columns padded to their widest cell."""

from __future__ import annotations

OK, BELOW = "atteint", "manqué"


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
