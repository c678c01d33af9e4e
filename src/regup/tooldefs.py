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
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regup.diagnostics import Diagnostic, Severity
from regup.files import UnsafeFileError, read_input_file
from regup.yamlio import SourceMap, YamlPath, YamlSyntaxError, load_yaml

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


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_tools_file(path: Path, display: str, inside: Path | None = None) -> ToolsFile:
    """Read and parse ``tools.json``; problems become diagnostics on the result (never raises).

    ``inside`` is the registry folder the file must really be in (see ``read_input_file``).
    """
    found = ToolsFile(path, display)

    def fail(line: int, col: int, message: str) -> ToolsFile:
        found.problems.append(
            Diagnostic(display, line, col, Severity.ERROR, "tool-definitions", message)
        )
        return found

    try:
        raw = read_input_file(path, limit=MAX_TOOLS_FILE_BYTES, inside=inside)
    except UnsafeFileError as exc:
        return fail(1, 1, exc.message)
    try:
        text = raw.decode("utf-8")
        found.data = json.loads(text, parse_constant=_no_constants)
    except UnicodeDecodeError as exc:
        return fail(1, 1, f"the file is not UTF-8 text ({exc.reason})")
    except json.JSONDecodeError as exc:
        return fail(
            exc.lineno,
            exc.colno,
            f"not valid JSON: {exc.msg}; rerun `regup tools {path.parent.name} --definitions`",
        )
    except ValueError as exc:
        return fail(1, 1, f"not valid JSON: {exc}")
    except RecursionError:
        return fail(1, 1, "not valid JSON here: it is nested too deeply to read")
    try:  # JSON is YAML: the YAML reader gives every value's line and column
        found.positions = load_yaml(text).source
    except YamlSyntaxError:
        pass
    return found


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
