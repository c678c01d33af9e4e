"""The upstream format both ways: schema conformance, field mapping, round trips."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry as SchemaRegistry
from referencing import Resource
from referencing.jsonschema import DRAFT7, DRAFT202012

from regup.checks import Outcome, ProvenanceCheck
from regup.config import Config
from regup.emit.canonical import EmitContext
from regup.emit.toolhive import toolhive_server
from regup.emit.upstream import (
    PUBLISHER_PROVIDED_LIMIT,
    SERVER_SCHEMA_URL,
    check_config,
    emit_upstream,
    entry_document,
    publisher_provided_size,
    registry_from_upstream,
    to_upstream,
    upstream_registry,
)
from regup.errors import ConfigError, ImportSourceError
from regup.healthstate import EntryHealth, Record, Signal
from regup.install import install_model
from regup.model import Entry, Group, Registry
from regup.names import entry_name_from_upstream, short_description
from regup.scorecard import score_card
from regup.serverjson import (
    PUBLISHER_PROVIDED,
    TOOLHIVE_PUBLISHER,
    UnrepresentableServer,
    derived_version,
    document_from_server,
    from_upstream,
)
from tests.helpers import TEST_CONFIG, TEST_NAMESPACE, container, remote

JsonDict = dict[str, Any]
CONFIG = TEST_CONFIG
CTX = EmitContext(config=CONFIG, timestamp="2025-07-01T00:00:00Z")

LONG = (
    "Runs queries against a warehouse, explains their plans, and lists the tables, columns and "
    "views a user may read."
)

#: Every field regup knows, spread over entries of both kinds.
RICH: dict[str, JsonDict] = {
    "fetch": container(),
    "everything": container(
        title="Everything Server",
        overview="# Everything\n\nA server that uses **every** field.",
        version="2.0.0",
        image="ghcr.io/example/everything:v1.4.0",
        transport="streamable-http",
        target_port=8080,
        proxy_port=9090,
        website_url="https://everything.example.com/docs",
        license="Apache-2.0",
        icons=[
            {
                "src": "https://everything.example.com/icon.png",
                "mime_type": "image/png",
                "sizes": ["48x48"],
            },
            {"src": "https://everything.example.com/dark.svg", "theme": "dark"},
        ],
        examples=["List every table", "Explain this query"],
        tool_definitions=[
            {
                "name": "fetch",
                "description": "Fetch a page.",
                "inputSchema": {"type": "object", "properties": {"url": {"type": "string"}}},
                "annotations": {"readOnlyHint": True},
            }
        ],
        env_vars=[
            {
                "name": "API_TOKEN",
                "description": "Token of your account.",
                "required": True,
                "secret": True,
            },
            {
                "name": "REGION",
                "description": "Region to query.",
                "required": False,
                "default": "eu-west-1",
            },
            {"name": "DEBUG", "description": "Print every request.", "required": False},
        ],
        args=["--read-only", "--verbose"],
        docker_tags=["v1.4.0", "latest"],
        permissions={
            "read": ["/data"],
            "write": ["/tmp/out"],
            "privileged": False,
            "network": {
                "outbound": {
                    "allow_host": ["example.com", ".example.com"],
                    "allow_port": [443, 8443],
                    "insecure_allow_all": False,
                }
            },
        },
        provenance={
            "sigstore_url": "tuf-repo-cdn.sigstore.dev",
            "repository_uri": "https://github.com/example/everything",
            "repository_ref": "refs/tags/v1.4.0",
            "signer_identity": "/.github/workflows/release.yml",
            "runner_environment": "github-hosted",
            "cert_issuer": "https://token.actions.githubusercontent.com",
            "attestation": {
                "predicate_type": "https://slsa.dev/provenance/v1",
                "predicate": {"k": [1, 2]},
            },
        },
        metadata={"stars": 10, "pulls": 2000, "last_updated": "2025-05-05T05:05:05Z"},
        custom_metadata={"maintainer": "Example", "nested": {"list": [1, "two", None]}},
    ),
    "no-network": container(
        image="docker.io/example/offline@sha256:" + "a" * 64,
        version="0.9.0",
        permissions={"network": {"outbound": {}}},
        repository_url="https://gitlab.com/example/group/offline",
        metadata=None,
    ),
    "sse-box": container(
        image="quay.io/example/sse-box",
        version="2025.10.1",
        transport="sse",
        repository_url="https://codeberg.org/example/sse-box",
        description=LONG,
        title="SSE Box",
        status="Deprecated",
        tier="Official",
        env_vars=None,
        tags=None,
    ),
    "remote-full": remote(
        title="Remote Full",
        overview="Talks to a hosted service.",
        version="3.1.0",
        headers=[
            {
                "name": "X-Api-Key",
                "description": "Key of your account.",
                "required": True,
                "secret": True,
            },
            {
                "name": "X-Region",
                "description": "Where your data lives.",
                "required": False,
                "default": "eu",
                "choices": ["eu", "us"],
            },
        ],
        oauth_config={
            "authorize_url": "https://auth.example.com/authorize",
            "token_url": "https://auth.example.com/token",
            "client_id": "regup-test",
            "scopes": ["read", "write"],
            "use_pkce": False,
            "oauth_params": {"prompt": "consent", "access_type": "offline"},
            "callback_port": 8765,
            "resource": "https://mcp.example.com",
        },
        env_vars=[
            {
                "name": "CLIENT_MODE",
                "description": "How the client connects.",
                "required": False,
                "secret": True,
            }
        ],
        proxy_port=7000,
        custom_metadata={"hosted": True},
        license="MIT",
        metadata={"stars": 3, "pulls": 5, "last_updated": "2025-01-02T03:04:05Z"},
    ),
    "remote-sse": remote(
        url="https://sse.example.com/sse",
        transport="sse",
        status="Deprecated",
        headers=None,
        oauth_config=None,
        metadata=None,
        repository_url="https://github.com/example/remote-sse",
    ),
}


def rich_registry() -> Registry:
    entries = tuple(Entry.from_document(name, doc) for name, doc in RICH.items())
    groups = (
        Group(
            name="starter",
            description="A few servers to begin with.",
            servers=("fetch", "remote-full"),
        ),
    )
    return Registry(entries=entries, groups=groups)


def reference_entries(reference_dir: Path) -> list[Entry]:
    data = json.loads(
        (reference_dir / "toolhive-registry-2026-02-18.json").read_text(encoding="utf-8")
    )
    # ToolHive's format has no versions: remotes and :latest images get the date the
    # reference was taken, as a maintainer would write it (regup never invents one).
    return [
        Entry.from_document(name, doc if _has_version(doc) else {**doc, "version": "2026.2.18"})
        for section in ("servers", "remote_servers")
        for name, doc in data[section].items()
    ]


def _has_version(doc: JsonDict) -> bool:
    return derived_version(doc.get("image")) is not None


def through_json(value: Any) -> Any:
    return json.loads(json.dumps(value))


# --- schema conformance --------------------------------------------------------------------


class Schemas:
    def __init__(self, reference_dir: Path) -> None:
        folder = reference_dir / "schemas"
        self.server = json.loads((folder / "server.schema.json").read_text(encoding="utf-8"))
        self.envelope = json.loads(
            (folder / "upstream-registry.schema.json").read_text(encoding="utf-8")
        )
        self.publisher = json.loads(
            (folder / "publisher-provided.schema.json").read_text(encoding="utf-8")
        )
        self.skill = json.loads((folder / "toolhive-skill.schema.json").read_text(encoding="utf-8"))
        # Resolved locally: the envelope's $ref to the server schema never goes to the network.
        self.registry: SchemaRegistry[Any] = SchemaRegistry().with_resources(
            [
                (
                    self.server["$id"],
                    Resource.from_contents(self.server, default_specification=DRAFT7),
                ),
                (
                    self.envelope["$id"],
                    Resource.from_contents(self.envelope, default_specification=DRAFT202012),
                ),
                (
                    self.publisher["$id"],
                    Resource.from_contents(self.publisher, default_specification=DRAFT202012),
                ),
                (
                    self.skill["$id"],
                    Resource.from_contents(self.skill, default_specification=DRAFT202012),
                ),
            ]
        )

    def errors(self, schema: JsonDict, instance: Any) -> list[str]:
        cls = jsonschema.validators.validator_for(schema)
        validator = cls(schema, registry=self.registry, format_checker=cls.FORMAT_CHECKER)
        return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


@pytest.fixture(scope="module")
def schemas(reference_dir: Path) -> Schemas:
    return Schemas(reference_dir)


def all_documents(reference_dir: Path) -> list[JsonDict]:
    entries = list(rich_registry().entries) + reference_entries(reference_dir)
    return [through_json(to_upstream(e, CONFIG)) for e in entries]


def test_the_server_schema_is_the_2025_12_11_one(schemas: Schemas) -> None:
    assert schemas.server["$id"] == SERVER_SCHEMA_URL


def test_every_server_json_is_valid_against_the_official_schema(
    schemas: Schemas, reference_dir: Path
) -> None:
    docs = all_documents(reference_dir)
    assert len(docs) == len(RICH) + 102
    for doc in docs:
        assert schemas.errors(schemas.server, doc) == [], doc["name"]


def test_every_extension_block_is_valid_against_publisher_provided(
    schemas: Schemas, reference_dir: Path
) -> None:
    for doc in all_documents(reference_dir):
        provided = doc["_meta"][PUBLISHER_PROVIDED]
        assert schemas.errors(schemas.publisher, provided) == [], doc["name"]


def test_the_envelope_is_valid_and_resolves_the_server_schema_locally(schemas: Schemas) -> None:
    envelope = through_json(upstream_registry(rich_registry(), CTX))
    assert schemas.errors(schemas.envelope, envelope) == []
    broken = copy.deepcopy(envelope)
    del broken["data"]["servers"][0]["version"]  # only the referenced server schema requires it
    assert any(
        "'version' is a required property" in e for e in schemas.errors(schemas.envelope, broken)
    )


def test_every_written_file_is_valid(schemas: Schemas) -> None:
    artifacts = emit_upstream(rich_registry(), CTX)
    assert set(artifacts) == {
        "upstream/registry.json",
        "upstream/servers.json",
        *(f"upstream/servers/{name}.json" for name in RICH),
    }
    assert schemas.errors(schemas.envelope, json.loads(artifacts["upstream/registry.json"])) == []
    plain = json.loads(artifacts["upstream/servers.json"])
    assert isinstance(plain, list) and len(plain) == len(RICH)
    for name in RICH:
        one = json.loads(artifacts[f"upstream/servers/{name}.json"])
        assert schemas.errors(schemas.server, one) == []
        assert one in plain


# --- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(RICH))
def test_entry_to_upstream_and_back_is_the_same_entry(name: str) -> None:
    entry = rich_registry().entry(name)
    assert entry is not None
    back = from_upstream(through_json(to_upstream(entry, CONFIG)), CONFIG)
    assert back == entry
    assert toolhive_server(back) == toolhive_server(entry)
    assert back.to_document() == entry.to_document()


def test_every_toolhive_reference_server_survives_the_round_trip(reference_dir: Path) -> None:
    entries = reference_entries(reference_dir)
    assert len(entries) == 102
    for entry in entries:
        back = from_upstream(through_json(to_upstream(entry, CONFIG)), CONFIG)
        assert toolhive_server(back) == toolhive_server(entry), entry.name


def test_every_entry_of_this_repository_survives_the_round_trip() -> None:
    from regup.load import load_registry
    from regup.validate import validate_documents
    from tests.helpers import REPO_ROOT

    entries = validate_documents(load_registry(REPO_ROOT / "registry")).registry.entries
    assert len(entries) >= 100
    for entry in entries:
        back = from_upstream(through_json(to_upstream(entry, CONFIG)), CONFIG)
        assert toolhive_server(back) == toolhive_server(entry), entry.name
        assert back == entry, entry.name


def test_upstream_to_entry_and_back_is_the_same_document(reference_dir: Path) -> None:
    for doc in all_documents(reference_dir):
        assert to_upstream(from_upstream(doc, CONFIG), CONFIG) == doc


def _toolhive_only(doc: JsonDict) -> JsonDict:
    """What a reader that knows only ToolHive's publisher key sees."""
    out = copy.deepcopy(doc)
    out["_meta"][PUBLISHER_PROVIDED] = {
        TOOLHIVE_PUBLISHER: out["_meta"][PUBLISHER_PROVIDED][TOOLHIVE_PUBLISHER]
    }
    return out


