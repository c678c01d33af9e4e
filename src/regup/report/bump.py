"""The bumps of ``regup refresh --bump`` (:class:`~regup.health.bump.BumpResult`) as text
lines (old -> new, then what was left alone and why) or GitHub Actions annotations."""

from __future__ import annotations

from typing import TextIO

from regup.health.bump import Bump, BumpResult, BumpStatus
from regup.report import github_command
from regup.terminal import printable


def _line(b: Bump) -> str:
    parts = [f"{b.old_image} -> {b.new_image}"]
    if b.new_version is not None:
        parts.append(f"version {b.old_version} -> {b.new_version}")
    if b.provenance is not None:
        parts.append(f"provenance {b.provenance}")
    if b.live is not None:
        parts.append(f"handshake {b.live}")
    return "; ".join(parts)


def report_bumps(result: BumpResult, out: TextIO, *, github: bool = False) -> None:
    """The summary: one line per bump, then the entries that failed or were skipped."""

    def say(line: str) -> None:
        # names and messages come from entry files and registries: plain text only
        out.write(printable(line, lines=False) + "\n")

    if github:
        for b in result.failed:
            out.write(
                github_command(
                    "error", b.message, file=b.path, line=b.line, title="regup refresh --bump"
                )
            )
            out.write("\n")
    bumped = result.bumped
    verb = "would bump" if result.dry_run else "bumped"
    say(f"Bumps: {len(bumped)} {verb}, {len(result.failed)} failed")
    for b in bumped:
        say(f"  {b.name}: {_line(b)}")
    for b in result.bumps:
        if b.status is BumpStatus.FAILED:
            say(f"  error: {b.name} ({b.path}): {b.message}")
        elif b.status is BumpStatus.SKIPPED:
            say(f"  skipped: {b.name}: {b.message}")
    if result.health_written:
        what = "image signal and handshake" if result.handshakes else "image signal"
        say(f"  health.json: the {what} of the bumped entries was checked again")
    if result.dry_run and bumped:
        say("Dry run: no image was changed.")
