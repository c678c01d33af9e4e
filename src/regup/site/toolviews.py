"""Tools as the server page shows them: each tool's description, a table of its arguments
(from ``inputSchema``) and its annotations in plain words.

The definitions come from the entry's ``tools.json`` (:attr:`regup.model.Entry.tool_definitions`,
checked by validation); tools without one are shown by name, and the page says so.
Annotations follow the MCP specification's tool hints: only hints the server states are
shown, since their defaults (``destructiveHint`` and ``openWorldHint`` true) say nothing
about a particular tool.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from regup.model import Entry
from regup.site.pages import Badge, ParamRow, ToolView

#: How many values of an ``enum`` are listed before "…".
MAX_CHOICES = 8


def tool_views(entry: Entry) -> tuple[tuple[ToolView, ...], str | None]:
    """Every tool of ``entry``, in the order of its ``tools`` list (then any others by
    name), and the note for tools that are names only (None when every tool is described)."""
    defined = {
        d["name"]: d
        for d in entry.tool_definitions
        if isinstance(d, Mapping) and isinstance(d.get("name"), str)
    }
    names = list(entry.tools) + sorted(set(defined) - set(entry.tools))
    views = tuple(_view(name, defined.get(name)) for name in names)
    bare = sum(1 for name in names if name not in defined)
    if not names:
        note: str | None = "This entry lists no tools."
    elif bare == len(names):
        note = "Names only: this registry has no descriptions of these tools yet."
    elif bare:
        note = f"{bare} of {len(names)} tools are names only: the server did not describe them."
    else:
        note = None
    return views, note


def _view(name: str, definition: Mapping[str, Any] | None) -> ToolView:
    if definition is None:
        return ToolView(name=name, title="", description="", params=(), traits=())
    title = _text(definition.get("title")) or _text(
        _mapping(definition.get("annotations")).get("title")
    )
    return ToolView(
        name=name,
        title=title if title != name else "",
        description=_text(definition.get("description")),
        params=params(_mapping(definition.get("inputSchema"))),
        traits=traits(_mapping(definition.get("annotations"))),
    )


def params(schema: Mapping[str, Any]) -> tuple[ParamRow, ...]:
    """The arguments of an ``inputSchema``: required ones first, each group by name."""
    properties = _mapping(schema.get("properties"))
    required = {r for r in _sequence(schema.get("required")) if isinstance(r, str)}
    rows = []
    for key in sorted(properties, key=lambda k: (k not in required, k)):
        prop = _mapping(properties[key])
        described = _text(prop.get("description")) or _text(prop.get("title"))
        if "default" in prop:
            default = f"Default: {_literal(prop['default'])}."
            described = f"{described} {default}" if described else default
        rows.append(ParamRow(str(key), type_label(prop), key in required, described))
    return tuple(rows)


def type_label(schema: Mapping[str, Any]) -> str:
    """A JSON Schema's type in words: ``string``, ``integer or null``, ``array of string``,
    ``one of: "a", "b"``."""
    enum = _sequence(schema.get("enum"))
    if enum:
        shown = ", ".join(_literal(v) for v in enum[:MAX_CHOICES])
        return f"one of: {shown}{', …' if len(enum) > MAX_CHOICES else ''}"
    if "const" in schema:
        return f"always {_literal(schema['const'])}"
    declared = schema.get("type")
    types = [t for t in _sequence(declared) if isinstance(t, str)]
    if isinstance(declared, str):
        types = [declared]
    if not types:
        alternatives = [
            type_label(_mapping(s))
            for key in ("anyOf", "oneOf")
            for s in _sequence(schema.get(key))
        ]
        return " or ".join(dict.fromkeys(alternatives)) if alternatives else "any"
    words = []
    for t in types:
        if t == "array":
            items = _mapping(schema.get("items"))
            words.append(f"array of {type_label(items)}" if items else "array")
        elif t == "string" and isinstance(schema.get("format"), str):
            words.append(f"string ({schema['format']})")
        else:
            words.append(t)
    return " or ".join(words)


#: (hint, value, label, tone, what the hint says). Destructive and idempotent hints mean
#: something only for a tool that is not read-only, as the MCP specification says.
_TRAITS = (
    ("readOnlyHint", True, "Read-only", "good", "does not change anything"),
    ("destructiveHint", True, "Destructive", "bad", "may delete or overwrite data"),
    ("destructiveHint", False, "Additive", "neutral", "adds but never deletes or overwrites"),
    ("idempotentHint", True, "Safe to repeat", "neutral", "calling it again changes nothing"),
    ("openWorldHint", True, "Reaches outside", "info", "works with systems beyond the server"),
    ("openWorldHint", False, "Self-contained", "neutral", "works only with its own data"),
)


def traits(annotations: Mapping[str, Any]) -> tuple[Badge, ...]:
    """The hints a tool states, in plain words; each badge's title names the hint."""
    read_only = annotations.get("readOnlyHint") is True
    out = []
    for hint, value, label, tone, meaning in _TRAITS:
        if annotations.get(hint) is not value:
            continue
        if read_only and hint in ("destructiveHint", "idempotentHint"):
            continue
        out.append(Badge(label, tone, f"{hint}: {str(value).lower()}, {meaning}"))
    return tuple(out)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return str(value)