def test_known_exception_toolhive_alone_loses_only_pulls(reference_dir: Path) -> None:
    """ToolHive's format has no ``pulls``: it rides under regup's key, which ToolHive ignores."""
    lost = 0
    for entry in reference_entries(reference_dir):
        back = from_upstream(_toolhive_only(through_json(to_upstream(entry, CONFIG))), CONFIG)
        expected = toolhive_server(entry)
        if "pulls" in expected.get("metadata", {}):
            lost += 1
            del expected["metadata"]["pulls"]
            if not expected["metadata"]:
                del expected["metadata"]
        assert toolhive_server(back) == expected, entry.name
    assert lost > 0


def test_known_exception_toolhive_alone_sees_the_shortened_description() -> None:
    entry = rich_registry().entry("sse-box")
    assert entry is not None and len(entry.description) > 100
    doc = to_upstream(entry, CONFIG)
    assert doc["description"] == short_description(LONG)
    assert from_upstream(_toolhive_only(doc), CONFIG).description == short_description(LONG)
    assert from_upstream(doc, CONFIG).description == LONG


def test_normalisation_secret_false_comes_back_absent() -> None:
    entry = Entry.from_document(
        "fetch",
        container(
            env_vars=[
                {"name": "A_B", "description": "A value.", "required": False, "secret": False}
            ]
        ),
    )
    doc = to_upstream(entry, CONFIG)
    assert doc["packages"][0]["environmentVariables"] == [
        {"name": "A_B", "description": "A value."}
    ]
    back = from_upstream(doc, CONFIG)
    assert back.env_vars[0].secret is None and not back.env_vars[0].is_secret
    assert to_upstream(back, CONFIG) == doc


