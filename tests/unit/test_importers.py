"""regup import: ToolHive files, names, adjustments, and bad sources that must change nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from regup.errors import ImportSourceError
from regup.importers import ImportRequest, run_import
from regup.load import load_registry
from regup.names import entry_name_from_upstream
from regup.validate import validate_documents
from tests.helpers import CONTAINER, REMOTE, run_cli
from tests.httpfake import Reply, Request, serve_http


def toolhive_file(tmp_path: Path, **extra: Any) -> Path:
    data = {
        "version": "1.0.0",
        "last_updated": "2026-01-01T00:00:00Z",
        "servers": {"fetch": CONTAINER},
        "remote_servers": {"tracker": REMOTE},
        "groups": [
            {
                "name": "starter-kit",
                "description": "The two servers everybody starts with.",
                "servers": {
                    "fetch": CONTAINER,
                    "extra-tool": {**CONTAINER, "image": "ghcr.io/x/y:1.0"},
                },
                "remote_servers": {"tracker": REMOTE},
            }
        ],
        **extra,
    }
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_toolhive_import_writes_valid_entries_and_groups(tmp_path: Path) -> None:
    source = toolhive_file(tmp_path)
    registry = tmp_path / "registry"
    result = run_import(ImportRequest(str(source), registry))
    assert result.written == [
        "extra-tool/spec.yaml",
        "fetch/spec.yaml",
        "starter-kit/group.yaml",
        "tracker/spec.yaml",
    ]
    validation = validate_documents(load_registry(registry))
    assert validation.errors == 0
    group = validation.registry.groups[0]
    assert (group.name, group.servers) == ("starter-kit", ("extra-tool", "fetch", "tracker"))
    fetch = validation.registry.entry("fetch")
    assert fetch is not None and fetch.image == CONTAINER["image"]
    text = (registry / "fetch" / "spec.yaml").read_text()
    assert (
        text.index("description:")
        < text.index("tier:")
        < text.index("image:")
        < text.index("tools:")
    )
    assert "# Optional fields not set" in text and "#   title" in text


def test_existing_entries_are_left_alone_unless_overwrite(tmp_path: Path) -> None:
    source = toolhive_file(tmp_path)
    registry = tmp_path / "registry"
    (registry / "fetch").mkdir(parents=True)
    (registry / "fetch" / "spec.yaml").write_text("# mine\n")
    result = run_import(ImportRequest(str(source), registry))
    assert "fetch" in result.existing
    assert (registry / "fetch" / "spec.yaml").read_text() == "# mine\n"
    run_import(ImportRequest(str(source), registry, overwrite=True))
    assert (registry / "fetch" / "spec.yaml").read_text().startswith("description:")


def test_dry_run_and_only(tmp_path: Path) -> None:
    source = toolhive_file(tmp_path)
    registry = tmp_path / "registry"
    result = run_import(ImportRequest(str(source), registry, dry_run=True, only=("tracker",)))
    assert list(result.would_write) == ["tracker/spec.yaml"]
    assert not registry.exists()


def test_long_description_moves_to_overview(tmp_path: Path) -> None:
    long = (
        "Reads pages. " + "It also converts tables, lists and code blocks into tidy Markdown " * 3
    )
    source = toolhive_file(tmp_path, servers={"fetch": {**CONTAINER, "description": long.strip()}})
    registry = tmp_path / "registry"
    result = run_import(ImportRequest(str(source), registry))
    assert (
        "fetch",
        "description shortened to 12 characters; the full text is in overview",
    ) in result.adjusted
    entry = validate_documents(load_registry(registry)).registry.entry("fetch")
    assert entry is not None
    assert entry.description == "Reads pages."
    assert entry.overview == long.strip()


def test_invalid_server_is_reported_not_written(tmp_path: Path) -> None:
    broken = {**CONTAINER, "image": "Not A Valid Image"}
    source = toolhive_file(tmp_path, servers={"fetch": CONTAINER, "broken-one": broken})
    result = run_import(ImportRequest(str(source), tmp_path / "registry"))
    reasons = {s.original: s.reason for s in result.skipped}
    assert "image-ref" in reasons["broken-one"]
    assert not (tmp_path / "registry" / "broken-one").exists()


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("io.github.acme/Weather_Server", "weather-server"),
        ("com.example/mcp", "mcp"),
        ("ab", "ab-mcp"),
        ("com.example/ab", "ab-mcp"),
        ("io.github.x/A", "a-mcp"),
        ("io.github.x/--a--b--", "a-b"),
        ("///", ""),
    ],
)
def test_entry_names_of_imported_servers(original: str, expected: str) -> None:
    assert entry_name_from_upstream(original) == expected


# --- bad sources: a clear error, and registry/ untouched ---------------------------------


def _assert_untouched(registry: Path) -> None:
    assert sorted(p.name for p in registry.iterdir()) == ["keep"]
    assert (registry / "keep" / "spec.yaml").read_text() == "# untouched\n"


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    root = tmp_path / "registry"
    (root / "keep").mkdir(parents=True)
    (root / "keep" / "spec.yaml").write_text("# untouched\n")
    return root


def test_not_json(tmp_path: Path, registry: Path) -> None:
    source = tmp_path / "bad.json"
    source.write_text("{ this is not json")
    result = run_cli(["--registry", str(registry), "import", str(source)])
    assert result.exit_code == 1
    assert "not valid JSON" in result.stderr and "Traceback" not in result.output
    _assert_untouched(registry)


def test_wrong_shape(tmp_path: Path, registry: Path) -> None:
    source = tmp_path / "shape.json"
    source.write_text(json.dumps({"hello": "world"}))
    result = run_cli(["--registry", str(registry), "import", str(source)])
    assert result.exit_code == 1
    assert "unknown shape" in result.stderr
    _assert_untouched(registry)


def test_missing_file(tmp_path: Path, registry: Path) -> None:
    result = run_cli(["--registry", str(registry), "import", str(tmp_path / "nope.json")])
    assert result.exit_code == 1
    assert "neither a file nor an http(s) URL" in result.stderr


def test_http_500(registry: Path) -> None:
    with serve_http({"/registry.json": lambda r: Reply(500, b"boom")}) as server:
        result = run_cli(
            ["--registry", str(registry), "import", f"{server.base_url}/registry.json"]
        )
    assert result.exit_code == 1
    assert "answered HTTP 500" in result.stderr
    _assert_untouched(registry)


def test_fifty_megabyte_response(registry: Path) -> None:
    big = b'{"servers": {"x": "' + b"a" * (50 * 1024 * 1024) + b'"}}'
    with serve_http(
        {"/big.json": lambda r: Reply(200, big, {"Content-Type": "application/json"})}
    ) as server:
        result = run_cli(["--registry", str(registry), "import", f"{server.base_url}/big.json"])
    assert result.exit_code == 1
    assert "byte limit" in result.stderr
    _assert_untouched(registry)


def _endless(request: Request) -> None:
    """Chunked JSON that never ends: the size cap must stop it."""
    handler = request.handler
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b" " * 65536
    try:
        handler.wfile.write(b"1\r\n[\r\n")
        for _ in range(2000):  # bounded: 128 MB at most, far past the cap
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except (BrokenPipeError, ConnectionResetError):
        return


def test_page_that_never_ends(registry: Path) -> None:
    with serve_http({"/v0.1/servers": _endless}) as server:
        result = run_cli(["--registry", str(registry), "import", server.base_url])
    assert result.exit_code == 1
    assert "byte limit" in result.stderr
    _assert_untouched(registry)


def test_cursor_that_repeats(registry: Path) -> None:
    page = {"servers": [], "metadata": {"nextCursor": "again", "count": 0}}
    with serve_http({"/v0.1/servers": lambda r: Reply.json(page)}) as server:
        result = run_cli(["--registry", str(registry), "import", server.base_url])
    assert result.exit_code == 1
    assert "never ends" in result.stderr
    _assert_untouched(registry)


def test_api_wrong_shape(registry: Path) -> None:
    with serve_http({"/v0.1/servers": lambda r: Reply.json({"items": []})}) as server:
        with pytest.raises(ImportSourceError, match="v0.1 server list"):
            run_import(ImportRequest(server.base_url, registry))
    _assert_untouched(registry)
