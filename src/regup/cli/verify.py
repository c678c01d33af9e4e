"""``regup verify``: check every image's sigstore signatures and attestations.

Exit 1 (a :class:`~regup.errors.CheckFailedError`) in strict mode when an entry fails the
check (mismatch, invalid, unsigned), and in either mode when no entry could be checked at all
(every check that needs the network failed: no network, the registries down) or when
``--deadline`` passed before every entry was checked. An entry whose check failed
transiently keeps its previous result, marked stale; it alone does not fail the run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from regup.checks import Outcome
from regup.cli import AppState, format_option, pass_state
from regup.enrich.transport import DEFAULT_DEADLINE, Deadline
from regup.errors import CheckFailedError, NotFoundError
from regup.load import load_registry
from regup.net import make_client
from regup.provenance.run import Mode, VerifyRun, skill_key, verify_entries
from regup.report.provenance import REPORTERS
from regup.validate import validate_documents

#: Outcomes decided without the network: they say nothing about whether checks could run.
OFFLINE_OUTCOMES = frozenset({Outcome.NOT_DECLARED, Outcome.UNSUPPORTED})


def not_checked(run: VerifyRun) -> list[str]:
    """Entries whose check could not run this time (an error, or an older result kept stale)."""
    return sorted(r.name for r in run.results if r.outcome is Outcome.ERROR or r.stale)


def nothing_checked(run: VerifyRun) -> bool:
    """Checks needed the network and not one of them could run."""
    online = [r for r in run.results if r.outcome not in OFFLINE_OUTCOMES or r.stale]
    return bool(online) and all(r.outcome is Outcome.ERROR or r.stale for r in online)


def run_failures(run: VerifyRun, deadline: Deadline) -> str | None:
    """Why a run that could not check its entries fails (None when it does not)."""
    missed = not_checked(run)
    shown = ", ".join(missed[:10]) + (f" and {len(missed) - 10} more" if len(missed) > 10 else "")
    # A request cut short by the deadline fails as a timeout: a run whose deadline has passed
    # with entries not checked was cut by it, whether or not a request was refused outright.
    if (deadline.hit or deadline.passed) and missed:
        return (
            f"{deadline.reason} before every entry was checked: {len(missed)} not checked "
            f"({shown}); rerun, or raise --deadline"
        )
    if nothing_checked(run):
        return (
            f"no entry could be checked: all {len(missed)} check(s) failed ({shown}); see the "
            "table above, check your connection and the registries, then rerun"
        )
    return None


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
@click.option(
    "--deadline",
    "deadline_seconds",
    type=click.FloatRange(min=0),
    default=DEFAULT_DEADLINE,
    show_default=True,
    metavar="SECONDS",
    help="Longest time of the whole run (0: none). Entries not checked by then keep their "
    "previous result, marked stale, and the exit code is 1.",
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
    deadline_seconds: float,
) -> None:
    """Verify the sigstore signatures and attestations of container images and skills.

    For each container entry and each skill's oci package (or the NAMES given): resolve
    the image to a digest, find its cosign signature and sigstore bundles, verify them
    with sigstore-python, check that they sign this digest, and compare the signer with
    the entry's (or skill's) provenance block.
    Results go to registry/provenance.json, which `regup build` reads offline. Exit 1 on a
    failed strict check, when no entry could be checked, or when --deadline passed first.
    """
    deadline = Deadline(deadline_seconds)
    result = validate_documents(load_registry(state.registry_dir))
    registry = result.registry
    by_name = {e.name: e for e in registry.entries}
    namespace = state.config.namespace
    unknown = [n for n in names if n not in by_name and registry.skill(n) is None]
    if unknown:
        raise NotFoundError(
            f"no valid entry or skill named {', '.join(unknown)} in {state.registry_dir}; "
            "run `regup list` (or `regup list --skills`) to see the names (or `regup validate` "
            "if it is invalid)"
        )
    skipped = result.files - len(registry.entries) - len(registry.groups) - len(registry.skills)
    if skipped and not state.quiet:
        click.echo(
            f"Note: {skipped} invalid file(s) left out; run `regup validate` to see why.", err=True
        )
    entries = [by_name[n] for n in names if n in by_name] if names else list(registry.entries)
    found = [registry.skill(n) for n in names if n not in by_name]
    skills = [s for s in found if s is not None] if names else list(registry.skills)
    keep = set(by_name) | {skill_key(s, namespace) for s in registry.skills}
    with deadline.watch(make_client()) as client:
        run = verify_entries(
            entries,
            registry_dir=state.registry_dir,
            skills=skills,
            namespace=namespace,
            mode=Mode(mode),
            trusted_root=trusted_root,
            use_cache=not no_cache,
            write=not no_write,
            all_names=keep,
            http=client,
        )
    REPORTERS[fmt](run, sys.stdout, quiet=state.quiet)
    if run.failures:
        sys.exit(1)
    why = run_failures(run, deadline)
    if why is not None:
        raise CheckFailedError(why)


COMMANDS = [verify]