def test_normalisation_a_version_equal_to_the_derived_one_comes_back_absent() -> None:
    entry = Entry.from_document("fetch", container(version="1.2.3"))  # image tag is 1.2.3
    doc = to_upstream(entry, CONFIG)
    assert doc["version"] == "1.2.3"
    assert from_upstream(doc, CONFIG).version is None
    assert to_upstream(from_upstream(doc, CONFIG), CONFIG) == doc


# --- field mapping -------------------------------------------------------------------------


def _entry(name: str) -> Entry:
    entry = rich_registry().entry(name)
    assert entry is not None
    return entry


def _toolhive_block(doc: JsonDict) -> JsonDict:
    blocks = doc["_meta"][PUBLISHER_PROVIDED][TOOLHIVE_PUBLISHER]
    assert len(blocks) == 1
    return dict(next(iter(blocks.values())))


def test_names_use_the_configured_namespace() -> None:
    assert to_upstream(_entry("fetch"), CONFIG)["name"] == "io.github.example/fetch"
    own = Config(namespace="io.github.acme", publisher_key="io.github.acme.regup")
    doc = to_upstream(_entry("fetch"), own)
    assert doc["name"] == "io.github.acme/fetch"
    assert from_upstream(doc, own).name == "fetch"


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("everything", "2.0.0"),
        ("fetch", "1.2.3"),
        ("no-network", "0.9.0"),
        ("sse-box", "2025.10.1"),
        ("remote-sse", "1.0.0"),
    ],
)
def test_version_is_the_entry_s_else_the_image_tag(name: str, version: str) -> None:
    assert to_upstream(_entry(name), CONFIG)["version"] == version


