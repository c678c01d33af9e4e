"""Upstream sources: ToolHive's upstream envelope, a ``server.json`` array or document, and a
live MCP Registry API v0.1 (``GET /v0.1/servers``, following ``metadata.nextCursor``).

Servers that regup cannot represent (only npm / pypi / nuget packages, no OCI image and no
remote) are reported as skipped with the reason, never dropped silently.
"""

from __future__ import annotations

from typing import Any

import httpx

from regup.emit.upstream import read_upstream_source
from regup.errors import ImportSourceError
from regup.importers.base import Candidate, GroupCandidate, Skipped, SourceContent
from regup.importers.sources import fetch_json
from regup.names import DESCRIPTION_MAX

MAX_PAGES = 1000
PAGE_SIZE = 100


def read_upstream(data: Any) -> SourceContent:
    """Candidates for every server and group of upstream data (the one reader is
    :func:`regup.emit.upstream.read_upstream_source`); raises :class:`ImportSourceError`."""
    source = read_upstream_source(data)
    content = SourceContent()
    for server in source.servers:
        if server.entry is None:
            content.skipped.append(Skipped(server.name, server.problem or "cannot be read"))
        else:
            doc = server.entry.to_document(include_name=False)
            content.candidates.append(
                Candidate(original=server.name, document=doc, description_limit=DESCRIPTION_MAX)
            )
    for group in source.groups:
        doc = {"description": group.description, "servers": list(group.members)}
        content.groups.append(GroupCandidate(group.name, doc))
    return content


def read_api(client: httpx.Client, base_url: str) -> SourceContent:
    """Every latest server version of a v0.1 registry API, page by page.

    Raises :class:`ImportSourceError` on HTTP errors, a wrong shape, or pagination that
    does not end (a repeated cursor or more than :data:`MAX_PAGES` pages).
    """
    url = base_url.rstrip("/")
    if not url.endswith("/v0.1/servers"):
        url += "/servers" if url.endswith("/v0.1") else "/v0.1/servers"
    servers: list[Any] = []
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        params = {"limit": str(PAGE_SIZE), "version": "latest"}
        if cursor:
            params["cursor"] = cursor
        page = fetch_json(client, url, params)
        if not isinstance(page, dict) or not isinstance(page.get("servers"), list):
            raise ImportSourceError(
                f"{url} did not answer with a v0.1 server list ({{servers: [...]}})"
            )
        servers += page["servers"]
        metadata = page.get("metadata") or {}
        cursor = metadata.get("nextCursor") if isinstance(metadata, dict) else None
        if not cursor:
            break
        if cursor in seen:
            raise ImportSourceError(
                f"{url} repeats the page cursor {cursor!r}; the listing never ends"
            )
        seen.add(cursor)
    else:
        raise ImportSourceError(
            f"{url} has more than {MAX_PAGES} pages; stopping (a listing that never ends?)"
        )
    return read_upstream(servers)
