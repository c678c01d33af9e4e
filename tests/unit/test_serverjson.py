"""server.json as an entry's source: loading, positions, the catalog layout, and ToolHive's
own converter cases (tests/data/toolhive_converters)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from regup.config import Config
from regup.diagnostics import Severity
from regup.emit.toolhive import toolhive_server
from regup.emit.upstream import to_upstream
from regup.load import load_registry
from regup.model import Entry
from regup.serverjson import PUBLISHER_PROVIDED, TOOLHIVE_PUBLISHER, from_upstream
from regup.validate import validate_documents
from tests.helpers import (
    Files,
    run_cli,
    server_json_after_round_trip,
    write_config,
    write_registry,
)

JsonDict = dict[str, Any]
CONVERTERS = Path(__file__).resolve().parents[1] / "data" / "toolhive_converters"
IMAGE = "ghcr.io/example/fetch:1.2.0"


def server_doc(**changes: Any) -> JsonDict:
    doc: JsonDict = {
        "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        "name": "io.github.example/fetch",
        "description": "Fetches web pages and turns them into Markdown.",
        "version": "1.2.0",
        "packages": [
            {
                "registryType": "oci",
                "identifier": IMAGE,
                "transport": {"type": "stdio"},
                "environmentVariables": [
                    {"name": "FETCH_TIMEOUT", "description": "Seconds to wait for a page."}
                ],
            }
        ],
        "_meta": {
            PUBLISHER_PROVIDED: {
                TOOLHIVE_PUBLISHER: {
                    IMAGE: {"status": "active", "tier": "Community", "tools": ["fetch"]}
                }
            }
        },
    }
    doc.update(changes)
    return doc


def block(doc: JsonDict) -> JsonDict:
    found: JsonDict = next(iter(doc["_meta"][PUBLISHER_PROVIDED][TOOLHIVE_PUBLISHER].values()))
    return found


def load(root: Path, **entries: Any) -> tuple[list[Entry], list[Any]]:
    registry = write_registry(root, **entries)
    result = validate_documents(load_registry(registry))
    return list(result.registry.entries), result.diagnostics


def catalog(reference_dir: Path) -> Path:
    return reference_dir / "toolhive-catalog"


def originals(reference_dir: Path) -> dict[str, JsonDict]:
    files = sorted((catalog(reference_dir) / "servers").glob("*/server.json"))
    return {p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in files}


# --- the reference catalog, as it is ------------------------------------------------------


def test_every_catalog_server_loads_without_error(reference_dir: Path) -> None:
    result = validate_documents(load_registry(catalog(reference_dir)))
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert errors == []
    wanted = originals(reference_dir)
    assert len(wanted) == 32
    assert sorted(e.name for e in result.registry.entries) == sorted(wanted)
    assert len(result.registry.skills) == 89  # skills/ of the same layout
    for entry in result.registry.entries:
        assert entry.namespace == wanted[entry.name]["name"].split("/")[0]


def test_every_catalog_server_json_is_emitted_back(reference_dir: Path) -> None:
    """server.json → Entry → server.json gives the same JSON (key order aside), apart from
    the documented differences that ``server_json_after_round_trip`` applies."""
    config = Config()
    result = validate_documents(load_registry(catalog(reference_dir)))
    wanted = originals(reference_dir)
    for entry in result.registry.entries:
        expected = server_json_after_round_trip(wanted[entry.name], config.publisher_key)
        assert to_upstream(entry, config) == expected, entry.name


def test_the_catalog_layout_builds_as_it_is(reference_dir: Path, tmp_path: Path) -> None:
    # A copy, with the catalog's own namespace: a build records versions in the registry
    # folder (registry/versions.json), and the reference data is read, never written.
    registry = tmp_path / "toolhive"
    for part in ("servers", "skills"):
        shutil.copytree(catalog(reference_dir) / part, registry / part)
    config = write_config(tmp_path, namespace="io.github.stacklok")
    out = tmp_path / "dist"
    args = ["--registry", str(registry), "--config", str(config), "build", "--out", str(out)]
    built = run_cli(args)
    assert built.exit_code == 0, built.output
    assert (registry / "versions.json").is_file()
    assert "Built 32 servers (20 container, 12 remote)" in built.stdout
    envelope = json.loads((out / "upstream" / "registry.json").read_text())
    assert len(envelope["data"]["servers"]) == 32
    assert len(envelope["data"]["skills"]) == 89
    legacy = json.loads((out / "registry.json").read_text())
    # 21st-remote lists no tools, which registry.json's format requires (rule tools-missing)
    assert "21st-remote" not in legacy["remote_servers"]
    assert len(legacy["servers"]) + len(legacy["remote_servers"]) == 31
    served = json.loads((out / "upstream" / "servers" / "github-remote.json").read_text())
    assert served["name"] == "io.github.stacklok/github-remote"


def test_the_catalog_layout_diagnostics_name_the_json_file(
    reference_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "catalog"
    shutil.copytree(catalog(reference_dir) / "servers", folder / "servers")
    path = folder / "servers" / "github-remote" / "server.json"
    doc = json.loads(path.read_text())
    block(doc)["tier"] = "Vendor"
    path.write_text(json.dumps(doc, indent=2) + "\n")
    lines = path.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if '"Vendor"' in text)
    col = lines[line - 1].index('"Vendor"') + 1
    result = validate_documents(load_registry(folder))
    [error] = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert (error.path.endswith("servers/github-remote/server.json"), error.line, error.col) == (
        True,
        line,
        col,
    )
    assert error.rule == "invalid-value"
    assert len(result.registry.entries) == 31


# --- flat layout, errors and new fields ---------------------------------------------------


def test_a_flat_registry_mixes_spec_yaml_and_server_json(tmp_path: Path) -> None:
    entries, found = load(
        tmp_path,
        fetch=Files({"server.json": json.dumps(server_doc(), indent=2)}),
        other=Files(
            {
                "spec.yaml": (
                    "description: Another server, written as spec.yaml.\ntier: Community\n"
                    "status: Active\ntransport: stdio\nimage: ghcr.io/example/other:1.0.0\n"
                    "tools: [other]\n"
                )
            }
        ),
    )
    assert [d for d in found if d.severity is Severity.ERROR] == []
    assert [e.name for e in entries] == ["fetch", "other"]
    fetch = entries[0]
    assert (fetch.image, fetch.status, fetch.namespace) == (IMAGE, "active", "io.github.example")
    assert fetch.env_vars[0].name == "FETCH_TIMEOUT"
    emitted = to_upstream(fetch, Config(namespace="io.github.other"))
    assert emitted["name"] == "io.github.example/fetch"  # the document's own namespace
    assert to_upstream(entries[1], Config(namespace="io.github.other"))["name"] == (
        "io.github.other/other"
    )


def test_every_problem_of_a_server_json_is_reported_at_its_json_position(
    tmp_path: Path,
) -> None:
    doc = server_doc(websiteURL="https://example.com")
    doc["packages"][0]["runtimeHint"] = "docker"
    doc["packages"][0]["environmentVariables"][0]["name"] = "1ST"
    block(doc)["tier"] = "Vendor"
    block(doc)["tools"] = ["bad tool"]
    text = json.dumps(doc, indent=2)
    _, found = load(tmp_path, fetch=Files({"server.json": text}))
    lines = text.splitlines()

    def at(needle: str) -> tuple[int, int]:
        line = next(i for i, t in enumerate(lines, start=1) if needle in t)
        return line, lines[line - 1].index(needle) + 1

    got = {(d.rule, d.line, d.col) for d in found}
    assert got == {
        ("unknown-key", *at('"websiteURL"')),
        ("server-json-unsupported", *at('"runtimeHint"')),
        ("env-var-name", *at('"1ST"')),
        ("invalid-value", *at('"Vendor"')),
        ("tool-name", *at('"bad tool"')),
    }
    assert all(d.path.endswith("fetch/server.json") for d in found), found


def test_a_json_syntax_error_is_reported_at_its_position(tmp_path: Path) -> None:
    _, found = load(tmp_path, fetch=Files({"server.json": '{\n  "name": "x",\n}\n'}))
    assert [(d.rule, d.line) for d in found] == [("json-syntax", 3)]


def test_a_duplicate_json_key_is_an_error(tmp_path: Path) -> None:
    text = json.dumps(server_doc(), indent=2).replace(
        '"version": "1.2.0",', '"version": "1.2.0",\n  "version": "1.3.0",'
    )
    _, found = load(tmp_path, fetch=Files({"server.json": text}))
    assert [(d.rule, d.line) for d in found] == [("yaml-duplicate-key", 6)]


def test_newer_toolhive_fields_are_kept(tmp_path: Path) -> None:
    doc = server_doc()
    block(doc).update(
        {
            "stateless": True,
            "proxy_port": 8080,
            "permissions": {"name": "network", "network": {"outbound": {"allow_port": [443]}}},
            "metadata": {
                "stars": 3,
                "kubernetes": {"kind": "MCPServer", "namespace": "tools", "name": "fetch"},
            },
        }
    )
    entries, found = load(tmp_path, fetch=Files({"server.json": json.dumps(doc)}))
    assert [d for d in found if d.severity is Severity.ERROR] == []
    [entry] = entries
    assert entry.stateless is True and entry.permissions is not None
    assert entry.permissions.name == "network"
    assert entry.metadata is not None and entry.metadata.kubernetes is not None
    assert entry.metadata.kubernetes.kind == "MCPServer"
    assert to_upstream(entry, Config()) == server_json_after_round_trip(doc, "io.github.regup")
    legacy = toolhive_server(entry)
    assert (legacy["stateless"], legacy["status"]) == (True, "Active")
    assert legacy["metadata"]["kubernetes"]["namespace"] == "tools"


def test_a_spec_yaml_accepts_lowercase_status_and_stateless(tmp_path: Path) -> None:
    entries, found = load(
        tmp_path,
        fetch=(
            "description: Fetches web pages and turns them into Markdown.\ntier: Community\n"
            "status: deprecated\ntransport: streamable-http\nurl: https://mcp.example.com/\n"
            "stateless: true\ntools: [fetch]\nversion: 2025.06.18\n"
        ),
    )
    assert [d for d in found if d.severity is Severity.ERROR] == []
    assert entries[0].deprecated and entries[0].stateless


def test_the_extension_block_transport_is_a_warning_and_left_out(tmp_path: Path) -> None:
    doc = server_doc()
    block(doc)["transport"] = "stdio"
    entries, found = load(tmp_path, fetch=Files({"server.json": json.dumps(doc)}))
    assert [(d.rule, d.severity) for d in found] == [("server-json-ignored", Severity.WARNING)]
    assert "transport" not in block(to_upstream(entries[0], Config()))


def http_doc(transport: str, url: str) -> JsonDict:
    doc = server_doc()
    doc["packages"][0]["transport"] = {"type": transport, "url": url}
    return doc


@pytest.mark.parametrize(
    ("transport", "url", "published", "rules"),
    [
        ("streamable-http", "http://localhost:8080", "http://localhost:8080/mcp", []),
        ("streamable-http", "http://localhost:8080/", "http://localhost:8080/mcp", []),
        ("streamable-http", "http://localhost:8080/mcp", "http://localhost:8080/mcp", []),
        ("sse", "http://localhost:9000", "http://localhost:9000/sse", []),
        # no port (what ToolHive writes for target_port 0): the port warning only
        ("sse", "http://localhost", "http://localhost/sse", ["target-port-missing"]),
    ],
)
def test_a_package_url_without_a_path_gets_the_transports_path(
    tmp_path: Path, transport: str, url: str, published: str, rules: list[str]
) -> None:
    entries, found = load(
        tmp_path, fetch=Files({"server.json": json.dumps(http_doc(transport, url))})
    )
    assert [d.rule for d in found] == rules
    emitted = to_upstream(entries[0], Config())
    assert emitted["packages"][0]["transport"] == {"type": transport, "url": published}


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8080/api/mcp",
        "http://0.0.0.0:8080/mcp",
        "https://localhost:8080/mcp",
        "http://localhost:8080/mcp?x=1",
    ],
)
def test_a_package_url_regup_would_change_is_a_warning(tmp_path: Path, url: str) -> None:
    text = json.dumps(http_doc("streamable-http", url), indent=2)
    entries, found = load(tmp_path, fetch=Files({"server.json": text}))
    assert [(d.rule, d.severity) for d in found] == [("server-json-ignored", Severity.WARNING)]
    line = next(i for i, row in enumerate(text.splitlines(), 1) if url in row)
    assert found[0].line == line
    assert "http://localhost:8080/mcp" in found[0].message
    assert entries[0].target_port == 8080
    emitted = to_upstream(entries[0], Config())
    assert emitted["packages"][0]["transport"]["url"] == "http://localhost:8080/mcp"


def test_packages_and_remotes_a_build_would_drop_are_errors(tmp_path: Path) -> None:
    doc = server_doc()
    doc["packages"].append({"registryType": "npm", "identifier": "fetch-mcp"})
    doc["remotes"] = [{"type": "streamable-http", "url": "https://mcp.example.com/mcp"}]
    text = json.dumps(doc, indent=2)
    _, found = load(tmp_path, fetch=Files({"server.json": text}))
    assert [(d.rule, d.severity) for d in found] == [
        ("server-json-unsupported", Severity.ERROR),
        ("server-json-unsupported", Severity.ERROR),
    ]
    assert "packages[1] (npm)" in found[0].message and "remotes[0]" in found[1].message
    lines = text.splitlines()
    assert '"registryType": "npm"' in lines[found[0].line]  # the object opens the line before


def test_a_second_remote_is_an_error(tmp_path: Path) -> None:
    remote = {"type": "streamable-http", "url": "https://mcp.example.com/mcp"}
    doc = server_doc(remotes=[remote, {**remote, "url": "https://eu.example.com/mcp"}])
    del doc["packages"]
    doc["_meta"][PUBLISHER_PROVIDED][TOOLHIVE_PUBLISHER] = {
        remote["url"]: {"status": "active", "tools": ["fetch"]}
    }
    entries, found = load(tmp_path, fetch=Files({"server.json": json.dumps(doc)}))
    assert [d.rule for d in found] == ["server-json-unsupported"]
    assert "remotes[1]" in found[0].message


def test_another_publishers_block_cannot_be_carried(tmp_path: Path) -> None:
    doc = server_doc()
    doc["_meta"][PUBLISHER_PROVIDED]["com.example"] = {"anything": 1}
    _, found = load(tmp_path, fetch=Files({"server.json": json.dumps(doc)}))
    assert [d.rule for d in found] == ["server-json-unsupported"]
    assert "com.example" in found[0].message


def test_regups_own_block_is_read_back(tmp_path: Path) -> None:
    long = "Fetches web pages and turns them into Markdown, " * 3
    doc = server_doc()
    doc["_meta"][PUBLISHER_PROVIDED]["io.github.regup"] = {
        "description": long.strip(),
        "license": "MIT",
    }
    doc["description"] = "Fetches web pages and turns them into Markdown."
    entries, found = load(tmp_path, fetch=Files({"server.json": json.dumps(doc)}))
    assert [d for d in found if d.severity is Severity.ERROR] == []
    assert (entries[0].description, entries[0].license) == (long.strip(), "MIT")


# --- ToolHive's own converter cases -------------------------------------------------------


def fixture(name: str) -> JsonDict:
    data: JsonDict = json.loads((CONVERTERS / name).read_text(encoding="utf-8"))
    return data


def without_empty_annotations(doc: Any) -> Any:
    """ToolHive's Go types write ``annotations: {}`` into every tool definition; regup keeps
    the definitions as they were given (deliberate difference)."""
    if isinstance(doc, dict):
        return {
            k: without_empty_annotations(v)
            for k, v in doc.items()
            if not (k == "annotations" and v == {})
        }
    if isinstance(doc, list):
        return [without_empty_annotations(v) for v in doc]
    return doc


CONFIG = Config(namespace="io.github.stacklok")


@pytest.mark.parametrize(("kind", "name"), [("image", "github"), ("remote", "example")])
def test_toolhive_converter_registry_entry_to_server_json(kind: str, name: str) -> None:
    source = fixture(f"{kind}_to_server__input_{name}.json")
    expected = fixture(f"{kind}_to_server__expected_{name}.json")
    if kind == "remote":
        # ToolHive writes version 1.0.0 for every server (its converter's TODO); regup never
        # invents one, so a remote server states its version (deliberate difference).
        source = {**source, "version": expected["version"]}
    entry = Entry.from_document(expected["name"].split("/")[1], source)
    emitted = to_upstream(entry, CONFIG)
    if kind == "image":
        # ToolHive writes version 1.0.0 for every server (its converter's TODO); regup takes
        # the image tag's version (deliberate difference).
        assert emitted["version"] == "0.19.1"
        emitted["version"] = expected["version"]
    assert emitted == without_empty_annotations(expected)


@pytest.mark.parametrize(("kind", "name"), [("image", "github"), ("remote", "example")])
def test_toolhive_converter_server_json_to_registry_entry(kind: str, name: str) -> None:
    source = fixture(f"server_to_{kind}__input_{name}.json")
    expected = fixture(f"server_to_{kind}__expected_{name}.json")
    entry = from_upstream(source, CONFIG)
    assert entry.name == expected["name"].split("/")[1]
    server = toolhive_server(entry)
    # registry.json keys servers by name (no name field) and knows only Active / Deprecated
    # (ToolHive's converter copies status as written): deliberate differences.
    wanted = without_empty_annotations({k: v for k, v in expected.items() if k != "name"})
    wanted["status"] = wanted["status"].capitalize()
    assert server == wanted
    assert entry.status == expected["status"]  # the entry keeps what was written


def test_toolhive_converter_server_json_fixtures_load_as_sources(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    for kind, folder, name in (
        ("image", "github", "github"),
        ("remote", "example-remote", "example"),
    ):
        target = registry / folder / "server.json"
        target.parent.mkdir(parents=True)
        shutil.copy(CONVERTERS / f"server_to_{kind}__input_{name}.json", target)
    result = validate_documents(load_registry(registry))
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert errors == []
    # the remote fixture's block has "transport", which no ToolHive reader has: a warning
    assert {d.rule for d in result.diagnostics} >= {"server-json-ignored"}
    for entry in result.registry.entries:
        kind, name = ("image", "github") if entry.image else ("remote", "example")
        original = fixture(f"server_to_{kind}__input_{name}.json")
        expected = server_json_after_round_trip(original, "io.github.regup")
        assert to_upstream(entry, Config()) == expected


def test_a_published_document_with_its_card_loads_as_a_source(tmp_path: Path) -> None:
    """regup's own output read back: the card and the provenance check are computed by the
    build, so a source may carry them and loading it reports nothing."""
    (entry,) = load(tmp_path / "a", fetch=Files({"server.json": json.dumps(server_doc())}))[0]
    from regup.emit.upstream import entry_document

    published = entry_document(entry, Config(), {}, {})
    assert "score_card" in published["_meta"][PUBLISHER_PROVIDED]["io.github.regup"]
    entries, found = load(tmp_path / "b", fetch=Files({"server.json": json.dumps(published)}))
    assert found == []
    assert entries == [entry]