@pytest.mark.parametrize(
    "doc",
    [remote(version=None), container(image="ghcr.io/example/fetch:latest"), container(image="x")],
    ids=["remote", "latest", "untagged"],
)
def test_no_version_is_ever_invented(doc: JsonDict) -> None:
    entry = Entry.from_document("unversioned", {k: v for k, v in doc.items() if v is not None})
    with pytest.raises(ValueError, match="has no version"):
        to_upstream(entry, CONFIG)


def test_a_v_prefixed_tag_gives_a_plain_version() -> None:
    entry = Entry.from_document("x-server", container(image="ghcr.io/example/x:v0.30.3"))
    assert to_upstream(entry, CONFIG)["version"] == "0.30.3"


def test_top_level_fields() -> None:
    doc = to_upstream(_entry("everything"), CONFIG)
    assert doc["$schema"] == SERVER_SCHEMA_URL
    assert doc["title"] == "Everything Server"
    assert doc["websiteUrl"] == "https://everything.example.com/docs"
    assert doc["icons"] == [
        {
            "src": "https://everything.example.com/icon.png",
            "mimeType": "image/png",
            "sizes": ["48x48"],
        },
        {"src": "https://everything.example.com/dark.svg", "theme": "dark"},
    ]
    assert doc["repository"] == {"url": "https://github.com/example/fetch", "source": "github"}


def test_repository_source_comes_from_the_host_and_is_never_assumed() -> None:
    gitlab = to_upstream(_entry("no-network"), CONFIG)
    assert gitlab["repository"]["source"] == "gitlab"
    codeberg = to_upstream(_entry("sse-box"), CONFIG)
    assert "repository" not in codeberg
    ours = codeberg["_meta"][PUBLISHER_PROVIDED]["io.github.regup"]
    assert ours["repository_url"] == "https://codeberg.org/example/sse-box"
    assert from_upstream(codeberg, CONFIG).repository_url == "https://codeberg.org/example/sse-box"


def test_descriptions_fit_the_100_character_limit() -> None:
    short = short_description(LONG)
    assert len(short) <= 100 and short.endswith("…") and LONG.startswith(short[:-1])
    assert short_description("Exactly this.") == "Exactly this."
    assert len(short_description("x" * 300)) == 100


def test_a_container_is_exactly_one_oci_package() -> None:
    doc = to_upstream(_entry("everything"), CONFIG)
    assert "remotes" not in doc
    assert doc["packages"] == [
        {
            "registryType": "oci",
            "identifier": "ghcr.io/example/everything:v1.4.0",
            "transport": {"type": "streamable-http", "url": "http://localhost:8080/mcp"},
            "environmentVariables": [
                {
                    "name": "API_TOKEN",
                    "description": "Token of your account.",
                    "isRequired": True,
                    "isSecret": True,
                },
                {"name": "REGION", "description": "Region to query.", "default": "eu-west-1"},
                {"name": "DEBUG", "description": "Print every request."},
            ],
        }
    ]
    assert to_upstream(_entry("fetch"), CONFIG)["packages"][0]["transport"] == {"type": "stdio"}
    assert to_upstream(_entry("sse-box"), CONFIG)["packages"][0]["transport"] == {
        "type": "sse",
        "url": "http://localhost/sse",
    }
    # The URL a client connects to, the same string the catalog's snippets use.
    for name in ("everything", "sse-box"):
        url = to_upstream(_entry(name), CONFIG)["packages"][0]["transport"]["url"]
        model = install_model(_entry(name))
        assert model.endpoint is not None and model.endpoint.url == url


def test_a_remote_is_exactly_one_remotes_item() -> None:
    doc = to_upstream(_entry("remote-full"), CONFIG)
    assert "packages" not in doc
    assert doc["remotes"] == [
        {
            "type": "streamable-http",
            "url": "https://mcp.example.com/mcp",
            "headers": [
                {
                    "name": "X-Api-Key",
                    "description": "Key of your account.",
                    "isRequired": True,
                    "isSecret": True,
                },
                {
                    "name": "X-Region",
                    "description": "Where your data lives.",
                    "default": "eu",
                    "choices": ["eu", "us"],
                },
            ],
        }
    ]


