"""``regup diff``: what changed between two builds, for people, PR comments and scripts."""

from __future__ import annotations

from pathlib import Path

import click

from regup.cli import AppState, format_option, pass_state
from regup.diff import diff
from regup.report.diff import FORMATS


@click.command("diff")
@click.argument("old")
@click.argument("new")
@format_option(
    list(FORMATS),
    "text",
    "text for people, markdown for PR comments and release notes, json for scripts.",
)
@pass_state
def diff_command(state: AppState, old: str, new: str, fmt: str) -> None:
    """Show what changed per server from OLD to NEW.

    OLD and NEW are each a registry.json, a build output folder (dist/), a registry folder,
    or a git ref (origin/main, HEAD, a tag or commit) whose --registry folder is read from
    git without touching the work tree. Reports servers added, removed and deprecated, image
    and version bumps, tools, env vars, headers, permissions, provenance and OAuth changes;
    security-relevant ones (a widened permission, a secret that lost its flag, an image
    from another repository…) are marked. Exits 0 whatever changed; 1 when an input cannot
    be read.
    """
    result = diff(old, new, registry_dir=state.registry_dir, cwd=Path.cwd())
    click.echo(FORMATS[fmt](result, color=state.color and fmt == "text"), nl=False)


COMMANDS = [diff_command]
