"""``regup validate``."""

from __future__ import annotations

import sys
from collections.abc import Collection, Mapping

import click

from regup.cli import AppState, format_option, pass_state
from regup.config import Config
from regup.diagnostics import Diagnostic, Severity, count_errors, sort_diagnostics
from regup.emit.upstream import check_config
from regup.errors import ConfigError
from regup.healthstate import load_health
from regup.load import load_paths, only_selected
from regup.model import Entry
from regup.provenance.state import load_state
from regup.report.diagnostics import REPORTERS, Summary
from regup.validate import validate_documents
from regup.validate.policy import Verification, evaluate_policy


@click.command()
@click.argument("targets", nargs=-1, metavar="[NAMES|PATHS]...")
@format_option(
    sorted(REPORTERS), "text", "text for people, json for tools, github for Actions annotations."
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--policy",
    "with_policy",
    is_flag=True,
    help="Also apply the [policy] of regup.toml to the committed registry/health.json and "
    "registry/provenance.json (offline: nothing is checked again).",
)
@pass_state
def validate(
    state: AppState, targets: tuple[str, ...], fmt: str, strict: bool, with_policy: bool
) -> None:
    """Check entries against the schema and the rules; report every problem with file:line:col.

    Without arguments, checks the whole registry, and regup.toml. With --policy, also the
    registry's policy (rules policy-*). Exits 1 when there is an error.
    """
    # The configuration is part of what a pull request can break: check it here too, not
    # first at the next build (raises ConfigError, reported by the CLI's error boundary).
    check_config(state.config)
    docs, selected = load_paths(state.registry_dir, targets)
    result = validate_documents(
        docs, strict=strict, report_for=only_selected(docs, selected), tags=state.config.tags
    )
    diagnostics = result.diagnostics
    if with_policy:
        chosen = {d.name for d in only_selected(docs, selected) if d.kind == "entry"}
        entries = [e for e in result.registry.entries if not selected or e.name in chosen]
        quiet = {d.source.display: d.suppressed for d in docs if d.suppressed}
        diagnostics = sort_diagnostics([*diagnostics, *_policy(state, entries, quiet, strict)])
    files = len(selected) if selected else result.files
    errors = count_errors(diagnostics)
    warnings = sum(1 for d in diagnostics if d.severity is Severity.WARNING)
    REPORTERS[fmt](
        diagnostics,
        Summary(files, errors, warnings),
        sys.stdout,
        color=state.color,
        quiet=state.quiet,
    )
    if errors:
        sys.exit(1)


def _policy(
    state: AppState,
    entries: list[Entry],
    suppressed: Mapping[str, Mapping[int, Collection[str]]],
    strict: bool,
) -> list[Diagnostic]:
    """The policy's diagnostics; raises ConfigError without a [policy] table, HealthError
    or ProvenanceError when a committed state file is malformed."""
    policy = state.config.policy
    if policy is None:
        raise ConfigError(_no_policy(state.config))
    health = load_health(state.registry_dir)
    provenance = {
        name: Verification(r.outcome, r.image, r.published().detail or r.detail or None)
        for name, r in load_state(state.registry_dir).results.items()
    }
    found = evaluate_policy(entries, policy, health, provenance, suppressed)
    return [d.as_error() for d in found] if strict else found


def _no_policy(config: Config) -> str:
    where = f"{config.path} has" if config.path else "there is no regup.toml, so there is"
    return (
        f"--policy: {where} no [policy] table. Add one naming the rules to apply, such "
        'as\n\n    [policy]\n    archived = "error"\n    pinned = "warning"\n\n'
        "(site/docs/health.md lists every rule), or leave out --policy."
    )


COMMANDS = [validate]
