"""``regup tools``: bring an entry's ``tools`` (and ``tools.json``) up to date with its server.

:func:`plan_tools_update` asks the server for its tools (:mod:`regup.authoring.mcpclient`)
and works out the new files without touching the disk: ``spec.yaml`` with only the
``tools`` list replaced (every other byte kept, comments on kept tools too), and
``tools.json`` when definitions are asked for or the entry already has the file. The
plan carries a unified diff; :func:`apply_tools_update` writes it through
:mod:`regup.writeback`. A server that fails leaves every file as it was.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regup.authoring.mcpclient import (
    DEFAULT_TIMEOUT,
    HttpTarget,
    HttpTransport,
    StdioTarget,
    Target,
    ToolListing,
    list_tools,
)
from regup.errors import McpServerError, NotFoundError, WriteBackError
from regup.load import SPEC_FILE
from regup.model import ENTRY_KEYS
from regup.tooldefs import TOOLS_FILE, render_tools_file
from regup.writeback import replace_registry_file
from regup.yamledit import YamlEditError, line_end, line_start, newline_of, top_mapping
from regup.yamlio import YamlSyntaxError, load_yaml, resolve_plain

_TOOL_NAME = re.compile(r"^[\w-]+$")
_YAML11_WORDS = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")


@dataclass(frozen=True)
class ToolsRequest:
    registry_dir: Path
    name: str
    command: str | None = None
    url: str | None = None
    transport: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    definitions: bool = False
    timeout: float = DEFAULT_TIMEOUT


@dataclass(frozen=True)
class FileChange:
    path: Path
    display: str
    old: str | None
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new

    def diff(self) -> str:
        old = (self.old or "").splitlines(keepends=True)
        new = self.new.splitlines(keepends=True)
        lines = difflib.unified_diff(
            old,
            new,
            f"a/{self.display}" if self.old is not None else "/dev/null",
            f"b/{self.display}",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass(frozen=True)
class ToolsPlan:
    """What ``regup tools`` found and would write."""

    listing: ToolListing
    old_names: tuple[str, ...]
    changes: tuple[FileChange, ...]

    @property
    def up_to_date(self) -> bool:
        return not any(c.changed for c in self.changes)

    @property
    def added(self) -> list[str]:
        return sorted(set(self.listing.names) - set(self.old_names))

    @property
    def removed(self) -> list[str]:
        return sorted(set(self.old_names) - set(self.listing.names))

    def diff(self) -> str:
        return "".join(c.diff() for c in self.changes if c.changed)


def resolve_target(request: ToolsRequest, document: Mapping[str, Any]) -> Target:
    """How to reach the server: the flags, else a remote entry's own URL.

    Declared env vars of the entry that are set in regup's environment are passed to a
    stdio server (``--env`` wins). Raises :class:`McpServerError` when nothing says how.
    """
    if request.command and request.url:
        raise McpServerError("give either --command or --url, not both")
    if request.command:
        env = {
            var["name"]: os.environ[var["name"]]
            for var in document.get("env_vars") or ()
            if isinstance(var, Mapping) and isinstance(var.get("name"), str)
            if var["name"] in os.environ
        }
        env.update(request.env)
        return StdioTarget.from_command_line(request.command, env)
    url = request.url or document.get("url")
    if not isinstance(url, str):
        image = document.get("image", "IMAGE")
        raise McpServerError(
            f"{request.name} is a container server: give the command that starts it, e.g. "
            f"--command 'docker run -i --rm {image}' (stdio), or --url of a running instance"
        )
    wanted = request.transport or document.get("transport")
    transport: HttpTransport = "sse" if wanted == "sse" else "streamable-http"
    return HttpTarget(url, transport, dict(request.headers))


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise WriteBackError(f"cannot read {path}: {exc}; check the file and rerun") from None


def plan_tools_update(request: ToolsRequest, *, display_root: Path | None = None) -> ToolsPlan:
    """Ask the server and work out the new files; writes nothing.

    Raises :class:`NotFoundError` for an unknown entry, :class:`McpServerError` when the
    server fails or lists names regup cannot store, and :class:`WriteBackError` when the
    entry file cannot be edited safely.
    """
    folder = request.registry_dir / request.name
    spec = folder / SPEC_FILE
    text = _read(spec)
    if text is None:
        raise NotFoundError(
            f"no entry named {request.name!r} in {request.registry_dir} (no {spec}); "
            f"create it first with `regup new {request.name}`"
        )
    try:
        document = load_yaml(text).data
    except YamlSyntaxError as exc:
        raise WriteBackError(
            f"{spec}: cannot read the YAML ({exc}); run `regup validate`"
        ) from None
    if not isinstance(document, dict):
        raise WriteBackError(f"{spec}: the file is not a mapping of keys; fix it by hand")
    listing = list_tools(resolve_target(request, document), timeout=request.timeout)
    bad = [n for n in listing.names if not _TOOL_NAME.match(n)]
    if bad:
        raise McpServerError(
            f"the server lists tool names the registry cannot hold: {', '.join(bad)} "
            "(tool names are letters, digits, '_' and '-'); nothing was written"
        )
    if not listing.names:
        raise McpServerError(
            f"{listing.server} lists no tools; an entry needs at least one. Nothing was written"
        )
    old_names = tuple(str(t) for t in document.get("tools") or ())
    new_text = apply_tools(text, listing.names, str(spec))
    root = display_root or Path.cwd()
    changes = [FileChange(spec, _display(spec, root), text, new_text)]
    tools_path = folder / TOOLS_FILE
    old_defs = _read(tools_path)
    if request.definitions or old_defs is not None:
        try:
            rendered = render_tools_file(listing.definitions)
        except ValueError as exc:
            raise McpServerError(f"the tool definitions cannot be stored as JSON: {exc}") from None
        changes.append(FileChange(tools_path, _display(tools_path, root), old_defs, rendered))
    return ToolsPlan(listing, old_names, tuple(changes))


def apply_tools_update(plan: ToolsPlan) -> list[Path]:
    """Write the changed files of ``plan``; returns their paths.

    ``tools.json`` goes first, so an interrupted run never leaves a ``spec.yaml`` naming
    tools whose definitions are missing. Raises :class:`WriteBackError`.
    """
    written = []
    for change in sorted(plan.changes, key=lambda c: c.path.name != TOOLS_FILE):
        if change.changed:
            replace_registry_file(change.path, change.old, change.new)
            written.append(change.path)
    return written


def _display(path: Path, root: Path) -> str:
    try:
        return os.path.relpath(path, root)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


# --- editing the tools list in place ----------------------------------------------------


def _scalar(name: str) -> str:
    if _YAML11_WORDS.match(name) or not isinstance(resolve_plain(name), str):
        return f"'{name}'"
    return name


def _comment_of(line: str) -> str:
    """The ``# ...`` part of a one-item line such as ``- fetch  # the main one``."""
    match = re.search(r"\s(#.*)$", line.rstrip("\r\n"))
    return match.group(1) if match else ""


