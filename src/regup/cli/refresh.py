"""``regup refresh``: options in, one :func:`regup.enrich.refresh` call, a report out.

Progress goes to stderr: a rich progress bar on a terminal, one heartbeat line every few
seconds otherwise (CI logs). The summary goes to stdout in the ``--format`` asked for.

Exit 1 (a :class:`~regup.errors.CheckFailedError`, like every failed check) when more entries
failed than ``--max-failures``, when the run needed lookups and none gave a value (a rate
limit, the network or the services stopped every one, for example a service that did not
answer three times in a row and was not asked again: the run refreshed nothing), or when
``--deadline`` passed before every lookup was made; with ``--provenance``, also when no
image could be checked or the deadline passed before every image was (as ``regup verify``);
with ``--bump``, also when an entry could not be bumped (a registry fault, a new image
whose provenance is not verified, a file that cannot be edited).
A rate limit that stops the run after
some lookups succeeded is not a failure: what was looked up is written, the rest is reported
not refreshed, and the next run picks it up.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from regup.cli import AppState, format_option, pass_state
from regup.cli.options import cache_options, github_options, max_wait_option
from regup.enrich import Progress, RefreshRequest, RefreshResult, Status
from regup.enrich.dockerhub import DOCKER_HUB_API
from regup.enrich.github import DEFAULT_BATCH
from regup.enrich.refresh import refresh
from regup.enrich.transport import DEFAULT_DEADLINE, Deadline
from regup.errors import CheckFailedError, OutputError
from regup.files import write_atomic
from regup.report.refresh import REPORTERS

if TYPE_CHECKING:
    from regup.health.bump import BumpResult
    from regup.provenance.run import VerifyRun

HEARTBEAT_SECONDS = 5.0


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[Progress], None] | None]:
    """A progress bar on a terminal, a heartbeat line every few seconds elsewhere."""
    if not enabled:
        yield None
        return
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import Progress as Bar

        with Bar(console=Console(stderr=True), transient=True) as bar:
            task = bar.add_task("Refreshing", total=None)

            def show(p: Progress) -> None:
                bar.update(task, completed=p.done, total=p.total or None)

            yield show
        return
    last = [time.monotonic()]

    def heartbeat(p: Progress) -> None:
        now = time.monotonic()
        if now - last[0] >= HEARTBEAT_SECONDS:
            last[0] = now
            click.echo(f"refresh: {p.done}/{p.total} lookups done", err=True)

    yield heartbeat


@click.command("refresh")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option(
    "--oldest",
    type=click.IntRange(min=1),
    metavar="N",
    help="Only the N entries refreshed longest ago (by metadata.last_updated, missing first).",
)
@click.option(
    "--changed-since",
    metavar="GIT_REF",
    help="Only entries whose folder changed since this git revision (or is new).",
)
@click.option("--dry-run", is_flag=True, help="Look everything up, write nothing to registry/.")
@click.option(
    "--force",
    is_flag=True,
    help="Stamp metadata.last_updated on every entry whose lookups all succeeded, "
    "even when its values did not change.",
)
@github_options()
@click.option(
    "--docker-hub-api",
    default=DOCKER_HUB_API,
    show_default=True,
    metavar="URL",
    help="Docker Hub API base URL.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the full report as JSON to this file.",
)
@format_option(
    sorted(REPORTERS),
    "text",
    "Summary format on stdout; github adds Actions annotations for failures.",
)
@cache_options()
@max_wait_option("stops the run and reports what is left")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    metavar="SECONDS",
    help="Timeout of one request: connecting (at most 10 s), each wait for data, and the "
    "whole answer. A service that does not answer 3 times in a row is not asked again. "
    "With --bump --run-containers, also the longest MCP handshake with a new image.",
)
@click.option(
    "--deadline",
    "deadline_seconds",
    type=click.FloatRange(min=0),
    default=DEFAULT_DEADLINE,
    show_default=True,
    metavar="SECONDS",
    help="Longest time of the whole run (provenance included; 0: none). Lookups not made by "
    "then are reported not refreshed, and the exit code is 1.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 100),
    default=DEFAULT_BATCH,
    show_default=True,
    help="Repositories per GraphQL query (halved automatically on 502/504 and timeouts).",
)
@click.option(
    "--provenance",
    "provenance_mode",
    type=click.Choice(["off", "warn", "strict"]),
    default="off",
    show_default=True,
    help="Also verify the refreshed images' signatures (as `regup verify`): warn reports, "
    "strict exits 1 on mismatch, invalid or unsigned.",
)
@click.option(
    "--trusted-root",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="With --provenance: a sigstore trusted_root.json instead of the public-good instance.",
)
@click.option(
    "--bump",
    "bump_images",
    is_flag=True,
    help="Also move each image to the newest release tag of its repository (never a "
    "pre-release, never down; floating tags and digests are left alone), with version; "
    "the new image's provenance is verified first.",
)
@click.option(
    "--bump-floating",
    "bump_floating",
    multiple=True,
    metavar="NAME",
    help="With --bump: this entry's floating tag (latest, main) may move to the newest "
    "release too (repeatable).",
)
@click.option(
    "--run-containers",
    is_flag=True,
    help="With --bump: start each new image with docker and re-run the MCP handshake "
    "(initialize, tools/list) before writing it; an image that is not a healthy MCP server "
    "is not taken. The handshake goes to health.json. Needs docker.",
)
@click.option(
    "--max-failures",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    metavar="N",
    help="Exit 1 when more than N entries failed.",
)
@pass_state
def refresh_command(
    state: AppState,
    names: tuple[str, ...],
    oldest: int | None,
    changed_since: str | None,
    dry_run: bool,
    force: bool,
    github_token: str | None,
    github_api: str,
    docker_hub_api: str,
    report_path: Path | None,
    fmt: str,
    cache_dir: Path,
    no_cache: bool,
    cache_ttl: float,
    max_wait: float,
    timeout: float,
    deadline_seconds: float,
    batch_size: int,
    provenance_mode: str,
    trusted_root: Path | None,
    bump_images: bool,
    bump_floating: tuple[str, ...],
    run_containers: bool,
    max_failures: int,
) -> None:
    """Update metadata.stars (GitHub), metadata.pulls (Docker Hub) and last_updated.

    Refreshes every entry, or the NAMEs given. Only the values that changed are written,
    in place: comments, blank lines, quoting and key order stay as they were. Images
    outside Docker Hub publish no pull counts: their pulls are removed ("unavailable").
    A failed lookup keeps the old value. Exit 1 when more than --max-failures entries failed,
    when no lookup gave a value, or when --deadline passed with lookups not made.
    """
    if bump_floating and not bump_images:
        raise click.UsageError("--bump-floating needs --bump")
    if run_containers and not bump_images:
        raise click.UsageError(
            "--run-containers needs --bump (regup check --run-containers "
            "handshakes with every container server)"
        )
    if run_containers:
        from regup.health.live import require_docker

        require_docker()  # before the refresh writes anything
    missing = sorted(n for n in set(bump_floating) if not (state.registry_dir / n).is_dir())
    if missing:
        raise click.UsageError(f"--bump-floating {', '.join(missing)}: no such entry")
    deadline = Deadline(deadline_seconds)
    with _progress(not state.quiet and fmt != "json") as progress:
        request = RefreshRequest(
            registry_dir=state.registry_dir,
            names=names,
            oldest=oldest,
            changed_since=changed_since,
            dry_run=dry_run,
            force=force,
            github_token=github_token or None,
            github_api=github_api,
            docker_hub_api=docker_hub_api,
            cache_dir=None if no_cache else cache_dir,
            cache_ttl=cache_ttl,
            max_wait=max_wait,
            timeout=timeout,
            batch_size=batch_size,
            deadline=deadline,
            progress=progress,
        )
        result = refresh(request)
    bumps = None
    if bump_images:
        bumps = _bump(
            state, result, bump_floating, trusted_root, dry_run, deadline, run_containers, timeout
        )
    if report_path is not None:
        report = result.to_json()
        if bumps is not None:
            report["bumps"] = bumps.to_json()
        data = json.dumps(report, indent=2, sort_keys=True) + "\n"
        try:
            write_atomic(report_path, data.encode())
        except OSError as exc:
            raise OutputError.from_os_error(report_path, exc) from None
    provenance = None
    if provenance_mode != "off":
        provenance = _verify_refreshed(
            state, result, provenance_mode, trusted_root, dry_run, deadline, bumps
        )
    if fmt == "json" and (provenance is not None or bumps is not None):
        from regup.report.provenance import run_to_json

        combined = result.to_json()
        if provenance is not None:
            combined["provenance"] = run_to_json(provenance)
        if bumps is not None:
            combined["bumps"] = bumps.to_json()
        click.echo(json.dumps(combined, indent=2, sort_keys=True))
    elif not state.quiet or fmt == "json":
        REPORTERS[fmt](result, sys.stdout, color=state.color, verbose=bool(state.verbose))
        if bumps is not None:
            from regup.report.bump import report_bumps

            click.echo()
            report_bumps(bumps, sys.stdout, github=fmt == "github")
        if provenance is not None:
            from regup.report.provenance import REPORTERS as PROVENANCE_REPORTERS

            click.echo()
            PROVENANCE_REPORTERS[fmt](provenance, sys.stdout, quiet=state.quiet)
    if bumps is not None and bumps.failed:
        raise CheckFailedError(
            f"{len(bumps.failed)} entr{'y' if len(bumps.failed) == 1 else 'ies'} could not be "
            f"bumped ({', '.join(b.name for b in bumps.failed)}); they were left as they were, "
            "see the bump messages above"
        )
    if provenance is not None and provenance.failures:
        raise CheckFailedError(
            f"provenance check failed for {', '.join(r.name for r in provenance.failures)}; "
            "see the table above (or run with --provenance warn to report only)"
        )
    not_refreshed = [e.name for e in result.entries if e.status is Status.NOT_REFRESHED]
    if result.failed > max_failures:
        names_failed = [e.name for e in result.entries if e.status is Status.FAILED]
        stopped = (
            f"; the run stopped early ({result.stopped}): {_entries(not_refreshed)} not refreshed"
            if result.stopped and not_refreshed
            else ""
        )
        raise CheckFailedError(
            f"{result.failed} entr{'y' if result.failed == 1 else 'ies'} failed to refresh "
            f"({', '.join(names_failed)}); see the messages above, fix them or rerun "
            f"(--max-failures N tolerates N){stopped}"
        )
    if result.deadline_passed and not_refreshed:
        raise CheckFailedError(
            f"{deadline.reason} before every lookup was made: {_entries(not_refreshed)} not "
            "refreshed (their values were kept); rerun, or raise --deadline"
        )
    if result.nothing_answered:
        raise CheckFailedError(
            f"nothing was refreshed: none of the {result.lookups} lookup(s) gave a value "
            f"({result.stopped or 'every lookup failed'}); check the messages above, your "
            "connection and the API URLs, or rerun after the limit resets"
        )
    if provenance is not None:
        from regup.cli.verify import run_failures

        unchecked = run_failures(provenance, deadline)
        if unchecked is not None:
            raise CheckFailedError(f"provenance: {unchecked}")


def _entries(names: list[str]) -> str:
    """``3 entries (a, b, c)``, at most ten names shown."""
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    return f"{len(names)} entr{'y' if len(names) == 1 else 'ies'} ({shown})"


def _bump(
    state: AppState,
    result: RefreshResult,
    floating: tuple[str, ...],
    trusted_root: Path | None,
    dry_run: bool,
    deadline: Deadline,
    run_containers: bool,
    timeout: float,
) -> BumpResult:
    """Bump the images of the entries this refresh looked at (with ``run_containers``,
    each new image's handshake is re-run before it is written)."""
    from regup.health.bump import BumpRequest, bump
    from regup.net import make_client

    with deadline.watch(make_client()) as client:
        return bump(
            BumpRequest(
                state.registry_dir,
                result.checked,
                dry_run=dry_run,
                floating=frozenset(floating),
                trusted_root=trusted_root,
                http=client,
                run_containers=run_containers,
                timeout=timeout,
            )
        )


def _verify_refreshed(
    state: AppState,
    result: RefreshResult,
    mode: str,
    trusted_root: Path | None,
    dry_run: bool,
    deadline: Deadline,
    bumps: BumpResult | None = None,
) -> VerifyRun:
    """Provenance of the entries this refresh looked at (sigstore is imported only here),
    within what is left of the run's deadline; a bumped entry is verified at its new image
    (its result, stored by the bump, is reused)."""
    from dataclasses import replace

    from regup.net import make_client
    from regup.provenance.run import Mode, verify_entries

    moved = {b.name: b.new_image for b in bumps.bumped} if bumps else {}
    entries = [replace(e, image=moved[e.name]) if e.name in moved else e for e in result.checked]
    refreshed = {e.name for e in result.checked}
    with deadline.watch(make_client()) as client:
        return verify_entries(
            entries,
            registry_dir=state.registry_dir,
            mode=Mode(mode),
            trusted_root=trusted_root,
            write=not dry_run,
            all_names=set(result.valid_names) if refreshed >= result.valid_names else None,
            http=client,
        )


COMMANDS = [refresh_command]
