"""``regup import``: bring an existing registry over as ``registry/<name>/spec.yaml`` files.

Sources: a ToolHive ``registry.json``, an upstream file (ToolHive's envelope, its
``data.skills`` included, a JSON array of ``server.json`` documents, or one
``server.json``), one ``skill.json`` or a folder of ``<name>/skill.json`` (written as
``skills/<name>/skill.yaml``), or a live MCP Registry API v0.1 base URL. Everything is read, converted and validated before the first file is written, so a
bad source leaves ``registry/`` untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from regup.emit.toolhive import looks_like_toolhive
from regup.entryfile import render_entry
from regup.errors import ImportSourceError
from regup.iconfile import read_icon_file
from regup.importers.base import (
    Candidate,
    GroupCandidate,
    Skipped,
    SourceContent,
    assign_names,
    shorten_description,
)
from regup.importers.skills import (
    add_skills,
    envelope_skills,
    looks_like_skill,
    read_skill_folder,
)
from regup.importers.sources import is_url, read_file, shown
from regup.importers.toolhive import read_toolhive
from regup.jsonio import nesting_exceeds
from regup.load import (
    GROUP_FILE,
    MAX_FILE_BYTES,
    SERVER_FILE,
    SKILLS_FOLDER,
    SPEC_FILE,
    DocKind,
    RawDocument,
    parse_document,
)
from regup.model import Source
from regup.serverjson import derived_version
from regup.validate import validate_documents
from regup.writeback import write_registry_files
from regup.yamlio import MAX_DEPTH, SourceMap, dump_yaml


@dataclass(frozen=True)
class ImportRequest:
    source: str
    registry_dir: Path
    dry_run: bool = False
    only: Sequence[str] = ()
    overwrite: bool = False
    #: The version given to servers the source gives none (remote servers and images
    #: whose tag is not a version, which ToolHive's format cannot version); None leaves
    #: them out with a reason, because regup never invents a version.
    version_for_unversioned: str | None = None
    #: The registry's own namespace: an imported server under it gets no ``namespace:``
    #: (one under another namespace keeps it, so its upstream name stays the same).
    namespace: str | None = None


@dataclass
class ImportResult:
    written: list[str] = field(default_factory=list)
    would_write: dict[str, str] = field(default_factory=dict)
    #: Icon files copied (or, with ``dry_run``, to be copied) beside the entries, with
    #: their sizes: the icon beside a ``server.json`` source comes along.
    icons: dict[str, int] = field(default_factory=dict)
    existing: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    adjusted: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_source(source: str) -> SourceContent:
    """Read and convert a source; raises :class:`ImportSourceError` for a bad one."""
    from regup.emit.upstream import looks_like_upstream
    from regup.importers.upstream import read_api, read_upstream

    if is_url(source):
        from regup.importers.sources import fetch_json
        from regup.net import make_client

        with make_client() as client:
            if source.rstrip("/").endswith((".json",)):
                data = fetch_json(client, source)
            else:
                return read_api(client, source)
    else:
        path = Path(source)
        try:
            missing = not path.exists()
        except OSError:  # a name too long, say: reading it says why
            missing = False
        if missing:
            raise ImportSourceError(f"{shown(source)} is neither a file nor an http(s) URL")
        try:
            folder = path.is_dir()
        except OSError:  # a name too long, say: reading it says why
            folder = False
        if folder:
            return read_skill_folder(path)
        data = read_file(path)
    if looks_like_skill(data):
        return add_skills(SourceContent(), [data], shown(source))
    if looks_like_toolhive(data):
        return read_toolhive(data)
    if looks_like_upstream(data):
        return add_skills(read_upstream(data), envelope_skills(data), "data.skills")
    raise ImportSourceError(
        f"{shown(source)} has an unknown shape: expected a ToolHive registry (servers / remote_servers), "
        "an upstream registry ({version, meta, data: {servers}}), a JSON array of server.json "
        "documents, or one server.json"
    )


def _render_entry(candidate: Candidate) -> str:
    return render_entry(candidate.document)


def run_import(request: ImportRequest) -> ImportResult:
    """Import ``request.source`` into ``request.registry_dir``.

    Raises :class:`ImportSourceError` when the source cannot be read or has the wrong
    shape, and :class:`~regup.errors.WriteBackError` when a file cannot be written.
    """
    content = read_source(request.source)
    result = ImportResult(skipped=list(content.skipped))
    only = set(request.only)
    candidates = [
        c for c in content.candidates if not only or c.original in only or _short(c) in only
    ]
    groups: list[GroupCandidate] = [] if only else content.groups
    taken: set[str] = set()
    result.renamed = assign_names(candidates, taken) + assign_names(groups, taken)
    files: dict[str, str] = {}
    docs: list[RawDocument] = []
    for candidate in candidates:
        if not candidate.name:
            result.skipped.append(
                Skipped(candidate.original, "no usable entry name can be made from it")
            )
            continue
        # The YAML reader's bound (the root mapping is level 1 here, 0 there): deeper
        # would not load, and the YAML writer recurses once per level.
        if nesting_exceeds(candidate.document, MAX_DEPTH + 1):
            result.skipped.append(
                Skipped(
                    candidate.original,
                    f"nested more than {MAX_DEPTH} levels deep, more than an entry file "
                    "may be [yaml-too-deep]",
                )
            )
            continue
        shorten_description(candidate)
        if (
            request.version_for_unversioned
            and not candidate.document.get("version")
            and derived_version(candidate.document.get("image")) is None
        ):
            candidate.document["version"] = request.version_for_unversioned
            candidate.notes.append(
                f"version {request.version_for_unversioned} (--version-for-unversioned): "
                "the source gives none"
            )
        if request.namespace and candidate.document.get("namespace") == request.namespace:
            del candidate.document["namespace"]
        rel = f"{candidate.name}/{SPEC_FILE}"
        text = _render_entry(candidate)
        size = len(text.encode())
        if size > MAX_FILE_BYTES:
            result.skipped.append(
                Skipped(
                    candidate.original,
                    f"its spec.yaml would be {size} bytes, more than the {MAX_FILE_BYTES} an "
                    "entry file may have [file-too-large]; shorten its description or "
                    "overview in the source",
                )
            )
            continue
        files[rel] = text
        docs.append(_raw(request.registry_dir / rel, candidate.name, "entry", files[rel]))
        result.adjusted += [(candidate.name, note) for note in candidate.notes]
    names = {c.name for c in candidates if c.name}
    for group in groups:
        members = [m for m in group.document.get("servers", []) if _renamed(m, candidates) in names]
        group.document["servers"] = [_renamed(m, candidates) for m in members]
        rel = f"{group.name}/{GROUP_FILE}"
        files[rel] = dump_yaml(group.document)
        docs.append(_raw(request.registry_dir / rel, group.name, "group", files[rel]))
    for skill in content.skills:
        if only and skill.original not in only and skill.name not in only:
            continue
        rel = f"{SKILLS_FOLDER}/{skill.name}/skill.yaml"
        if rel in files:
            result.skipped.append(Skipped(skill.original, f"another skill is named {skill.name}"))
            continue
        files[rel] = dump_yaml(skill.document)
        docs.append(_raw(request.registry_dir / rel, skill.name, "skill", files[rel]))
    validation = validate_documents(docs)
    bad_paths = {d.path for d in validation.diagnostics if d.severity.value == "error"}
    for doc in docs:
        rel = _rel(doc)
        if doc.source.display in bad_paths:
            problems = "; ".join(
                f"{d.message} [{d.rule}]"
                for d in validation.diagnostics
                if d.path == doc.source.display
            )
            result.skipped.append(Skipped(doc.name, f"would not pass validation: {problems}"))
            files.pop(rel)
    for d in validation.diagnostics:
        if d.severity.value == "warning" and d.path not in bad_paths:
            result.warnings.append(f"{d.path}:{d.line}:{d.col}: {d.message} [{d.rule}]")
    for rel in sorted(files):
        if (request.registry_dir / rel).parent.exists() and not request.overwrite:
            result.existing.append(rel.rsplit("/", 1)[0])
            del files[rel]
    icons = {
        rel: data
        for rel, data in _source_icon(request.source, candidates, result).items()
        if f"{rel.split('/', 1)[0]}/{SPEC_FILE}" in files
    }
    result.icons = {rel: len(data) for rel, data in icons.items()}
    if request.dry_run:
        result.would_write = files
        return result
    write_registry_files(request.registry_dir, {**files, **icons})
    result.written = sorted([*files, *icons])
    return result


def _source_icon(
    source: str, candidates: list[Candidate], result: ImportResult
) -> dict[str, bytes]:
    """The icon file beside a local ``server.json`` source (ToolHive's catalog keeps an
    ``icon.svg`` there), as ``{<name>/<icon file>: bytes}``; a bad one is left behind with
    a warning."""
    path = Path(source)
    if is_url(source) or path.name != SERVER_FILE or len(candidates) != 1:
        return {}
    name = candidates[0].name
    folder = path.parent
    try:
        names = {p.name for p in folder.iterdir()}
    except OSError:
        return {}
    read = read_icon_file(folder, names, f"{folder}/")
    if read is None or not name:
        return {}
    for problem in read.problems:
        result.warnings.append(
            f"{problem.path}: {problem.message} [{problem.rule}]; the icon is not copied"
        )
    if read.icon is None:
        return {}
    return {f"{name}/{read.icon.filename}": read.icon.data}


def _short(candidate: Candidate) -> str:
    return candidate.original.rsplit("/", 1)[-1]


def _renamed(original: str, candidates: list[Candidate]) -> str:
    for c in candidates:
        if c.original == original:
            return c.name
    return original


def _rel(doc: RawDocument) -> str:
    """The file's path in the registry: ``<name>/<file>``, ``skills/<name>/skill.yaml``."""
    folder = f"{SKILLS_FOLDER}/{doc.name}" if doc.kind == "skill" else doc.name
    return f"{folder}/{doc.source.path.name}"


def _raw(path: Path, name: str, kind: DocKind, text: str) -> RawDocument:
    doc = RawDocument(name=name, kind=kind, source=Source(path, str(path), SourceMap()))
    return parse_document(doc, text)
