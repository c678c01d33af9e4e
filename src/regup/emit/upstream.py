"""The upstream format, both ways: entries as official MCP ``server.json`` documents and back.

This module owns the mapping between regup's :class:`~regup.model.Entry` and the official
2025-12-11 ``server.json`` schema, as ToolHive converts it (toolhive-core
``registry/converters``), and the outputs built on it: ToolHive's upstream registry
envelope (``upstream/registry.json``, servers only: the format has no groups), the plain array the official registry seeds from
(``upstream/servers.json``) and one document per server (``upstream/servers/<entry>.json``).

Where each field goes:

- ``name`` is ``<namespace>/<entry>``; ``version`` is the entry's ``version``, else the image
  tag when it is a version (never an invented one: the ``version-missing`` rule); ``title``, ``websiteUrl``, ``icons``;
  ``repository {url, source}`` only for hosts whose source is known (github, gitlab).
- a container is exactly one OCI package (image, transport, environment variables); a remote
  server exactly one ``remotes[]`` item (type, url, headers).
- everything else ToolHive knows sits in its extension block,
  ``_meta[<publisher-provided>]["io.github.stacklok"][<image or url>]``.
- what ToolHive does not carry (the full description when it is longer than 100 characters, a
  repository on another host, ``license``, ``examples``, ``metadata.pulls``) sits under regup's
  own publisher key, so converting back gives the same entry.
- the score card (:meth:`~regup.scorecard.ScoreCard.to_meta`) sits under regup's key as
  ``score_card`` in the registry outputs and the API, kept within the official registry's
  limit on publisher-provided data (:data:`PUBLISHER_PROVIDED_LIMIT`).

The reverse conversion lives in :mod:`regup.serverjson` (the loader reads entries authored
as ``server.json`` with it, ``regup import`` reads upstream sources with it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

from regup.checks import ProvenanceCheck
from regup.config import Config, missing_namespace
from regup.emit.canonical import Artifacts, EmitContext
from regup.errors import ConfigError, ImportSourceError
from regup.healthstate import EntryHealth
from regup.iconfile import upstream_icons
from regup.install import local_url
from regup.jsonio import dump_json
from regup.model import Entry, Group, JsonDict, Kind, Registry
from regup.names import entry_name_from_upstream, short_description, upstream_name
from regup.scorecard import ScoreCard, score_card
from regup.serverjson import (
    CONTAINER_EXTENSIONS,
    PUBLISHER_PROVIDED,
    REMOTE_EXTENSIONS,
    SHARED_EXTENSIONS,
    TOOLHIVE_METADATA,
    TOOLHIVE_PUBLISHER,
    UnrepresentableServer,
    entry_version,
    from_upstream,
)

SERVER_SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
UPSTREAM_REGISTRY_SCHEMA_URL = (
    "https://raw.githubusercontent.com/stacklok/toolhive-core/main/registry/types/data/"
    "upstream-registry.schema.json"
)

REGISTRY_PATH = "upstream/registry.json"
SERVERS_PATH = "upstream/servers.json"
SERVER_DIR = "upstream/servers"

#: Repository hosts whose ``repository.source`` is known; other hosts are never guessed.
REPOSITORY_SOURCES: dict[str, str] = {
    "github.com": "github",
    "www.github.com": "github",
    "gitlab.com": "gitlab",
    "www.gitlab.com": "gitlab",
}

#: The official registry refuses a publish whose publisher-provided ``_meta`` (every
#: publisher's block together) is longer than this once Go's ``encoding/json`` wrote it
#: (modelcontextprotocol/registry ``internal/validators``: ``validatePublisherExtensions``).
PUBLISHER_PROVIDED_LIMIT = 4 * 1024
#: What Go's ``json.Marshal`` escapes that orjson writes as it is, with the bytes each
#: escape adds: ``<``, ``>``, ``&`` become ``\\u003c``… (1 byte to 6), U+2028 and U+2029
#: ``\\u2028`` (3 UTF-8 bytes to 6).
_GO_EXTRA = ((b"<", 5), (b">", 5), (b"&", 5), ("\u2028".encode(), 3), ("\u2029".encode(), 3))

_NAMESPACE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]$")

# --- names, versions and other single values -------------------------------------------


def check_config(config: Config) -> None:
    """Raise :class:`ConfigError` when the namespace or publisher key cannot be used."""
    where = str(config.path) if config.path else "regup.toml"
    if not config.namespace:
        raise ConfigError(missing_namespace(config))
    if not _NAMESPACE.match(config.namespace):
        raise ConfigError(
            f"{where}: namespace {config.namespace!r} is not a reverse-DNS name such as "
            "io.github.my-org (letters, digits, '.' and '-')"
        )
    if not config.publisher_key or config.publisher_key == TOOLHIVE_PUBLISHER:
        raise ConfigError(
            f"{where}: publisher_key {config.publisher_key!r} must be a key of your own, "
            f"such as io.github.my-org.regup (not {TOOLHIVE_PUBLISHER}, which is ToolHive's)"
        )


def upstream_version(entry: Entry) -> str:
    """The entry's version (see :func:`~regup.serverjson.entry_version`).

    Raises :class:`ValueError` for an entry without one (validation refuses those first).
    """
    version = entry_version(entry)
    if version is None:
        raise ValueError(f"entry {entry.name} has no version")
    return version


def repository_source(url: str) -> str | None:
    """``github`` or ``gitlab`` from the URL's host; None for any other host."""
    host = (urlsplit(url).hostname or "").lower()
    return REPOSITORY_SOURCES.get(host)


