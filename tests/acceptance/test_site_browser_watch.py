"""``regup serve --watch`` in a real browser: an open catalog page reloads by itself after an
edit, shows a broken edit's errors, and comes back when it is fixed.

A real ``regup serve --watch`` process on 127.0.0.1 and Debian's Chromium; skips only when
/usr/bin/chromium is missing, as the other browser tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from tests.acceptance.test_serve import Preview, start, stop
from tests.acceptance.test_serve_watch import PAGE, describe, project, spec
from tests.browser import BROWSER, Tab

__all__ = ["project"]

pytestmark = BROWSER

#: Milliseconds the page may take to show an edit (the rebuild of two entries is far faster).
DEADLINE_MS = 30_000

T = TypeVar("T")


@pytest.fixture
def watching(project: Path) -> Iterator[Preview]:
    running = start(["serve", "--watch"], project)
    yield running
    stop(running)


def _settled(tab: Tab, read: Callable[[], T]) -> T:
    """``read()`` of the page once no reload is under way: after the quick rebuild of an edit
    the full build that follows may reload the page again, which destroys the document a
    read is running in; the read is then tried again on the new one."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + DEADLINE_MS / 1000
    while True:
        try:
            tab.page.wait_for_load_state("load", timeout=DEADLINE_MS)
            return read()
        except Error as exc:
            if "context was destroyed" not in str(exc) or time.monotonic() > deadline:
                raise


def _text_appears(tab: Tab, text: str) -> None:
    tab.page.wait_for_function(
        "text => document.body && document.body.innerText.includes(text)",
        arg=text,
        timeout=DEADLINE_MS,
    )


def test_an_open_page_reloads_after_an_edit(tab: Tab, project: Path, watching: Preview) -> None:
    tab.page.goto(f"{watching.url}{PAGE}")
    assert "Fetches web pages" in tab.page.inner_text("main")
    # Marks this document: a reload replaces the window's state, a patch in place would not.
    tab.page.evaluate("window.regupBefore = true")
    # The script says when its event stream is open: edits from then on are announced.
    tab.page.wait_for_selector("html[data-regup-watching]", state="attached", timeout=DEADLINE_MS)

    describe(project, "Edited while the page is open.")
    _text_appears(tab, "Edited while the page is open.")
    # a new document
    assert _settled(tab, lambda: tab.page.evaluate("window.regupBefore === undefined"))

    spec(project).write_text("description: [unclosed\n", encoding="utf-8")
    tab.page.wait_for_selector("#regup-watch-errors", timeout=DEADLINE_MS)
    overlay = _settled(tab, lambda: tab.page.inner_text("#regup-watch-errors"))
    assert "registry/fetch/spec.yaml:" in overlay and "yaml-syntax" in overlay
    # The overlay is styled by its own file, allowed by the catalog's Content-Security-Policy.
    position = "e => getComputedStyle(e).position"
    assert (
        _settled(tab, lambda: tab.page.eval_on_selector("#regup-watch-errors", position)) == "fixed"
    )

    describe(project, "Fixed in the open page.")
    _text_appears(tab, "Fixed in the open page.")
    assert _settled(tab, lambda: tab.page.locator("#regup-watch-errors").count()) == 0
    assert tab.errors == []
