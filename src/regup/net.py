"""The only place that makes HTTP clients.

Every network stage gets its :class:`httpx.Client` from :func:`make_client`, with a
``base_url`` where it has one, so tests point it at a server on 127.0.0.1.
"""

from __future__ import annotations

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
