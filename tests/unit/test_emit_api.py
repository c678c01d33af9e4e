"""The static MCP Registry API v0.1 tree, its not-found document and its openapi.yaml."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from regup.config import Config
from regup.emit import EMITTERS
from regup.emit.api import (
    LIST_PATH,
    NOT_FOUND_PATH,
    OFFICIAL_META,
    OPENAPI_PATH,
    emit_api,
    path_segment,
    version_path,
    versions_path,
)
from regup.emit.canonical import EmitContext
from regup.emit.upstream import entry_document
from regup.errors import ConfigError
from regup.ledger import Ledger, VersionRecord
from regup.model import Entry, Group, Registry
from tests.helpers import TEST_NAMESPACE, container, remote

JsonDict = dict[str, Any]
CTX = EmitContext(
    config=Config(namespace=TEST_NAMESPACE, name="Test registry"), timestamp="2025-07-01T00:00:00Z"
)


def registry() -> Registry:
    return Registry(
        entries=(
            Entry.from_document("fetch", container()),
            Entry.from_document("tracker", remote(status="Deprecated")),
            Entry.from_document(
                "no-date", container(image="ghcr.io/example/nd:v2.0.1", metadata=None)
            ),
            Entry.from_document(
                "versioned", remote(url="https://v.example.com/mcp", version="2025.1/beta")
            ),
        )
    )


def load(artifacts: dict[str, bytes], path: str) -> Any:
    return json.loads(artifacts[path])


def test_the_api_emitter_runs_in_every_build() -> None:
    assert list(EMITTERS)[-3:] == ["upstream", "api", "hosting"]


def test_layout_is_the_decoded_path_with_index_files_for_folders() -> None:
    artifacts = emit_api(registry(), CTX)
    assert set(artifacts) == {
        "v0.1/servers/index.html",
        "v0.1/servers/io.github.example/fetch/versions/index.html",
        "v0.1/servers/io.github.example/fetch/versions/latest",
        "v0.1/servers/io.github.example/fetch/versions/1.2.3",
        "v0.1/servers/io.github.example/tracker/versions/index.html",
        "v0.1/servers/io.github.example/tracker/versions/latest",
        "v0.1/servers/io.github.example/tracker/versions/1.0.0",
        "v0.1/servers/io.github.example/no-date/versions/index.html",
        "v0.1/servers/io.github.example/no-date/versions/latest",
        "v0.1/servers/io.github.example/no-date/versions/2.0.1",
        "v0.1/servers/io.github.example/versioned/versions/index.html",
        "v0.1/servers/io.github.example/versioned/versions/latest",
        "v0.1/servers/io.github.example/versioned/versions/2025.1%2Fbeta",
        "v0.1/x/dev.toolhive/skills/index.html",
        "v0.1/404.html",
        "openapi.yaml",
    }


def test_the_list_is_one_page_of_latest_versions() -> None:
    listing = load(emit_api(registry(), CTX), LIST_PATH)
    assert listing["metadata"] == {"count": 4}  # one page: no nextCursor
    names = [r["server"]["name"] for r in listing["servers"]]
    assert names == sorted(names) and len(names) == 4
    for response in listing["servers"]:
        assert response["_meta"][OFFICIAL_META]["isLatest"] is True


def ledger_of(*versions: tuple[Entry, str, str]) -> Ledger:
    """A ledger recording each (entry, published, updated): first at ``published`` with a
    placeholder description, then the entry's content at ``updated``."""
    records: dict[str, dict[str, VersionRecord]] = {}
    for entry, published, updated in versions:
        before = replace(entry, description="An earlier text of this entry.")
        first = Ledger(records).record([before], published)
        merged = {**records, entry.name: dict(first.entries[entry.name])}
        later = Ledger(merged).record([entry], updated)
        records = {**merged, entry.name: dict(later.entries[entry.name])}
    return Ledger(records)


