"""The ToolHive ``registry.json`` format.

What ToolHive before v0.25 and the ToolHive Registry Server (``format: toolhive``) read.
"""

from __future__ import annotations

from regup.emit.canonical import Artifacts, EmitContext
from regup.jsonio import dump_json
from regup.model import REGUP_ONLY_KEYS, Entry, Group, JsonDict, Kind, Registry

TOOLHIVE_SCHEMA_URL = (
    "https://raw.githubusercontent.com/stacklok/toolhive-core/main/registry/types/data/"
    "toolhive-legacy-registry.schema.json"
)
REGISTRY_PATH = "registry.json"


def toolhive_server(entry: Entry) -> JsonDict:
    """One server object of ``servers`` / ``remote_servers`` (keyed by name, so no name)."""
    doc = entry.to_document(include_name=False)
    for key in REGUP_ONLY_KEYS:
        doc.pop(key, None)
    return doc


def _split(entries: list[Entry]) -> tuple[JsonDict, JsonDict]:
    servers = {e.name: toolhive_server(e) for e in entries if e.kind is Kind.CONTAINER}
    remotes = {e.name: toolhive_server(e) for e in entries if e.kind is Kind.REMOTE}
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
        "$schema": TOOLHIVE_SCHEMA_URL,
        "version": ctx.config.registry_version,
        "last_updated": ctx.timestamp,
        "servers": servers,
        "remote_servers": remotes,
        "groups": [toolhive_group(g, registry) for g in registry.groups],
    }


def emit_toolhive(registry: Registry, ctx: EmitContext) -> Artifacts:
    return {REGISTRY_PATH: dump_json(toolhive_registry(registry, ctx))}
