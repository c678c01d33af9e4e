"""Tool definitions: the optional ``registry/<name>/tools.json`` beside a ``spec.yaml``.

``regup tools NAME --definitions`` asks the server for its tools over MCP and writes the
full definitions (name, title, description, ``inputSchema``, ``outputSchema``,
``annotations``) here, as canonical JSON sorted by tool name; the tool *names* go into the
entry's ``tools`` list. The loader reads the file with the entry (:func:`read_tools_file`)
and validation checks it (:func:`check_tools_file`) and puts it on
:attr:`regup.model.Entry.tool_definitions`, so the ToolHive and upstream outputs carry it
as ``tool_definitions`` and the catalog can show each tool's description and arguments.

JSON rather than YAML because the definitions are machine-written JSON Schemas, and a
separate file so that the hand-written ``spec.yaml`` stays short.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regup.diagnostics import Diagnostic, Severity
from regup.files import UnsafeFileError, read_input_file
from regup.jsonio import JsonInputError, load_json
from regup.yamlio import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    SourceMap,
    YamlPath,
    YamlSyntaxError,
    format_path,
    load_yaml,
)

TOOLS_FILE = "tools.json"
MAX_TOOLS_FILE_BYTES = 5_000_000

#: Keys of an MCP tool that are left out of the file: server-private and run-dependent.
DROPPED_KEYS = frozenset({"_meta"})
#: Keys that, when present, must hold a JSON object.
_OBJECT_KEYS = ("inputSchema", "outputSchema", "annotations")
_TEXT_KEYS = ("description", "title")
_TOOL_NAME = re.compile(r"^[\w-]+$")

JsonDict = dict[str, Any]


@dataclass
class ToolsFile:
    """``tools.json`` as read: its data (None when unreadable) and where each value was."""

    path: Path
    display: str
    data: Any = None
    positions: SourceMap = field(default_factory=SourceMap)
    problems: list[Diagnostic] = field(default_factory=list)

    def at(self, path: YamlPath, rule: str, message: str, *, warning: bool = False) -> Diagnostic:
        line, col = self.positions.value(path)
        severity = Severity.WARNING if warning else Severity.ERROR
        return Diagnostic(self.display, line, col, severity, rule, message)


#: Nesting of ``tools.json`` as deep as ``spec.yaml`` may nest (inline
#: ``tool_definitions`` have the same bound); the reader of positions stops there too.
MAX_TOOLS_DEPTH = MAX_DEPTH


def read_tools_file(path: Path, display: str, inside: Path | None = None) -> ToolsFile:
    """Read and parse ``tools.json``; problems become diagnostics on the result (never raises).

    ``inside`` is the registry folder the file must really be in (see ``read_input_file``).
    The text is read with :func:`regup.jsonio.load_json` (bounded depth and digits); a
    number too long to convert is a ``number-too-long`` diagnostic at its line and column,
    NaN and Infinity (also ``1e400``) are ``tool-definitions`` diagnostics at their value.
    """
    found = ToolsFile(path, display)

    def fail(line: int, col: int, message: str, rule: str = "tool-definitions") -> ToolsFile:
        found.problems.append(Diagnostic(display, line, col, Severity.ERROR, rule, message))
        return found

    try:
        raw = read_input_file(path, limit=MAX_TOOLS_FILE_BYTES, inside=inside)
    except UnsafeFileError as exc:
        return fail(1, 1, exc.message)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return fail(1, 1, f"the file is not UTF-8 text ({exc.reason})")
    try:
        data = load_json(text, max_depth=MAX_TOOLS_DEPTH)
    except JsonInputError as exc:
        line, col = exc.line or 1, exc.col or 1
        digits = _digits_at(text, line, col)
        if digits > MAX_INT_DIGITS:
            return fail(
                line,
                col,
                f"a number of {digits} digits; a whole number may have at most {MAX_INT_DIGITS}",
                "number-too-long",
            )
        rerun = f"rerun `regup tools {path.parent.name} --definitions`"
        return fail(line, col, f"{exc.message}; {rerun}")
    try:  # JSON is YAML: the YAML reader gives every value's line and column
        found.positions = load_yaml(text).source
    except YamlSyntaxError:
        pass
    for where in _not_finite(data):
        line, col = found.positions.value(where)
        fail(line, col, f"{format_path(where)} is not a JSON number (NaN or Infinity)")
    if data is None:  # JSON null: ``data`` None means "unreadable" to every later check
        fail(1, 1, "the file holds null; it must hold a JSON array of tool objects")
    if not found.problems:
        found.data = data
    return found


def _digits_at(text: str, line: int, col: int) -> int:
    """How many digits the number starting at ``line``:``col`` has (0 when none starts
    there: a syntax error inside a number is not a number too long)."""
    lines = text.split("\n", line)
    if len(lines) < line:
        return 0
    row = lines[line - 1]
    start = col - 1
    if start > 0 and (row[start - 1].isdigit() or row[start - 1] == "."):
        return 0
    if row[start : start + 1] == "-":
        start += 1
    end = start
    while end < len(row) and row[end] in "0123456789":
        end += 1
    return end - start


def _not_finite(data: Any) -> list[YamlPath]:
    """Paths of the NaN and infinite floats in ``data`` (``json.loads`` reads them)."""
    found: list[YamlPath] = []
    stack: list[tuple[YamlPath, Any]] = [((), data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(((*where, key), item) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend(((*where, i), item) for i, item in enumerate(value))
        elif isinstance(value, float) and not math.isfinite(value):
            found.append(where)
    return sorted(found, key=str)


def check_tools_file(tools_file: ToolsFile) -> list[Diagnostic]:
    """Shape problems of a parsed ``tools.json``: a list of tool objects with unique names."""
    data = tools_file.data
    if data is None:
        return []
    fix = "a JSON array of tool objects, each with a name"
    if not isinstance(data, list) or not data:
        return [tools_file.at((), "tool-definitions", f"the file must hold {fix}")]
    found: list[Diagnostic] = []
    seen: set[str] = set()
    for index, tool in enumerate(data):
        if not isinstance(tool, dict):
            found.append(tools_file.at((index,), "tool-definitions", f"item {index} is not {fix}"))
            continue
        name = tool.get("name")
        if not isinstance(name, str) or not _TOOL_NAME.match(name):
            found.append(
                tools_file.at(
                    (index, "name") if "name" in tool else (index,),
                    "tool-definitions",
                    f"item {index} needs a name of letters, digits, '_' or '-'",
                )
            )
        elif name in seen:
            found.append(
                tools_file.at((index, "name"), "tool-definitions", f"tool {name!r} appears twice")
            )
        else:
            seen.add(name)
        for key in _TEXT_KEYS:
            if key in tool and not isinstance(tool[key], str):
                found.append(tools_file.at((index, key), "tool-definitions", f"{key} must be text"))
        for key in _OBJECT_KEYS:
            if key in tool and not isinstance(tool[key], dict):
                found.append(
                    tools_file.at((index, key), "tool-definitions", f"{key} must be a JSON object")
                )
    return found


def check_against_tools(
    tools_file: ToolsFile, tools: Sequence[str], inline: bool
) -> list[Diagnostic]:
    """Problems between ``tools.json`` and its ``spec.yaml``: both define tools, or the names
    differ from the ``tools`` list."""
    if inline:
        return [
            tools_file.at(
                (),
                "tool-definitions",
                "spec.yaml has tool_definitions too; keep the definitions in one place "
                "(remove tool_definitions from spec.yaml, or delete this file)",
            )
        ]
    names = definition_names(tools_file.data)
    if sorted(names) == sorted(set(tools)):
        return []
    missing, extra = sorted(set(tools) - set(names)), sorted(set(names) - set(tools))
    parts = []
    if missing:
        parts.append(f"no definition for {', '.join(missing)}")
    if extra:
        parts.append(f"definitions of tools not in the tools list: {', '.join(extra)}")
    name = tools_file.path.parent.name
    return [
        tools_file.at(
            (),
            "tool-definitions-match",
            f"{'; '.join(parts)}. Run `regup tools {name} --definitions` to refresh both",
            warning=True,
        )
    ]


def definition_names(data: Any) -> list[str]:
    if not isinstance(data, list):
        return []
    return [t["name"] for t in data if isinstance(t, dict) and isinstance(t.get("name"), str)]


def normalize_tool(tool: Mapping[str, Any]) -> JsonDict:
    """One MCP tool (as the server lists it, camelCase) in the form ``tools.json`` keeps."""
    return {k: v for k, v in tool.items() if k not in DROPPED_KEYS and v is not None}


def render_tools_file(definitions: Iterable[Mapping[str, Any]]) -> str:
    """The canonical text of ``tools.json``: sorted by name, sorted keys, 2-space indent.

    Raises ValueError when a definition holds a number JSON cannot represent.
    """
    ordered = sorted((normalize_tool(d) for d in definitions), key=lambda d: str(d.get("name")))
    text = json.dumps(ordered, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return text + "\n"
