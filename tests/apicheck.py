"""The API conformance checks every way of serving a build must pass.

``regup serve`` and the static tree behind real nginx and Caddy with the hosting kit's
configuration are checked by the same function, :func:`check_api`: the list answers 200
``application/json`` without a redirect, every server's ``versions``, ``versions/latest``
and ``versions/<version>`` answer with its name encoded (``%2F``) and not, so do the
skills extension's list, skill, versions and version endpoints, ``/v0/…`` answers like
``/v0.1/…``, a CORS preflight
passes, and whatever is missing is a JSON 404. Query parameters are not checked here: no
static host answers them (``tests/toolhive_client.py`` shows what clients then see).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx

OFFICIAL = "io.modelcontextprotocol.registry/official"
#: What a browser client (VS Code, a Copilot registry) sends before reading with a token.
PREFLIGHT = {
    "Origin": "https://vscode.example",
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "authorization",
}


def media_type(response: httpx.Response) -> str:
    return str(response.headers.get("content-type", "")).split(";")[0].strip().lower()


def json_of(response: httpx.Response, status: int = 200) -> Any:
    """The JSON body of a ``status`` answer with a JSON content type and CORS; no redirect."""
    where = f"{response.request.method} {response.request.url}"
    assert response.status_code == status, (where, response.status_code, response.text[:300])
    expected = (
        {"application/json"} if status == 200 else {"application/json", "application/problem+json"}
    )
    assert media_type(response) in expected, (where, response.headers.get("content-type"))
    assert response.headers.get("access-control-allow-origin") == "*", where
    return json.loads(response.content)


def encoded(name: str) -> str:
    """A server name as one path segment, the way ToolHive (``url.PathEscape``) sends it."""
    return quote(name, safe="")


def check_list(client: httpx.Client, names: Sequence[str]) -> list[dict[str, Any]]:
    """``/v0.1/servers`` (and with the slash): every server's latest version, one page."""
    body = json_of(client.get("/v0.1/servers"))
    assert isinstance(body["servers"], list) and isinstance(body["metadata"], dict)
    assert sorted(s["server"]["name"] for s in body["servers"]) == sorted(names)
    assert body["metadata"]["count"] == len(names)
    assert json_of(client.get("/v0.1/servers/")) == body
    servers: list[dict[str, Any]] = body["servers"]
    return servers


def check_server(client: httpx.Client, response: dict[str, Any]) -> None:
    """One server's three endpoints, with its name encoded and not."""
    name = response["server"]["name"]
    version = response["server"]["version"]
    for spelled in (encoded(name), name):
        base = f"/v0.1/servers/{spelled}/versions"
        versions = json_of(client.get(base))
        assert [s["server"]["name"] for s in versions["servers"]] == [name], base
        latest = json_of(client.get(f"{base}/latest"))
        assert latest["server"]["name"] == name
        assert latest["_meta"][OFFICIAL]["isLatest"] is True
        assert latest in versions["servers"]
        if "/" not in version:  # a "/" in a version cannot be a file name on a static host
            assert json_of(client.get(f"{base}/{quote(version, safe='')}")) == latest


def check_skills(client: httpx.Client, skills: Sequence[str]) -> None:
    """The skills extension (``namespace/name`` each): list, skill, versions, one version."""
    base = "/v0.1/x/dev.toolhive/skills"
    listing = json_of(client.get(base))
    assert json_of(client.get(base + "/")) == listing
    assert sorted(f"{s['namespace']}/{s['name']}" for s in listing["skills"]) == sorted(skills)
    assert listing["metadata"]["count"] == len(skills)
    for payload in listing["skills"]:
        path = f"{base}/{payload['namespace']}/{payload['name']}"
        assert json_of(client.get(path)) == payload
        versions = json_of(client.get(f"{path}/versions"))
        assert payload in versions["skills"]
        assert json_of(client.get(f"{path}/versions/latest")) == payload
        assert (
            json_of(client.get(f"{path}/versions/{quote(payload['version'], safe='')}")) == payload
        )
    json_of(client.get(f"{base}/io.github.nobody/no-such-skill"), 404)


def check_old_prefix(client: httpx.Client, names: Sequence[str]) -> None:
    """``/v0/…`` answers like ``/v0.1/…`` (the official registry serves both)."""
    assert json_of(client.get("/v0/servers")) == json_of(client.get("/v0.1/servers"))
    for name in names[:3]:
        path = f"/servers/{encoded(name)}/versions/latest"
        assert json_of(client.get("/v0" + path)) == json_of(client.get("/v0.1" + path))
    json_of(client.get(f"/v0/servers/{encoded(names[0] + '-no-such')}/versions"), 404)


def check_preflight(client: httpx.Client) -> None:
    """OPTIONS with a browser's preflight headers: allowed, Authorization included."""
    for path in ("/v0.1/servers", "/v0/servers", "/upstream/registry.json"):
        answer = client.options(path, headers=PREFLIGHT)
        assert answer.status_code in (200, 204), (path, answer.status_code)
        headers = answer.headers
        assert headers.get("access-control-allow-origin") == "*", path
        methods = {m.strip() for m in headers.get("access-control-allow-methods", "").split(",")}
        assert "GET" in methods, (path, methods)
        allowed = {
            h.strip().lower() for h in headers.get("access-control-allow-headers", "").split(",")
        }
        assert "authorization" in allowed, (path, allowed)


def check_missing(client: httpx.Client, namespace: str) -> None:
    """A missing server, version or endpoint is a JSON 404 (never the catalog's page)."""
    for path in (
        f"/v0.1/servers/{encoded(namespace + '/no-such-server')}/versions/latest",
        f"/v0.1/servers/{namespace}/no-such-server/versions/latest",
        f"/v0.1/servers/{encoded(namespace + '/no-such-server')}/versions",
        "/v0.1/no-such-endpoint",
    ):
        body = json_of(client.get(path), 404)
        assert body["status"] == 404 and body["title"] and body["detail"], path


def check_api(
    base_url: str, names: Sequence[str], namespace: str, skills: Sequence[str] = ()
) -> None:
    """Every check above against the server at ``base_url``, which serves a build of the
    servers ``names`` and the skills ``skills``. Redirects are never followed: a client
    that does not follow them must get the answer."""
    with httpx.Client(base_url=base_url, timeout=10, follow_redirects=False) as client:
        for response in check_list(client, names):
            check_server(client, response)
        check_skills(client, skills)
        check_old_prefix(client, names)
        check_preflight(client)
        check_missing(client, namespace)
        for path in ("/registry.json", "/upstream/registry.json"):
            json_of(client.get(path))
