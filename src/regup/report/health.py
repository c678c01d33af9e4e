"""How a ``regup check`` run is shown: one row per entry and signal, or JSON.

Reporters are pure functions of a :class:`~regup.health.run.CheckResult` that write to a
text stream; ``regup check --format`` picks one from :data:`REPORTERS`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TextIO

from regup.health.run import CheckResult
from regup.healthstate import Level, Signal, level_of
from regup.terminal import printable


def summary_line(result: CheckResult) -> str:
    if not result.entries:
        return "no entries to check"
    counts: dict[str, int] = {}
    for entry in result.entries:
        for signal, record in entry.records.items():
            level = level_of(signal, record.state).value
            counts[level] = counts.get(level, 0) + 1
    parts = [f"{counts[k]} {k}" for k in ("good", "notice", "bad", "unknown") if k in counts]
    line = f"{len(result.entries)} entries checked: " + (", ".join(parts) or "no signal")
    if result.faults:
        line += f"; {result.faults} signal(s) got no answer (previous values kept, stale)"
    if result.offline:
        line += "; nothing answered: no network?"
    if result.stopped:
        line += f"; GitHub stopped: {result.stopped}"
    return line + ("; registry/health.json updated" if result.written else "")


def report_text(result: CheckResult, out: TextIO, *, quiet: bool = False) -> None:
    """NAME, SIGNAL, STATE (``*``: stale), DETAIL; then a summary line."""
    rows: list[tuple[str, ...]] = []
    for entry in result.entries:
        for signal in Signal:
            record = entry.records.get(signal)
            fault = entry.faults.get(signal)
            if record is None and fault is None:
                continue
            state = record.state if record else "not checked yet"
            level = level_of(signal, record.state) if record else Level.UNKNOWN
            if quiet and level is not Level.BAD and fault is None:
                continue
            detail = record.detail if record else ""
            if fault is not None:
                state += "*"
                detail = f"[no answer: {fault}] {detail}".rstrip()
            rows.append(
                tuple(printable(c, lines=False) for c in (entry.name, signal.value, state, detail))
            )
    if rows:
        header = ("NAME", "SIGNAL", "STATE", "DETAIL")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
        for row in [header, *rows]:
            cells = [row[i].ljust(widths[i]) for i in range(3)]
            out.write("  ".join([*cells, row[3]]).rstrip() + "\n")
        out.write("\n")
    out.write(summary_line(result) + "\n")


def report_json(result: CheckResult, out: TextIO, *, quiet: bool = False) -> None:
    out.write(json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n")


Reporter = Callable[..., None]

#: Output formats of ``regup check --format``.
REPORTERS: dict[str, Reporter] = {"text": report_text, "json": report_json}
