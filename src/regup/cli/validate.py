"""``regup validate``."""

from __future__ import annotations

import sys

import click

from regup.cli import AppState, format_option, pass_state
from regup.emit.upstream import check_config
from regup.load import load_paths, only_selected
from regup.report.diagnostics import REPORTERS, Summary
from regup.validate import validate_documents


@click.command()
@click.argument("targets", nargs=-1, metavar="[NAMES|PATHS]...")
@format_option(
    sorted(REPORTERS), "text", "text for people, json for tools, github for Actions annotations."
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@pass_state
def validate(state: AppState, targets: tuple[str, ...], fmt: str, strict: bool) -> None:
    """Check entries against the schema and the rules; report every problem with file:line:col.

    Without arguments, checks the whole registry, and regup.toml. Exits 1 when there is an
    error.
    """
    # The configuration is part of what a pull request can break: check it here too, not
    # first at the next build (raises ConfigError, reported by the CLI's error boundary).
    check_config(state.config)
    docs, selected = load_paths(state.registry_dir, targets)
    result = validate_documents(
        docs, strict=strict, report_for=only_selected(docs, selected), tags=state.config.tags
    )
    files = len(selected) if selected else result.files
    REPORTERS[fmt](
        result.diagnostics,
        Summary(files, result.errors, result.warnings),
        sys.stdout,
        color=state.color,
        quiet=state.quiet,
    )
    if result.errors:
        sys.exit(1)


COMMANDS = [validate]