def test_toolhive_fields_sit_in_one_block_keyed_by_image() -> None:
    doc = to_upstream(_entry("everything"), CONFIG)
    blocks = doc["_meta"][PUBLISHER_PROVIDED][TOOLHIVE_PUBLISHER]
    assert list(blocks) == ["ghcr.io/example/everything:v1.4.0"]
    block = _toolhive_block(doc)
    assert set(block) == {
        "status", "tier", "tools", "tags", "overview", "metadata", "custom_metadata", "proxy_port",
        "tool_definitions", "permissions", "args", "provenance", "docker_tags",
    }  # fmt: skip
    assert block["metadata"] == {"stars": 10, "last_updated": "2025-05-05T05:05:05Z"}
    assert block["permissions"]["privileged"] is False
    assert block["provenance"]["attestation"]["predicate"] == {"k": [1, 2]}


def test_toolhive_fields_of_a_remote_sit_in_one_block_keyed_by_url() -> None:
    doc = to_upstream(_entry("remote-full"), CONFIG)
    assert list(doc["_meta"][PUBLISHER_PROVIDED][TOOLHIVE_PUBLISHER]) == [
        "https://mcp.example.com/mcp"
    ]
    block = _toolhive_block(doc)
    assert set(block) == {
        "status", "tier", "tools", "tags", "overview", "metadata", "custom_metadata", "proxy_port",
        "oauth_config", "env_vars",
    }  # fmt: skip
    assert block["oauth_config"]["use_pkce"] is False
    assert block["env_vars"] == [
        {
            "name": "CLIENT_MODE",
            "description": "How the client connects.",
            "required": False,
            "secret": True,
        }
    ]


def test_status_is_always_in_the_toolhive_block() -> None:
    for entry in rich_registry().entries:
        assert _toolhive_block(to_upstream(entry, CONFIG))["status"] == entry.status


def test_regup_additions_sit_under_regup_s_own_key_only() -> None:
    doc = to_upstream(_entry("everything"), CONFIG)
    provided = doc["_meta"][PUBLISHER_PROVIDED]
    assert set(provided) == {TOOLHIVE_PUBLISHER, "io.github.regup"}
    assert provided["io.github.regup"] == {
        "license": "Apache-2.0",
        "examples": ["List every table", "Explain this query"],
        "pulls": 2000,
    }
    block = _toolhive_block(doc)
    assert not {"license", "examples", "pulls", "version", "website_url", "icons"} & set(block)
    own = Config(namespace=TEST_NAMESPACE, publisher_key="io.github.acme.regup")
    assert (
        "io.github.acme.regup"
        in to_upstream(_entry("everything"), own)["_meta"][PUBLISHER_PROVIDED]
    )


def test_no_regup_key_when_there_is_nothing_of_ours() -> None:
    doc = to_upstream(_entry("remote-sse"), CONFIG)
    assert set(doc["_meta"][PUBLISHER_PROVIDED]) == {TOOLHIVE_PUBLISHER}


def test_bad_namespace_or_publisher_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="namespace"):
        check_config(Config(namespace="io.github/x"))
    with pytest.raises(ConfigError, match="publisher_key"):
        check_config(Config(namespace=TEST_NAMESPACE, publisher_key=TOOLHIVE_PUBLISHER))
    with pytest.raises(ConfigError):
        upstream_registry(rich_registry(), EmitContext(Config(namespace=""), CTX.timestamp))


# --- upstream documents from elsewhere -----------------------------------------------------


def _foreign(**changes: Any) -> JsonDict:
    doc: JsonDict = {
        "$schema": SERVER_SCHEMA_URL,
        "name": "com.example/Weather_Server",
        "description": "Weather forecasts.",
        "version": "0.4.0",
        "packages": [
            {
                "registryType": "oci",
                "identifier": "docker.io/example/weather:0.4.0",
                "transport": {"type": "streamable-http", "url": "http://localhost:3000/mcp"},
                "packageArguments": [{"type": "named", "name": "--units", "value": "metric"}],
                "runtimeArguments": [
                    {
                        "type": "named",
                        "name": "-e",
                        "value": "WEATHER_KEY={key}",
                        "description": "Key of the weather service.",
                        "isRequired": True,
                        "variables": {"key": {"isSecret": True}},
                    },
                    {"type": "named", "name": "-e", "value": "UNITS=metric"},
                ],
            }
        ],
    }
    doc.update(changes)
    return doc


def test_a_foreign_server_without_toolhive_data_gets_defaults() -> None:
    entry = from_upstream(_foreign(), CONFIG)
    assert entry.name == "weather-server"
    assert (entry.tier, entry.status, entry.transport, entry.target_port) == (
        "Community",
        "Active",
        "streamable-http",
        3000,
    )
    assert entry.args == ("--units", "metric")
    assert [(v.name, v.required, v.secret, v.default) for v in entry.env_vars] == [
        ("WEATHER_KEY", True, True, None),
        ("UNITS", False, None, "metric"),
    ]
    assert entry.version is None  # the tag says 0.4.0 already


def test_document_from_server_gives_the_authored_form_without_name() -> None:
    doc = document_from_server(_foreign())
    assert "name" not in doc
    assert doc["image"] == "docker.io/example/weather:0.4.0"
    # another namespace than the registry's is kept, so the upstream name stays the same
    assert list(doc)[:5] == ["namespace", "description", "tier", "status", "transport"]
    assert doc["namespace"] == "com.example"
    assert "namespace" not in document_from_server(_foreign(), Config(namespace="com.example"))


