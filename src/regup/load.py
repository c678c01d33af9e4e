"""Load a registry folder: find every ``spec.yaml`` / ``server.json`` / ``group.yaml`` /
skill file and parse it with positions.

A server is ``<name>/spec.yaml`` or ``<name>/server.json`` (an upstream document with
ToolHive's extension block, read into the authored form by :mod:`regup.serverjson` with
every value's position in the JSON). A skill is ``<name>/skill.yaml`` or
``<name>/skill.json`` (beside a server file or alone). ToolHive's catalog layout works too:
``servers/<name>/server.json`` (or ``spec.yaml``) and ``skills/<name>/skill.json``.

One broken file never hides the others: each file gives a :class:`RawDocument` carrying
either its data or the diagnostics that say why it could not be read. Only a missing
registry folder raises.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from regup.diagnostics import Diagnostic, Severity
from regup.errors import LoadError
from regup.files import UnsafeFileError, read_input_file
from regup.gcpause import paused_gc
from regup.iconfile import IconRead, icon_files_in, read_icon_file
from regup.jsonio import JsonInputError, load_json
from regup.model import Source
from regup.serverjson import read_server_source
from regup.tooldefs import TOOLS_FILE, ToolsFile, read_tools_file
from regup.yamlio import SourceMap, YamlSyntaxError, load_yaml

SPEC_FILE = "spec.yaml"
#: An entry authored as an upstream document (toolhive-catalog's form), instead of spec.yaml.
SERVER_FILE = "server.json"
#: The files that define an entry; a folder holds one of them.
ENTRY_FILES = (SPEC_FILE, SERVER_FILE)
GROUP_FILE = "group.yaml"
#: A skill's file, in an entry's folder or in ``skills/<name>/`` (one of them per folder).
SKILL_FILES = ("skill.yaml", "skill.json")
#: The catalog-style folder of skills (``skills/<name>/skill.json``) at the registry's top.
SKILLS_FOLDER = "skills"
#: The catalog-style folder of servers (``servers/<name>/server.json``) at the registry's top.
SERVERS_FOLDER = "servers"
MAX_FILE_BYTES = 1_000_000

DocKind = Literal["entry", "group", "skill"]

# ``# regup: ignore[rule-a, rule-b]`` silences those warnings on its own line, or on the
# next line when the comment stands alone. Errors cannot be silenced.
_IGNORE = re.compile(r"#\s*regup:\s*ignore\[([a-z0-9,\s-]+)\]")


@dataclass
class RawDocument:
    """One file as read: its name (the folder's), data and where every value was written."""

    name: str
    kind: DocKind
    source: Source
    data: Any = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    suppressed: dict[int, frozenset[str]] = field(default_factory=dict)
    #: The entry's ``tools.json`` (tool definitions), when the folder has one.
    tools_file: ToolsFile | None = None
    #: Problems found while reading that do not stop validation (a ``server.json``'s keys
    #: regup cannot carry): reported together with the schema's and the rules' findings.
    notes: list[Diagnostic] = field(default_factory=list)
    #: The namespace a ``server.json`` source names itself under (``<namespace>/<name>``).
    namespace: str | None = None
    #: The entry's icon file (``icon.svg``, ...), when the folder has one.
    icon: IconRead | None = None

    @property
    def positions(self) -> SourceMap:
        return self.source.positions

    def error(self, line: int, col: int, rule: str, message: str) -> None:
        self.diagnostics.append(
            Diagnostic(self.source.display, line, col, Severity.ERROR, rule, message)
        )


def display_path(path: Path, cwd: Path | None = None) -> str:
    """``path`` relative to the working directory when below it, for readable messages."""
    cwd = cwd or Path.cwd()
    try:
        return os.path.relpath(path, cwd) if path.is_absolute() else str(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)


def read_document(
    path: Path,
    kind: DocKind,
    name: str | None = None,
    siblings: set[str] | None = None,
    inside: Path | None = None,
) -> RawDocument:
    """Read and parse one file; problems become diagnostics on the result.

    ``siblings`` (the names in the file's folder, when the caller listed it already) saves
    a look-up per file on slow filesystems. ``inside`` is the registry folder: a file whose
    real location is elsewhere (a symlink out of it) is refused without being read.
    """
    doc = RawDocument(
        name=name if name is not None else path.parent.name,
        kind=kind,
        source=Source(path=path, display=display_path(path), positions=SourceMap()),
    )
    try:
        raw = read_input_file(path, limit=MAX_FILE_BYTES, inside=inside)
    except UnsafeFileError as exc:
        doc.error(1, 1, exc.rule, exc.message)
        return doc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        doc.error(1, 1, "file-encoding", f"the file is not UTF-8 text ({exc.reason})")
        return doc
    has_tools = (
        TOOLS_FILE in siblings if siblings is not None else (path.parent / TOOLS_FILE).is_file()
    )
    if kind == "entry" and path.name in ENTRY_FILES and has_tools:
        tools = path.parent / TOOLS_FILE
        doc.tools_file = read_tools_file(tools, display_path(tools), inside=inside)
    if kind == "entry" and path.name in ENTRY_FILES:
        names = siblings if siblings is not None else _listing(path.parent)
        if icon_files_in(names):
            folder = display_path(path.parent).rstrip("/") + "/"
            doc.icon = read_icon_file(path.parent, names, folder, inside=inside)
    if kind == "entry" and path.name == SERVER_FILE:
        return parse_server_json(doc, text)
    if path.suffix == ".json":
        return parse_json_document(doc, text)
    return parse_document(doc, text)


def parse_server_json(doc: RawDocument, text: str) -> RawDocument:
    """A ``server.json`` source: read as JSON (with positions, duplicate keys and bounds as
    :func:`parse_json_document` has them), then into the authored form, whose values keep
    their line and column in the JSON so that every later diagnostic points there."""
    parse_json_document(doc, text)
    if doc.diagnostics:
        return doc
    source = read_server_source(doc.data, doc.positions, doc.name)
    doc.namespace = source.namespace
    for problem in source.problems:
        at = doc.positions.key if problem.key else doc.positions.value
        line, col = at(problem.path)
        severity = Severity.WARNING if problem.warning else Severity.ERROR
        diagnostic = Diagnostic(
            doc.source.display, line, col, severity, problem.rule, problem.message
        )
        if source.document is None:
            doc.diagnostics.append(diagnostic)
        else:
            doc.notes.append(diagnostic)
    doc.data = source.document
    doc.source = Source(doc.source.path, doc.source.display, source.positions)
    return doc


def parse_json_document(doc: RawDocument, text: str) -> RawDocument:
    """A JSON file: strict JSON first (its syntax errors at their line and column), then
    the YAML reader for the positions of every value (JSON is YAML), duplicate keys and
    the bounds every authored file has."""
    try:
        load_json(text)
    except JsonInputError as exc:
        doc.error(exc.line or 1, exc.col or 1, "json-syntax", exc.message)
        return doc
    constant = _JSON_CONSTANT.search(text)
    if constant is not None and _refuses_constants(text):
        line = text.count("\n", 0, constant.start()) + 1
        col = constant.start() - (text.rfind("\n", 0, constant.start()) + 1) + 1
        doc.error(line, col, "json-syntax", f"{constant.group()} is not a JSON value")
        return doc
    return parse_document(doc, text)


#: What Python's JSON reader takes and JSON has not: NaN and the infinities.
_JSON_CONSTANT = re.compile(r"-?\b(?:NaN|Infinity)\b")


def _refuses_constants(text: str) -> bool:
    """Whether the text uses NaN or Infinity as a value (not inside a string)."""

    def refuse(name: str) -> Any:
        raise ValueError(name)

    try:
        json.loads(text, parse_constant=refuse)
    except ValueError:
        return True
    return False


def find_suppressions(text: str) -> dict[int, frozenset[str]]:
    """Line number → warning rule ids silenced there by ``# regup: ignore[...]`` comments."""
    found: dict[int, frozenset[str]] = {}
    if "regup:" not in text:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        match = _IGNORE.search(line)
        if match is None:
            continue
        rules = frozenset(r.strip() for r in match.group(1).split(",") if r.strip())
        target = number + 1 if line.lstrip().startswith("#") else number
        found[target] = found.get(target, frozenset()) | rules
    return found


def parse_document(doc: RawDocument, text: str) -> RawDocument:
    doc.suppressed = find_suppressions(text)
    try:
        parsed = load_yaml(text)
    except YamlSyntaxError as exc:
        p = exc.problem
        doc.error(p.line, p.col, p.rule, p.message)
        return doc
    doc.source = Source(doc.source.path, doc.source.display, parsed.source)
    for p in parsed.problems:
        doc.error(p.line, p.col, p.rule, p.message)
    doc.data = parsed.data
    return doc


def _skill_document(folder: Path, names: set[str], inside: Path) -> RawDocument | None:
    """The folder's skill file, if it has one (a folder with both gets a layout error)."""
    present = [f for f in SKILL_FILES if f in names]
    if not present:
        return None
    doc = read_document(folder / present[0], "skill", siblings=names, inside=inside)
    if len(present) > 1:
        doc.error(
            1,
            1,
            "folder-layout",
            f"{folder.name}/ holds both {' and '.join(present)}; keep one",
        )
    return doc


def _listing(folder: Path) -> set[str]:
    try:
        return set(os.listdir(folder))  # one listing instead of a stat per candidate file
    except OSError:
        return set()


def _folder_documents(folder: Path) -> list[RawDocument]:
    group = folder / GROUP_FILE
    names = _listing(folder)
    inside = folder.parent
    skill = _skill_document(folder, names, inside)
    skills = [skill] if skill is not None else []
    present = [f for f in (*ENTRY_FILES, GROUP_FILE) if f in names]
    if len(present) > 1:
        kind: DocKind = "group" if present[0] == GROUP_FILE else "entry"
        doc = read_document(folder / present[0], kind, siblings=names, inside=inside)
        doc.error(
            1,
            1,
            "folder-layout",
            f"{folder.name}/ holds both {' and '.join(present)}; keep one",
        )
        return [doc, *skills]
    if GROUP_FILE in names:
        return [read_document(group, "group", siblings=names, inside=inside), *skills]
    if present:
        return [read_document(folder / present[0], "entry", siblings=names, inside=inside), *skills]
    if skills:
        return skills
    doc = RawDocument(folder.name, "entry", Source(folder, display_path(folder) + "/", SourceMap()))
    doc.error(
        1,
        1,
        "folder-layout",
        f"{folder.name}/ has no {SPEC_FILE} or {SERVER_FILE} (or {GROUP_FILE} for a group, "
        f"{' or '.join(SKILL_FILES)} for a skill)",
    )
    return [doc]


def load_folder(folder: Path) -> list[RawDocument]:
    """The documents of one folder of the registry (an entry, a group, a skill), as
    :func:`load_registry` reads them: ``regup serve --watch`` reloads only what changed."""
    return _folder_documents(folder)


def _is_skills_folder(folder: Path) -> bool:
    """``skills/`` holding skill folders, not an entry of that name."""
    return folder.name == SKILLS_FOLDER and not _holds_own_file(folder)


def _is_servers_folder(folder: Path) -> bool:
    """``servers/`` holding server folders (the catalog layout), not an entry of that name."""
    return folder.name == SERVERS_FOLDER and not _holds_own_file(folder)


def _holds_own_file(folder: Path) -> bool:
    own = (*ENTRY_FILES, GROUP_FILE, *SKILL_FILES)
    return any((folder / name).exists() for name in own)


def _skills_folder_documents(folder: Path) -> list[RawDocument]:
    """Every ``skills/<name>/`` folder's skill; a folder without one is a layout error."""
    docs: list[RawDocument] = []
    for sub in registry_folders(folder):
        names = _listing(sub)
        skill = _skill_document(sub, names, folder.parent)
        if skill is None:
            skill = RawDocument(
                sub.name, "skill", Source(sub, display_path(sub) + "/", SourceMap())
            )
            skill.error(
                1,
                1,
                "folder-layout",
                f"{SKILLS_FOLDER}/{sub.name}/ has no {' or '.join(SKILL_FILES)}",
            )
        docs.append(skill)
    return docs


def registry_folders(registry: Path) -> list[Path]:
    """Sub-folders of the registry, sorted; hidden ones are skipped."""
    if not registry.is_dir():
        raise LoadError.missing_registry(registry)
    with os.scandir(registry) as listing:  # DirEntry.is_dir() needs no extra stat here
        names = [e.name for e in listing if e.is_dir() and not e.name.startswith((".", "_"))]
    return [registry / name for name in sorted(names)]


def load_registry(registry: Path) -> list[RawDocument]:
    """Every entry, group and skill of ``registry``; raises :class:`LoadError` if it is
    missing."""
    folders = registry_folders(registry)
    docs: list[RawDocument] = []
    with paused_gc():
        for folder in folders:
            if _is_skills_folder(folder):
                docs += _skills_folder_documents(folder)
            elif _is_servers_folder(folder):
                for server in registry_folders(folder):
                    docs += _folder_documents(server)
            else:
                docs += _folder_documents(folder)
    return docs


def _real(path: Path) -> Path:
    """Where ``path`` really is; never raises (a symlink loop stays as it is)."""
    return Path(os.path.realpath(path))


def load_paths(registry: Path, targets: Sequence[str]) -> tuple[list[RawDocument], set[Path]]:
    """The documents of the whole registry plus any outside files named in ``targets``.

    Returns the documents and the set of files the caller asked about (to filter the
    report). A target is an entry or group name, a folder, or a YAML file.
    Raises :class:`LoadError` for a target that is neither.
    """
    docs = load_registry(registry) if registry.is_dir() else []
    known = {_real(d.source.path): d for d in docs}
    by_name: dict[str, list[RawDocument]] = {}
    for d in docs:
        by_name.setdefault(d.name, []).append(d)
    selected: set[Path] = set()
    for target in targets:
        path = Path(target)
        if path.is_dir():
            candidates = (GROUP_FILE, *ENTRY_FILES, *SKILL_FILES)
            path = path / next((c for c in candidates if (path / c).is_file()), SPEC_FILE)
        if path.is_file():
            resolved = _real(path)
            if resolved not in known:
                kind: DocKind = (
                    "group"
                    if path.name == GROUP_FILE
                    else "skill"
                    if path.name in SKILL_FILES
                    else "entry"
                )
                doc = read_document(path, kind)
                docs.append(doc)
                known[resolved] = doc
            selected.add(resolved)
        elif target in by_name:
            selected.update(_real(d.source.path) for d in by_name[target])
        else:
            raise LoadError(
                f"{target!r} is neither an entry of {registry} nor a file; "
                "give an entry or skill name, a folder or a spec.yaml / server.json / "
                "skill.yaml path"
            )
    if not docs and not registry.is_dir():
        raise LoadError.missing_registry(registry)
    return docs, selected


def only_selected(docs: Iterable[RawDocument], selected: set[Path]) -> list[RawDocument]:
    return [d for d in docs if not selected or _real(d.source.path) in selected]