def publisher_provided_size(value: Any) -> int:
    """The length in bytes of ``value`` as the official registry measures it: Go's
    ``json.Marshal`` (compact, keys sorted, ``<``, ``>``, ``&``, U+2028 and U+2029
    escaped, UTF-8)."""
    data = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return len(data) + sum(data.count(raw) * extra for raw, extra in _GO_EXTRA)


def official_status(status: str) -> str:
    """The official registry's lowercase status (``active``, ``deprecated``)."""
    return status.lower()


# --- entry → server.json ------------------------------------------------------------------


def _without_false(item: JsonDict) -> JsonDict:
    """Drop false booleans and empty strings, as ToolHive's ``omitempty`` does."""
    return {k: v for k, v in item.items() if v is not False and v != "" and v is not None}


def _package(entry: Entry, image: str) -> JsonDict:
    transport: JsonDict = {"type": entry.transport}
    if entry.transport in {"sse", "streamable-http"}:
        # The URL a client connects to once the port is published, as the catalog says;
        # ToolHive's converter reads only the port from it (extractTargetPort).
        transport["url"] = local_url(entry)
    package: JsonDict = {"registryType": "oci", "identifier": image, "transport": transport}
    env = [
        _without_false(
            {
                "name": var.name,
                "description": var.description,
                "isRequired": var.required,
                "isSecret": var.is_secret,
                "default": var.default,
            }
        )
        for var in entry.env_vars
    ]
    if env:
        package["environmentVariables"] = env
    return package


def _remote(entry: Entry, url: str) -> JsonDict:
    remote: JsonDict = {"type": entry.transport, "url": url}
    headers = []
    for header in entry.headers:
        item = _without_false(
            {
                "name": header.name,
                "description": header.description,
                "isRequired": header.required,
                "isSecret": header.is_secret,
                "default": header.default,
            }
        )
        if header.choices:
            item["choices"] = list(header.choices)
        headers.append(item)
    if headers:
        remote["headers"] = headers
    return remote


def toolhive_extensions(entry: Entry) -> JsonDict:
    """The block under ``io.github.stacklok[<image or url>]``: ToolHive's own fields."""
    doc = entry.to_document(include_name=False)
    block: JsonDict = {"status": entry.status}
    kind_keys = CONTAINER_EXTENSIONS if entry.kind is Kind.CONTAINER else REMOTE_EXTENSIONS
    for key in (*SHARED_EXTENSIONS, *kind_keys):
        if key in doc:
            block[key] = doc[key]
    metadata = {k: v for k, v in doc.get("metadata", {}).items() if k in TOOLHIVE_METADATA}
    if metadata:
        block["metadata"] = metadata
    return block


def regup_extensions(entry: Entry, check: ProvenanceCheck | None = None) -> JsonDict:
    """The block under regup's publisher key: what ToolHive's format has no place for,
    and the last provenance ``check`` of the image (``regup verify``), when there is one."""
    block: JsonDict = {}
    if short_description(entry.description) != entry.description:
        block["description"] = entry.description
    if entry.repository_url and repository_source(entry.repository_url) is None:
        block["repository_url"] = entry.repository_url
    if entry.license:
        block["license"] = entry.license
    if entry.examples:
        block["examples"] = list(entry.examples)
    if entry.mounts:
        block["mounts"] = [m.to_document() for m in entry.mounts]
    if entry.pulls is not None:
        block["pulls"] = entry.pulls
    if check is not None:
        block["provenance_check"] = check.to_meta()
    return block


