"""regup import from upstream sources: envelope, server.json array and document, live API v0.1."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from regup.importers import ImportRequest, run_import
from regup.load import load_registry
from regup.validate import validate_documents
from tests.helpers import run_cli
from tests.httpfake import Reply, Request, serve_http

SCHEMA = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
META = "io.modelcontextprotocol.registry/publisher-provided"


def _extension(key: str, **fields: Any) -> dict[str, Any]:
    return {
        META: {"io.github.stacklok": {key: {"status": "Active", "tier": "Community", **fields}}}
    }


OCI_SERVER: dict[str, Any] = {
    "$schema": SCHEMA,
    "name": "io.github.acme/weather-server",
    "description": "Forecasts and current conditions for any city.",
    "version": "1.4.0",
    "repository": {"url": "https://github.com/acme/weather", "source": "github"},
    "packages": [
        {
            "registryType": "oci",
            "identifier": "ghcr.io/acme/weather:1.4.0",
            "transport": {"type": "stdio"},
            "environmentVariables": [
                {
                    "name": "WEATHER_KEY",
                    "description": "API key of the weather service",
                    "isRequired": True,
                    "isSecret": True,
                }
            ],
        }
    ],
    "_meta": _extension("ghcr.io/acme/weather:1.4.0", tools=["get_forecast"], tags=["weather"]),
}

REMOTE_SERVER: dict[str, Any] = {
    "$schema": SCHEMA,
    "name": "com.example/tickets",
    "description": "Search and update tickets of the Example tracker.",
    "version": "2.0.0",
    "remotes": [
        {
            "type": "streamable-http",
            "url": "https://mcp.example.com/mcp",
            "headers": [
                {
                    "name": "X-Api-Key",
                    "description": "Key from your Example profile",
                    "isRequired": True,
                    "isSecret": True,
                }
            ],
        }
    ],
    "_meta": _extension("https://mcp.example.com/mcp", tools=["search_tickets"]),
}

NPM_ONLY: dict[str, Any] = {
    "$schema": SCHEMA,
    "name": "io.github.someone/notes",
    "description": "Notes on the local disk.",
    "version": "0.3.1",
    "packages": [
        {
            "registryType": "npm",
            "identifier": "@someone/notes",
            "version": "0.3.1",
            "transport": {"type": "stdio"},
        }
    ],
}

NO_TOOLS: dict[str, Any] = {**OCI_SERVER, "name": "io.github.acme/bare", "_meta": {}}


def _write(tmp_path: Path, value: Any) -> Path:
    path = tmp_path / "source.json"
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def _check_imported(registry: Path) -> None:
    validation = validate_documents(load_registry(registry))
    assert validation.errors == 0, validation.diagnostics
    weather = validation.registry.entry("weather-server")
    assert weather is not None
    assert weather.image == "ghcr.io/acme/weather:1.4.0"
    assert [(e.name, e.required, e.is_secret) for e in weather.env_vars] == [
        ("WEATHER_KEY", True, True)
    ]
    assert weather.tools == ("get_forecast",)
    tickets = validation.registry.entry("tickets")
    assert tickets is not None and tickets.url == "https://mcp.example.com/mcp"
    assert [h.name for h in tickets.headers] == ["X-Api-Key"]


def test_envelope(tmp_path: Path) -> None:
    envelope = {
        "version": "1.0.0",
        "meta": {"last_updated": "2026-01-01T00:00:00Z"},
        "data": {"servers": [OCI_SERVER, REMOTE_SERVER]},
    }
    result = run_import(ImportRequest(str(_write(tmp_path, envelope)), tmp_path / "registry"))
    assert result.written == ["tickets/spec.yaml", "weather-server/spec.yaml"]
    assert ("io.github.acme/weather-server", "weather-server") in result.renamed
    _check_imported(tmp_path / "registry")


def test_array_of_server_json(tmp_path: Path) -> None:
    result = run_import(
        ImportRequest(
            str(_write(tmp_path, [OCI_SERVER, REMOTE_SERVER, NPM_ONLY])), tmp_path / "registry"
        )
    )
    assert sorted(result.written) == ["tickets/spec.yaml", "weather-server/spec.yaml"]
    reasons = {s.original: s.reason for s in result.skipped}
    assert "no OCI package and no remote" in reasons["io.github.someone/notes"]
    _check_imported(tmp_path / "registry")


def test_one_server_json(tmp_path: Path) -> None:
    result = run_import(ImportRequest(str(_write(tmp_path, OCI_SERVER)), tmp_path / "registry"))
    assert result.written == ["weather-server/spec.yaml"]


def test_server_without_tools_is_imported_with_a_warning(tmp_path: Path) -> None:
    """ToolHive's current format allows a server without tools (rule tools-missing warns:
    registry.json, the older format, leaves it out)."""
    result = run_import(ImportRequest(str(_write(tmp_path, [NO_TOOLS])), tmp_path / "registry"))
    assert result.written == ["bare/spec.yaml"]
    assert result.skipped == []
    assert any("[tools-missing]" in w for w in result.warnings)


def test_name_clashes_get_a_suffix(tmp_path: Path) -> None:
    other = json.loads(
        json.dumps(OCI_SERVER).replace("io.github.acme/weather-server", "com.other/weather-server")
    )
    result = run_import(
        ImportRequest(str(_write(tmp_path, [OCI_SERVER, other])), tmp_path / "registry")
    )
    assert result.written == ["weather-server-2/spec.yaml", "weather-server/spec.yaml"]
    assert ("com.other/weather-server", "weather-server-2") in result.renamed


def test_live_api_three_pages(tmp_path: Path) -> None:
    pages = {
        "": ([OCI_SERVER], "page-2"),
        "page-2": ([NPM_ONLY], "page-3"),
        "page-3": ([REMOTE_SERVER], None),
    }

    def servers(request: Request) -> Reply:
        assert request.query["version"] == "latest" and request.query["limit"] == "100"
        items, cursor = pages[request.query.get("cursor", "")]
        body: dict[str, Any] = {
            "servers": [
                {
                    "server": s,
                    "_meta": {"io.modelcontextprotocol.registry/official": {"status": "active"}},
                }
                for s in items
            ],
            "metadata": {"count": len(items)},
        }
        if cursor:
            body["metadata"]["nextCursor"] = cursor
        return Reply.json(body)

    registry = tmp_path / "registry"
    with serve_http({"/v0.1/servers": servers}) as server:
        result = run_cli(["--registry", str(registry), "import", server.base_url])
    assert result.exit_code == 0, result.output
    assert len(server.requests) == 3
    assert [r.query.get("cursor") for r in server.requests] == [None, "page-2", "page-3"]
    assert "Wrote 2 file(s)." in result.stdout
    assert "Not imported (1):" in result.stdout
    assert "io.github.someone/notes: " in result.stdout and "npm" in result.stdout
    _check_imported(registry)


def test_envelope_groups_are_imported_not_dropped(tmp_path: Path) -> None:
    """Bug: an envelope's data.groups was dropped without a word by the importer."""
    envelope = {
        "version": "1.0.0",
        "meta": {"last_updated": "2026-01-01T00:00:00Z"},
        "data": {
            "servers": [OCI_SERVER, REMOTE_SERVER],
            "groups": [
                {
                    "name": "forecast-kit",
                    "description": "Weather and tickets for the on-call desk.",
                    "servers": [OCI_SERVER, REMOTE_SERVER],
                }
            ],
        },
    }
    result = run_import(ImportRequest(str(_write(tmp_path, envelope)), tmp_path / "registry"))
    assert "forecast-kit/group.yaml" in result.written, result
    validation = validate_documents(load_registry(tmp_path / "registry"))
    assert validation.ok, validation.diagnostics
    (group,) = validation.registry.groups
    assert group.name == "forecast-kit"
    assert sorted(group.servers) == ["tickets", "weather-server"]


ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><circle r="4"/></svg>'


