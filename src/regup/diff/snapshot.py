"""Reading one side of ``regup diff`` into a :class:`Snapshot`: a ToolHive ``registry.json``,
a ``dist/`` folder, a registry folder, or a git ref (read from git's object store into a
temporary folder; the work tree is never touched).

A git ref is loaded as a checkout of it would be, symlinks included, so that diff and build
see the same entries: a ``spec.yaml`` or entry folder that is a symlink to another place in
the registry is that place's content; one that leads out of the registry is refused, as
``regup validate`` refuses it, and the diff says so without quoting its target.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from regup.emit.toolhive import read_toolhive_source
from regup.errors import DiffInputError, HealthError, ImportSourceError
from regup.files import SYMLINK_OUTSIDE
from regup.healthstate import HealthState, load_health
from regup.load import (
    ENTRY_FILES,
    GROUP_FILE,
    SERVER_FILE,
    SERVERS_FOLDER,
    SKILL_FILES,
    SKILLS_FOLDER,
    SPEC_FILE,
    load_registry,
)
from regup.model import Entry as ModelEntry
from regup.model import (
    Group,
    Registry,
)
from regup.validate import validate_documents

REGISTRY_JSON = "registry.json"
#: Git's modes of a regular file and of a symlink.
_FILE_MODES = ("100644", "100755")
_LINK_MODE = "120000"


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
    #: The folder's ``health.json`` (None: not a registry folder, so health is not compared).
    health: HealthState | None = None


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
            f"<name>/{SPEC_FILE} or {SERVER_FILE} entries (a registry folder); give one "
            "of those, a "
            f"{REGISTRY_JSON} file or a git ref"
        )
    return _from_git(spec, registry_dir, cwd)


def _has_entries(folder: Path) -> bool:
    """Holds entries or groups, or nothing at all (a registry with no entries yet)."""
    if not any(not p.name.startswith(".") for p in folder.iterdir()):
        return True
    own = (*ENTRY_FILES, GROUP_FILE)
    return any(
        any((sub / name).is_file() for name in own)
        or (sub.name in (SERVERS_FOLDER, SKILLS_FOLDER) and _has_entries_below(sub))
        for sub in folder.iterdir()
        if sub.is_dir()
    )


def _has_entries_below(folder: Path) -> bool:
    """ToolHive's catalog layout: ``servers/<name>/server.json``, ``skills/<name>/...``."""
    own = (*ENTRY_FILES, *SKILL_FILES)
    return any(any((sub / n).is_file() for n in own) for sub in folder.iterdir() if sub.is_dir())


def _from_folder(folder: Path, label: str, *, notes: Sequence[str] = ()) -> Snapshot:
    """Load and validate a registry folder; entries with errors are left out, with a note."""
    docs = load_registry(folder)
    result = validate_documents(docs)
    valid = {e.name for e in result.registry.entries} | {g.name for g in result.registry.groups}
    valid |= {s.name for s in result.registry.skills}
    outside = sorted(
        {d.name for d in docs if any(x.rule == SYMLINK_OUTSIDE for x in d.diagnostics)}
    )
    broken = sorted({d.name for d in docs} - valid - set(outside))
    out = list(notes)
    if outside:
        out.append(
            f"{label}: {len(outside)} {'entry is' if len(outside) == 1 else 'entries are'} "
            f"refused and left out of the comparison ({', '.join(outside)}): a file or "
            f"folder that is a symlink to a place outside the registry ({SYMLINK_OUTSIDE}); "
            "regup validate and build refuse it too"
        )
    if broken:
        out.append(
            f"{label}: {len(broken)} {'entry has' if len(broken) == 1 else 'entries have'} "
            f"errors and {'is' if len(broken) == 1 else 'are'} left out of the comparison "
            f"({', '.join(broken)}); run regup validate to see them"
        )
    try:
        health: HealthState | None = load_health(folder)
    except HealthError as exc:
        health = None
        out.append(f"{label}: health is not compared: {exc}")
    return Snapshot(label, result.registry, complete=True, notes=tuple(out), health=health)


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
        # The registry goes where it is in the repository (``<tmp>/<rel>``), so that a
        # relative symlink resolves as it does in a checkout.
        checkout = Path(tmp) / "checkout"
        target = checkout.joinpath(*PurePosixPath(rel).parts)
        target.mkdir(parents=True)
        _extract_tree(tree, target, cwd, repository=(root, checkout))
        return _from_folder(target, spec)


def _extract_tree(tree: str, target: Path, cwd: Path, *, repository: tuple[Path, Path]) -> None:
    """Write every regular file of ``tree`` below ``target``, then its symlinks as they are.

    ``repository`` is the work tree and the folder that stands for it here: an absolute
    symlink into the work tree is pointed at the same place below the stand-in. Links are
    made last, so no file is written through one; nothing they point to is read here (the
    loader refuses any that lead out of the registry). Submodules are skipped.
    """
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", tree], cwd)
    if listing.returncode != 0:
        raise DiffInputError(f"git ls-tree {tree} failed: {listing.stderr.decode().strip()}")
    blobs: list[tuple[str, str, PurePosixPath]] = []
    for record in listing.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, name = record.partition(b"\t")
        mode, otype, oid = meta.decode().split(" ")
        rel = PurePosixPath(name.decode("utf-8", "surrogateescape"))
        if otype == "blob" and mode in (*_FILE_MODES, _LINK_MODE) and ".." not in rel.parts:
            blobs.append((mode, oid, rel))
    if not blobs:
        return
    batch = _git(
        ["cat-file", "--batch"], cwd, stdin="".join(f"{o}\n" for _, o, _ in blobs).encode()
    )
    if batch.returncode != 0:
        raise DiffInputError(f"git cat-file failed: {batch.stderr.decode().strip()}")
    data, pos = batch.stdout, 0
    links: list[tuple[Path, bytes]] = []
    for mode, _oid, rel in blobs:
        end = data.index(b"\n", pos)
        size = int(data[pos:end].split(b" ")[2])
        content = data[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1
        out = target.joinpath(*rel.parts)
        out.parent.mkdir(parents=True, exist_ok=True)
        if mode == _LINK_MODE:
            links.append((out, content))
        else:
            out.write_bytes(content)
    work_tree, stand_in = (os.fsencode(p) for p in repository)
    for out, link in links:
        if link == work_tree or link.startswith(work_tree + b"/"):
            link = stand_in + link[len(work_tree) :]
        try:
            os.symlink(link, out)
        except (OSError, ValueError):
            # A target git could not check out either (a NUL byte, too long a name): the
            # entry then lacks its file, which the loader reports.
            continue
