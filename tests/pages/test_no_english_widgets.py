"""Every multiselect of the app turns off Streamlit's English « Select all » option
(checked in the source, so that a new page cannot forget it)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def multiselect_calls() -> list[tuple[str, ast.Call]]:
    found = []
    for path in sorted([*ROOT.glob("pages/**/*.py"), *ROOT.glob("ui/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "multiselect":
                found.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return found


def test_every_multiselect_turns_off_select_all():
    calls = multiselect_calls()
    assert len(calls) >= 4  # the walk does find the app's multiselects
    missing = [where for where, call in calls
               if not any(k.arg == "select_all" and isinstance(k.value, ast.Constant) and k.value.value is False
                          for k in call.keywords)]
    assert missing == []
