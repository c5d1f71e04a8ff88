"""Steps shared by the browser tests."""

from __future__ import annotations

from tests.e2e.test_sign_in_flow import settled


def choose_call(page, theme: str, *ready_texts: str) -> None:
    """Pick the call of `theme` in the page's « Appel » box (typing filters its list: other
    tests of the session add calls), then wait for `ready_texts`."""
    box = page.get_by_label("Appel", exact=True)
    box.click()
    box.press_sequentially(theme[:12])
    page.get_by_role("option").filter(has_text=theme).first.click()
    settled(page, *ready_texts)
