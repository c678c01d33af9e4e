"""The ToolHive ``registry.json`` format, both ways, and its schema published beside it.

What ToolHive before v0.25 reads. ToolHive v0.25 and later refuse it (``legacyhint``:
"run `thv registry convert`") and the ToolHive Registry Server reads the upstream format
only; the format lives on for those older clients and keeps what the upstream envelope
no longer has, the groups. :func:`read_toolhive_source` is the one reader of the format
(``regup import`` and ``regup diff`` use it).

``$schema`` names a schema that resolves: with ``base_url``, the copy of
``schemas/registry.schema.json`` published at ``schema/registry.schema.json``; without
one, ToolHive's own schema of the format at toolhive-core v0.0.18, its last release that
has the file (``main`` deleted it with the format).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from regup.config import Config
from regup.emit.canonical import Artifacts, EmitContext
from regup.errors import ImportSourceError
from regup.jsonio import dump_json
from regup.model import REGUP_ONLY_KEYS, Entry, Group, JsonDict, Kind, Registry
from regup.names import short_description
from regup.resources import load_schema

#: ToolHive's schema of the format, pinned to the last toolhive-core release that has it.
TOOLHIVE_SCHEMA_URL = (
    "https://raw.githubusercontent.com/stacklok/toolhive-core/v0.0.18/registry/types/data/"
    "toolhive-legacy-registry.schema.json"
)
REGISTRY_PATH = "registry.json"
#: regup's schema of ``registry.json``, published with the outputs (and so with the site).
SCHEMA_PATH = "schema/registry.schema.json"
_SHIPPED_SCHEMA = "registry.schema.json"


def schema_url(config: Config) -> str:
    """The ``$schema`` of ``registry.json``: the published copy when ``base_url`` says where
    it is, else ToolHive's pinned schema."""
    if config.base_url:
        return f"{config.base_url.rstrip('/')}/{SCHEMA_PATH}"
    return TOOLHIVE_SCHEMA_URL


def published_schema(config: Config) -> JsonDict:
    """``schemas/registry.schema.json`` as published, its ``$id`` the URL it is published at
    (when ``base_url`` is known)."""
    schema = dict(load_schema(_SHIPPED_SCHEMA))
    if config.base_url:
        schema["$id"] = schema_url(config)
    return schema


#: registry.json's limit on an env var's or header's description.
VARIABLE_DESCRIPTION_MAX = 200


def toolhive_server(entry: Entry) -> JsonDict:
    """One server object of ``servers`` / ``remote_servers`` (keyed by name, so no name)."""
    doc = entry.to_document(include_name=False)
    for key in REGUP_ONLY_KEYS:
        doc.pop(key, None)
    # registry.json knows the capitalised status only; ToolHive's remote servers have no
    # permissions (a server.json source may carry them in its extension block).
    doc["status"] = entry.status_label
    if entry.kind is Kind.REMOTE:
        doc.pop("permissions", None)
    for key in ("env_vars", "headers"):  # the format's limit; ToolHive's current one has none
        for item in doc.get(key, ()):
            if len(item["description"]) > VARIABLE_DESCRIPTION_MAX:
                item["description"] = short_description(
                    item["description"], VARIABLE_DESCRIPTION_MAX
                )
    return doc


def _split(entries: list[Entry]) -> tuple[JsonDict, JsonDict]:
    # The format requires tools; an entry without them (ToolHive's current format allows
    # that) is left out, as rule tools-missing says.
    listed = [e for e in entries if e.tools]
    servers = {e.name: toolhive_server(e) for e in listed if e.kind is Kind.CONTAINER}
    remotes = {e.name: toolhive_server(e) for e in listed if e.kind is Kind.REMOTE}
    return servers, remotes


def toolhive_group(group: Group, registry: Registry) -> JsonDict:
    members = [e for name in group.servers if (e := registry.entry(name)) is not None]
    servers, remotes = _split(members)
    return {
        "name": group.name,
        "description": group.description,
        "servers": servers,
        "remote_servers": remotes,
    }


def toolhive_registry(registry: Registry, ctx: EmitContext) -> JsonDict:
    servers, remotes = _split(list(registry.entries))
    return {
        "$schema": schema_url(ctx.config),
        "version": ctx.config.registry_version,
        "last_updated": ctx.timestamp,
        "servers": servers,
        "remote_servers": remotes,
        "groups": [toolhive_group(g, registry) for g in registry.groups],
    }


def emit_toolhive(registry: Registry, ctx: EmitContext) -> Artifacts:
    """``registry.json`` and the schema its ``$schema`` names (``schema/registry.schema.json``)."""
    return {
        REGISTRY_PATH: dump_json(toolhive_registry(registry, ctx)),
        SCHEMA_PATH: dump_json(published_schema(ctx.config)),
    }


@dataclass(frozen=True)
class ToolhiveServer:
    """One server of a registry.json: its document (the entry's fields, no name), or why
    there is none. ``origin`` says where it was found (``servers``, ``group kit``…)."""

    name: str
    origin: str
    document: Mapping[str, Any] | None = None
    problem: str | None = None


@dataclass(frozen=True)
class ToolhiveGroup:
    name: str
    description: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class ToolhiveSource:
    servers: tuple[ToolhiveServer, ...]
    groups: tuple[ToolhiveGroup, ...]
    #: Groups that could not be read (no name), as problems.
    problems: tuple[str, ...] = ()


def looks_like_toolhive(data: Any) -> bool:
    return (
        isinstance(data, Mapping)
        and ("servers" in data or "remote_servers" in data)
        and "data" not in data
    )


def _server_map(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ImportSourceError(
            f"{where} must be a mapping of server name to server, not {type(value).__name__}"
        )
    return value


def read_toolhive_source(data: Any) -> ToolhiveSource:
    """Every server, remote server and group of a ToolHive registry.json, sorted by name
    within each block. A server listed twice (top level and in a group) is read once.

    Raises :class:`ImportSourceError` when the layout is wrong (blocks that are not
    mappings, groups that are not a list).
    """
    if not looks_like_toolhive(data):
        raise ImportSourceError("not a ToolHive registry.json (no servers or remote_servers)")
    servers: list[ToolhiveServer] = []
    seen: set[str] = set()

    def add(name: str, server: Any, origin: str) -> None:
        if name in seen:
            return
        seen.add(name)
        if not isinstance(server, Mapping):
            servers.append(ToolhiveServer(name, origin, problem=f"{origin} entry is not a mapping"))
            return
        doc = {k: v for k, v in server.items() if k != "name"}
        servers.append(ToolhiveServer(name, origin, document=doc))

    for key in ("servers", "remote_servers"):
        for name, server in sorted(_server_map(data.get(key), key).items()):
            add(str(name), server, key)
    raw_groups = data.get("groups") or []
    if not isinstance(raw_groups, list):
        raise ImportSourceError("groups must be a list")
    groups: list[ToolhiveGroup] = []
    problems: list[str] = []
    for group in raw_groups:
        if not isinstance(group, Mapping) or not isinstance(group.get("name"), str):
            problems.append("a group without a name")
            continue
        members: list[str] = []
        for key in ("servers", "remote_servers"):
            where = f"group {group['name']} {key}"
            for name, server in sorted(_server_map(group.get(key), where).items()):
                add(str(name), server, f"group {group['name']}")
                members.append(str(name))
        groups.append(
            ToolhiveGroup(group["name"], str(group.get("description") or ""), tuple(members))
        )
    return ToolhiveSource(tuple(servers), tuple(groups), tuple(problems))
