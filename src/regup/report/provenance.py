"""How a provenance run is shown: a summary table, JSON, or GitHub Actions annotations.

Reporters are pure functions of a :class:`~regup.provenance.run.VerifyRun` that write to a
text stream; ``regup verify --format`` and ``regup refresh`` pick one from
:data:`REPORTERS`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TextIO

from regup.checks import FAILING, Outcome
from regup.provenance.run import Mode, VerifyRun
from regup.provenance.state import Result
from regup.report import github_command
from regup.terminal import printable


def summary_line(run: VerifyRun) -> str:
    if not run.results:
        return "no container entries to verify"
    parts = [f"{n} {outcome}" for outcome, n in run.counts.items()]
    stale = sum(1 for r in run.results if r.stale)
    if stale:
        parts.append(f"{stale} stale (re-check failed, older result kept)")
    line = f"{len(run.results)} checked: " + ", ".join(parts)
    if run.failures:
        line += f"; {len(run.failures)} fail the strict check"
    return line


def _short(digest: str | None) -> str:
    return digest.split(":", 1)[-1][:12] if digest else "-"


def _row_detail(result: Result) -> str:
    text = result.detail
    if result.stale and result.error:
        text = f"[stale: {result.error}] {text}"
    return text


def report_text(run: VerifyRun, out: TextIO, *, quiet: bool = False) -> None:
    """One row per entry (NAME, OUTCOME, DIGEST, DETAIL), then a summary line."""
    rows = [
        tuple(
            printable(cell, lines=False)  # details quote registries' and Sigstore's answers
            for cell in (
                r.name,
                r.outcome.value + ("*" if r.stale else ""),
                _short(r.digest),
                _row_detail(r),
            )
        )
        for r in run.results
        if not quiet or r.fails_strict or r.outcome is Outcome.ERROR
    ]
    if rows:
        header = ("NAME", "OUTCOME", "DIGEST", "DETAIL")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
        for row in [header, *rows]:
            cells = [row[i].ljust(widths[i]) for i in range(3)]
            out.write("  ".join([*cells, row[3]]).rstrip() + "\n")
        out.write("\n")
    out.write(summary_line(run) + "\n")


def run_to_json(run: VerifyRun) -> dict[str, object]:
    return {
        "mode": run.mode.value,
        "counts": run.counts,
        "failures": [r.name for r in run.failures],
        "state_written": run.state_written,
        "results": {r.name: r.to_json() for r in run.results},
    }


def report_json(run: VerifyRun, out: TextIO, *, quiet: bool = False) -> None:
    out.write(json.dumps(run_to_json(run), indent=2, sort_keys=True) + "\n")


def github_annotations(run: VerifyRun) -> list[str]:
    """GitHub Actions workflow commands: an error for what fails a strict run, a warning
    for the same in warn mode and for errors (transient) and stale results."""
    lines: list[str] = []
    for r in run.results:
        if r.outcome in FAILING:
            command = "error" if run.mode is Mode.STRICT else "warning"
        elif r.outcome is Outcome.ERROR or r.stale:
            command = "warning"
        else:
            continue
        path = run.paths.get(r.name, r.name)
        title = f"provenance {r.outcome.value}" + (" (stale)" if r.stale else "")
        lines.append(github_command(command, f"{r.name}: {_row_detail(r)}", file=path, title=title))
    return lines


def report_github(run: VerifyRun, out: TextIO, *, quiet: bool = False) -> None:
    for line in github_annotations(run):
        out.write(line + "\n")
    if not quiet:
        out.write(summary_line(run) + "\n")


Reporter = Callable[..., None]

#: Output formats of ``regup verify --format``.
REPORTERS: dict[str, Reporter] = {
    "text": report_text,
    "json": report_json,
    "github": report_github,
}