@pytest.mark.parametrize("status", ["deprecated", "Deprecated", "active", "Active"])
def test_status_is_kept_as_toolhive_wrote_it(status: str) -> None:
    meta = {
        PUBLISHER_PROVIDED: {
            TOOLHIVE_PUBLISHER: {"docker.io/example/weather:0.4.0": {"status": status}}
        }
    }
    entry = from_upstream(_foreign(_meta=meta), CONFIG)
    assert entry.status == status
    assert entry.deprecated is (status.lower() == "deprecated")
    # registry.json knows only the capitalised form; the extension block keeps it as written
    assert toolhive_server(entry)["status"] == status.capitalize()
    block = to_upstream(entry, CONFIG)["_meta"][PUBLISHER_PROVIDED][TOOLHIVE_PUBLISHER]
    assert block["docker.io/example/weather:0.4.0"]["status"] == status


def test_official_deleted_status_reads_as_deprecated() -> None:
    meta = {
        PUBLISHER_PROVIDED: {
            TOOLHIVE_PUBLISHER: {"docker.io/example/weather:0.4.0": {"status": "deleted"}}
        }
    }
    assert from_upstream(_foreign(_meta=meta), CONFIG).status == "Deprecated"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        (
            {
                "packages": [
                    {"registryType": "npm", "identifier": "weather", "transport": {"type": "stdio"}}
                ]
            },
            "found npm",
        ),
        ({"packages": []}, "no OCI package and no remote"),
        (
            {
                "packages": [
                    {"registryType": "oci", "identifier": "a/b:1", "transport": {"type": "stdio"}},
                    {"registryType": "oci", "identifier": "a/c:1", "transport": {"type": "stdio"}},
                ]
            },
            "2 OCI packages",
        ),
        ({"packages": "oops"}, "packages must be an array"),
        ({"remotes": [{"type": "sse"}], "packages": None}, "no url"),
        ({"name": "com.example/__"}, "no usable entry name"),
    ],
)
def test_unrepresentable_servers_say_why(changes: JsonDict, reason: str) -> None:
    with pytest.raises(UnrepresentableServer, match=reason) as info:
        from_upstream(_foreign(**changes), CONFIG)
    assert isinstance(info.value, ImportSourceError)


def test_entry_names_from_upstream_names() -> None:
    assert entry_name_from_upstream("io.github.stacklok/fetch") == "fetch"
    assert entry_name_from_upstream("com.example/My_Server.v2") == "my-server-v2"


def test_registry_from_an_envelope_gives_its_entries() -> None:
    registry = rich_registry()
    back = registry_from_upstream(through_json(upstream_registry(registry, CTX)), CONFIG)
    assert back.entries == registry.entries
    assert back.groups == ()
    plain = registry_from_upstream([to_upstream(e, CONFIG) for e in registry.entries], CONFIG)
    assert plain.entries == registry.entries
    with pytest.raises(ImportSourceError):
        registry_from_upstream({"servers": "nope"}, CONFIG)


def test_the_envelope_carries_no_groups_as_no_consumer_reads_them(
    schemas: Schemas,
) -> None:
    """Groups left ToolHive and toolhive-core's UpstreamData (servers, skills, plugins):
    ``data.groups`` was half the envelope's bytes and dropped unread by every consumer."""
    envelope = through_json(upstream_registry(rich_registry(), CTX))
    assert "groups" not in envelope["data"]
    assert set(envelope["data"]) <= set(schemas.envelope["properties"]["data"]["properties"])
    assert "groups" not in json.dumps(envelope["data"]["servers"])


def test_an_old_envelope_with_data_groups_still_imports_them() -> None:
    """Envelopes regup wrote before groups left the format keep their groups on import."""
    registry = rich_registry()
    old = through_json(upstream_registry(registry, CTX))
    old["data"]["groups"] = [
        {
            "name": "starter",
            "description": "A few servers to begin with.",
            "servers": [to_upstream(registry.entries[0], CONFIG)]
            + [{"name": "io.github.example/remote-full"}],
        }
    ]
    back = registry_from_upstream(old, CONFIG)
    assert back.entries == registry.entries
    assert [(g.name, g.servers) for g in back.groups] == [
        ("starter", (registry.entries[0].name, "remote-full"))
    ]


# --- determinism ---------------------------------------------------------------------------


def test_output_is_deterministic_and_canonical() -> None:
    first = emit_upstream(rich_registry(), CTX)
    reordered = Registry(
        entries=tuple(reversed(rich_registry().entries)), groups=rich_registry().groups
    )
    assert emit_upstream(reordered, CTX) == first
    text = first["upstream/registry.json"].decode()
    assert text.endswith("}\n")
    assert json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n" == text
    envelope = json.loads(text)
    assert envelope["meta"] == {"last_updated": CTX.timestamp}
    assert envelope["version"] == "1.0.0"
    assert [s["name"] for s in envelope["data"]["servers"]] == sorted(
        s["name"] for s in envelope["data"]["servers"]
    )


