"""The result of ``regup diff``: typed changes per server and group, and the kinds of change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from regup.model import (
    JsonDict,
)

ARROW = "→"

#: Every kind of change ``regup diff`` reports, with what it means. ``security`` marks the
#: kinds that are always security-relevant; a few others are flagged case by case (see
#: the text).
CHANGE_KINDS: dict[str, str] = {
    "added": "a new server (flagged when it asks for privileged mode or unrestricted network)",
    "removed": "a server is gone",
    "deprecated": "status changed from Active to Deprecated",
    "reactivated": "status changed from Deprecated back to Active",
    "kind-changed": "a container server became a remote server or back (flagged)",
    "image-bump": "same image repository, another tag or digest",
    "image-replaced": "the image now comes from another repository or registry (flagged)",
    "url-changed": "the remote server's URL changed (flagged when the host changed)",
    "version": "the server's declared version changed",
    "transport": "stdio, sse or streamable-http changed",
    "tier": "Official or Community changed",
    "tools-added": "tools the server now offers",
    "tools-removed": "tools the server no longer offers",
    "env-var-added": "a new environment variable",
    "env-var-removed": "an environment variable is gone (the message says if it was a secret)",
    "env-var-changed": "required, secret or default changed (flagged when a secret lost its flag)",
    "header-added": "a new HTTP header of a remote server",
    "header-removed": "a header is gone (the message says if it was a secret)",
    "header-changed": "required, secret, default or choices changed (flagged when a secret "
    "lost its flag)",
    "permission-widened": "more file system paths, network hosts or ports, privileged mode, "
    "unrestricted network, or a permissions block removed (flagged)",
    "permission-narrowed": "fewer paths, hosts or ports",
    "provenance-added": "the entry now says how its image is signed",
    "provenance-removed": "the entry no longer says how its image is signed (flagged)",
    "provenance-changed": "another signer identity, source repository, issuer or runner "
    "(flagged), or another ref or attestation",
    "oauth-changed": "the OAuth settings changed (flagged for new scopes, another issuer or "
    "endpoint, or PKCE turned off)",
    "field-changed": "any other field: title, description, overview, tags, repository, ports…",
    "metadata": "stars, pulls or last_updated (refreshed numbers, shown apart)",
    "health": "a signal of registry/health.json changed state (live, drift, repository, "
    "image), or the license or newest release tag (shown apart, like metadata; tools that "
    "drifted are flagged)",
    "group-added": "a new group",
    "group-removed": "a group is gone",
    "group-changed": "a group's servers or description changed",
    "skill-added": "a new skill",
    "skill-removed": "a skill is gone",
    "skill-version": "the skill's version changed",
    "skill-status": "active, deprecated or archived changed",
    "skill-package": "a package was added or removed, or its reference changed (flagged when "
    "an OCI identifier moves to another repository or a Git URL to another repository)",
    "skill-changed": "any other field of a skill: title, description, licence, allowed tools…",
}

Status = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class Change:
    """One change of one server or group.

    ``label`` is our own words ("network hosts added"); ``items``, ``old`` and ``new`` are
    values taken from the entries, which renderers quote as code.
    """

    kind: str
    label: str
    items: tuple[str, ...] = ()
    old: str | None = None
    new: str | None = None
    security: bool = False

    def to_json(self) -> JsonDict:
        return {
            "kind": self.kind,
            "label": self.label,
            "items": list(self.items),
            "old": self.old,
            "new": self.new,
            "security": self.security,
        }


@dataclass(frozen=True)
class ServerDiff:
    name: str
    status: Status
    kind: str
    changes: tuple[Change, ...]

    @property
    def security(self) -> bool:
        return any(c.security for c in self.changes)

    @property
    def metadata_only(self) -> bool:
        return self.status == "changed" and all(
            c.kind in ("metadata", "health") and not c.security for c in self.changes
        )

    @property
    def deprecated(self) -> bool:
        return any(c.kind == "deprecated" for c in self.changes)

    def to_json(self) -> JsonDict:
        return {
            "name": self.name,
            "status": self.status,
            "kind": self.kind,
            "security": self.security,
            "changes": [c.to_json() for c in self.changes],
        }


@dataclass(frozen=True)
class GroupDiff:
    name: str
    status: Status
    changes: tuple[Change, ...]

    def to_json(self) -> JsonDict:
        return {
            "name": self.name,
            "status": self.status,
            "changes": [c.to_json() for c in self.changes],
        }


@dataclass(frozen=True)
class SkillDiff:
    """The changes of one skill; ``name`` is ``<namespace>/<name>`` when it states one."""

    name: str
    status: Status
    changes: tuple[Change, ...]

    @property
    def security(self) -> bool:
        return any(c.security for c in self.changes)

    def to_json(self) -> JsonDict:
        return {
            "name": self.name,
            "status": self.status,
            "security": self.security,
            "changes": [c.to_json() for c in self.changes],
        }


@dataclass(frozen=True)
class RegistryDiff:
    """Everything that changed from ``old`` to ``new``, sorted by name."""

    old: str
    new: str
    servers: tuple[ServerDiff, ...] = ()
    groups: tuple[GroupDiff, ...] = ()
    notes: tuple[str, ...] = ()
    skills: tuple[SkillDiff, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.servers and not self.groups and not self.skills

    def count(self, status: Status) -> int:
        return sum(1 for s in self.servers if s.status == status and not s.metadata_only)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "added": self.count("added"),
            "removed": self.count("removed"),
            "deprecated": sum(1 for s in self.servers if s.deprecated),
            "changed": self.count("changed"),
            "metadata_only": sum(1 for s in self.servers if s.metadata_only),
            "groups": len(self.groups),
            "skills": len(self.skills),
            "security": len(self.security_changes),
        }

    @property
    def security_changes(self) -> list[tuple[str, Change]]:
        found = [(s.name, c) for s in self.servers for c in s.changes if c.security]
        return found + [(s.name, c) for s in self.skills for c in s.changes if c.security]

    def to_json(self) -> JsonDict:
        return {
            "old": self.old,
            "new": self.new,
            "summary": self.summary,
            "servers": [s.to_json() for s in self.servers],
            "groups": [g.to_json() for g in self.groups],
            "skills": [s.to_json() for s in self.skills],
            "notes": list(self.notes),
        }


def plural(n: int, word: str) -> str:
    """``1 tool``, ``2 tools``."""
    return f"{n} {word}{'' if n == 1 else 's'}"
