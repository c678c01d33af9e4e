"""The only place that makes HTTP clients, and the one bounded reader of an answer.

Every network stage gets its :class:`httpx.Client` from :func:`make_client`, with a
``base_url`` where it has one, so tests point it at a server on 127.0.0.1.
:func:`read_answer` reads the body of a streamed answer within a size and a time limit:
httpx's read timeout is per read, so a server that sends one byte a second would
otherwise hold a request for as long as it likes. :func:`deadline` bounds the whole
exchange the same way, headers included: every connect, read and write of a client made
here waits at most until the deadline of the block it runs in.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpcore
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
    client = httpx.Client(
        base_url=base_url,
        timeout=timeout,
        follow_redirects=True,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
    )
    # httpx has no total timeout and no option for the network layer: each transport's
    # connection pool gets the bounded backend (see deadline()); tests/unit/test_net.py
    # fails if httpx moves these attributes.
    for transport in [client._transport, *client._mounts.values()]:
        pool = getattr(transport, "_pool", None)
        if isinstance(pool, httpcore.ConnectionPool):
            pool._network_backend = _BoundedBackend(pool._network_backend)
    return client


class _Deadline(threading.local):
    at: float | None = None


_DEADLINE = _Deadline()


@contextlib.contextmanager
def deadline(at: float) -> Iterator[None]:
    """Within this block (in this thread), requests of clients from :func:`make_client`
    end by ``at`` (a :func:`time.monotonic` time): each connect, read and write waits at
    most until then, so even an answer whose headers arrive a byte at a time cannot hold
    a request longer. Past it, httpx raises its ``ConnectTimeout`` / ``ReadTimeout`` /
    ``WriteTimeout``. Nested blocks keep the earlier deadline."""
    previous = _DEADLINE.at
    _DEADLINE.at = at if previous is None else min(previous, at)
    try:
        yield
    finally:
        _DEADLINE.at = previous


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` cut to what is left of the current deadline."""
    at = _DEADLINE.at
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the whole exchange took longer than its deadline")
    return left if timeout is None else min(timeout, left)


class _BoundedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _BoundedStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _BoundedBackend(httpcore.NetworkBackend):
    """httpcore's network backend with every wait cut to the current :func:`deadline`."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, bounded, local_address, socket_options)
        return _BoundedStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _BoundedStream(self._inner.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


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
