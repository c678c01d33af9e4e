"""Options that several network commands share (``regup refresh`` and ``regup check``): the
GitHub client, the answer cache and the rate-limit wait mean the same in both, so they are
declared once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from regup.enrich.cache import DEFAULT_CACHE_DIR, DEFAULT_TTL
from regup.enrich.github import GITHUB_API

FC = TypeVar("FC", bound=Callable[..., object])


def _stack(*options: Callable[[FC], FC]) -> Callable[[FC], FC]:
    def decorate(f: FC) -> FC:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def github_options() -> Callable[[FC], FC]:
    """``--github-token`` (or ``GITHUB_TOKEN``) and ``--github-api``."""
    return _stack(
        click.option(
            "--github-token",
            envvar="GITHUB_TOKEN",
            show_envvar=True,
            metavar="TOKEN",
            help="GitHub token (GraphQL batches need one; without it, REST at 60 requests an "
            "hour).",
        ),
        click.option(
            "--github-api",
            default=GITHUB_API,
            show_default=True,
            metavar="URL",
            help="GitHub REST API base URL (GitHub Enterprise: https://HOST/api/v3).",
        ),
    )


def cache_options() -> Callable[[FC], FC]:
    """``--cache-dir`` (or ``REGUP_CACHE_DIR``), ``--no-cache`` and ``--cache-ttl``."""
    return _stack(
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False, path_type=Path),
            default=DEFAULT_CACHE_DIR,
            show_default=True,
            envvar="REGUP_CACHE_DIR",
            show_envvar=True,
            help="Where ETags and last answers are kept between runs (refresh and check share it).",
        ),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the cache."),
        click.option(
            "--cache-ttl",
            type=click.FloatRange(min=0),
            default=DEFAULT_TTL,
            show_default=True,
            metavar="SECONDS",
            help="Answers younger than this are used without asking again.",
        ),
    )


def max_wait_option(after: str) -> Callable[[FC], FC]:
    """``--max-wait``: the longest rate-limit wait; ``after`` says what a longer one does."""
    return click.option(
        "--max-wait",
        type=click.FloatRange(min=0),
        default=60.0,
        show_default=True,
        metavar="SECONDS",
        help=f"Longest wait for a rate limit; a longer one {after}.",
    )
