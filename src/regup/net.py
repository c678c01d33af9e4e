"""The only place that makes HTTP clients, and the one bounded reader of an answer.

Every network stage gets its :class:`httpx.Client` from :func:`make_client`, with a
``base_url`` where it has one, so tests point it at a server on 127.0.0.1.
:func:`read_answer` reads the body of a streamed answer within a size and a time limit:
httpx's read timeout is per read, so a server that sends one byte a second would
otherwise hold a request for as long as it likes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from regup import __version__

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
USER_AGENT = f"regup/{__version__} (+https://github.com/regup)"


def make_client(
    base_url: str = "",
    *,
    headers: dict[str, str] | None = None,
    timeout: httpx.Timeout = DEFAULT_TIMEOUT,
) -> httpx.Client:
    return httpx.Client(
        base_url=base_url,
        timeout=timeout,
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
    )


def make_mcp_http_client(
    headers: dict[str, str] | None = None,
    timeout: Any = None,
    auth: Any = None,
) -> Any:
    """An async HTTP client for the MCP SDK's transports (``httpx2``, which the SDK requires).

    The signature is the SDK's ``McpHttpClientFactory``, so it can be handed to
    ``sse_client`` as well as passed to ``streamable_http_client``. ``timeout`` is seconds
    or an ``httpx2.Timeout``.
    """
    import httpx2

    if not isinstance(timeout, httpx2.Timeout):
        timeout = httpx2.Timeout(30.0 if timeout is None else float(timeout))
    return httpx2.AsyncClient(
        headers={"User-Agent": USER_AGENT, **(headers or {})}, timeout=timeout, auth=auth
    )


class AnswerTooLarge(Exception):
    """An answer larger than its ``limit``; ``declared`` is its Content-Length when that
    already said so (nothing was read then)."""

    def __init__(self, limit: int, declared: int | None = None) -> None:
        super().__init__(f"the answer is larger than {limit} bytes")
        self.limit = limit
        self.declared = declared


class AnswerTooSlow(Exception):
    """An answer whose body was still arriving when its time was up."""


def read_answer(
    response: httpx.Response,
    *,
    limit: int,
    deadline: float,
    clock: Callable[[], float] = time.monotonic,
) -> bytes:
    """The (decoded) body of a streamed ``response``: at most ``limit`` bytes, all of it
    by ``deadline`` (a time of ``clock``).

    A Content-Length over the limit is refused before anything is read. Raises
    :class:`AnswerTooLarge` and :class:`AnswerTooSlow`; httpx's errors while reading pass
    through (the caller turns them into its own).
    """
    declared = response.headers.get("Content-Length")
    if declared and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise AnswerTooLarge(limit, int(declared))
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > limit:
            raise AnswerTooLarge(limit)
        if clock() > deadline:
            raise AnswerTooSlow(f"the answer took too long to arrive ({total} bytes so far)")
        chunks.append(chunk)
    return b"".join(chunks)
