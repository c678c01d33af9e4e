"""``regup diff``: what changed between two versions of a registry, server by server.

This module owns three things:

- **reading one side** of a comparison into a :class:`Snapshot` (:func:`read_snapshot`): a
  ToolHive ``registry.json``, a ``dist/`` folder (its ``registry.json``), a registry folder,
  or a git ref, whose registry folder is read from git's object store into a temporary
  folder, then loaded and validated in memory; the work tree is never touched;
- **comparing** two snapshots into typed :class:`Change` values (:func:`compare`). Changes
  that deserve a security review are flagged: a widened permission, a secret that lost its
  flag, an image from another repository, a remote on another host, provenance removed or
  signed by someone else, new OAuth scopes;
- **rendering** the result as text, Markdown (pull-request comments, release notes) or JSON
  (:data:`FORMATS`).

The kinds of change are listed in :data:`CHANGE_KINDS`, which the documentation shows.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any, Literal
from urllib.parse import urlsplit

import click

from regup.emit.toolhive import read_toolhive_source
from regup.errors import DiffInputError, ImportSourceError
from regup.imageref import ImageRef, ImageRefError
from regup.load import GROUP_FILE, SPEC_FILE, load_registry
from regup.model import (
    PROVENANCE_FIELDS,
    EnvVar,
    Group,
    Header,
    JsonDict,
    Kind,
    Permissions,
    Registry,
)
from regup.model import Entry as ModelEntry
from regup.validate import validate_documents

REGISTRY_JSON = "registry.json"
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
    "group-added": "a new group",
    "group-removed": "a group is gone",
    "group-changed": "a group's servers or description changed",
}

Status = Literal["added", "removed", "changed"]


# --- the result ---------------------------------------------------------------------------


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
        return self.status == "changed" and all(c.kind == "metadata" for c in self.changes)

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
class RegistryDiff:
    """Everything that changed from ``old`` to ``new``, sorted by name."""

    old: str
    new: str
    servers: tuple[ServerDiff, ...] = ()
    groups: tuple[GroupDiff, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.servers and not self.groups

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
            "security": len(self.security_changes),
        }

    @property
    def security_changes(self) -> list[tuple[str, Change]]:
        return [(s.name, c) for s in self.servers for c in s.changes if c.security]

    def to_json(self) -> JsonDict:
        return {
            "old": self.old,
            "new": self.new,
            "summary": self.summary,
            "servers": [s.to_json() for s in self.servers],
            "groups": [g.to_json() for g in self.groups],
            "notes": list(self.notes),
        }


# --- reading one side ---------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """One side of a comparison: the valid entries and groups of a registry.

    ``complete`` is false when the source lacks the fields regup adds to the ToolHive
    format (``version``, ``license``…), as a ``registry.json`` does; such fields are then
    left out of the comparison on both sides.
    """

    label: str
    registry: Registry
    complete: bool
    notes: tuple[str, ...] = ()


def read_snapshot(spec: str, *, registry_dir: Path, cwd: Path | None = None) -> Snapshot:
    """Read ``spec``: a ``registry.json``, a ``dist/`` folder, a registry folder or a git ref.

    A path that exists wins over a git ref of the same name. For a git ref, the registry is
    the folder ``registry_dir`` (relative to ``cwd``) as it was at that commit.
    Raises :class:`~regup.errors.DiffInputError` when ``spec`` is none of these or cannot
    be read.
    """
    cwd = cwd or Path.cwd()
    path = Path(spec) if Path(spec).is_absolute() else cwd / spec
    if spec and path.is_file():
        return _from_registry_json(path, spec)
    if spec and path.is_dir():
        if (path / REGISTRY_JSON).is_file():
            return _from_registry_json(path / REGISTRY_JSON, spec)
        if _has_entries(path):
            return _from_folder(path, spec)
        raise DiffInputError(
            f"{spec} holds neither {REGISTRY_JSON} (a build output folder) nor "
            f"<name>/{SPEC_FILE} entries (a registry folder); give one of those, a "
            f"{REGISTRY_JSON} file or a git ref"
        )
    return _from_git(spec, registry_dir, cwd)


def _has_entries(folder: Path) -> bool:
    """Holds entries or groups, or nothing at all (a registry with no entries yet)."""
    if not any(not p.name.startswith(".") for p in folder.iterdir()):
        return True
    return any(
        (sub / SPEC_FILE).is_file() or (sub / GROUP_FILE).is_file()
        for sub in folder.iterdir()
        if sub.is_dir()
    )


def _from_folder(folder: Path, label: str, *, notes: Sequence[str] = ()) -> Snapshot:
    """Load and validate a registry folder; entries with errors are left out, with a note."""
    docs = load_registry(folder)
    result = validate_documents(docs)
    valid = {e.name for e in result.registry.entries} | {g.name for g in result.registry.groups}
    broken = sorted({d.name for d in docs} - valid)
    out = list(notes)
    if broken:
        out.append(
            f"{label}: {len(broken)} {'entry has' if len(broken) == 1 else 'entries have'} "
            f"errors and {'is' if len(broken) == 1 else 'are'} left out of the comparison "
            f"({', '.join(broken)}); run regup validate to see them"
        )
    return Snapshot(label, result.registry, complete=True, notes=tuple(out))


def _from_registry_json(path: Path, label: str) -> Snapshot:
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise DiffInputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise DiffInputError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not ("servers" in data or "remote_servers" in data):
        raise DiffInputError(
            f"{path} is not a ToolHive {REGISTRY_JSON} (no servers or remote_servers); give "
            f"the {REGISTRY_JSON} that `regup build` writes, a dist/ folder or a git ref"
        )
    try:
        source = read_toolhive_source(data)
    except ImportSourceError as exc:
        raise DiffInputError(f"{path}: {exc}") from None
    if source.problems:
        raise DiffInputError(f"{path}: every group needs a name")
    entries = []
    for server in source.servers:
        if server.document is None:
            raise DiffInputError(f"{path}: server {server.name!r} is not a JSON object")
        entries.append(_entry_from_json(path, server.name, server.document))
    groups = tuple(Group(g.name, g.description, tuple(sorted(g.members))) for g in source.groups)
    return Snapshot(label, Registry(tuple(entries), groups), complete=False)


def _entry_from_json(path: Path, name: str, doc: Any) -> ModelEntry:
    if not isinstance(doc, Mapping):
        raise DiffInputError(f"{path}: server {name!r} is not a JSON object")
    try:
        return ModelEntry.from_document(name, doc)
    except KeyError as exc:
        raise DiffInputError(f"{path}: server {name!r} has no {exc.args[0]}") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise DiffInputError(f"{path}: server {name!r} cannot be read ({exc})") from None


def _git(
    args: Sequence[str], cwd: Path, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, input=stdin, capture_output=True, check=False, timeout=300
        )
    except FileNotFoundError:
        raise DiffInputError(
            "git is not installed, so git refs cannot be compared; give two registry.json "
            "files or dist/ folders instead"
        ) from None
    except subprocess.TimeoutExpired:
        raise DiffInputError(f"git {' '.join(args)} took longer than 300 s") from None


def _from_git(spec: str, registry_dir: Path, cwd: Path) -> Snapshot:
    """The registry folder as it was at commit ``spec``.

    Files are read with ``git ls-tree`` and ``git cat-file`` rather than ``git archive``:
    archive applies ``export-ignore`` and ``export-subst`` attributes, which would change
    what is compared.
    """
    what = (
        f"{spec!r} is not a file or folder, nor a git ref of this repository; give a "
        f"{REGISTRY_JSON}, a dist/ folder, a registry folder or a ref such as origin/main"
    )
    if not spec or spec.startswith("-"):
        raise DiffInputError(what)
    top = _git(["rev-parse", "--show-toplevel"], cwd)
    if top.returncode != 0:
        raise DiffInputError(f"{what} ({cwd} is not inside a git repository)")
    commit = _git(["rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}"], cwd)
    if commit.returncode != 0:
        raise DiffInputError(what)
    sha = commit.stdout.decode().strip()
    root = Path(top.stdout.decode().strip()).resolve()
    folder = (cwd / registry_dir).resolve()
    try:
        rel = folder.relative_to(root).as_posix()
    except ValueError:
        raise DiffInputError(
            f"the registry folder {registry_dir} is outside the git repository {root}; "
            "pass --registry with a folder inside it"
        ) from None
    tree = sha if rel == "." else f"{sha}:{rel}"
    shown = registry_dir.as_posix().rstrip("/") + "/"
    kind = _git(["cat-file", "-t", tree], cwd)
    if kind.returncode != 0:
        note = f"{spec}: {shown} does not exist at this commit; compared as an empty registry"
        return Snapshot(spec, Registry(()), complete=True, notes=(note,))
    if kind.stdout.decode().strip() != "tree":
        raise DiffInputError(f"{shown} is not a folder at {spec}")
    with tempfile.TemporaryDirectory(prefix="regup-diff-") as tmp:
        target = Path(tmp) / "registry"
        target.mkdir()
        _extract_tree(tree, target, cwd)
        return _from_folder(target, spec)


def _extract_tree(tree: str, target: Path, cwd: Path) -> None:
    """Write every regular file of ``tree`` below ``target``; links and submodules are skipped."""
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", tree], cwd)
    if listing.returncode != 0:
        raise DiffInputError(f"git ls-tree {tree} failed: {listing.stderr.decode().strip()}")
    files: list[tuple[str, PurePosixPath]] = []
    for record in listing.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, otype, oid = meta.decode().split(" ")
        rel = PurePosixPath(name.decode("utf-8", "surrogateescape"))
        if otype == "blob" and mode in ("100644", "100755") and ".." not in rel.parts:
            files.append((oid, rel))
    if not files:
        return
    batch = _git(["cat-file", "--batch"], cwd, stdin="".join(f"{o}\n" for o, _ in files).encode())
    if batch.returncode != 0:
        raise DiffInputError(f"git cat-file failed: {batch.stderr.decode().strip()}")
    data, pos = batch.stdout, 0
    for _oid, rel in files:
        end = data.index(b"\n", pos)
        size = int(data[pos:end].split(b" ")[2])
        content = data[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1
        out = target.joinpath(*rel.parts)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(content)


# --- comparing ----------------------------------------------------------------------------

_REGUP_ONLY_BLANK: dict[str, Any] = {
    "version": None,
    "website_url": None,
    "license": None,
    "icons": (),
    "examples": (),
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
            changes = entry_changes(o, n)
            if changes:
                servers.append(ServerDiff(name, "changed", n.kind.value, tuple(changes)))
    groups = _group_diffs(
        {g.name: g for g in old.registry.groups}, {g.name: g for g in new.registry.groups}
    )
    notes = [*old.notes, *new.notes]
    if not complete:
        notes.append(
            f"{REGISTRY_JSON} has no version, license, website, icons or examples, so those "
            "fields are not compared"
        )
    return RegistryDiff(old.label, new.label, tuple(servers), groups, tuple(notes))


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


def _set_diff(old: Iterable[Any], new: Iterable[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    before, after = set(old), set(new)
    return (
        tuple(sorted(str(x) for x in after - before)),
        tuple(sorted(str(x) for x in before - after)),
    )


def _added(entry: ModelEntry) -> tuple[Change, ...]:
    """A new server: what it is, and the grants a reviewer should see (the broad ones flagged)."""
    where = (entry.image if entry.kind is Kind.CONTAINER else entry.url) or ""
    label = (
        f"new {entry.kind.value} server ({entry.transport}, {_plural(len(entry.tools), 'tool')})"
    )
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


def diff(old: str, new: str, *, registry_dir: Path, cwd: Path | None = None) -> RegistryDiff:
    """Read both sides and compare them; raises :class:`~regup.errors.DiffInputError`."""
    return compare(
        read_snapshot(old, registry_dir=registry_dir, cwd=cwd),
        read_snapshot(new, registry_dir=registry_dir, cwd=cwd),
    )


# --- rendering ----------------------------------------------------------------------------

#: Longest value shown in text and Markdown; JSON always has the whole value.
MAX_SHOWN = 100


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _summary_words(result: RegistryDiff) -> list[str]:
    s = result.summary
    words = [f"{s['added']} added", f"{s['removed']} removed"]
    if s["deprecated"]:
        words.append(f"{s['deprecated']} deprecated")
    words.append(f"{s['changed']} changed")
    if s["metadata_only"]:
        words.append(f"{s['metadata_only']} with new metadata only")
    if s["groups"]:
        words.append(_plural(s["groups"], "group") + " changed")
    return words


def change_text(change: Change, quote: Callable[[str], str] = lambda s: s) -> str:
    """One change as a line: ``label: items`` or ``label: old → new``."""
    if change.items:
        return f"{change.label}: {', '.join(quote(_clip(i)) for i in change.items)}"
    if change.old is not None and change.new is not None:
        if max(len(change.old), len(change.new)) > MAX_SHOWN:
            return f"{change.label} changed"
        return f"{change.label}: {quote(change.old)} {ARROW} {quote(change.new)}"
    if change.new is not None:
        return f"{change.label}: {quote(_clip(change.new))}"
    if change.old is not None:
        return f"{change.label} removed (was {quote(_clip(change.old))})"
    return change.label


def render_text(result: RegistryDiff, *, color: bool = False) -> str:
    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if color else text

    lines = [f"regup diff {result.old} {ARROW} {result.new}: {', '.join(_summary_words(result))}"]
    security = len(result.security_changes)
    if security:
        lines.append(
            style(
                f"{_plural(security, 'security-relevant change')} (marked !)", fg="red", bold=True
            )
        )
    marks = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow")}
    for server in result.servers:
        mark, fg = marks[server.status]
        lines.append(style(f"{mark} {server.name}", fg=fg, bold=True))
        for c in server.changes:
            prefix = style("  ! ", fg="red", bold=True) if c.security else "    "
            lines.append(prefix + change_text(c))
    if result.groups:
        lines.append("groups:")
        for g in result.groups:
            mark, _ = marks[g.status]
            lines.append(
                f"{mark} {g.name} {g.status}"
                + "".join(f"; {change_text(c)}" for c in g.changes if c.kind != "group-removed")
            )
    if result.empty:
        lines.append("No changes to servers or groups.")
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|@~])")


def _escape(text: str) -> str:
    """Plain text that Markdown shows as written: no formatting, links or mentions."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def code(text: str) -> str:
    """``text`` as a Markdown code span that no backtick or pipe inside can break."""
    text = " ".join(text.split()).replace("|", "\\|")
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_change(change: Change) -> str:
    return ("⚠️ " if change.security else "") + change_text(change, code)