def test_stored_provenance_check_is_published_under_our_key(schemas: Schemas) -> None:
    from regup.emit.api import emit_api

    check = ProvenanceCheck(Outcome.VERIFIED, digest="sha256:" + "ab" * 32, log_index=7)
    registry = Registry((Entry.from_document("fetch", container()),))
    ctx = EmitContext(
        config=TEST_CONFIG, timestamp="2026-01-01T00:00:00Z", provenance={"fetch": check}
    )
    for artifacts in (emit_upstream(registry, ctx), emit_api(registry, ctx)):
        for path, data in artifacts.items():
            if not path.endswith((".json", "/latest", "/1.2.3")):
                continue
            text = data.decode()
            assert '"provenance_check"' in text, path
    server = json.loads(emit_upstream(registry, ctx)["upstream/servers/fetch.json"])
    ours = server["_meta"][PUBLISHER_PROVIDED]["io.github.regup"]
    assert ours["provenance_check"] == {
        "status": "verified",
        "digest": "sha256:" + "ab" * 32,
        "log_index": 7,
    }
    assert schemas.errors(schemas.server, server) == []
    # ToolHive's own block never carries it, and reading the document back ignores it
    assert "provenance_check" not in json.dumps(
        server["_meta"][PUBLISHER_PROVIDED][TOOLHIVE_PUBLISHER]
    )
    assert from_upstream(server, TEST_CONFIG) == registry.entries[0]


# --- the score card under our key -----------------------------------------------------------


def _health(name: str, evidence: str = "answered initialize and tools/list") -> EntryHealth:
    """Every signal checked, each with ``evidence``, dates and a stale flag: a full card."""
    facts = {"pushed_at": "2026-11-30T00:00:00Z", "license": "BSD-3-Clause-Clear"}

    def record(state: str, facts: JsonDict | None = None, stale: bool = False) -> Record:
        error = "timeout" if stale else None
        days = {"since": "2026-11-02", "checked_on": "2026-12-01", "good_on": "2026-12-01"}
        return Record(state, evidence, facts or {}, stale=stale, error=error, **days)

    return EntryHealth(
        name,
        {
            Signal.LIVE: record("auth-required", stale=True),
            Signal.DRIFT: record("drifted"),
            Signal.REPOSITORY: record("active", facts),
            Signal.IMAGE: record("behind", stale=True),
        },
    )


def _card(doc: JsonDict) -> Any:
    return doc["_meta"][PUBLISHER_PROVIDED][CONFIG.publisher_key].get("score_card")


def test_every_published_server_carries_the_card_under_our_key(schemas: Schemas) -> None:
    from regup.emit.api import emit_api, version_path

    registry = rich_registry()
    check = ProvenanceCheck(Outcome.VERIFIED, signer="https://github.com/e/f", checked_at="2026")
    ctx = EmitContext(
        config=CONFIG,
        timestamp="2026-12-01T00:00:00Z",
        provenance={"fetch": check},
        health={"fetch": _health("fetch")},
    )
    upstream = emit_upstream(registry, ctx)
    envelope = json.loads(upstream["upstream/registry.json"])
    assert schemas.errors(schemas.envelope, envelope) == []
    api = emit_api(registry, ctx)
    for entry, server in zip(registry.entries, envelope["data"]["servers"], strict=True):
        card = _card(server)
        assert card is not None, entry.name
        assert schemas.errors(schemas.server, server) == [], entry.name
        provided = server["_meta"][PUBLISHER_PROVIDED]
        assert schemas.errors(schemas.publisher, provided) == [], entry.name
        assert "score_card" not in json.dumps(provided[TOOLHIVE_PUBLISHER])
        one = json.loads(upstream[f"upstream/servers/{entry.name}.json"])
        assert _card(one) == card
        latest = json.loads(api[version_path(server["name"], "latest")])
        assert _card(latest["server"]) == card, entry.name
        if entry.name != "fetch":  # never checked: every signal says so, nothing more
            license = card.pop("license")
            assert {row["state"] for row in card.values()} == {"not-checked"}, entry.name
            assert all(set(row) == {"state", "level"} for row in card.values())
            if entry.license:  # what the entry itself declares, said as such
                assert license == {
                    "state": "declared",
                    "level": "unknown",
                    "evidence": "as the entry declares it",
                    "spdx": entry.license,
                }
            else:
                assert license == {"state": "not-checked", "level": "unknown"}
    (fetch,) = [_card(d) for d in envelope["data"]["servers"] if d["name"].endswith("/fetch")]
    assert fetch["healthy"]["state"] == "auth-required" and fetch["healthy"]["stale"] is True
    assert fetch["tools_unchanged"]["state"] == "drifted"
    assert fetch["maintained"] == {
        "state": "maintained",
        "level": "good",
        "evidence": "last push 2026-11-30",
        "date": "2026-12-01",
        "since": "2026-11-02",
    }
    assert fetch["license"]["spdx"] == "BSD-3-Clause-Clear"
    assert fetch["pinned"]["state"] == "behind"
    assert fetch["verified"]["state"] == "verified"


