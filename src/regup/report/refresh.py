"""A ``regup refresh`` run (:class:`~regup.enrich.refresh.RefreshResult`) as a summary
table, JSON, or GitHub Actions annotations for failures and notes."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TextIO

from regup.enrich import EntryReport, RefreshResult, Source, Status
from regup.report import github_command
from regup.terminal import printable


def _number(value: int | None) -> str:
    return "absent" if value is None else f"{value:,}"


def _changes(entry: EntryReport) -> str:
    parts = []
    for key, outcome in (("stars", entry.stars), ("pulls", entry.pulls)):
        old, new = getattr(entry.before, key), getattr(entry.after, key)
        if old == new:
            continue
        if new is None:
            why = f" ({outcome.message})" if outcome.message else ""
            parts.append(f"{key} {_number(old)} removed{why}")
        else:
            parts.append(f"{key} {_number(old)} -> {_number(new)}")
    if not parts and entry.before.last_updated != entry.after.last_updated:
        parts.append("last_updated stamped")
    return "; ".join(parts)


def _notes(entry: EntryReport) -> list[tuple[str, str]]:
    """(level, message) lines worth a maintainer's attention."""
    notes: list[tuple[str, str]] = []
    if entry.status is Status.FAILED:
        failed = [
            o.message or "lookup failed"
            for o in (entry.stars, entry.pulls)
            if o.source is Source.FAILED
        ]
        notes.append(("error", "; ".join(dict.fromkeys(failed)) or "failed"))
    if entry.renamed_to:
        notes.append(
            (
                "warning",
                f"repository {entry.repository} was renamed to {entry.renamed_to}; "
                "update repository_url",
            )
        )
    if entry.archived:
        notes.append(("warning", f"repository {entry.repository} is archived"))
    return notes


def _usage_line(result: RefreshResult) -> str:
    gh, dh = result.github, result.docker_hub
    left = f", {gh.limit.remaining:,} left" if gh.limit and gh.limit.remaining is not None else ""
    return (
        f"GitHub ({result.github_method}): {gh.requests} request(s), "
        f"{gh.points} rate-limit point(s){left}, {gh.not_modified} not modified (304), "
        f"{gh.cached} from cache; Docker Hub: {dh.requests} request(s), {dh.cached} from cache"
    )


def report_text(result: RefreshResult, out: TextIO, *, color: bool, verbose: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, color_system="auto" if color else None, width=100)
    counts = result.counts()
    table = Table(title="regup refresh" + (" (dry run)" if result.dry_run else ""))
    for column in ("refreshed", "unchanged", "unavailable", "failed", "not refreshed"):
        table.add_column(column, justify="right")
    table.add_column("GitHub rate limit used", justify="right")
    table.add_row(
        str(counts["refreshed"]),
        str(counts["unchanged"]),
        str(counts["unavailable"]),
        str(counts["failed"]),
        str(counts["not_refreshed"]),
        str(result.github.points),
    )
    console.print(table)

    def say(line: str) -> None:
        # Names, messages and repositories come from entry files and services' answers:
        # printed as plain text (no Rich markup, no control character).
        console.print(printable(line, lines=False), highlight=False, markup=False, soft_wrap=True)

    say(_usage_line(result))
    verb = "would change" if result.dry_run else "changed"
    changed = [e for e in result.entries if e.changed and (e.written or result.dry_run)]
    if changed:
        say(f"{len(changed)} file(s) {verb}:")
        for entry in changed:
            say(f"  {entry.name}: {_changes(entry)}")
    for entry in result.entries:
        for level, message in _notes(entry):
            say(f"  {level}: {entry.name} ({entry.path}): {message}")
    if result.stopped:
        names = [e.name for e in result.entries if e.status is Status.NOT_REFRESHED]
        again = "after the limit resets" if result.resume_at else "later"
        say(
            f"Stopped early: {result.stopped}. Not refreshed ({len(names)}): {', '.join(names)}. "
            f"Their values were kept; run again {again}."
        )
    if result.dry_run:
        say("Dry run: nothing was written.")


def report_github(result: RefreshResult, out: TextIO, *, color: bool, verbose: bool) -> None:
    """GitHub Actions annotations for failures and notes, then the text summary."""
    for entry in result.entries:
        for level, message in _notes(entry):
            command = github_command(
                level, message, file=entry.path, line=entry.line, title="regup refresh"
            )
            out.write(command + "\n")
    if result.stopped:
        stopped = github_command(
            "warning", f"Stopped early: {result.stopped}", title="regup refresh"
        )
        out.write(stopped + "\n")
    report_text(result, out, color=False, verbose=verbose)


def report_json(result: RefreshResult, out: TextIO, *, color: bool, verbose: bool) -> None:
    out.write(json.dumps(result.to_json(), indent=2, sort_keys=True) + "\n")


#: Output formats of ``regup refresh --format``.
REPORTERS: dict[str, Callable[..., None]] = {
    "text": report_text,
    "json": report_json,
    "github": report_github,
}