def render_markdown(result: RegistryDiff, *, color: bool = False) -> str:
    """Markdown for pull-request comments and release notes.

    Every value taken from an entry is a code span, so entry text can neither format the
    comment nor mention anyone.
    """
    out = [f"### Registry changes: {code(result.old)} {ARROW} {code(result.new)}", ""]
    if result.empty:
        out += ["No changes to servers or groups.", ""]
    else:
        out += ["**" + " · ".join(_summary_words(result)) + "**", ""]
    security = result.security_changes
    if security:
        out += [
            "> [!WARNING]",
            f"> **{_plural(len(security), 'security-relevant change')}**: review before merging.",
            ">",
        ]
        out += [f"> - {code(name)}: {change_text(c, code)}" for name, c in security]
        out.append("")
    by_status = {
        status: [s for s in result.servers if s.status == status and not s.metadata_only]
        for status in ("added", "removed", "changed")
    }
    for status, heading in (("added", "Added"), ("removed", "Removed")):
        if by_status[status]:
            out += [f"#### {heading}", ""]
            out += [
                f"- {code(s.name)}: " + "; ".join(_md_change(c) for c in s.changes)
                for s in by_status[status]
            ]
            out.append("")
    if by_status["changed"]:
        out += ["#### Changed", ""]
        for s in by_status["changed"]:
            out.append(f"- {code(s.name)}")
            out += [f"  - {_md_change(c)}" for c in s.changes]
        out.append("")
    meta = [s for s in result.servers if s.metadata_only]
    if meta:
        out += [
            "<details>",
            f"<summary>New metadata only: {_plural(len(meta), 'server')}</summary>",
            "",
        ]
        out += [
            f"- {code(s.name)}: " + "; ".join(change_text(c, code) for c in s.changes) for s in meta
        ]
        out += ["", "</details>", ""]
    if result.groups:
        out += ["#### Groups", ""]
        for g in result.groups:
            details = [change_text(c, code) for c in g.changes if c.kind != "group-removed"]
            out.append(
                f"- {code(g.name)} {g.status}" + (": " + "; ".join(details) if details else "")
            )
        out.append("")
    if result.notes:
        out += [f"> {_escape(n)}" for n in result.notes]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def render_json(result: RegistryDiff, *, color: bool = False) -> str:
    return json.dumps(result.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


#: Output formats of ``regup diff --format``.
FORMATS: dict[str, Callable[..., str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
