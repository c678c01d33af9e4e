"""Upstream sources: ToolHive's upstream envelope, a ``server.json`` array or document, and a
live MCP Registry API v0.1 (``GET /v0.1/servers``, following ``metadata.nextCursor``).

Servers that regup cannot represent (only npm / pypi / nuget packages, no OCI image and no
remote) are reported as skipped with the reason, never dropped silently.
"""

from __future__ import annotations

from typing import Any

import httpx

from regup.errors import ImportSourceError
from regup.importers.base import Candidate, Skipped, SourceContent
from regup.importers.sources import fetch_json

MAX_PAGES = 1000
PAGE_SIZE = 100


def _is_server(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("name"), str)
        and ("packages" in value or "remotes" in value or "description" in value)
    )


def looks_like_upstream(data: Any) -> bool:
    if isinstance(data, list):
        return all(_is_server(item) or _is_server(_unwrap(item)) for item in data)
    if isinstance(data, dict):
        inner = data.get("data")
        return (
            (isinstance(inner, dict) and "servers" in inner)
            or _is_server(data)
            or "servers" in data
        )
    return False


def _unwrap(item: Any) -> Any:
    """API responses wrap each server as ``{"server": {...}, "_meta": {...}}``."""
    if isinstance(item, dict) and isinstance(item.get("server"), dict):
        return item["server"]
    return item


def _servers_of(data: Any) -> list[Any]:
    if isinstance(data, list):
        return [_unwrap(i) for i in data]
    inner = data.get("data")
    if isinstance(inner, dict):
        servers = inner.get("servers")
    elif "servers" in data:
        servers = data["servers"]
    else:
        return [data]
    if not isinstance(servers, list):
        raise ImportSourceError("servers must be a list of server.json documents")
    return [_unwrap(i) for i in servers]


def _convert(servers: list[Any], content: SourceContent) -> None:
    from regup.emit.upstream import UnrepresentableServer, document_from_server

    for server in servers:
        name = server.get("name") if isinstance(server, dict) else None
        if not isinstance(name, str):
            content.skipped.append(Skipped("(unnamed)", "a server without a name"))
            continue
        try:
            doc = document_from_server(server)
        except UnrepresentableServer as exc:
            content.skipped.append(Skipped(name, str(exc)))
            continue
        content.candidates.append(Candidate(original=name, document=doc))


def read_upstream(data: Any) -> SourceContent:
    content = SourceContent()
    _convert(_servers_of(data), content)
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
        servers += [_unwrap(i) for i in page["servers"]]
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
    content = SourceContent()
    _convert(servers, content)
    return content
