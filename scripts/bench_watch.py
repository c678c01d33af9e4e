#!/usr/bin/env python3
"""Benchmark ``regup serve --watch``: from saving an entry to seeing the change.

Usage: scripts/bench_watch.py [N] [--edits K]

Serves a copy of this repository's registry (or, with N, N synthetic entries made by
``bench_build.py``'s generator) with ``regup serve --watch`` on 127.0.0.1, then K times
rewrites one entry's description and measures, from the write:

* event:  the ``build`` event on ``/_regup/events`` (what makes an open page reload);
* page:   the entry's catalog page and its API document (``versions/latest``) both show the
          new text (what the reloaded page shows): the goal is under 1 s for this registry
          and under 2 s for 10,000 entries;
* full:   the full in-memory rebuild has caught up (the entry's ``upstream/servers/`` file,
          which only the full build rewrites, shows the new text): the baseline, what a rebuild of
          everything costs, measured in the same run.

Prints the median and worst of each, and the ratio page / full.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_build import generate  # noqa: E402


class Events(threading.Thread):
    """Reads ``/_regup/events`` and keeps the arrival time of every build event."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.times: list[float] = []
        self.ready = threading.Event()

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        conn.request("GET", "/_regup/events")
        response = conn.getresponse()
        for raw in response:
            if raw.startswith(b"event: build"):
                self.times.append(time.perf_counter())
                self.ready.set()


def fetch(conn: http.client.HTTPConnection, path: str) -> bytes:
    """The body at ``path``; a keep-alive connection the server closed is opened again."""
    for attempt in (1, 2):
        try:
            conn.request("GET", path, headers={"Accept": "text/html"})
            return conn.getresponse().read()
        except (http.client.RemoteDisconnected, ConnectionError):
            conn.close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def shows(conn: http.client.HTTPConnection, paths: list[str], needle: bytes) -> Callable[[], bool]:
    return lambda: all(needle in fetch(conn, path) for path in paths)


def more(events: Events, seen: int) -> Callable[[], bool]:
    return lambda: len(events.times) > seen


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> float:
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if check():
            return time.perf_counter()
        time.sleep(0.005)
    raise SystemExit(f"not within {timeout:.0f} s: {what}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", type=int, nargs="?", help="synthetic entries (default: ours)")
    parser.add_argument("--edits", type=int, default=5, help="edits to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="regup-bench-watch-") as tmp:
        root = Path(tmp)
        if args.n:
            generate(root, args.n)
        else:
            shutil.copytree(ROOT / "registry", root / "registry")
            shutil.copy(ROOT / "regup.toml", root / "regup.toml")
        namespace = re.search(r'namespace = "([^"]+)"', (root / "regup.toml").read_text())
        assert namespace
        folders = sorted(p.parent for p in (root / "registry").glob("*/spec.yaml"))
        entry = folders[len(folders) // 2]
        spec = entry / "spec.yaml"
        page = f"/site/servers/{entry.name}/"
        document = f"/v0.1/servers/{quote(namespace.group(1) + '/' + entry.name, safe='')}"
        document += "/versions/latest"
        started = time.perf_counter()
        env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
        process = subprocess.Popen(
            [sys.executable, "-m", "regup", "-q", "serve", "--watch", "--port", "0"],
            cwd=root,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            port = int(line.split("http://127.0.0.1:", 1)[1].split("/", 1)[0])
            print(
                f"entries: {len(folders)}; first build and start: {time.perf_counter() - started:.1f} s"
            )
            events = Events(port)
            events.start()
            events.ready.wait(60)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            other = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            results: dict[str, list[float]] = {"event": [], "page": [], "full": []}
            original = spec.read_text(encoding="utf-8")
            for i in range(args.edits):
                token = f"Edited for the benchmark, round {i} of {time.time_ns()}."
                text = re.sub(r"(?m)^description: .*$", f"description: {token}", original)
                seen = len(events.times)
                wrote = time.perf_counter()
                spec.write_text(text, encoding="utf-8")
                needle = token.encode()
                shown = wait_for(
                    shows(conn, [page, document], needle),
                    120,
                    "the page and the API show the edit",
                )
                wait_for(more(events, seen), 120, "a build event")
                full = wait_for(
                    shows(other, [f"/upstream/servers/{entry.name}.json"], needle),
                    900,
                    "the full rebuild",
                )
                results["event"].append(events.times[seen] - wrote)
                results["page"].append(shown - wrote)
                results["full"].append(full - wrote)
                print(
                    f"edit {i + 1}: event {results['event'][-1]:.3f} s, page "
                    f"{results['page'][-1]:.3f} s, full {results['full'][-1]:.1f} s",
                    flush=True,
                )
                # The next edit starts after the full build is published (a full build
                # whose result arrives later would be an edit's second reload).
                time.sleep(0.3)
            for key, label in (
                ("event", "edit -> reload event"),
                ("page", "edit -> page and API show it"),
                ("full", "edit -> full rebuild published (baseline)"),
            ):
                values = results[key]
                print(
                    f"{label:44s} median {statistics.median(values):6.3f} s, "
                    f"worst {max(values):6.3f} s"
                )
            ratio = statistics.median(results["page"]) / statistics.median(results["full"])
            goal = 1.0 if not args.n else 2.0
            print(
                f"ratio page / full: {ratio:.3f}; goal: page under {goal:.0f} s "
                f"({'met' if max(results['page']) < goal else 'NOT met'})"
            )
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