def to_upstream(
    entry: Entry,
    config: Config,
    check: ProvenanceCheck | None = None,
    card: ScoreCard | None = None,
) -> JsonDict:
    """The ``server.json`` document of one entry (valid against the 2025-12-11 schema),
    with its score ``card`` under regup's key when one is given (:func:`_add_card`).

    Raises :class:`ValueError` for an entry with neither image nor url (validation rejects
    those before any emitter runs).
    """
    doc: JsonDict = {
        "$schema": SERVER_SCHEMA_URL,
        "name": upstream_name(entry.name, entry.namespace or config.namespace),
        "description": short_description(entry.description),
        "version": upstream_version(entry),
    }
    if entry.title:
        doc["title"] = entry.title
    if entry.website_url:
        doc["websiteUrl"] = entry.website_url
    icons = upstream_icons(entry, config.base_url)
    if icons:
        doc["icons"] = [
            _without_false(
                {
                    "src": icon.src,
                    "mimeType": icon.mime_type,
                    "sizes": list(icon.sizes) or None,
                    "theme": icon.theme,
                }
            )
            for icon in icons
        ]
    if entry.repository_url:
        source = repository_source(entry.repository_url)
        if source is not None:
            doc["repository"] = {"url": entry.repository_url, "source": source}
    if entry.kind is Kind.REMOTE and entry.url is not None:
        key = entry.url
        doc["remotes"] = [_remote(entry, entry.url)]
    elif entry.image is not None:
        key = entry.image
        doc["packages"] = [_package(entry, entry.image)]
    else:
        raise ValueError(f"entry {entry.name} has neither image nor url")
    publishers: JsonDict = {TOOLHIVE_PUBLISHER: {key: toolhive_extensions(entry)}}
    ours = regup_extensions(entry, check)
    if card is not None:
        _add_card(publishers, ours, card, config.publisher_key)
    if ours:
        publishers[config.publisher_key] = ours
    doc["_meta"] = {PUBLISHER_PROVIDED: publishers}
    return doc


def _add_card(publishers: JsonDict, ours: JsonDict, card: ScoreCard, key: str) -> None:
    """The card in full when the publisher-provided data stays within
    :data:`PUBLISHER_PROVIDED_LIMIT`, else without its evidence, else not at all (the
    catalog page still shows it)."""
    for evidence in (True, False):
        ours["score_card"] = card.to_meta(evidence)
        if publisher_provided_size({**publishers, key: ours}) <= PUBLISHER_PROVIDED_LIMIT:
            return
    del ours["score_card"]


def entry_document(
    entry: Entry,
    config: Config,
    provenance: Mapping[str, ProvenanceCheck],
    health: Mapping[str, EntryHealth],
) -> JsonDict:
    """The ``server.json`` of an entry as the registry outputs, the API and the catalog
    publish it: with its last provenance check and its score card, from the stored
    ``provenance`` and ``health`` by entry name."""
    check = provenance.get(entry.name)
    card = score_card(entry, health.get(entry.name), check)
    return to_upstream(entry, config, check, card)


# --- registry outputs ---------------------------------------------------------------------


def upstream_registry(registry: Registry, ctx: EmitContext) -> JsonDict:
    """ToolHive's upstream registry envelope (``upstream-registry.schema.json``).

    Skills go in ``data.skills`` (toolhive-core's skill payload, namespace filled). It
    carries no ``data.groups``: groups are gone from ToolHive and from toolhive-core's
    ``UpstreamData`` (servers, skills, plugins), so every consumer would drop them unread.
    Groups stay in ``registry.json`` and the catalog.
    """
    check_config(ctx.config)
    data: JsonDict = {
        "servers": [
            entry_document(e, ctx.config, ctx.provenance, ctx.health) for e in registry.entries
        ],
    }
    if registry.skills:  # toolhive-core's UpstreamData writes skills with omitempty
        payloads = [s.payload(ctx.config.namespace) for s in registry.skills]
        data["skills"] = sorted(payloads, key=lambda p: (p["namespace"], p["name"]))
    return {
        "$schema": UPSTREAM_REGISTRY_SCHEMA_URL,
        "version": ctx.config.registry_version,
        "meta": {"last_updated": ctx.timestamp},
        "data": data,
    }


@dataclass(frozen=True)
class UpstreamServer:
    """One server of an upstream source: its entry, or why it cannot be one."""

    name: str
    entry: Entry | None = None
    problem: str | None = None