def test_reading_a_published_server_back_ignores_the_card() -> None:
    for entry in rich_registry().entries:
        doc = entry_document(entry, CONFIG, {}, {entry.name: _health(entry.name)})
        assert _card(doc) is not None
        assert from_upstream(through_json(doc), CONFIG) == entry, entry.name
        # ToolHive reads only its own publisher key (toolhive-core converters), which the
        # card leaves as it was
        plain = to_upstream(entry, CONFIG)
        assert _toolhive_only(doc) == _toolhive_only(plain), entry.name


def test_the_size_is_measured_as_go_s_json_marshal_writes_it() -> None:
    # compact, keys sorted, <>& and U+2028/9 escaped as \u00xx, UTF-8 bytes
    value = {"b": ["<a & b>", 1], "a": "é\u2028"}
    go = '{"a":"é\\u2028","b":["\\u003ca \\u0026 b\\u003e",1]}'
    assert publisher_provided_size(value) == len(go.encode())


def test_the_card_keeps_the_largest_entry_within_the_4kb_limit(reference_dir: Path) -> None:
    """The official registry refuses publisher-provided data past 4 KB. The largest entries
    of this repository and of ToolHive's registry, each with a full card whose evidence is
    as long as the card lets it be, still fit, evidence and all."""
    from regup.load import load_registry
    from regup.validate import validate_documents
    from tests.helpers import REPO_ROOT

    ours = validate_documents(load_registry(REPO_ROOT / "registry")).registry.entries
    entries = [*ours, *reference_entries(reference_dir)]
    check = ProvenanceCheck(Outcome.MISMATCH, detail="x" * 400, checked_at="2026-12-01T00:00")
    sizes = []
    for entry in entries:
        health = {entry.name: _health(entry.name, "y" * 400)}
        doc = entry_document(entry, CONFIG, {entry.name: check}, health)
        provided = doc["_meta"][PUBLISHER_PROVIDED]
        sizes.append((publisher_provided_size(provided), entry.name))
        assert publisher_provided_size(provided) <= PUBLISHER_PROVIDED_LIMIT, entry.name
        card = _card(doc)
        assert card is not None and all("evidence" in row for row in card.values()), entry.name
    largest, name = max(sizes)
    assert largest > 3500, name  # the test does measure a big one


def test_a_card_that_would_pass_the_limit_loses_its_evidence_then_itself() -> None:
    def entry_with(tools: int) -> Entry:
        return Entry.from_document("fetch", container(tools=[f"t{i:04}" for i in range(tools)]))

    def provided(entry: Entry) -> JsonDict:
        doc = entry_document(entry, CONFIG, {}, {"fetch": _health("fetch", "z" * 150)})
        result: JsonDict = doc["_meta"][PUBLISHER_PROVIDED]
        return result

    shapes: dict[str, int] = {}
    for n in range(0, 600, 5):  # more tools, a bigger ToolHive block
        block = provided(entry_with(n))
        card = block[CONFIG.publisher_key].get("score_card")
        shape = "none" if card is None else "full" if "evidence" in card["healthy"] else "bare"
        shapes.setdefault(shape, n)
        if card is not None:
            assert publisher_provided_size(block) <= PUBLISHER_PROVIDED_LIMIT, n
        if shape != "full":  # the fuller form would not have fitted
            fuller = score_card(entry_with(n), _health("fetch", "z" * 150)).to_meta(
                evidence=shape == "bare"
            )
            ours = {**block[CONFIG.publisher_key], "score_card": fuller}
            trial = {**block, CONFIG.publisher_key: ours}
            assert publisher_provided_size(trial) > PUBLISHER_PROVIDED_LIMIT, n
    assert list(shapes) == ["full", "bare", "none"]


# --- skills ----------------------------------------------------------------------------------


def skill_registry() -> Registry:
    from regup.model import Skill
    from tests.helpers import SKILL

    return Registry(
        entries=rich_registry().entries,
        skills=(
            Skill.from_document("review", SKILL),
            Skill.from_document(
                "deprecated-one",
                {**SKILL, "namespace": "io.github.other", "status": "deprecated"},
            ),
        ),
    )


def test_the_envelope_with_skills_is_valid_with_the_skill_schema_resolved_locally(
    schemas: Schemas,
) -> None:
    envelope = through_json(upstream_registry(skill_registry(), CTX))
    assert schemas.errors(schemas.envelope, envelope) == []
    skills = envelope["data"]["skills"]
    assert [(s["namespace"], s["name"], s["status"]) for s in skills] == [
        (CONFIG.namespace, "review", "active"),  # io.github.example sorts first
        ("io.github.other", "deprecated-one", "deprecated"),
    ]
    # The $ref really reaches the skill schema: a broken skill fails the envelope.
    skills[0]["status"] = "gone"
    assert schemas.errors(schemas.envelope, envelope) != []


def test_an_envelope_without_skills_has_no_skills_key() -> None:
    assert "skills" not in upstream_registry(rich_registry(), CTX)["data"]


def test_the_envelope_s_skills_do_not_depend_on_their_order() -> None:
    forward = skill_registry()
    backward = Registry(entries=forward.entries, skills=tuple(reversed(forward.skills)))
    assert upstream_registry(forward, CTX) == upstream_registry(backward, CTX)
