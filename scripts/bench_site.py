#!/usr/bin/env python3
"""Benchmark the catalog build against MkDocs (material theme), in the same run.

Usage: scripts/bench_site.py N [--repeat K] [--dir FOLDER] [--skip-mkdocs] [--skip-browser]

Makes N synthetic servers (container and remote, tools, env vars, permissions, tags), then:

* regup:    renders the catalog (``regup.site.build_site``: every page, the feeds and the
            Pagefind index) into a temporary folder;
* baseline: writes the same server pages as Markdown (title, description, install snippets,
            configuration table, permissions, tools) and runs ``mkdocs build`` with the
            material theme and its search plugin, the server pages kept out of the
            navigation (``not_in_nav``) as a user with thousands of pages would;
* browser:  serves the catalog on 127.0.0.1 and measures, in Debian's Chromium, the time from
            opening ``search/?q=<a tool name>`` to the first result painted.

Prints the times, the ratio (target at N = 10,000: MkDocs / regup >= 5), the median server
page size (target < 40 KB) and the time to the first search result painted (target <= 1.0 s).

Both sides create tens of thousands of files, so the file system weighs in: ext4 allocates
inodes slowly for a minute or more after many files were deleted (it skips recently freed
ones), which is what the end of a previous run does. Wait a few minutes between runs.
``--repeat K`` builds each side K times, interleaved, and keeps the best time of each (the
usual way to take out a noisy machine); ``--dir`` builds somewhere else, such as a tmpfs
(``/dev/shm``) to leave the disk out of it.
"""

from __future__ import annotations

import argparse
import functools
import gc
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from regup.cli import GC_THRESHOLDS
from regup.config import Config
from regup.emit.canonical import EmitContext
from regup.files import write_outputs
from regup.model import Entry, EnvVar, Header, Metadata, Outbound, Permissions, Registry
from regup.site import SiteOptions, build_site
from regup.site import contexts as c

WORDS = (
    "query search fetch list create update delete read write issue page file metric log "
    "project deploy build release alert ticket record table schema index cluster bucket"
).split()
CHROMIUM = Path("/usr/bin/chromium")


