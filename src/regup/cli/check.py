"""``regup check``: options in, one :func:`regup.health.run.check` call, a report out.

Exit 1 (a :class:`~regup.errors.CheckFailedError`) when checks needed the network and not
one got an answer (no network, every service down), or when ``--deadline`` passed with
signals not checked. A server found unhealthy is a result, not a failure of the run.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from regup.cli import AppState, format_option, pass_state
from regup.cli.options import cache_options, github_options, max_wait_option
from regup.enrich.transport import DEFAULT_DEADLINE, Deadline
from regup.errors import CheckFailedError
from regup.health.run import DEFAULT_HANDSHAKE_TIMEOUT, CheckRequest, check
from regup.healthstate import Signal
from regup.report.health import REPORTERS


@click.command("check")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option(
    "--signal",
    "signals",
    type=click.Choice([s.value for s in Signal]),
    multiple=True,
    help="Only these signals (repeat the option; default: all).",
)
@click.option(
    "--run-containers",
    is_flag=True,
    help="Start container servers with docker to handshake with them (needs docker); "
    "without it they are reported not run.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_HANDSHAKE_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Longest MCP handshake (initialize and tools/list), and timeout of one request.",
)
@github_options()
@cache_options()
@max_wait_option("stops the look-ups that are left")
@click.option(
    "--deadline",
    "deadline_seconds",
    type=click.FloatRange(min=0),
    default=DEFAULT_DEADLINE,
    show_default=True,
    metavar="SECONDS",
    help="Longest time of the whole run (0: none). Signals not checked by then keep their "
    "previous value, marked stale, and the exit code is 1.",
)
@click.option("--no-write", is_flag=True, help="Do not update registry/health.json.")
@format_option(sorted(REPORTERS), "text", "text for people, json for tools.")
@pass_state
def check_command(
    state: AppState,
    names: tuple[str, ...],
    signals: tuple[str, ...],
    run_containers: bool,
    timeout: float,
    github_token: str | None,
    github_api: str,
    cache_dir: Path,
    no_cache: bool,
    cache_ttl: float,
    max_wait: float,
    deadline_seconds: float,
    no_write: bool,
    fmt: str,
) -> None:
    """Check the health of every entry (or the NAMEs): live, drift, repository, image.

    live: an MCP handshake (initialize, tools/list) with each remote server over its
    transport; drift: its tools against `tools` and tools.json; repository: exists,
    archived, last push, license (GitHub); image: pinned or floating, the tag still there,
    the newest release tag (the OCI registry), and the last `regup verify` outcome.
    Results go to registry/health.json, written only when a value changed; a signal that
    got no answer keeps its previous value, marked stale.
    """
    deadline = Deadline(deadline_seconds)
    request = CheckRequest(
        registry_dir=state.registry_dir,
        names=names,
        signals=frozenset(Signal(s) for s in signals) if signals else frozenset(Signal),
        timeout=timeout,
        run_containers=run_containers,
        write=not no_write,
        github_token=github_token or None,
        github_api=github_api,
        cache_dir=None if no_cache else cache_dir,
        cache_ttl=cache_ttl,
        max_wait=max_wait,
        deadline=deadline,
    )
    result = check(request)
    if result.skipped and not state.quiet and fmt != "json":
        click.echo(
            f"Note: {result.skipped} invalid file(s) left out; run `regup validate` to see why.",
            err=True,
        )
    REPORTERS[fmt](result, sys.stdout, quiet=state.quiet)
    missed = sorted({e.name for e in result.entries if e.faults})
    if (deadline.hit or deadline.passed) and missed:
        raise CheckFailedError(
            f"{deadline.reason} before every signal was checked: {len(missed)} entries not "
            "fully checked (their previous values were kept, marked stale); rerun, or raise "
            "--deadline"
        )
    if result.nothing_answered:
        raise CheckFailedError(
            f"nothing could be checked: none of the {result.checks} check(s) got an answer; "
            "check your connection and the API URLs, then rerun"
        )


COMMANDS = [check_command]
