#!/usr/bin/env python3
"""Fuzz regup for a while: the property of ``tests/acceptance/test_fuzz.py``, run longer.

Usage: scripts/fuzz.py --minutes N [--seed S] [--failure-dir DIR]

Generates registries of 1 to 3 mutated real entries (``tests/fuzzing.py`` says how) and runs
``validate`` (text and JSON), ``build --no-site``, ``fmt --check``, ``list`` and ``info`` on
each, in this process, for N minutes. Prints the examples run, the runs and exit codes per
command and the slowest run. When the property fails, hypothesis shrinks the example; the
minimal failing registry is written to DIR (default ``fuzz-failure/``, with a
``recipe.txt`` saying how it was made) and the script exits 1.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "src"))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402
from tests.fuzzing import (  # noqa: E402
    FuzzEntry,
    FuzzFailure,
    Stats,
    check_registry,
    registries,
    save_registry,
)

#: Examples per hypothesis run; the clock is checked between runs.
CHUNK = 100


def fuzz(minutes: float, seed: int, failure_dir: Path) -> tuple[Stats, FuzzFailure | None]:
    stats = Stats()
    deadline = time.monotonic() + minutes * 60

    def prop(entries: list[FuzzEntry]) -> None:
        stats.examples += 1
        with tempfile.TemporaryDirectory(prefix="regup-fuzz-") as work:
            try:
                check_registry(entries, Path(work), stats)
            except FuzzFailure:
                # hypothesis replays the minimal example last: this folder ends up holding it
                save_registry(entries, failure_dir)
                raise

    chunk = 0
    while time.monotonic() < deadline:
        test = settings(
            max_examples=CHUNK,
            deadline=None,
            database=None,
            phases=[Phase.generate, Phase.shrink],
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
        )(given(registries())(prop))
        try:
            hypothesis_seed(seed * 1_000_003 + chunk)(test)()
        except FuzzFailure as failure:
            return stats, failure
        chunk += 1
    return stats, None


def report(stats: Stats, seconds: float) -> None:
    print(f"examples run: {stats.examples} in {seconds / 60:.1f} min")
    print("runs per command (exit codes):")
    for command, runs in sorted(stats.runs.items()):
        codes = ", ".join(
            f"{code}: {n}"
            for (name, code), n in sorted(stats.exit_codes.items())
            if name == command
        )
        print(f"  {command:<24} {runs:>7}   ({codes})")
    slowest, command, entries = stats.slowest
    print(f"slowest run: {command} {slowest:.2f} s on {entries[:600]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, required=True, help="how long to fuzz")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--failure-dir",
        type=Path,
        default=Path("fuzz-failure"),
        help="where the minimal failing registry is written (default fuzz-failure/)",
    )
    args = parser.parse_args()
    started = time.monotonic()
    stats, failure = fuzz(args.minutes, args.seed, args.failure_dir.resolve())
    report(stats, time.monotonic() - started)
    if failure is not None:
        print(f"\nFAILED: {failure}", file=sys.stderr)
        print(f"minimal failing registry: {args.failure_dir.resolve()}/registry", file=sys.stderr)
        print(f"rerun: regup --registry {args.failure_dir}/registry validate", file=sys.stderr)
        return 1
    print("no failure")
    return 0


if __name__ == "__main__":
    sys.exit(main())