def _catalog_folder(tmp_path: Path, icon: str) -> Path:
    folder = tmp_path / "servers" / "weather-server"
    folder.mkdir(parents=True)
    (folder / "server.json").write_text(json.dumps(OCI_SERVER))
    (folder / "icon.svg").write_text(icon)
    return folder / "server.json"


def test_the_icon_beside_a_server_json_comes_along(tmp_path: Path) -> None:
    source = _catalog_folder(tmp_path, ICON)
    registry = tmp_path / "registry"
    dry = run_cli(["--registry", str(registry), "import", str(source), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"--- would copy weather-server/icon.svg ({len(ICON)} bytes" in dry.stdout
    assert "Would write 2 file(s)." in dry.stdout
    assert not registry.exists()
    result = run_import(ImportRequest(str(source), registry))
    assert result.written == ["weather-server/icon.svg", "weather-server/spec.yaml"]
    assert (registry / "weather-server" / "icon.svg").read_text() == ICON
    validation = validate_documents(load_registry(registry))
    entry = validation.registry.entry("weather-server")
    assert entry is not None and entry.icon_file is not None
    assert entry.icon_file.data == ICON.encode()


def test_an_unsafe_icon_beside_a_server_json_is_left_behind(tmp_path: Path) -> None:
    source = _catalog_folder(tmp_path, ICON.replace("<circle", "<script/><circle"))
    result = run_import(ImportRequest(str(source), tmp_path / "registry"))
    assert result.written == ["weather-server/spec.yaml"]
    assert any("<script>" in w and "the icon is not copied" in w for w in result.warnings)
    assert not (tmp_path / "registry" / "weather-server" / "icon.svg").exists()
