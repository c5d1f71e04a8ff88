"""Writers in a real browser, for the several-processes test: each is a Playwright tab,
signed in by its session cookie, that writes through the app's own forms until a deadline
and records what the page told it: done (the success message) or refused (the French
message shown instead). Anything else a page shows (a traceback, an English error) or a
step that never ends is kept as an anomaly.

All tabs share one Chromium, driven by Playwright's async API in a thread of its own: the
session's sync Playwright (the `browser` fixture) holds the main thread's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import threading
import traceback
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from routes.web import SESSION_COOKIE
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, SHOTS
from tests.e2e.test_sign_in_flow import APP

STEP_TIMEOUT_MS = 60_000  # one step under the load of twenty tabs on two shared cores
ENGLISH = re.compile(r"\b(Traceback|Exception|Error|error|Connection|Please|went wrong)\b")
VIEWPORT = {"width": 1100, "height": 900}
STAGGER_SECONDS = 1.0
# Twenty tabs animating spinners and transitions redraw all the time: the CPU goes to the app instead.
NO_ANIMATIONS = """document.addEventListener("DOMContentLoaded", () => {
  const style = document.createElement("style");
  style.textContent = "*, *::before, *::after { animation: none !important; transition: none !important; }";
  document.head.appendChild(style);
});"""  # between the tabs' first loads: twenty at once starve two cores


@dataclass(frozen=True)
class Told:
    """What the page said after one write: `done` (its success message) or the refusal shown."""

    act: str  # "submission", "review" or "decision"
    key: tuple
    done: bool
    message: str
    at: float = 0.0  # seconds since the writers started


@dataclass
class Tab:
    """One writer: its account, the address it reaches nginx by, and what it was told."""

    email: str
    token: str
    base_url: str
    told: list[Told] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)

    started_at: float = 0.0

    def tell(self, act: str, key: tuple, done: bool, message: str) -> None:
        at = asyncio.get_running_loop().time() - self.started_at
        self.told.append(Told(act, key, done, message, round(at, 1)))


Work = Callable[["Writing"], Awaitable[None]]


@dataclass
class Writing:
    """What a writer's work gets: its tab and page, and `started()` to wait for the others."""

    tab: Tab
    page: object  # playwright.async_api.Page
    barrier: asyncio.Barrier
    seconds: float
    rng: random.Random
    deadline: float = 0.0

    async def started(self) -> None:
        """Wait until every writer is on its page, then write for `seconds`."""
        await asyncio.wait_for(self.barrier.wait(), timeout=180)
        self.tab.started_at = asyncio.get_running_loop().time()
        self.deadline = self.tab.started_at + self.seconds

    def writing(self) -> bool:
        return asyncio.get_running_loop().time() < self.deadline

    async def check(self, step: str) -> None:
        """Keep as an anomaly a traceback or an English message on the page."""
        page = self.page
        shown = page.get_by_test_id("stException")
        if await shown.count():
            self.tab.anomalies.append(f"{step}: exception shown: {await shown.first.inner_text()}")
        text = await page.locator("body").inner_text()
        if found := ENGLISH.search(text):
            start = max(found.start() - 80, 0)
            self.tab.anomalies.append(f"{step}: English on the page: …{text[start:found.end() + 80]}…")


def run_writers(works: Sequence[tuple[Tab, Work]], *, seconds: float) -> None:
    """Run every writer at once in one Chromium until `seconds` after the last one is ready."""
    failures: list[BaseException] = []

    def in_thread() -> None:
        try:
            asyncio.run(_run(works, seconds))
        except BaseException as error:  # noqa: BLE001 — raised again in the test's thread
            failures.append(error)

    thread = threading.Thread(target=in_thread, name="writers")
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


async def _run(works: Sequence[tuple[Tab, Work]], seconds: float) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        barrier = asyncio.Barrier(len(works))
        await asyncio.gather(*(_one(browser, tab, work, barrier, seconds, number)
                               for number, (tab, work) in enumerate(works)))
        await browser.close()


async def _one(browser, tab: Tab, work: Work, barrier: asyncio.Barrier, seconds: float, number: int) -> None:
    context = await browser.new_context(viewport=VIEWPORT, locale="fr-FR", reduced_motion="reduce")
    await context.add_init_script(NO_ANIMATIONS)
    await context.add_cookies([{"name": SESSION_COOKIE, "value": tab.token, "url": tab.base_url}])
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.on("requestfailed", lambda request: tab.anomalies.append(
        f"request failed: {request.url} ({request.failure})"))
    try:
        await asyncio.sleep(number * STAGGER_SECONDS)
        await work(Writing(tab, page, barrier, seconds, random.Random(number)))  # noqa: S311 — a replayable mix, not a secret
    except Exception as error:  # noqa: BLE001 — every writer's failure is reported, none stops the others
        await barrier.abort()  # a writer that never got ready: the others stop waiting for it
        tab.anomalies.append("".join(traceback.format_exception_only(error)).strip())
        SHOTS.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):  # the screenshot is a help, the anomaly is the report
            await page.screenshot(path=str(SHOTS / f"writer-{number:02d}.png"), full_page=True)
    finally:
        await context.close()


# ---------------------------------------------------------------- steps


async def settled(page, *texts: str) -> None:
    """The async twin of test_sign_in_flow.settled: connected, `texts` shown, script done."""
    from playwright.async_api import expect

    await page.wait_for_selector(f'{APP}[data-test-connection-state="CONNECTED"]')
    for text in texts:
        await expect(page.get_by_text(text, exact=True).first).to_be_visible(timeout=STEP_TIMEOUT_MS)
    await page.wait_for_selector(f'{APP}[data-test-script-state="notRunning"]')
    await page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached")


async def outcome(page, success: str) -> tuple[bool, str]:
    """After a click that saves: (True, `success`) once it shows, or (False, the error shown)."""
    from playwright.async_api import expect

    done = page.get_by_test_id("stAlertContentSuccess").filter(has_text=success)
    refused = page.get_by_test_id("stAlertContentError")
    await expect(done.or_(refused).first).to_be_visible(timeout=STEP_TIMEOUT_MS)
    await settled(page)
    if await done.count():
        return True, success
    return False, (await refused.first.inner_text()).strip()


async def choose(page, label: str, option: str, *, typed: str | None = None) -> None:
    """Pick `option` in a selectbox or multiselect, typing to filter its (virtualised) list."""
    box = page.get_by_label(label, exact=True)
    await box.click()
    await box.press_sequentially(typed or option[:12])
    await page.get_by_role("option").filter(has_text=option).first.click()


async def tick_only_row(page, name: str) -> None:
    """Tick the grid's one row, `name`, until its detail (headed by its name) shows. The grid
    is drawn on a canvas: the tick is a click by position (as test_board_ticks does), which
    a grid still being drawn anew can miss; a missed one is clicked again."""
    from playwright.async_api import expect

    grid = page.get_by_test_id("stDataFrame").first
    # The grid's hidden accessible table names its rows: this is the grid drawn for `name`.
    await grid.locator('[data-testid="glide-cell-1-0"]', has_text=name).wait_for(state="attached")
    heading = page.get_by_role("heading", name=name)
    for attempt in range(3):
        await page.wait_for_timeout(500)
        await grid.scroll_into_view_if_needed()  # a click by position lands only inside the viewport
        box = await grid.bounding_box()
        await page.mouse.click(box["x"] + 17, box["y"] + 35 + 17)
        try:
            await expect(heading).to_be_visible(timeout=STEP_TIMEOUT_MS // 3)
        except AssertionError:
            if attempt == 2:
                raise
            continue
        await settled(page)
        return
