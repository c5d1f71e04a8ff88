"""Page tests: the real entry script run by AppTest, signed in through a real session.

Pages are always run through streamlit_app.py (st.navigation registers them, and
st.page_link only resolves registered pages), then reached with switch_page.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.permissions import Actor
from tests.factories import make_session_token, make_user
from ui.forms import escape_md
from ui.session import TEST_TOKEN_KEY

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "streamlit_app.py"
TIMEOUT = 30


def open_app(actor: Actor | None = None, page: str | None = None) -> AppTest:
    """Run the app as `actor` (anonymous if None), then switch to `page` if given."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if actor is not None:
        at.session_state[TEST_TOKEN_KEY] = make_session_token(actor)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def by_label(widgets, label: str):
    """The one widget of the list whose label is `label`."""
    found = [w for w in widgets if w.label == label]
    assert len(found) == 1, f"{len(found)} widgets labelled {label!r}: {[w.label for w in widgets]}"
    return found[0]


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def message_after(block, label: str) -> str | None:
    """The markdown right after the widget labelled `label` in `block` (a form), if any:
    where ui.forms.field_error puts the message of that field."""
    children = list(block.children.values())
    index = next(i for i, c in enumerate(children) if getattr(c, "label", None) == label)
    following = children[index + 1] if index + 1 < len(children) else None
    return following.value if following is not None and type(following).__name__ == "Markdown" else None


def red(message: str) -> str:
    """A field message as ui.forms.field_error writes it."""
    return f":red[{escape_md(message)}]"


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


@pytest.fixture
def as_role(sqlite_db):
    """make_user on the page tests' database: as_role(Role.ADMIN, ...) -> Actor."""
    return make_user


# Beside the open sidebar at 1,400 px, a full-width table is about 940 px wide (measured in
# Chromium); the ticks of a selectable table take 35 of them.
ROOM_AT_1400 = 940
TICKS = 35


def shown_widths(dataframe) -> dict[str, int]:
    """The width of each column a st.dataframe shows at first (its column_order, or all):
    a column without a width set would take what its content asks for."""
    config = json.loads(dataframe.proto.columns)
    shown = list(dataframe.proto.column_order) or list(dataframe.value.columns)
    missing = [name for name in shown if not isinstance(config.get(name, {}).get("width"), int)]
    assert not missing, f"columns without a width: {missing}"
    return {name: config[name]["width"] for name in shown}
