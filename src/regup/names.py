"""Entry names, upstream names and the description limits: one rule each, used everywhere.

The entry-name pattern and the description lengths are read from the authored-entry schema
(``schemas/spec.schema.json``), so the schema, validation, import and ``regup new`` cannot
disagree; ``tests/unit/test_names.py`` checks that every schema that states the pattern
states this one.
"""

from __future__ import annotations

import re
from typing import Any

from regup.resources import load_schema

_SPEC: dict[str, Any] = load_schema("spec.schema.json")["properties"]

#: A folder name of the registry: lowercase letters, digits and ``-``, 3 to
#: :data:`ENTRY_NAME_MAX` characters, no ``-`` at either end. The pattern states the maximum
#: too, so that every check that matches it (validation, ``regup new``) enforces it.
ENTRY_NAME_PATTERN: str = _SPEC["name"]["pattern"]
ENTRY_NAME = re.compile(ENTRY_NAME_PATTERN)
#: The longest entry name (ToolHive's limit on group names; it keeps ``<namespace>/<name>``
#: within the upstream schema's 200 characters and every file named after an entry short).
ENTRY_NAME_MAX: int = _SPEC["name"]["maxLength"]
#: Lengths of an entry's ``description`` in the authored format.
DESCRIPTION_MIN: int = _SPEC["description"]["minLength"]
DESCRIPTION_MAX: int = _SPEC["description"]["maxLength"]
#: The official server.json schema's limit on ``description`` (2025-12-11: maxLength 100).
UPSTREAM_DESCRIPTION_LIMIT = 100
#: What a name too short to be an entry name gets (``com.example/ab`` becomes ``ab-mcp``).
SHORT_NAME_SUFFIX = "-mcp"


def is_entry_name(text: str) -> bool:
    return ENTRY_NAME.match(text) is not None


def upstream_name(entry_name: str, namespace: str) -> str:
    """``io.github.example/fetch`` for the entry ``fetch``."""
    return f"{namespace}/{entry_name}"


def entry_name_from_upstream(name: str) -> str:
    """The entry name of an upstream (or any source's) server name; "" when none is usable.

    Reverse-DNS names keep their last segment, lowercased, with every run of other
    characters made one ``-``: ``io.github.acme/Weather_Server`` gives ``weather-server``.
    A result shorter than three characters gets ``-mcp`` (``com.example/ab`` gives
    ``ab-mcp``); a longer one than :data:`ENTRY_NAME_MAX` is cut to it.
    """
    last = name.rsplit("/", 1)[-1].lower()
    short = re.sub(r"[^a-z0-9]+", "-", last).strip("-")
    if short and len(short) < 3:
        short += SHORT_NAME_SUFFIX
    short = short[:ENTRY_NAME_MAX].rstrip("-")
    return short if is_entry_name(short) else ""


def short_description(
    text: str, limit: int = UPSTREAM_DESCRIPTION_LIMIT, *, sentence: bool = False
) -> str:
    """``text`` within ``limit`` characters: as it is (whitespace runs made one space) when it
    fits, else cut at a word boundary with an ellipsis; with ``sentence``, its first sentence
    instead when that fits and is at least :data:`DESCRIPTION_MIN` long."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if sentence:
        first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
        if DESCRIPTION_MIN <= len(first) <= limit:
            return first
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"
