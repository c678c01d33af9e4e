"""Diagnostics (``regup validate``, ``build``, ``serve --build``) as text, JSON or GitHub
Actions annotations.

Picked by name with ``--format`` from :data:`REPORTERS`. Reporters never import
jsonschema; they only see :class:`~regup.diagnostics.Diagnostic` values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

import click

from regup.diagnostics import Diagnostic, Severity
from regup.report import github_command
from regup.terminal import printable


@dataclass(frozen=True)
class Summary:
    files: int
    errors: int
    warnings: int


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(summary: Summary) -> str:
    if summary.errors == 0 and summary.warnings == 0:
        return f"All {_plural(summary.files, 'file')} valid."
    return (
        f"{_plural(summary.errors, 'error')}, {_plural(summary.warnings, 'warning')} "
        f"in {_plural(summary.files, 'file')}."
    )


def report_text(
    diagnostics: Sequence[Diagnostic], summary: Summary, out: TextIO, *, color: bool, quiet: bool
) -> None:
    for d in diagnostics:
        label = d.severity.value
        if color:
            label = click.style(
                label, fg="red" if d.severity is Severity.ERROR else "yellow", bold=True
            )
        # Paths and messages quote folder names and values anyone can propose: escaped, so
        # that no control character reaches the terminal (click strips only ANSI sequences).
        path, message = printable(d.path, lines=False), printable(d.message)
        click.echo(f"{path}:{d.line}:{d.col}: {label}: {message} [{d.rule}]", file=out, color=color)
    if not quiet:
        click.echo(summary_line(summary), file=out)


def report_json(
    diagnostics: Sequence[Diagnostic], summary: Summary, out: TextIO, *, color: bool, quiet: bool
) -> None:
    payload = {
        "ok": summary.errors == 0,
        "files": summary.files,
        "errors": summary.errors,
        "warnings": summary.warnings,
        "diagnostics": [d.to_json() for d in diagnostics],
    }
    out.write(json.dumps(payload, indent=2, sort_keys=True) + "\n")


def report_github(
    diagnostics: Sequence[Diagnostic], summary: Summary, out: TextIO, *, color: bool, quiet: bool
) -> None:
    for d in diagnostics:
        level = "error" if d.severity is Severity.ERROR else "warning"
        line = github_command(level, d.message, file=d.path, line=d.line, col=d.col, title=d.rule)
        out.write(line + "\n")
    if not quiet:
        out.write(summary_line(summary) + "\n")


Reporter = Callable[..., None]

#: Output formats of ``regup validate --format``.
REPORTERS: dict[str, Reporter] = {
    "text": report_text,
    "json": report_json,
    "github": report_github,
}
