"""``regup build``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from regup.build import BuildRequest, build
from regup.cli import AppState, pass_state
from regup.config import web_url
from regup.emit import EMITTERS
from regup.errors import CheckFailedError, InvalidRegistryError
from regup.report.diagnostics import REPORTERS, Summary


@click.command("build")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dist"),
    show_default=True,
    help="Output folder.",
)
@click.option(
    "--check", is_flag=True, help="Write nothing; exit 1 if the output folder is out of date."
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--no-site", is_flag=True, help="Skip the catalog (dist/site/).")
@click.option(
    "--only",
    "only",
    multiple=True,
    type=click.Choice([*EMITTERS, "site"]),
    help="Write only these outputs (repeatable): toolhive is registry.json, upstream the "
    "upstream/ files, api the v0.1/ tree, hosting the static hosts' configuration "
    "(_headers, _redirects, .htaccess, hosting/), site the catalog. Default: all.",
)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="Absolute URL the site is published at (default: base_url of the config).",
)
@pass_state
def build_command(
    state: AppState,
    out_dir: Path,
    check: bool,
    strict: bool,
    no_site: bool,
    only: tuple[str, ...],
    base_url: str | None,
) -> None:
    """Validate the registry, then write registry.json and the other outputs.

    Nothing is written when an entry is invalid. Output is deterministic: timestamps come
    from registry/versions.json, the entries or SOURCE_DATE_EPOCH. A new version or changed
    content (metadata aside) is first recorded in registry/versions.json, with
    SOURCE_DATE_EPOCH or else the current time; --check reports it instead.
    """
    if base_url is not None:
        try:
            base_url = web_url(base_url)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--base-url") from None
    request = BuildRequest(
        state.registry_dir,
        out_dir,
        state.config,
        check=check,
        strict=strict,
        outputs=tuple(name for name in EMITTERS if not only or name in only),
        site=not no_site and (not only or "site" in only),
        base_url=base_url or None,
    )
    result = build(request)
    v = result.validation
    if v.errors or (v.warnings and state.verbose):
        REPORTERS["text"](
            v.diagnostics,
            Summary(v.files, v.errors, v.warnings),
            sys.stderr,
            color=state.color,
            quiet=True,
        )
    elif v.warnings and not state.quiet:
        click.echo(
            f"{v.warnings} warning(s); run `regup validate` (or build -v) to see them.", err=True
        )
    if not v.ok:
        raise InvalidRegistryError(v.errors)
    if check:
        parts = []
        if result.ledger_changed:
            parts.append(
                f"{state.registry_dir}/versions.json does not record "
                f"{', '.join(result.ledger_changed)} yet (a new version or changed content)"
            )
        if result.stale or result.leftover or result.debris:
            problems = [
                *result.stale,
                *(f"{rel} (no longer built)" for rel in result.leftover),
                *(f"{rel} (temporary file of an interrupted run)" for rel in result.debris),
            ]
            parts.append(f"{out_dir} is out of date ({', '.join(problems)})")
        if parts:
            raise CheckFailedError(
                "; ".join(parts) + "; run `regup build` (it records new versions and changes "
                "with SOURCE_DATE_EPOCH, else the current time) and commit"
            )
        if not state.quiet:
            click.echo(f"{out_dir} is up to date ({len(result.artifacts)} files).")
        return
    if not state.quiet:
        registry = v.registry
        click.echo(
            f"Built {len(registry.entries)} servers ({len(registry.containers)} container, "
            f"{len(registry.remotes)} remote), {len(registry.groups)} groups and "
            f"{len(registry.skills)} skills into {out_dir}: "
            f"{len(result.written)} files written, "
            f"{len(result.artifacts) - len(result.written)} unchanged"
            + (f", {len(result.removed)} no longer built removed" if result.removed else "")
            + (
                f", {len(result.debris)} left by an interrupted run removed"
                if result.debris
                else ""
            )
            + "."
        )
        if result.ledger_written:
            click.echo(
                f"Recorded new versions or changed content of {len(result.ledger_changed)} "
                f"server(s) or skill(s) in {state.registry_dir}/versions.json; commit it."
            )


COMMANDS = [build_command]
