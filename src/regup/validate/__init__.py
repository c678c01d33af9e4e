"""Validation: schema first, then the semantic rules, for every file in one run.

:func:`validate_documents` takes what :mod:`regup.load` read and returns the valid part of
the registry as a :class:`~regup.model.Registry` together with every diagnostic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from regup.diagnostics import Diagnostic, Severity, count_errors, sort_diagnostics
from regup.gcpause import paused_gc
from regup.load import RawDocument
from regup.model import Entry, Group, Registry, Skill
from regup.names import ENTRY_NAME
from regup.tooldefs import ToolsFile, check_against_tools, check_tools_file
from regup.validate.rules import (
    RULES,
    STAND_IN_NAME,
    check_control_characters,
    check_entry,
    check_group,
    check_tags,
    multi_line_in_entry,
    multi_line_in_tools_file,
)
from regup.validate.schema import SchemaPath, check_schema
from regup.validate.skills import check_skill
from regup.yamlio import MAX_INT_DIGITS, YamlPath, format_path

__all__ = ["RULES", "ValidationResult", "validate_documents"]


@dataclass
class ValidationResult:
    registry: Registry
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> int:
        return count_errors(self.diagnostics)

    @property
    def warnings(self) -> int:
        return sum(1 for d in self.diagnostics if d.severity is Severity.WARNING)

    @property
    def ok(self) -> bool:
        return self.errors == 0


def _name_field(doc: RawDocument) -> list[Diagnostic]:
    declared = doc.data.get("name") if isinstance(doc.data, dict) else None
    if isinstance(declared, str) and declared != doc.name:
        line, col = doc.positions.value(("name",))
        return [
            Diagnostic(
                doc.source.display,
                line,
                col,
                Severity.ERROR,
                "name-mismatch",
                f"name is {declared!r} but the folder is {doc.name!r}; make them equal "
                "(or drop name:, the folder name is used)",
            )
        ]
    return []


_PLACEHOLDERS = {
    "description": "(missing description)",
    "tier": "Community",
    "status": "Active",
    "tools": ["placeholder"],
}


#: Lists of mappings whose broken items are repaired one by one (not dropped as a whole),
#: so that the checks across items (duplicates, defaults) still see the good ones.
_ITEM_LISTS = frozenset({"env_vars", "headers"})

#: Neutral values for keys that were written but broken: their presence still counts
#: (container or remote, a port was given), their value is reported by the schema alone.
_STAND_INS: dict[str, Any] = {
    "image": "stand-in.invalid/image:1",
    "url": "https://stand-in.invalid/",
    "target_port": 1,
    "proxy_port": 1,
}


def _repair_items(items: list[Any], fixes: set[tuple[int, str | None]]) -> list[dict[str, Any]]:
    """Copies of ``items`` without their broken fields; indexes stay, so positions do."""
    repaired = [dict(item) if isinstance(item, dict) else {} for item in items]
    for index, field_name in fixes:
        if field_name is None:
            repaired[index] = {}
        else:
            repaired[index].pop(field_name, None)
    for index, item in enumerate(repaired):
        # A name no real variable has, so no duplicate check fires on a stand-in.
        item.setdefault("name", f"{STAND_IN_NAME}{index}")
        item.setdefault("description", "(invalid)")
    return repaired


def _prune(data: dict[str, Any], path: SchemaPath) -> None:
    """Remove the broken value at ``path`` from nested copies of mappings.

    Removal stops at the first list (its key goes as a whole), so that no index, and so
    no reported position, moves.
    """
    parent: Any = data
    for depth, part in enumerate(path):
        is_last = depth == len(path) - 1
        child = parent.get(part) if isinstance(parent, dict) else None
        if is_last or not isinstance(child, dict) or isinstance(path[depth + 1], int):
            if isinstance(parent, dict):
                parent.pop(part, None)
            return
        parent[part] = child = dict(child)
        parent = child


def _best_effort(doc: RawDocument, bad_paths: set[SchemaPath]) -> dict[str, Any] | None:
    """The entry without the values that failed the schema, for the semantic rules.

    Lets one run report schema and semantic problems together: only the broken values
    are left out (in env_vars and headers, the broken fields of the broken items).
    Required keys that are missing or broken get neutral stand-ins that no rule reports on.
    """
    if doc.kind != "entry" or not isinstance(doc.data, dict):
        return None
    data = dict(doc.data)
    fixes: dict[str, set[tuple[int, str | None]]] = defaultdict(set)
    for path in sorted(bad_paths, key=len):
        key = str(path[0])
        if (
            key in _ITEM_LISTS
            and len(path) >= 2
            and isinstance(path[1], int)
            and isinstance(doc.data.get(key), list)
        ):
            fixes[key].add((path[1], str(path[2]) if len(path) >= 3 else None))
        else:
            _prune(data, path)
    for key, item_fixes in fixes.items():
        if key in data:
            data[key] = _repair_items(data[key], item_fixes)
    for key, value in _STAND_INS.items():
        if key in doc.data and key not in data:
            data[key] = value
    for key, value in _PLACEHOLDERS.items():
        data.setdefault(key, value)
    data.setdefault("transport", "streamable-http" if "url" in data else "stdio")
    return data


def _best_effort_skill(doc: RawDocument, bad_paths: set[SchemaPath]) -> Skill | None:
    """The skill without the values that failed the schema, for the semantic rules (as
    :func:`_best_effort` does for entries; broken packages keep their place, so positions
    stay, and a package whose type is broken becomes a stand-in no rule reports on)."""
    if doc.kind != "skill" or not isinstance(doc.data, dict):
        return None
    data = dict(doc.data)
    packages = data.get("packages")
    items = [dict(p) if isinstance(p, dict) else {} for p in packages or ()]
    for path in sorted(bad_paths, key=len):
        if path[:1] == ("packages",) and isinstance(packages, list) and len(path) >= 2:
            index = path[1]
            if isinstance(index, int) and len(path) >= 3:
                items[index].pop(str(path[2]), None)
            elif isinstance(index, int):
                items[index] = {}
            else:
                data.pop("packages", None)
        else:
            _prune(data, path)
    if "packages" in data and isinstance(packages, list):
        for index, item in enumerate(items):
            if item.get("registryType") not in {"oci", "git"}:
                items[index] = {"registryType": "git", "url": f"https://stand-in.invalid/{index}"}
        data["packages"] = items
    data.setdefault("description", "(missing description)")
    data.setdefault("version", "0")
    return Skill.from_document(doc.name, data, doc.source)


def _best_effort_group(doc: RawDocument) -> Group | None:
    """A group with schema errors, kept only to check which of its members exist."""
    servers = doc.data.get("servers") if isinstance(doc.data, dict) else None
    if doc.kind != "group" or not isinstance(servers, list):
        return None
    # Members that are not names get an empty stand-in: the schema reported them already.
    names = [s if isinstance(s, str) and ENTRY_NAME.match(s) else "" for s in servers]
    return Group.from_document(doc.name, {"description": "", "servers": names}, doc.source)


def _multi_line_in_skill(path: YamlPath) -> bool:
    """Free-form parts of a skill (its SKILL.md frontmatter and ``_meta``) may span lines."""
    return bool(path) and path[0] in {"metadata", "_meta"}


def _control_characters(doc: RawDocument) -> list[Diagnostic]:
    multi_line = (
        multi_line_in_entry
        if doc.kind == "entry"
        else _multi_line_in_skill
        if doc.kind == "skill"
        else (lambda path: False)
    )
    return check_control_characters(doc.data, doc.source.display, doc.positions, multi_line)


_TOO_LONG = 10**MAX_INT_DIGITS


def _tools_file_text(tools_file: ToolsFile) -> list[Diagnostic]:
    """What ``spec.yaml``'s reader refuses, in ``tools.json``: control characters and
    numbers past :data:`~regup.yamlio.MAX_INT_DIGITS` digits (JSON has no bound of its own)."""
    if tools_file.data is None or tools_file.problems:
        return []
    found = check_control_characters(
        tools_file.data, tools_file.display, tools_file.positions, multi_line_in_tools_file
    )
    stack: list[tuple[YamlPath, Any]] = [((), tools_file.data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(((*path, key), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, i), item) for i, item in enumerate(value))
        elif isinstance(value, int) and not -_TOO_LONG < value < _TOO_LONG:
            found.append(
                tools_file.at(
                    path,
                    "number-too-long",
                    f"{format_path(path)} is a number of more than {MAX_INT_DIGITS} digits; "
                    "a whole number may have at most that many",
                )
            )
    return sorted(found, key=lambda d: (d.line, d.col))


def _with_tools_file(
    entry: Entry, tools_file: ToolsFile, found: list[Diagnostic]
) -> tuple[Entry, list[Diagnostic]]:
    """The entry with the definitions of its ``tools.json``, and the problems between them."""
    if any(d.path == tools_file.display for d in found):
        return entry, []
    problems = check_against_tools(tools_file, entry.tools, bool(entry.tool_definitions))
    return replace(entry, tool_definitions=tuple(tools_file.data)), problems


def _name_key(doc: RawDocument) -> tuple[str, ...]:
    """Names are unique among entries and groups, and among the skills of one namespace
    (a skill may share its folder, and so its name, with a server)."""
    if doc.kind != "skill":
        return ("server", doc.name)
    namespace = doc.data.get("namespace") if isinstance(doc.data, dict) else None
    return ("skill", namespace if isinstance(namespace, str) else "", doc.name)


def validate_documents(
    docs: Iterable[RawDocument],
    *,
    strict: bool = False,
    report_for: Iterable[RawDocument] | None = None,
    tags: Collection[str] = (),
) -> ValidationResult:
    """Validate every document; only entries and groups without errors enter the registry.

    ``report_for`` limits the reported diagnostics to some documents (cross-file checks
    still see all of them). ``strict`` turns warnings into errors. ``tags`` is the
    registry's tag vocabulary (``Config.tags``); empty means any tag.
    """
    with paused_gc():
        return _validate(list(docs), strict, report_for, frozenset(tags))


def _validate(
    docs: list[RawDocument],
    strict: bool,
    report_for: Iterable[RawDocument] | None,
    tags: frozenset[str] = frozenset(),
) -> ValidationResult:
    entries: list[Entry] = []
    groups: list[Group] = []
    skills: list[Skill] = []
    broken_groups: list[Group] = []
    per_doc: dict[int, list[Diagnostic]] = {}
    for doc in docs:
        found = list(doc.diagnostics)
        if found:
            per_doc[id(doc)] = found + doc.notes
            continue
        schema_errors, bad_paths = check_schema(doc)
        found += doc.notes + schema_errors + _name_field(doc) + _control_characters(doc)
        if doc.tools_file is not None:
            found += doc.tools_file.problems + check_tools_file(doc.tools_file)
            found += _tools_file_text(doc.tools_file)
        if doc.icon is not None:
            found += doc.icon.problems
        if schema_errors:
            partial = _best_effort(doc, bad_paths)
            if partial is not None:
                found += check_entry(Entry.from_document(doc.name, partial, doc.source))
            partial_skill = _best_effort_skill(doc, bad_paths)
            if partial_skill is not None:
                found += check_skill(partial_skill)
            broken_group = _best_effort_group(doc)
            if broken_group is not None:
                broken_groups.append(broken_group)
        else:
            if doc.kind == "entry":
                entry = Entry.from_document(doc.name, doc.data, doc.source)
                if doc.namespace is not None:
                    entry = replace(entry, namespace=doc.namespace)
                if doc.icon is not None and doc.icon.icon is not None:
                    entry = replace(entry, icon_file=doc.icon.icon)
                found += check_entry(entry) + check_tags(entry, tags)
                if doc.tools_file is not None:
                    entry, tool_found = _with_tools_file(entry, doc.tools_file, found)
                    found += tool_found
                if count_errors(found) == 0:
                    entries.append(entry)
            elif doc.kind == "skill":
                skill = Skill.from_document(doc.name, doc.data, doc.source)
                found += check_skill(skill)
                if count_errors(found) == 0:
                    skills.append(skill)
            else:
                group = Group.from_document(doc.name, doc.data, doc.source)
                groups.append(group)
        per_doc[id(doc)] = found

    for doc in docs:
        if doc.suppressed:
            per_doc[id(doc)] = [
                d
                for d in per_doc[id(doc)]
                if d.severity is Severity.ERROR or d.rule not in doc.suppressed.get(d.line, ())
            ]

    by_name: dict[tuple[str, ...], list[RawDocument]] = defaultdict(list)
    for doc in docs:
        by_name[_name_key(doc)].append(doc)
    for key, same in by_name.items():
        unique = "within a namespace" if key[0] == "skill" else "across entries and groups"
        for doc in same[1:]:
            per_doc[id(doc)].append(
                Diagnostic(
                    doc.source.display,
                    1,
                    1,
                    Severity.ERROR,
                    "duplicate-name",
                    f"{doc.name!r} is also defined in {same[0].source.display}; names must be "
                    f"unique {unique}",
                )
            )
    known = {d.name for d in docs if d.kind == "entry"}
    by_path = {d.source.path: d for d in docs}
    valid_groups = []
    for group in groups:
        owner = by_path.get(group.source.path) if group.source else None
        found = check_group(group, known)
        if owner is not None:
            per_doc[id(owner)].extend(found)
        if count_errors(found) == 0:
            valid_groups.append(group)
    for group in broken_groups:  # members are still checked; the group stays out
        owner = by_path.get(group.source.path) if group.source else None
        if owner is not None:
            per_doc[id(owner)].extend(
                d for d in check_group(group, known) if d.rule == "group-member"
            )

    wanted = {id(d) for d in (report_for if report_for is not None else docs)}
    diagnostics = [d for key, ds in per_doc.items() if key in wanted for d in ds]
    if strict:
        diagnostics = [d.as_error() for d in diagnostics]
    bad = {d.path for d in diagnostics if d.severity is Severity.ERROR}
    registry = Registry(
        entries=tuple(e for e in entries if e.source is None or e.source.display not in bad),
        groups=tuple(valid_groups),
        skills=tuple(s for s in skills if s.source is None or s.source.display not in bad),
    )
    return ValidationResult(registry, sort_diagnostics(diagnostics), files=len(docs))
