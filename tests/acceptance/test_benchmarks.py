"""The benchmark scripts run: each at a small size, to the end, printing its figures.

They are not timed here (their numbers are for the issue notes, measured on a quiet
machine); this only keeps them working as the code they measure changes. bench_site.py
went unnoticed for a session when the build stopped inventing versions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT

pytestmark = pytest.mark.slow

ENV = {**os.environ, "GITHUB_TOKEN": "", "NO_COLOR": "1"}


def bench(*args: str, timeout: int = 300) -> str:
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / args[0]), *args[1:]],
        cwd=REPO_ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_bench_build() -> None:
    out = bench("bench_build.py", "30", "--repeat", "1")
    assert "30" in out and "x" in out


def test_bench_diff() -> None:
    out = bench("bench_diff.py", "30", "--repeat", "1")
    assert "diff" in out.lower()


@pytest.mark.parametrize("check", [False, True], ids=["refresh", "check"])
def test_bench_refresh(check: bool) -> None:
    out = bench("bench_refresh.py", "20", "--latency", "0", *(["--check"] if check else []))
    assert "requests" in out.lower()


def test_bench_site(tmp_path: Path) -> None:
    out = bench("bench_site.py", "20", "--skip-mkdocs", "--dir", str(tmp_path / "site"))
    assert "median server page:" in out
    if Path("/usr/bin/chromium").exists():
        assert "first search result (" in out and "after navigation start" in out


def test_bench_watch() -> None:
    out = bench("bench_watch.py", "20", "--edits", "1")
    assert "goal: page under" in out


@pytest.mark.skipif(
    not (shutil.which("nginx") and shutil.which("wrk")), reason="needs nginx and wrk"
)
def test_bench_serve() -> None:
    out = bench("bench_serve.py", "20", "--duration", "1")
    rows = [line.split() for line in out.splitlines() if line.startswith(("listing", "document"))]
    rows += [line.split()[1:] for line in out.splitlines() if line.startswith("catalog page")]
    # path, connections, regup req/s, p50, p99, nginx req/s, p50, p99, ratio; both sides answered
    assert sorted(int(r[1]) for r in rows) == [1, 1, 1, 32, 32, 32]
    assert all(float(r[2].replace(",", "")) > 0 and float(r[5].replace(",", "")) > 0 for r in rows)
    assert all(r[-1].endswith("x") for r in rows)
    assert "ToolHive's limit=1 walk against regup serve: 20 pages in " in out
