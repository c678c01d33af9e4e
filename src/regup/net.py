"""The only place that makes HTTP clients.

Every network stage gets its :class:`httpx.Client` from :func:`make_client`, with a
``base_url`` where it has one, so tests point it at a server on 127.0.0.1.
"""

from __future__ import annotations

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