@dataclass(frozen=True)
class UpstreamGroup:
    """A group of an envelope (``data.groups``, which regup wrote before groups left the
    upstream format; read on import, never written); members are upstream server names."""

    name: str
    description: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class UpstreamSource:
    servers: tuple[UpstreamServer, ...]
    groups: tuple[UpstreamGroup, ...] = ()


def _unwrap(item: Any) -> Any:
    """API responses wrap each server as ``{"server": {...}, "_meta": {...}}``."""
    if isinstance(item, Mapping) and isinstance(item.get("server"), Mapping):
        return item["server"]
    return item


def _is_server(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("name"), str)
        and ("packages" in value or "remotes" in value or "description" in value)
    )


def looks_like_upstream(data: Any) -> bool:
    """Whether ``data`` has one of the shapes :func:`read_upstream_source` reads."""
    if isinstance(data, list):
        return all(_is_server(_unwrap(item)) for item in data)
    if isinstance(data, Mapping):
        inner = data.get("data")
        return (
            (isinstance(inner, Mapping) and "servers" in inner)
            or _is_server(data)
            or "servers" in data
        )
    return False


def read_upstream_source(data: Any, config: Config | None = None) -> UpstreamSource:
    """The one reader of upstream data: ToolHive's envelope (``data.servers``, and the
    ``data.groups`` older regup versions wrote), ``{"servers": [...]}`` as the v0.1 API lists
    them, an array of ``server.json`` documents (wrapped or not), or one document.

    A server that cannot be an entry is returned with its problem, so callers decide
    whether that stops them. Raises :class:`ImportSourceError` for a source of another shape.
    """
    groups: Any = []
    if isinstance(data, list):
        servers: Any = data
    elif isinstance(data, Mapping) and isinstance(data.get("data"), Mapping):
        servers = data["data"].get("servers") or []
        groups = data["data"].get("groups") or []
    elif isinstance(data, Mapping) and "servers" in data:
        servers = data["servers"]
    elif _is_server(data):
        servers = [data]
    else:
        raise ImportSourceError(
            "not an upstream registry: expected {data: {servers: [...]}}, {servers: [...]}, "
            "an array of server.json or one server.json"
        )
    if not isinstance(servers, list) or not isinstance(groups, list):
        raise ImportSourceError("servers and groups must be arrays of objects")
    read: list[UpstreamServer] = []
    for item in map(_unwrap, servers):
        name = item.get("name") if isinstance(item, Mapping) else None
        if not isinstance(name, str) or not name:
            read.append(UpstreamServer("(unnamed)", problem="a server without a name"))
            continue
        try:
            read.append(UpstreamServer(name, entry=from_upstream(item, config)))
        except UnrepresentableServer as exc:
            read.append(UpstreamServer(name, problem=str(exc)))
    out_groups = []
    for group in groups:
        if not isinstance(group, Mapping) or not isinstance(group.get("name"), str):
            raise ImportSourceError("every group of data.groups needs a name")
        members = tuple(
            str(server["name"])
            for server in group.get("servers") or []
            if isinstance(server, Mapping) and isinstance(server.get("name"), str)
        )
        description = str(group.get("description") or "")
        out_groups.append(UpstreamGroup(group["name"], description, members))
    return UpstreamSource(tuple(read), tuple(out_groups))


def registry_from_upstream(doc: Any, config: Config | None = None) -> Registry:
    """Entries and groups of an upstream source (see :func:`read_upstream_source`).

    Raises :class:`~regup.errors.ImportSourceError` on the first unreadable server.
    """
    source = read_upstream_source(doc, config)
    entries = []
    for server in source.servers:
        if server.entry is None:
            raise UnrepresentableServer(server.problem or f"{server.name} cannot be read")
        entries.append(server.entry)
    groups = tuple(
        Group(
            name=g.name,
            description=g.description,
            servers=tuple(entry_name_from_upstream(m) for m in g.members),
        )
        for g in source.groups
    )
    return Registry(entries=tuple(entries), groups=groups)


def server_path(entry_name: str) -> str:
    return f"{SERVER_DIR}/{entry_name}.json"


def emit_upstream(registry: Registry, ctx: EmitContext) -> Artifacts:
    """``upstream/registry.json``, ``upstream/servers.json``, ``upstream/servers/<entry>.json``."""
    envelope = upstream_registry(registry, ctx)
    servers: list[JsonDict] = envelope["data"]["servers"]
    artifacts: Artifacts = {
        REGISTRY_PATH: dump_json(envelope),
        SERVERS_PATH: dump_json(servers),
    }
    for entry, server in zip(registry.entries, servers, strict=True):
        artifacts[server_path(entry.name)] = dump_json(server)
    return artifacts
