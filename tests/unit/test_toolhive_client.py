"""The ToolHive port itself: each rule accepts and refuses what ToolHive's Go code does.

tests/toolhive_client.py is only worth running against regup's outputs if it is as strict
as ToolHive; these cases come from the Go functions it ports (probeRegistryURL,
isValidAPIResponse, legacyhint.Looks, parseAndValidateUpstreamRegistry, url.PathEscape,
url.Values.Encode, GetServer's lookup order), served by a real local HTTP server.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.httpfake import Reply, Request, Route, serve_http
from tests.toolhive_client import (
    API,
    URL,
    ToolHive,
    ToolHiveError,
    extract_server_name,
    legacy_looks,
    parse_and_validate_upstream_registry,
    path_escape,
    values_encode,
)

LISTING = {"servers": [], "metadata": {"count": 0}}


def probe(reply: Reply) -> str:
    with serve_http({"/v0.1/servers": lambda _: reply}) as server:
        return ToolHive().detect_registry_type(server.base_url)[0]


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (Reply.json(LISTING), API),
        (Reply(200, json.dumps(LISTING).encode(), {"Content-Type": "text/html"}), URL),
        (
            Reply(
                200,
                json.dumps(LISTING).encode(),
                {"Content-Type": "text/plain; x=application/json"},
            ),
            API,
        ),
        (Reply.json({"servers": []}), URL),  # no metadata
        (Reply.json({"servers": {}, "metadata": {}}), URL),  # servers not an array
        (Reply.json({"servers": [], "metadata": []}), URL),  # metadata not an object
        (Reply(200, b"{not json", {"Content-Type": "application/json"}), URL),
        (Reply.json(LISTING, status=201), API),  # any 2xx
        (Reply(401), API),
        (Reply(403), API),
        (Reply(404), URL),
        (Reply(405), URL),
        (Reply(500), URL),
    ],
    ids=[
        "json-listing",
        "text-html",
        "json-in-a-parameter",
        "no-metadata",
        "servers-object",
        "metadata-array",
        "broken-json",
        "201",
        "401",
        "403",
        "404",
        "405",
        "500",
    ],
)
def test_the_probe_takes_what_toolhive_takes_for_an_api(reply: Reply, kind: str) -> None:
    """isValidAPIResponse checks strings.Contains(Content-Type, "application/json")."""
    assert probe(reply) == kind


def test_the_probe_follows_a_redirect_as_go_s_client_does() -> None:
    routes: dict[str, Route] = {
        "/v0.1/servers": lambda _: Reply(301, headers={"Location": "/v0.1/servers/"}),
        "/v0.1/servers/": lambda _: Reply.json(LISTING),
    }
    with serve_http(routes) as server:
        thv = ToolHive()
        assert thv.detect_registry_type(server.base_url) == (API, server.base_url)
    assert [r.path for r in server.requests] == ["/v0.1/servers", "/v0.1/servers/"]
    assert server.requests[0].query == {"limit": "1", "version": "latest"}


def test_json_urls_and_paths_are_never_probed() -> None:
    thv = ToolHive()
    assert thv.detect_registry_type("https://example.org/registry.json") == (
        URL,
        "https://example.org/registry.json",
    )
    assert thv.detect_registry_type("file:///tmp/r.json") == ("file", "/tmp/r.json")
    assert thv.detect_registry_type("some/registry.json") == ("file", "some/registry.json")
    assert thv.requests == []


@pytest.mark.parametrize(
    "document",
    [
        {"servers": {}},
        {"remote_servers": {}},
        {"groups": []},
        {"Servers": None},  # Go matches field names in any case; null is a non-empty RawMessage
        {"version": "1.0.0", "servers": {"x": {}}, "data": {"servers": [{}]}},
    ],
)
def test_the_legacy_format_gets_the_migration_hint(document: dict[str, Any]) -> None:
    data = json.dumps(document).encode()
    assert legacy_looks(data)
    with pytest.raises(ToolHiveError, match="thv registry convert"):
        parse_and_validate_upstream_registry(data)


@pytest.mark.parametrize(
    ("document", "accepted"),
    [
        ({"data": {"servers": [{"name": "a/b"}]}}, True),
        ({"data": {"skills": [{"name": "s"}]}}, True),
        ({"data": {"plugins": [{"name": "p"}]}}, True),
        ({"data": {"servers": []}}, False),
        ({"data": {}}, False),
        ({"meta": {}}, False),
        ({"data": {"servers": {}}}, False),
        ([], False),
    ],
)
def test_an_upstream_file_needs_a_server_skill_or_plugin(document: Any, accepted: bool) -> None:
    data = json.dumps(document).encode()
    if accepted:
        parse_and_validate_upstream_registry(data)
    else:
        with pytest.raises(ToolHiveError):
            parse_and_validate_upstream_registry(data)
    assert not legacy_looks(data)


def test_path_escape_and_query_encoding_are_go_s() -> None:
    assert path_escape("io.github.x/fetch") == "io.github.x%2Ffetch"
    assert path_escape("a b?c;d,e") == "a%20b%3Fc%3Bd%2Ce"
    assert path_escape("a+b:c@d=e$f&g~h") == "a+b:c@d=e$f&g~h"  # kept by encodePathSegment
    assert path_escape("é") == "%C3%A9"
    assert values_encode({"version": "latest", "limit": "1"}) == "limit=1&version=latest"
    assert values_encode({"search": "a b/c"}) == "search=a+b%2Fc"
    assert extract_server_name("io.github.x/fetch") == "fetch"
    assert extract_server_name("a/b/c") == "a/b/c"


def _registry(servers: list[dict[str, Any]]) -> dict[str, Any]:
    def listing(request: Request) -> Reply:
        search = request.query.get("search", "")
        found = [{"server": s} for s in servers if search in s["name"]]
        return Reply.json({"servers": found, "metadata": {"count": len(found)}})

    def one(request: Request) -> Reply | None:
        for server in servers:
            wanted = f"/v0.1/servers/{path_escape(server['name'])}/versions/latest"
            if request.path == wanted:
                return Reply.json({"server": server})
        return Reply.json({"detail": "not found"}, status=404)

    return {"routes": {"/v0.1/servers": listing}, "fallback": one}


REMOTE = {"remotes": [{"type": "streamable-http", "url": "https://x.example/mcp"}]}


def test_get_server_tries_toolhive_s_namespace_first_then_the_name_then_a_search() -> None:
    servers = [{"name": "io.github.acme/fetch", **REMOTE}]
    fake = _registry(servers)
    with serve_http(fake["routes"], fallback=fake["fallback"]) as server:
        provider = ToolHive().api_provider(server.base_url)
        server.requests.clear()
        assert provider.get_server("fetch").name == "io.github.acme/fetch"
        asked = [(r.path, r.query) for r in server.requests]
        assert asked == [
            ("/v0.1/servers/io.github.stacklok%2Ffetch/versions/latest", {}),
            ("/v0.1/servers/fetch/versions/latest", {}),
            ("/v0.1/servers", {"search": "fetch", "version": "latest"}),
        ]
        server.requests.clear()
        with pytest.raises(ToolHiveError, match="server not found: fetc"):
            provider.get_server("fetc")  # a search hit, but no exact match


@pytest.mark.parametrize(
    ("server", "converts"),
    [
        ({"name": "a/remote", **REMOTE}, True),
        (
            {"name": "a/oci", "packages": [{"registryType": "oci", "identifier": "ghcr.io/a/b:1"}]},
            True,
        ),
        ({"name": "a/npm", "packages": [{"registryType": "npm", "identifier": "b"}]}, False),
        ({"name": "a/none"}, False),
        (
            {
                "name": "a/port",
                "packages": [
                    {
                        "registryType": "oci",
                        "identifier": "ghcr.io/a/b:1",
                        "transport": {
                            "type": "streamable-http",
                            "url": "http://localhost:{port}/mcp",
                        },
                    }
                ],
            },
            False,
        ),
    ],
)
def test_the_full_listing_skips_what_toolhive_cannot_convert(
    server: dict[str, Any], converts: bool
) -> None:
    fake = _registry([server])
    with serve_http(fake["routes"], fallback=fake["fallback"]) as http:
        listed = ToolHive().api_provider(http.base_url).get_registry()
    assert (server["name"] in listed) is converts
