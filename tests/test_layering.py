"""The layers only look down: pages → core → db. Core and db never import Streamlit,
the pages or the routes; db never imports core."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "core": ("streamlit", "pages", "ui", "routes", "demo"),
    "db": ("streamlit", "pages", "ui", "routes", "core", "demo"),
}


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", list(FORBIDDEN))
def test_layer_imports_nothing_above_it(layer):
    files = sorted((ROOT / layer).rglob("*.py"))
    assert len(files) > 5
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in files for name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN[layer]
    )
    assert wrong == []
