"""``regup verify``: check every image's sigstore signatures and attestations."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from regup.cli import AppState, format_option, pass_state
from regup.errors import NotFoundError
from regup.load import load_registry
from regup.provenance.run import Mode, verify_entries
from regup.report.provenance import REPORTERS
from regup.validate import validate_documents


@click.command()
@click.argument("names", nargs=-1, metavar="[NAMES]...")
@click.option(
    "--trusted-root",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="A sigstore trusted_root.json to verify against instead of the public-good "
    "instance (for private instances and tests).",
)
@format_option(
    sorted(REPORTERS), "text", "text for people, json for tools, github for Actions annotations."
)
@click.option(
    "--mode",
    type=click.Choice([Mode.WARN.value, Mode.STRICT.value]),
    default=Mode.STRICT.value,
    show_default=True,
    help="strict: exit 1 on mismatch, invalid or unsigned; warn: report only.",
)
@click.option("--no-cache", is_flag=True, help="Re-check results that are still fresh.")
@click.option(
    "--no-write", is_flag=True, help="Do not update the state file registry/provenance.json."
)
@pass_state
def verify(
    state: AppState,
    names: tuple[str, ...],
    trusted_root: Path | None,
    fmt: str,
    mode: str,
    no_cache: bool,
    no_write: bool,
) -> None:
    """Verify the sigstore signatures and attestations of container images.

    For each container entry (or the NAMES given): resolve the image to a digest, find
    its cosign signature and sigstore bundles, verify them with sigstore-python, check
    that they sign this digest, and compare the signer with the entry's provenance block.
    Results go to registry/provenance.json, which `regup build` reads offline.
    """
    result = validate_documents(load_registry(state.registry_dir))
    registry = result.registry
    by_name = {e.name: e for e in registry.entries}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise NotFoundError(
            f"no valid entry named {', '.join(unknown)} in {state.registry_dir}; "
            "run `regup list` to see the names (or `regup validate` if it is invalid)"
        )
    skipped = result.files - len(registry.entries) - len(registry.groups)
    if skipped and not state.quiet:
        click.echo(
            f"Note: {skipped} invalid file(s) left out; run `regup validate` to see why.", err=True
        )
    entries = [by_name[n] for n in names] if names else list(registry.entries)
    run = verify_entries(
        entries,
        registry_dir=state.registry_dir,
        mode=Mode(mode),
        trusted_root=trusted_root,
        use_cache=not no_cache,
        write=not no_write,
        all_names=set(by_name),
    )
    REPORTERS[fmt](run, sys.stdout, quiet=state.quiet)
    if run.failures:
        sys.exit(1)


COMMANDS = [verify]
