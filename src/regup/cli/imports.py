"""``regup import``."""

from __future__ import annotations

import click

from regup.cli import AppState, pass_state
from regup.importers import ImportRequest, ImportResult, run_import


def _report(result: ImportResult, dry_run: bool, quiet: bool) -> None:
    if dry_run:
        for rel, text in sorted(result.would_write.items()):
            click.echo(f"--- would write {rel}\n{text}")
        for rel, size in sorted(result.icons.items()):
            click.echo(f"--- would copy {rel} ({size} bytes, the icon beside the source)")
    verb = "Would write" if dry_run else "Wrote"
    count = len(result.would_write) + len(result.icons) if dry_run else len(result.written)
    click.echo(f"{verb} {count} file(s).")
    if result.existing:
        click.echo(
            f"Left {len(result.existing)} existing entr(y/ies) alone (use --overwrite): "
            f"{', '.join(result.existing)}"
        )
    if result.renamed and not quiet:
        click.echo("Renamed:")
        for original, name in result.renamed:
            click.echo(f"  {original} -> {name}")
    if result.adjusted:
        click.echo("Adjusted:")
        for name, note in result.adjusted:
            click.echo(f"  {name}: {note}")
    if result.skipped:
        click.echo(f"Not imported ({len(result.skipped)}):")
        for item in result.skipped:
            click.echo(f"  {item.original}: {item.reason}")
    if result.warnings and not quiet:
        click.echo("Warnings:")
        for line in result.warnings:
            click.echo(f"  {line}")


@click.command("import")
@click.argument("source")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.option(
    "--only", "only", multiple=True, metavar="NAME", help="Import only these servers (repeatable)."
)
@click.option("--overwrite", is_flag=True, help="Replace entries that already exist.")
@click.option(
    "--version-for-unversioned",
    metavar="VERSION",
    help="Version for servers the source gives none (remote servers and :latest images in "
    "ToolHive's format); without it they are not imported, as regup never invents one.",
)
@pass_state
def import_command(
    state: AppState,
    source: str,
    dry_run: bool,
    only: tuple[str, ...],
    overwrite: bool,
    version_for_unversioned: str | None,
) -> None:
    """Write registry/<name>/spec.yaml files (and skills/<name>/skill.yaml) from SOURCE.

    SOURCE is a ToolHive registry.json, an upstream registry file (its data.skills
    included), a JSON array of server.json documents or one server.json (a path or an
    http(s) URL), one skill.json or a folder of <name>/skill.json files, or the base URL of
    an MCP Registry API v0.1. Nothing is written when the source cannot be read.
    """
    request = ImportRequest(
        source,
        state.registry_dir,
        dry_run=dry_run,
        only=only,
        overwrite=overwrite,
        version_for_unversioned=version_for_unversioned,
        namespace=state.config.namespace or None,
    )
    _report(run_import(request), dry_run, state.quiet)


COMMANDS = [import_command]