def _leading_start(text: str, index: int) -> int:
    """Start of the comment lines directly above the line at ``index`` (they belong to it)."""
    start = line_start(text, index)
    while start > 0:
        previous = line_start(text, start - 1)
        if not text[previous:start].lstrip().startswith("#"):
            break
        start = previous
    return start


def apply_tools(text: str, names: Sequence[str], where: str = SPEC_FILE) -> str:
    """``text`` with its ``tools`` list replaced by ``names``; every other byte is kept.

    A block list stays a block list at its indentation, a flow list a flow list; a tool
    that stays keeps the comment on its line, and comment lines inside the list stay at
    its top. Raises :class:`WriteBackError` when the file cannot be edited safely.
    """
    try:
        root = top_mapping(text)
    except YamlEditError as exc:
        raise WriteBackError(f"{where}: {exc}; run `regup validate` or fix it by hand") from None
    newline = newline_of(text)
    pairs = [(k, v) for k, v in root.value if getattr(k, "value", None) == "tools"]
    if not pairs:
        out = _insert_tools(text, root, names, newline)
    else:
        key, node = pairs[0]
        kind = type(node).__name__
        if kind == "SequenceNode" and node.flow_style:
            flow = "[" + ", ".join(_scalar(n) for n in names) + "]"
            out = text[: node.start_mark.index] + flow + text[node.end_mark.index :]
        elif kind == "SequenceNode" and node.value:
            start = line_start(text, node.value[0].start_mark.index)
            end = line_end(text, node.value[-1].end_mark.index)
            indent = " " * node.start_mark.column
            comments: dict[str, str] = {}
            inner: list[str] = []
            for item in node.value:
                line = text[
                    line_start(text, item.start_mark.index) : line_end(text, item.end_mark.index)
                ]
                if type(item).__name__ == "ScalarNode" and _comment_of(line):
                    comments[str(item.value)] = _comment_of(line)
            for line in text[start:end].splitlines():
                if line.lstrip().startswith("#"):
                    inner.append(line + newline)
            items = [
                f"{indent}- {_scalar(n)}" + (f"  {comments[n]}" if n in comments else "") + newline
                for n in names
            ]
            out = text[:start] + "".join(inner + items) + text[end:]
            if end == len(text) and not text.endswith("\n"):
                out = out.rstrip("\r\n")
        else:
            # ``tools:`` with no value (or a scalar): write a block list under the key.
            end = line_end(
                text, node.end_mark.index if kind != "SequenceNode" else key.end_mark.index
            )
            head = text[line_start(text, key.start_mark.index) : key.end_mark.index] + ":"
            block = "".join(f"  - {_scalar(n)}{newline}" for n in names)
            out = (
                text[: line_start(text, key.start_mark.index)] + head + newline + block + text[end:]
            )
    _verify(text, out, names, where)
    return out


def _insert_tools(text: str, root: Any, names: Sequence[str], newline: str) -> str:
    block = "tools:" + newline + "".join(f"  - {_scalar(n)}{newline}" for n in names)
    later = set(ENTRY_KEYS[ENTRY_KEYS.index("tools") + 1 :])
    for key, _ in root.value:
        if getattr(key, "value", None) in later:
            at = _leading_start(text, key.start_mark.index)
            return text[:at] + block + text[at:]
    if text and not text.endswith("\n"):
        text += newline
    return text + block


def _verify(before: str, after: str, names: Sequence[str], where: str) -> None:
    try:
        old, new = load_yaml(before).data, load_yaml(after).data
    except YamlSyntaxError as exc:
        raise WriteBackError(
            f"{where}: replacing the tools list would break the YAML ({exc}); the file was "
            "left as it was. Write tools as a plain block list and rerun"
        ) from None
    expected = dict(old)
    expected["tools"] = list(names)
    if new != expected:
        raise WriteBackError(
            f"{where}: replacing the tools list in place would change other values; the file "
            "was left as it was. Write tools as a plain block list and rerun"
        )