def test_each_response_has_the_official_meta_with_dates_from_the_ledger() -> None:
    by_name = {e.name: e for e in registry().entries}
    fetch, tracker = by_name["fetch"], by_name["tracker"]
    ledger = ledger_of(
        (fetch, "2025-01-01T00:00:00Z", "2025-02-02T00:00:00Z"),
        (tracker, "2025-03-03T00:00:00Z", "2025-03-03T00:00:00Z"),
    )
    artifacts = emit_api(registry(), replace(CTX, versions=ledger))
    latest = load(artifacts, version_path("io.github.example/fetch", "latest"))
    published = entry_document(fetch, CTX.config, CTX.provenance, CTX.health)
    assert latest["server"] == json.loads(json.dumps(published))
    assert latest["_meta"] == {
        OFFICIAL_META: {
            "status": "active",
            "publishedAt": "2025-01-01T00:00:00Z",  # not metadata.last_updated (2025-06-01)
            "updatedAt": "2025-02-02T00:00:00Z",
            "isLatest": True,
        }
    }
    old = load(artifacts, version_path("io.github.example/tracker", "1.0.0"))
    assert old["_meta"][OFFICIAL_META]["status"] == "deprecated"
    assert old["_meta"][OFFICIAL_META]["updatedAt"] == "2025-03-03T00:00:00Z"
    # a version the ledger does not hold gets the build timestamp, never the clock
    undated = load(artifacts, version_path("io.github.example/no-date", "latest"))
    assert undated["_meta"][OFFICIAL_META]["publishedAt"] == CTX.timestamp


def test_a_stars_change_changes_no_time_and_no_ledger_record() -> None:
    fetch = Entry.from_document("fetch", container())
    ledger = Ledger().record([fetch], "2025-01-01T00:00:00Z")
    assert fetch.metadata is not None
    refreshed = replace(fetch.metadata, stars=1042, last_updated="2026-01-01T00:00:00Z")
    starred = replace(fetch, metadata=refreshed)
    assert ledger.record([starred], "2026-01-01T00:00:00Z") == ledger
    assert ledger.record([starred], "2026-01-01T00:00:00Z").dumps() == ledger.dumps()
    ctx = replace(CTX, versions=ledger)
    one = emit_api(Registry(entries=(fetch,)), ctx)[
        version_path("io.github.example/fetch", "1.2.3")
    ]
    two = emit_api(Registry(entries=(starred,)), ctx)[
        version_path("io.github.example/fetch", "1.2.3")
    ]
    meta = [json.loads(b)["_meta"] for b in (one, two)]
    assert meta[0] == meta[1]


def test_an_earlier_version_stays_published_with_its_own_document(reference_dir: Path) -> None:
    old = Entry.from_document("fetch", container(description="Fetches pages, the old way."))
    new = Entry.from_document("fetch", container(image="ghcr.io/example/fetch:1.3.0"))
    ledger = Ledger().record([old], "2025-01-01T00:00:00Z").record([new], "2025-05-05T00:00:00Z")
    assert [r.version for r in ledger.versions("fetch")] == ["1.2.3", "1.3.0"]
    artifacts = emit_api(Registry(entries=(new,)), replace(CTX, versions=ledger))
    name = "io.github.example/fetch"
    listing = load(artifacts, versions_path(name))
    assert listing["metadata"] == {"count": 2}
    assert [
        (r["server"]["version"], r["_meta"][OFFICIAL_META]["isLatest"]) for r in listing["servers"]
    ] == [("1.2.3", False), ("1.3.0", True)]
    earlier = load(artifacts, version_path(name, "1.2.3"))
    assert earlier["server"]["description"] == "Fetches pages, the old way."
    assert earlier["server"]["packages"][0]["identifier"] == "ghcr.io/example/fetch:1.2.3"
    assert earlier["_meta"][OFFICIAL_META]["publishedAt"] == "2025-01-01T00:00:00Z"
    assert load(artifacts, version_path(name, "latest"))["server"]["version"] == "1.3.0"
    assert [r["server"]["version"] for r in load(artifacts, LIST_PATH)["servers"]] == ["1.3.0"]
    schema = json.loads((reference_dir / "schemas" / "server.schema.json").read_text())
    validator = jsonschema.Draft7Validator(schema)
    for response in listing["servers"]:
        assert list(validator.iter_errors(response["server"])) == []
        assert set(response["_meta"][OFFICIAL_META]) == {
            "status", "publishedAt", "updatedAt", "isLatest"
        }  # fmt: skip