def synthetic(n: int, seed: int = 7) -> Registry:
    rng = random.Random(seed)
    entries = []
    for i in range(n):
        tools = tuple(
            sorted(
                {f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{j}" for j in range(rng.randint(3, 30))}
            )
        )
        tags = tuple(
            sorted({f"{rng.choice(WORDS)}-{rng.randint(0, 40)}" for _ in range(rng.randint(1, 5))})
        )
        common: dict[str, Any] = {
            "name": f"server-{i:05d}",
            "title": f"Synthetic server {i}",
            "description": f"Synthetic server {i} that lets an assistant {rng.choice(WORDS)} things.",
            "overview": f"Server {i} works with **{rng.choice(WORDS)}** data. See [docs](https://example.com/{i}).",
            "tier": rng.choice(["Official", "Community"]),
            "status": "Deprecated" if i % 50 == 0 else "Active",
            "tools": tools,
            "tags": tags,
            "repository_url": f"https://github.com/example/server-{i}",
            "metadata": Metadata(
                rng.randint(0, 50000),
                rng.randint(0, 10**6),
                f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00Z",
            ),
        }
        if i % 4 == 0:
            entry = Entry(
                transport="streamable-http",
                url=f"https://mcp{i}.example.com/mcp",
                version=f"2.{i % 10}.0",  # a remote states its version (rule version-missing)
                headers=(Header("Authorization", "Bearer token of your account.", True, True),),
                **common,
            )
        else:
            entry = Entry(
                transport=rng.choice(["stdio", "stdio", "streamable-http"]),
                image=f"ghcr.io/example/server-{i}:1.{i % 10}.0",
                env_vars=(
                    EnvVar(f"API_KEY_{i}", "Key of your account.", True, True),
                    EnvVar("LOG_LEVEL", "How much to log.", False, None, "info"),
                ),
                permissions=Permissions(
                    has_network=True, outbound=Outbound((f"api{i}.example.com",), (443,))
                ),
                **common,
            )
        entries.append(entry)
    return Registry(tuple(entries))


def build_regup(registry: Registry, out: Path) -> tuple[float, float]:
    """Seconds to build the catalog in memory (pages and index), then to write its files."""
    gc.set_threshold(*GC_THRESHOLDS)  # as in a regup process (regup.cli.main)
    start = time.perf_counter()
    config = Config(name="Benchmark registry")
    ctx = EmitContext(config=config, timestamp="2026-01-01T00:00:00Z")
    files = build_site(registry, ctx, {}, SiteOptions(base_url="https://bench.example.org"))
    built = time.perf_counter()
    list(write_outputs(out, files, files))  # what `regup build` writes with
    return built - start, time.perf_counter() - built


def markdown_page(site: c.SiteContext, entry: Entry) -> str:
    page = c.server_page(site, entry, [])
    lines = [f"# {page.title}", "", page.description, "", "## Install", ""]
    for snippet in page.snippets:
        lines += [
            f"### {snippet.label}",
            "",
            f"```{snippet.language}",
            snippet.text,
            "```",
            "",
            snippet.hint,
            "",
        ]
    lines += [
        "## Configuration",
        "",
        "| name | required | secret | default | description |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in page.config_rows:
        lines.append(
            f"| `{row.name}` | {row.required} | {row.secret} | {row.default} | {row.description} |"
        )
    lines += [
        "",
        "## What it may access",
        "",
        *[f"- {s}" for s in (*page.network, *page.filesystem)],
        "",
    ]
    lines += [f"## Tools ({page.tools_count})", "", *[f"- `{t}`" for t in page.tools], ""]
    lines += ["## Overview", "", entry.overview or "", ""]
    return "\n".join(lines)


def mkdocs_project(registry: Registry, folder: Path) -> Path:
    """The same server pages as a MkDocs project (material theme, search plugin)."""
    docs = folder / "docs"
    (docs / "servers").mkdir(parents=True)
    (docs / "index.md").write_text(
        "# Benchmark registry\n\nEvery server has a page under servers/.\n"
    )
    site = c.SiteContext(registry, Config())  # one, as a catalog build makes
    for entry in registry.entries:
        (docs / "servers" / f"{entry.name}.md").write_text(markdown_page(site, entry))
    (folder / "mkdocs.yml").write_text(
        "site_name: Benchmark registry\n"
        "theme:\n  name: material\n  font: false\n"
        "nav:\n  - Home: index.md\n"
        "not_in_nav: |\n  /servers/\n"
        "plugins:\n  - search\n"
    )
    return folder


def build_mkdocs(project: Path, site: Path) -> float:
    """Seconds for ``mkdocs build`` of ``project`` into ``site``."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir", str(site)],
        cwd=project,
        check=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    return time.perf_counter() - start


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class NoResultError(RuntimeError):
    """The search page showed no result in time; the message says what the page logged."""


#: Notes, in the page, when the frame that shows the first result has been painted: the
#: first result in the document, then a rendering opportunity, then the task after it.
FIRST_RESULT_PROBE = """
new MutationObserver(function (changes, observer) {
  if (!document.querySelector("#search-results li.card")) return;
  observer.disconnect();
  requestAnimationFrame(function () {
    setTimeout(function () { window.__firstPainted = performance.now(); }, 0);
  });
}).observe(document, { subtree: true, childList: true });
"""


def first_result_seconds(site: Path, query: str) -> tuple[float, float] | None:
    """Median seconds from navigation start to the first result of ``query`` painted, as
    the page notes it, and as Playwright sees it (None: no Chromium).

    Playwright's view comes later: it polls the page from another process, and a page
    still busy (loading the filter index, drawing the filters) answers late. The page's
    own note is what a visitor sees.

    Raises :class:`NoResultError` when no result shows within 30 s.
    """
    if not CHROMIUM.exists():
        return None
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(site))

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/search/?q={query}"
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
            painted: list[float] = []
            seen: list[float] = []
            logged: list[str] = []  # what the pages printed or failed to load
            for _ in range(3):  # a fresh context each time: nothing cached
                context = browser.new_context()
                page = context.new_page()
                page.add_init_script(FIRST_RESULT_PROBE)
                page.on("console", lambda m: logged.append(f"{m.type}: {m.text}"))
                page.on("requestfailed", lambda r: logged.append(f"failed: {r.url}"))
                page.goto(url)
                try:
                    page.wait_for_selector("#search-results li.card")
                except PlaywrightTimeout:
                    raise NoResultError("; ".join(logged) or "nothing logged") from None
                seen.append(page.evaluate("performance.now()") / 1000)
                page.wait_for_function("window.__firstPainted !== undefined")
                painted.append(page.evaluate("window.__firstPainted") / 1000)
                context.close()
            browser.close()
        return float(statistics.median(painted)), float(statistics.median(seen))
    finally:
        server.shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", type=int)
    parser.add_argument("--skip-mkdocs", action="store_true")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=1, help="build each side this many times, keep the best"
    )
    parser.add_argument("--dir", type=Path, help="where to build (default: the temp folder)")
    args = parser.parse_args()
    registry = synthetic(args.n)
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="regup-bench-site-", dir=args.dir))
    try:
        project = None if args.skip_mkdocs else mkdocs_project(registry, tmp / "mkdocs")
        ours: list[tuple[float, float]] = []
        theirs: list[float] = []
        # Interleaved, and nothing deleted until the end: both sides see the same machine,
        # and neither pays for the other's deleted files (see above).
        for run in range(1, args.repeat + 1):
            # Each build starts with nothing left to flush to disk from the step before
            # (the Markdown sources, the other side's output): neither pays for the other.
            os.sync()
            ours.append(build_regup(registry, tmp / f"regup-{run}"))
            if project is not None:
                os.sync()
                theirs.append(build_mkdocs(project, tmp / f"mkdocs-site-{run}"))
        built, written = min(ours, key=sum)
        best = built + written
        site = tmp / "regup-1"
        pages = [
            (site / "servers" / e.name / "index.html").stat().st_size for e in registry.entries
        ]
        files = sum(1 for p in site.rglob("*") if p.is_file())
        runs = f"best of {args.repeat}: " if args.repeat > 1 else ""
        print(f"servers: {args.n}")
        print(
            f"regup catalog:   {best:8.1f} s  ({runs}{files} files, incl. the Pagefind index; "
            f"{built:.1f} s pages and index, {written:.1f} s writing)"
        )
        if args.repeat > 1:
            print(f"  every run: {', '.join(f'{sum(r):.1f}' for r in ours)} s")
        print(
            f"median server page: {statistics.median(pages) / 1024:.1f} KB (max {max(pages) / 1024:.1f} KB)"
        )
        if theirs:
            print(
                f"mkdocs material: {min(theirs):8.1f} s  ({runs}same server pages, search plugin)"
            )
            if args.repeat > 1:
                print(f"  every run: {', '.join(f'{t:.1f}' for t in theirs)} s")
            print(f"ratio mkdocs / regup: {min(theirs) / best:.1f}x")
        if not args.skip_browser:
            tool = registry.entries[len(registry.entries) // 2].tools[0]
            os.sync()
            try:
                seconds = first_result_seconds(site, tool)
            except NoResultError as exc:
                print(f"first search result ({tool!r}): none within 30 s ({exc})")
                return 1
            if seconds is None:
                print("first search result: skipped (no /usr/bin/chromium)")
            else:
                print(
                    f"first search result ({tool!r}): painted {seconds[0]:.2f} s after "
                    f"navigation start (Playwright saw it at {seconds[1]:.2f} s)"
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        os.sync()  # the next run's file system work should not include these deletions
    return 0


if __name__ == "__main__":
    sys.exit(main())
