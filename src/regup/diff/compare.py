"""Comparing two snapshots into typed :class:`~regup.diff.types.Change` values; changes that
deserve a security review are flagged."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from regup.diff.snapshot import REGISTRY_JSON, Snapshot
from regup.diff.types import Change, GroupDiff, RegistryDiff, ServerDiff, SkillDiff, plural
from regup.healthstate import HealthState, Record, Signal
from regup.imageref import ImageRef, ImageRefError
from regup.model import (
    PROVENANCE_FIELDS,
    EnvVar,
    Group,
    Header,
    Kind,
    Permissions,
    Skill,
    SkillPackage,
)
from regup.model import Entry as ModelEntry

_REGUP_ONLY_BLANK: dict[str, Any] = {
    "version": None,
    "website_url": None,
    "license": None,
    "icons": (),
    "examples": (),
    "mounts": (),
}


def compare(old: Snapshot, new: Snapshot) -> RegistryDiff:
    """Every server and group that differs between ``old`` and ``new``."""
    complete = old.complete and new.complete

    def comparable(entry: ModelEntry) -> ModelEntry:
        return entry if complete else replace(entry, **_REGUP_ONLY_BLANK)

    before = {e.name: comparable(e) for e in old.registry.entries}
    after = {e.name: comparable(e) for e in new.registry.entries}
    servers: list[ServerDiff] = []
    for name in sorted(before.keys() | after.keys()):
        o, n = before.get(name), after.get(name)
        if o is None and n is not None:
            servers.append(ServerDiff(name, "added", n.kind.value, _added(n)))
        elif n is None and o is not None:
            servers.append(ServerDiff(name, "removed", o.kind.value, (_removed(o),)))
        elif o is not None and n is not None:
            changes = entry_changes(o, n) + health_changes(old.health, new.health, name)
            if changes:
                servers.append(ServerDiff(name, "changed", n.kind.value, tuple(changes)))
    groups = _group_diffs(
        {g.name: g for g in old.registry.groups}, {g.name: g for g in new.registry.groups}
    )
    # registry.json (ToolHive's former format) holds no skills: they are not compared.
    skills = skill_diffs(old.registry.skills, new.registry.skills) if complete else ()
    notes = [*old.notes, *new.notes]
    if not complete:
        notes.append(
            f"{REGISTRY_JSON} has no version, license, website, icons or examples, so those "
            "fields are not compared"
        )
        if old.registry.skills or new.registry.skills:
            notes.append(f"{REGISTRY_JSON} holds no skills, so skills are not compared")
    return RegistryDiff(old.label, new.label, tuple(servers), groups, tuple(notes), skills)


def entry_changes(o: ModelEntry, n: ModelEntry) -> list[Change]:
    """What changed in one server, most important first; metadata last."""
    out: list[Change] = []
    if o.status != n.status:
        if n.deprecated:
            out.append(Change("deprecated", "deprecated", old=o.status, new=n.status))
        elif o.deprecated:
            out.append(Change("reactivated", "no longer deprecated", old=o.status, new=n.status))
        else:
            out.append(Change("field-changed", "status", old=o.status, new=n.status))
    if o.kind is not n.kind:
        out.append(
            Change("kind-changed", "kind", old=o.kind.value, new=n.kind.value, security=True)
        )
    out += _image_changes(o.image, n.image)
    out += _url_changes(o.url, n.url)
    for attr, kind in (("version", "version"), ("transport", "transport"), ("tier", "tier")):
        if getattr(o, attr) != getattr(n, attr):
            out.append(Change(kind, attr, old=getattr(o, attr), new=getattr(n, attr)))
    added, removed = _set_diff(o.tools, n.tools)
    if added:
        out.append(Change("tools-added", "tools added", added))
    if removed:
        out.append(Change("tools-removed", "tools removed", removed))
    out += _named_changes("env var", "env-var", o.env_vars, n.env_vars)
    out += _named_changes("header", "header", o.headers, n.headers)
    out += permission_changes(o.permissions, n.permissions)
    out += _provenance_changes(o, n)
    out += _oauth_changes(o, n)
    out += _field_changes(o, n)
    out += _metadata_changes(o, n)
    return out


#: Facts whose change is worth a line even when the state stays.
_HEALTH_FACTS = {Signal.REPOSITORY: ("license",), Signal.IMAGE: ("newest_tag",)}


def health_changes(old: HealthState | None, new: HealthState | None, name: str) -> list[Change]:
    """Changes of one server's health records (both sides must be registry folders): a
    signal whose state changed, and a few telling facts. Drift that appears is flagged."""
    if old is None or new is None:
        return []
    out: list[Change] = []
    for signal in Signal:
        was, now = old.record(name, signal), new.record(name, signal)
        if now is None or was == now:
            continue
        before = was.state if was is not None else "not checked yet"
        if before != now.state:
            drifted = signal is Signal.DRIFT and now.state == "drifted"
            items = _health_items(now)
            # renderers show items instead of old → new: then the label says both states
            label = f"{signal.value} {before} → {now.state}, tools" if items else None
            out.append(
                Change(
                    "health",
                    label or f"{signal.value} health",
                    items,
                    old=before,
                    new=now.state,
                    security=drifted,
                )
            )
            continue
        for fact in _HEALTH_FACTS.get(signal, ()):
            a = was.facts.get(fact) if was is not None else None
            b = now.facts.get(fact)
            if a != b:
                out.append(
                    Change(
                        "health",
                        f"{signal.value} {fact.replace('_', ' ')}",
                        old=None if a is None else str(a),
                        new=None if b is None else str(b),
                    )
                )
    return out


def _health_items(record: Record) -> tuple[str, ...]:
    names = [str(t) for key in ("added", "removed", "changed") for t in record.facts.get(key, ())]
    return tuple(names)


def _set_diff(old: Iterable[Any], new: Iterable[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    before, after = set(old), set(new)
    return (
        tuple(sorted(str(x) for x in after - before)),
        tuple(sorted(str(x) for x in before - after)),
    )


def _added(entry: ModelEntry) -> tuple[Change, ...]:
    """A new server: what it is, and the grants a reviewer should see (the broad ones flagged)."""
    where = (entry.image if entry.kind is Kind.CONTAINER else entry.url) or ""
    label = f"new {entry.kind.value} server ({entry.transport}, {plural(len(entry.tools), 'tool')})"
    out = [Change("added", label, (where,))]
    perms = entry.permissions or Permissions()
    outbound = perms.outbound
    if outbound and outbound.allow_host and not outbound.insecure_allow_all:
        out.append(Change("added", "network hosts", tuple(outbound.allow_host)))
    if perms.write:
        out.append(Change("added", "write paths", tuple(perms.write)))
    if perms.privileged:
        out.append(Change("added", "privileged mode", security=True))
    if outbound and outbound.insecure_allow_all:
        out.append(Change("added", "unrestricted network (insecure_allow_all)", security=True))
    return tuple(out)


def _removed(entry: ModelEntry) -> Change:
    where = (entry.image if entry.kind is Kind.CONTAINER else entry.url) or ""
    return Change("removed", f"{entry.kind.value} server removed", (where,))


def _image_changes(old: str | None, new: str | None) -> list[Change]:
    if old == new or old is None or new is None:
        return []  # added or dropped images go with a kind change
    try:
        same = ImageRef.parse(old).registry == ImageRef.parse(new).registry and (
            ImageRef.parse(old).repository == ImageRef.parse(new).repository
        )
    except ImageRefError:
        same = False
    if same:
        return [Change("image-bump", "image", old=old, new=new)]
    return [
        Change("image-replaced", "image from another repository", old=old, new=new, security=True)
    ]


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return url


def _url_changes(old: str | None, new: str | None) -> list[Change]:
    if old == new or old is None or new is None:
        return []
    other_host = _host(old) != _host(new)
    label = "URL on another host" if other_host else "URL"
    return [Change("url-changed", label, old=old, new=new, security=other_host)]


def _flags(item: EnvVar | Header) -> str:
    flags = [f for f, on in (("required", item.required), ("secret", item.is_secret)) if on]
    return f"{item.name} ({', '.join(flags)})" if flags else item.name


def _named_changes(
    noun: str,
    kind: str,
    old: Sequence[EnvVar] | Sequence[Header],
    new: Sequence[EnvVar] | Sequence[Header],
) -> list[Change]:
    before = {v.name: v for v in old}
    after = {v.name: v for v in new}
    out: list[Change] = []
    added = tuple(_flags(after[k]) for k in sorted(after.keys() - before.keys()))
    if added:
        out.append(Change(f"{kind}-added", f"{noun}s added", added))
    gone = sorted(before.keys() - after.keys())
    secrets = tuple(_flags(before[k]) for k in gone if before[k].is_secret)
    plain = tuple(_flags(before[k]) for k in gone if not before[k].is_secret)
    if secrets:
        out.append(Change(f"{kind}-removed", f"secret {noun}s removed", secrets))
    if plain:
        out.append(Change(f"{kind}-removed", f"{noun}s removed", plain))
    for name in sorted(before.keys() & after.keys()):
        o, n = before[name], after[name]
        if o.is_secret and not n.is_secret:
            out.append(
                Change(f"{kind}-changed", f"{noun} no longer secret", (name,), security=True)
            )
        elif n.is_secret and not o.is_secret:
            out.append(Change(f"{kind}-changed", f"{noun} now secret", (name,)))
        if o.required != n.required:
            label = f"{noun} now required" if n.required else f"{noun} now optional"
            out.append(Change(f"{kind}-changed", label, (name,)))
        if o.default != n.default:
            out.append(
                Change(f"{kind}-changed", f"{noun} {name} default", old=o.default, new=n.default)
            )
        if isinstance(o, Header) and isinstance(n, Header) and o.choices != n.choices:
            out.append(
                Change(
                    f"{kind}-changed",
                    f"{noun} {name} choices",
                    old=", ".join(o.choices) or None,
                    new=", ".join(n.choices) or None,
                )
            )
        if o.description != n.description:
            out.append(Change(f"{kind}-changed", f"{noun} description changed", (name,)))
    return out


def permission_changes(old: Permissions | None, new: Permissions | None) -> list[Change]:
    """Widened and narrowed permissions. A removed permissions block counts as widened:
    without one, the client applies its own default profile, which may allow more."""
    out: list[Change] = []
    o, n = old or Permissions(), new or Permissions()
    oo, no = o.outbound, n.outbound
    pairs: list[tuple[str, Iterable[Any], Iterable[Any]]] = [
        ("read paths", o.read, n.read),
        ("write paths", o.write, n.write),
        ("network hosts", oo.allow_host if oo else (), no.allow_host if no else ()),
        ("network ports", oo.allow_port if oo else (), no.allow_port if no else ()),
    ]
    for label, before, after in pairs:
        added, removed = _set_diff(before, after)
        if added:
            out.append(Change("permission-widened", f"{label} added", added, security=True))
        if removed:
            out.append(Change("permission-narrowed", f"{label} removed", removed))
    for label, was, now in (
        ("privileged mode", bool(o.privileged), bool(n.privileged)),
        (
            "unrestricted network (insecure_allow_all)",
            bool(oo and oo.insecure_allow_all),
            bool(no and no.insecure_allow_all),
        ),
    ):
        if now and not was:
            out.append(Change("permission-widened", f"{label} turned on", security=True))
        elif was and not now:
            out.append(Change("permission-narrowed", f"{label} turned off"))
    if old is not None and new is None:
        out.append(
            Change(
                "permission-widened",
                "permissions block removed (the client's default profile applies)",
                security=True,
            )
        )
    return out


#: Provenance fields whose change means another party signs or builds the image.
_IDENTITY_FIELDS = frozenset(
    {"sigstore_url", "repository_uri", "signer_identity", "runner_environment", "cert_issuer"}
)


def _provenance_changes(o: ModelEntry, n: ModelEntry) -> list[Change]:
    if o.provenance == n.provenance:
        return []
    if n.provenance is None:
        return [Change("provenance-removed", "provenance removed", security=True)]
    if o.provenance is None:
        return [
            Change(
                "provenance-added", "provenance added", old=None, new=n.provenance.signer_identity
            )
        ]
    out = []
    for key in PROVENANCE_FIELDS:
        was, now = getattr(o.provenance, key), getattr(n.provenance, key)
        if was != now:
            out.append(
                Change(
                    "provenance-changed",
                    f"provenance {key}",
                    old=was,
                    new=now,
                    security=key in _IDENTITY_FIELDS,
                )
            )
    if o.provenance.attestation != n.provenance.attestation:
        out.append(Change("provenance-changed", "provenance attestation changed"))
    return out


def _oauth_changes(o: ModelEntry, n: ModelEntry) -> list[Change]:
    was, now = o.oauth_config, n.oauth_config
    if was == now:
        return []
    if now is None:
        return [Change("oauth-changed", "OAuth settings removed")]
    if was is None:
        return [
            Change("oauth-changed", "OAuth settings added", new=now.issuer or now.authorize_url)
        ]
    out: list[Change] = []
    added, removed = _set_diff(was.scopes, now.scopes)
    if added:
        out.append(Change("oauth-changed", "OAuth scopes added", added, security=True))
    if removed:
        out.append(Change("oauth-changed", "OAuth scopes removed", removed))
    for key in ("issuer", "authorize_url", "token_url", "resource"):
        if getattr(was, key) != getattr(now, key):
            out.append(
                Change(
                    "oauth-changed",
                    f"OAuth {key}",
                    old=getattr(was, key),
                    new=getattr(now, key),
                    security=True,
                )
            )
    if was.use_pkce and not now.use_pkce:
        out.append(Change("oauth-changed", "OAuth PKCE turned off", security=True))
    elif now.use_pkce and not was.use_pkce:
        out.append(Change("oauth-changed", "OAuth PKCE turned on"))
    for key in ("client_id", "callback_port", "oauth_params"):
        if getattr(was, key) != getattr(now, key):
            out.append(
                Change(
                    "oauth-changed",
                    f"OAuth {key}",
                    old=_show(getattr(was, key)),
                    new=_show(getattr(now, key)),
                )
            )
    return out


#: Other fields, compared as a whole: (attribute, compare sorted?).
_PLAIN_FIELDS: tuple[tuple[str, bool], ...] = (
    ("title", False),
    ("description", False),
    ("overview", False),
    ("repository_url", False),
    ("website_url", False),
    ("license", False),
    ("tags", True),
    ("args", False),
    ("target_port", False),
    ("proxy_port", False),
    ("docker_tags", True),
    ("examples", False),
    ("mounts", False),
    ("icons", False),
    ("tool_definitions", False),
    ("custom_metadata", False),
)


def _show(value: Any) -> str | None:
    """A value as one line of text; None and empty stay None."""
    if value is None or value == () or value == {}:
        return None
    if isinstance(value, tuple) and all(isinstance(v, str | int) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str | int | float):
        return str(value)
    if isinstance(value, tuple):
        value = [v.to_document() if hasattr(v, "to_document") else v for v in value]
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _field_changes(o: ModelEntry, n: ModelEntry) -> list[Change]:
    out = []
    for attr, unordered in _PLAIN_FIELDS:
        was, now = getattr(o, attr), getattr(n, attr)
        if unordered:
            was, now = tuple(sorted(was)), tuple(sorted(now))
        if was != now:
            out.append(
                Change("field-changed", attr.replace("_", " "), old=_show(was), new=_show(now))
            )
    return out


def _metadata_changes(o: ModelEntry, n: ModelEntry) -> list[Change]:
    out = []
    for attr in ("stars", "pulls", "last_updated"):
        was, now = getattr(o, attr), getattr(n, attr)
        if was != now:
            out.append(Change("metadata", attr.replace("_", " "), old=_show(was), new=_show(now)))
    return out


def _group_diffs(before: Mapping[str, Group], after: Mapping[str, Group]) -> tuple[GroupDiff, ...]:
    out: list[GroupDiff] = []
    for name in sorted(before.keys() | after.keys()):
        o, n = before.get(name), after.get(name)
        if o is None and n is not None:
            out.append(
                GroupDiff(
                    name, "added", (Change("group-added", "servers", tuple(sorted(n.servers))),)
                )
            )
        elif n is None and o is not None:
            out.append(GroupDiff(name, "removed", (Change("group-removed", "removed"),)))
        elif o is not None and n is not None:
            changes = []
            added, removed = _set_diff(o.servers, n.servers)
            if added:
                changes.append(Change("group-changed", "servers added", added))
            if removed:
                changes.append(Change("group-changed", "servers removed", removed))
            if o.description != n.description:
                changes.append(Change("group-changed", "description changed"))
            if changes:
                out.append(GroupDiff(name, "changed", tuple(changes)))
    return tuple(out)


# --- skills ----------------------------------------------------------------------------------


def _skill_label(skill: Skill) -> str:
    return f"{skill.namespace}/{skill.name}" if skill.namespace else skill.name


def _package_base(package: SkillPackage) -> str:
    """What a package's trust rests on: the OCI repository (tag and digest aside), or the
    Git repository URL."""
    if package.is_oci:
        text = package.identifier or ""
        try:
            ref = ImageRef.parse(text)
        except ImageRefError:
            return text
        return f"{ref.registry}/{ref.repository}"
    return (package.url or "").rstrip("/").removesuffix(".git")


def _package_changes(old: Skill, new: Skill) -> list[Change]:
    out: list[Change] = []
    for kind in ("oci", "git"):
        was = [p for p in old.packages if p.registry_type == kind]
        now = [p for p in new.packages if p.registry_type == kind]
        if was and not now:
            out.append(Change("skill-package", f"{kind} package removed", old=was[0].reference))
        elif now and not was:
            out.append(Change("skill-package", f"{kind} package added", new=now[0].reference))
        elif was and now and was[0] != now[0]:
            moved = _package_base(was[0]) != _package_base(now[0])
            out.append(
                Change(
                    "skill-package",
                    f"{kind} package {'replaced' if moved else 'updated'}",
                    old=was[0].reference,
                    new=now[0].reference,
                    security=moved,
                )
            )
    return out


def skill_changes(old: Skill, new: Skill) -> list[Change]:
    """What changed in one skill (its packages compared by kind, the first of each)."""
    out: list[Change] = []
    if old.version != new.version:
        out.append(Change("skill-version", "version", old=old.version, new=new.version))
    if old.effective_status != new.effective_status:
        out.append(
            Change("skill-status", "status", old=old.effective_status, new=new.effective_status)
        )
    out += _package_changes(old, new)
    was_repo = old.repository.url if old.repository else None
    now_repo = new.repository.url if new.repository else None
    if was_repo != now_repo:
        out.append(Change("skill-changed", "repository", old=was_repo, new=now_repo))
    for attr, label in (
        ("title", "title"),
        ("description", "description"),
        ("license", "licence"),
        ("compatibility", "compatibility"),
        ("allowed_tools", "allowed tools"),
        ("provenance", "provenance"),
        ("icons", "icons"),
    ):
        was, now = getattr(old, attr), getattr(new, attr)
        if was != now:
            out.append(Change("skill-changed", label, old=_show(was), new=_show(now)))
    return out


def skill_diffs(before: Iterable[Skill], after: Iterable[Skill]) -> tuple[SkillDiff, ...]:
    """Added, removed and changed skills, by namespace and name."""
    old = {(s.namespace or "", s.name): s for s in before}
    new = {(s.namespace or "", s.name): s for s in after}
    out: list[SkillDiff] = []
    for key in sorted(old.keys() | new.keys()):
        o, n = old.get(key), new.get(key)
        if o is None and n is not None:
            packages = tuple(p.reference for p in n.packages)
            out.append(
                SkillDiff(_skill_label(n), "added", (Change("skill-added", "packages", packages),))
            )
        elif n is None and o is not None:
            out.append(SkillDiff(_skill_label(o), "removed", (Change("skill-removed", "removed"),)))
        elif o is not None and n is not None:
            changes = skill_changes(o, n)
            if changes:
                out.append(SkillDiff(_skill_label(n), "changed", tuple(changes)))
    return tuple(out)
