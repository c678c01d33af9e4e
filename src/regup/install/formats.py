"""The text formats of the snippets: JSON laid out for reading, and the few TOML value
types Codex's config needs (``tomllib`` only reads TOML)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

#: One encoder for every value: ``json.dumps`` with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def dump_json(value: Any, indent: str = "") -> str:
    """JSON indented by two spaces, with lists of plain values kept on one line."""
    encode = _ENCODER.encode
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = [
            f"{inner}{encode(k)}: {dump_json(v, inner) if isinstance(v, dict | list) else encode(v)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        items = [inner + dump_json(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return encode(value)


# --- TOML: the few value types Codex's config needs -----------------------------------------

_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
_TOML_ESCAPES["\r"] = "\\r"


#: What a TOML basic string cannot hold as itself: quotes, backslashes, control characters.
_TOML_SPECIAL = re.compile(r'["\\\x00-\x1f\x7f]')
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_escape(match: re.Match[str]) -> str:
    char = match.group()
    return _TOML_ESCAPES.get(char) or f"\\u{ord(char):04X}"


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and every control character escaped."""
    return '"' + _TOML_SPECIAL.sub(_toml_escape, text) + '"'


def toml_key(key: str) -> str:
    """A bare key when TOML allows one (``A-Za-z0-9_-``), else a quoted key."""
    return key if _BARE_KEY.fullmatch(key) else toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = [f"{toml_key(k)} = {_toml_value(v)}" for k, v in value.items()]
        return "{ " + ", ".join(pairs) + " }" if pairs else "{}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def toml_document(tables: Mapping[tuple[str, ...], Mapping[str, Any]]) -> str:
    """TOML text of ``{table path: {key: str | list[str] | dict[str, str]}}``; keys are
    bare only when TOML allows it, so any name is safe."""
    blocks = []
    for path, items in tables.items():
        lines = ["[" + ".".join(toml_key(p) for p in path) + "]"]
        lines += [f"{toml_key(k)} = {_toml_value(v)}" for k, v in items.items()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