def test_versions_list_and_latest_agree() -> None:
    artifacts = emit_api(registry(), CTX)
    name = "io.github.example/fetch"
    versions = load(artifacts, versions_path(name))
    assert versions["metadata"] == {"count": 1}
    assert versions["servers"] == [load(artifacts, version_path(name, "latest"))]
    assert artifacts[version_path(name, "latest")] == artifacts[version_path(name, "1.2.3")]


def test_every_server_in_the_tree_is_valid_against_the_official_schema(reference_dir: Path) -> None:
    schema = json.loads(
        (reference_dir / "schemas" / "server.schema.json").read_text(encoding="utf-8")
    )
    validator = jsonschema.Draft7Validator(schema)
    artifacts = emit_api(registry(), CTX)
    for path, data in artifacts.items():
        if not path.startswith("v0.1/servers/"):
            continue
        body = json.loads(data)
        for response in body.get("servers", [body]):
            assert list(validator.iter_errors(response["server"])) == [], path


def test_openapi_yaml_is_what_the_registry_servers_api_source_checks() -> None:
    """The ToolHive Registry Server's ``api`` source syncs only from an endpoint whose
    /openapi.yaml says this (internal/sources/api_upstream.go: Validate)."""
    spec = yaml.safe_load(emit_api(registry(), CTX)[OPENAPI_PATH])
    assert spec["info"]["version"] == "1.0.0"
    assert "https://github.com/modelcontextprotocol/registry" in spec["info"]["description"]
    assert spec["info"]["title"] == "Test registry"
    assert set(spec["paths"]) == {
        "/v0.1/servers",
        "/v0.1/servers/{serverName}/versions",
        "/v0.1/servers/{serverName}/versions/{version}",
        "/v0.1/x/dev.toolhive/skills",
        "/v0.1/x/dev.toolhive/skills/{namespace}/{name}",
        "/v0.1/x/dev.toolhive/skills/{namespace}/{name}/versions",
        "/v0.1/x/dev.toolhive/skills/{namespace}/{name}/versions/{version}",
    }


def test_a_registry_name_with_yaml_syntax_stays_a_string() -> None:
    ctx = EmitContext(
        config=Config(namespace=TEST_NAMESPACE, name='Acme: "internal" #1'), timestamp=CTX.timestamp
    )
    spec = yaml.safe_load(emit_api(registry(), ctx)[OPENAPI_PATH])
    assert spec["info"]["title"] == 'Acme: "internal" #1'


def test_the_api_tree_carries_no_groups() -> None:
    """Groups are in registry.json and the catalog; the API, like ToolHive's, has none."""
    base = registry()
    grouped = Registry(base.entries, (Group("kit", "Both servers.", ("fetch", "tracker")),))
    artifacts = emit_api(grouped, CTX)
    assert artifacts == emit_api(base, CTX)
    for path, data in artifacts.items():
        if path.startswith("v0.1/"):
            assert "groups" not in json.loads(data), path


def test_path_segments_cannot_climb_out() -> None:
    assert path_segment("1.0.0") == "1.0.0"
    assert path_segment("a/b") == "a%2Fb"
    for bad in ("", ".", ".."):
        with pytest.raises(ValueError):
            path_segment(bad)
    assert versions_path("io.github.x/y") == "v0.1/servers/io.github.x/y/versions/index.html"


def test_a_version_that_cannot_be_a_file_is_reachable_as_latest_only() -> None:
    entry = Entry.from_document("dots", remote(version=".."))
    artifacts = emit_api(Registry(entries=(entry,)), CTX)
    assert sorted(artifacts) == [
        "openapi.yaml",
        "v0.1/404.html",
        "v0.1/servers/index.html",
        "v0.1/servers/io.github.example/dots/versions/index.html",
        "v0.1/servers/io.github.example/dots/versions/latest",
        "v0.1/x/dev.toolhive/skills/index.html",
    ]


