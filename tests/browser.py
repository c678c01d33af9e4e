"""Debian's Chromium driven by Playwright, and the catalog served over real HTTP: what every
browser test shares (its marks, the page wrapper, the static server). The ``browser`` and
``tab`` fixtures are re-exported by ``tests/acceptance/conftest.py``.

Browser tests skip only when /usr/bin/chromium is missing (``scripts/setup`` installs it as
root; CI always has it).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: The marks of every browser test module: ``pytestmark = BROWSER``.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's chromium is not installed at /usr/bin/chromium "
        "(apt-get install chromium; scripts/setup does it when run as root)",
    ),
]


class _Quiet(SimpleHTTPRequestHandler):
    #: The site's own not-found page, answered for missing paths as GitHub Pages does.
    not_found: bytes | None = None

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404 or self.not_found is None:
            super().send_error(code, message, explain)
            return
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.not_found)))
        self.end_headers()
        self.wfile.write(self.not_found)


@contextlib.contextmanager
def serving(site: Path, sub_path: str = "") -> Iterator[str]:
    """Serve ``site`` over HTTP on a free port of 127.0.0.1, under ``/<sub_path>/`` when
    given (a project page), with its ``404.html`` for missing paths; yields its URL."""
    folder = site
    if sub_path:
        folder = site.parent / f"{site.name}-root"
        folder.mkdir(exist_ok=True)
        with contextlib.suppress(FileExistsError):
            (folder / sub_path).symlink_to(site, target_is_directory=True)
    not_found = site / "404.html"
    handler = type("_Handler", (_Quiet,), {"not_found": not_found.read_bytes()})
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        prefix = f"{sub_path}/" if sub_path else ""
        yield f"http://127.0.0.1:{server.server_address[1]}/{prefix}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield instance
        finally:
            instance.close()


class Tab:
    """A page plus every console error, page error and dialog it produced."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.errors.append(f"dialog: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def tab(browser: Any) -> Iterator[Tab]:
    """A fresh page of its own context, which may read and write the clipboard."""
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        yield Tab(context.new_page())
    finally:
        context.close()
