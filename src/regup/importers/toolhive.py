"""ToolHive-format ``registry.json`` → import candidates (servers, remote servers, groups)."""

from __future__ import annotations

from typing import Any

from regup.errors import ImportSourceError
from regup.importers.base import Candidate, GroupCandidate, Skipped, SourceContent


def looks_like_toolhive(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and ("servers" in data or "remote_servers" in data)
        and "data" not in data
    )


def _server_map(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ImportSourceError(
            f"{where} must be a mapping of server name to server, not {type(value).__name__}"
        )
    return value


def read_toolhive(data: dict[str, Any]) -> SourceContent:
    """Candidates for every server, remote server and group of a ToolHive registry."""
    content = SourceContent()
    seen: set[str] = set()

    def add(name: str, server: Any, origin: str) -> None:
        if name in seen:
            return
        seen.add(name)
        if not isinstance(server, dict):
            content.skipped.append(Skipped(name, f"{origin} entry is not a mapping"))
            return
        doc = {k: v for k, v in server.items() if k != "name"}
        content.candidates.append(Candidate(original=name, document=doc))

    for key in ("servers", "remote_servers"):
        for name, server in sorted(_server_map(data.get(key), key).items()):
            add(name, server, key)
    groups = data.get("groups") or []
    if not isinstance(groups, list):
        raise ImportSourceError("groups must be a list")
    for group in groups:
        if not isinstance(group, dict) or not isinstance(group.get("name"), str):
            content.skipped.append(Skipped("(group)", "a group without a name"))
            continue
        members: list[str] = []
        for key in ("servers", "remote_servers"):
            for name, server in sorted(
                _server_map(group.get(key), f"group {group['name']} {key}").items()
            ):
                add(name, server, f"group {group['name']}")
                members.append(name)
        content.groups.append(
            GroupCandidate(
                group["name"], {"description": group.get("description", ""), "servers": members}
            )
        )
    return content