def test_the_tree_is_deterministic() -> None:
    again = Registry(entries=tuple(reversed(registry().entries)))
    assert emit_api(registry(), CTX) == emit_api(again, CTX)


def test_a_namespace_that_would_climb_out_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="namespace"):
        emit_api(registry(), EmitContext(config=Config(namespace=".."), timestamp=CTX.timestamp))


# --- the skills extension --------------------------------------------------------------------


def skills_registry() -> Registry:
    from regup.model import Skill
    from tests.helpers import SKILL

    return Registry(
        entries=(),
        skills=(
            Skill.from_document("review", SKILL),
            Skill.from_document("triage", {**SKILL, "namespace": "io.github.acme"}),
            Skill.from_document("dotted", {**SKILL, "version": ".."}),
        ),
    )


def test_skills_have_the_registry_server_s_paths_and_shapes(reference_dir: Path) -> None:
    """List and versions are ``{skills, metadata: {count}}`` (formats.SkillListResponse);
    a skill and a version are the bare skill payload (formats.SkillPayload), valid against
    toolhive-core's skill schema."""
    schema = json.loads((reference_dir / "schemas" / "toolhive-skill.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    artifacts = emit_api(skills_registry(), CTX)
    base = "v0.1/x/dev.toolhive/skills"
    ns = CTX.config.namespace
    assert sorted(p for p in artifacts if p.startswith(base)) == [
        f"{base}/index.html",
        f"{base}/io.github.acme/triage/index.html",
        f"{base}/io.github.acme/triage/versions/1.2.0",
        f"{base}/io.github.acme/triage/versions/index.html",
        f"{base}/io.github.acme/triage/versions/latest",
        f"{base}/{ns}/dotted/index.html",
        f"{base}/{ns}/dotted/versions/index.html",
        f"{base}/{ns}/dotted/versions/latest",
        f"{base}/{ns}/review/index.html",
        f"{base}/{ns}/review/versions/1.2.0",
        f"{base}/{ns}/review/versions/index.html",
        f"{base}/{ns}/review/versions/latest",
    ]
    listing = load(artifacts, f"{base}/index.html")
    assert set(listing) == {"skills", "metadata"}
    assert listing["metadata"] == {"count": 3}
    assert [(s["namespace"], s["name"]) for s in listing["skills"]] == [
        ("io.github.acme", "triage"),
        (ns, "dotted"),
        (ns, "review"),
    ]
    one = load(artifacts, f"{base}/{ns}/review/index.html")
    assert one == load(artifacts, f"{base}/{ns}/review/versions/1.2.0")
    assert one == listing["skills"][2]
    assert one["packages"][0] == {
        "registryType": "oci",
        "identifier": "ghcr.io/example/skills/code-review:1.2.0",
    }
    assert load(artifacts, f"{base}/{ns}/review/versions/index.html") == {
        "skills": [one],
        "metadata": {"count": 1},
    }
    for skill in listing["skills"]:
        assert list(validator.iter_errors(skill)) == []


def test_a_registry_without_skills_lists_none() -> None:
    listing = load(emit_api(registry(), CTX), "v0.1/x/dev.toolhive/skills/index.html")
    assert listing == {"skills": [], "metadata": {"count": 0}}


def test_the_not_found_document_is_a_json_problem() -> None:
    """Static hosts answer it (with status 404) for anything missing under v0.1/."""
    body = load(emit_api(registry(), CTX), NOT_FOUND_PATH)
    assert body["status"] == 404 and body["title"] == "Not Found" and body["detail"]


def test_the_skills_tree_is_deterministic() -> None:
    forward = skills_registry()
    backward = Registry(entries=(), skills=tuple(reversed(forward.skills)))
    assert emit_api(forward, CTX) == emit_api(backward, CTX)
