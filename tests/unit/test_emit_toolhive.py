"""``registry.json``: its ``$schema`` resolves, to the copy published with it or ToolHive's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from regup.config import Config
from regup.emit import EMITTERS
from regup.emit.canonical import EmitContext
from regup.emit.toolhive import REGISTRY_PATH, SCHEMA_PATH, TOOLHIVE_SCHEMA_URL, emit_toolhive
from regup.model import Entry, Group, Registry
from regup.resources import load_schema
from tests.helpers import TEST_CONFIG, TEST_NAMESPACE, container, remote

BASE = "https://reg.example.org/mcp"
TIMESTAMP = "2025-07-01T00:00:00Z"


def registry() -> Registry:
    return Registry(
        entries=(
            Entry.from_document("fetch", container()),
            Entry.from_document("tracker", remote()),
        ),
        groups=(Group("kit", "The fetch server and the tracker.", ("fetch", "tracker")),),
    )


def emitted(config: Config) -> dict[str, Any]:
    artifacts = emit_toolhive(registry(), EmitContext(config=config, timestamp=TIMESTAMP))
    return {path: json.loads(data) for path, data in artifacts.items()}


def errors(schema: dict[str, Any], doc: Any) -> list[str]:
    Draft202012Validator.check_schema(schema)
    check = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in check.iter_errors(doc)]


def test_schema_names_the_copy_published_at_the_base_url() -> None:
    """Bug: $schema named toolhive-core's main branch, which deleted the file (404)."""
    out = emitted(Config(namespace=TEST_NAMESPACE, base_url=BASE))
    doc, schema = out[REGISTRY_PATH], out[SCHEMA_PATH]
    assert doc["$schema"] == f"{BASE}/{SCHEMA_PATH}"
    assert schema["$id"] == doc["$schema"]
    assert errors(schema, doc) == []
    assert {k: v for k, v in schema.items() if k != "$id"} == {
        k: v for k, v in load_schema("registry.schema.json").items() if k != "$id"
    }


def test_a_trailing_slash_in_base_url_gives_no_double_slash() -> None:
    assert emitted(Config(namespace=TEST_NAMESPACE, base_url=BASE + "/"))[REGISTRY_PATH][
        "$schema"
    ] == (f"{BASE}/{SCHEMA_PATH}")


def test_without_base_url_schema_is_toolhives_pinned_not_main(reference_dir: Path) -> None:
    out = emitted(TEST_CONFIG)
    doc = out[REGISTRY_PATH]
    assert doc["$schema"] == TOOLHIVE_SCHEMA_URL
    assert "/main/" not in TOOLHIVE_SCHEMA_URL and "/v0.0.18/" in TOOLHIVE_SCHEMA_URL
    reference = json.loads(
        (reference_dir / "schemas" / "toolhive-legacy-registry.schema.json").read_text("utf-8")
    )
    assert TOOLHIVE_SCHEMA_URL.rsplit("/", 1)[1] == reference["$id"].rsplit("/", 1)[1]
    assert errors(reference, doc) == []
    assert out[SCHEMA_PATH]["$id"] == load_schema("registry.schema.json")["$id"]


def test_the_output_with_a_base_url_still_validates_against_toolhives_schema(
    reference_dir: Path,
) -> None:
    reference = json.loads(
        (reference_dir / "schemas" / "toolhive-legacy-registry.schema.json").read_text("utf-8")
    )
    assert (
        errors(reference, emitted(Config(namespace=TEST_NAMESPACE, base_url=BASE))[REGISTRY_PATH])
        == []
    )


def test_groups_stay_in_registry_json() -> None:
    """The upstream envelope dropped them; the former format keeps them."""
    (kit,) = emitted(TEST_CONFIG)[REGISTRY_PATH]["groups"]
    assert kit["name"] == "kit"
    assert set(kit["servers"]) == {"fetch"} and set(kit["remote_servers"]) == {"tracker"}


def test_the_schema_is_published_with_the_toolhive_output() -> None:
    artifacts = EMITTERS["toolhive"](
        registry(), EmitContext(config=TEST_CONFIG, timestamp=TIMESTAMP)
    )
    assert set(artifacts) == {REGISTRY_PATH, SCHEMA_PATH}
