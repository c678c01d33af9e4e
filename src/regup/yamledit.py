"""Editing YAML text in place: the spans of keys and values, and edits of those spans only.

Every in-place edit of an entry file (``regup refresh`` for ``metadata``, ``regup tools``
for ``tools``, ``regup fmt`` moving whole top-level blocks) finds what to change here: the
file is *composed* into nodes that know the character position of every key and value
(libyaml's composer when PyYAML has it, about 20 times faster, else ruamel.yaml's
round-trip composer: both give the same nodes and marks), the caller computes
:class:`Edit` values, and :func:`apply_edits` replaces just those characters; every other
byte (comments, blank lines, quoting, key order, indentation, line endings) stays.
Callers then parse before and after with :func:`regup.yamlio.load_yaml` and compare.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: Compose with libyaml when PyYAML has it (tests switch it off to cover ruamel.yaml).
USE_LIBYAML = True


class YamlEditError(ValueError):
    """The text cannot be composed, or is not the shape an edit needs; the message says why."""


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``text``."""

    start: int
    end: int
    text: str


def compose(text: str) -> Any:
    """The node tree of ``text`` (None for an empty document); raises :class:`YamlEditError`."""
    import yaml

    if USE_LIBYAML and hasattr(yaml, "CSafeLoader"):
        try:
            return yaml.compose(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError as exc:
            raise YamlEditError(f"cannot read the YAML ({' '.join(str(exc).split())})") from None
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="rt").compose(text)
    except YAMLError as exc:
        raise YamlEditError(f"cannot read the YAML ({' '.join(str(exc).split())})") from None


def top_mapping(text: str) -> Any:
    """The root node of an entry file, which must be a block mapping of keys."""
    root = compose(text)
    if root is None or kind(root) != "MappingNode" or root.flow_style:
        raise YamlEditError("the file is not a block mapping of keys")
    return root


def kind(node: Any) -> str:
    """``MappingNode``, ``SequenceNode`` or ``ScalarNode`` (the same names in both composers)."""
    return type(node).__name__


def line_start(text: str, index: int) -> int:
    """Index of the first character of the line holding ``index``."""
    return text.rfind("\n", 0, index) + 1


def line_end(text: str, index: int) -> int:
    """Index just past the newline of the line holding ``index`` (or the end of the text)."""
    found = text.find("\n", index)
    return len(text) if found < 0 else found + 1


def newline_of(text: str) -> str:
    """The file's line ending: ``\\r\\n`` if it uses them, else ``\\n``."""
    return "\r\n" if "\r\n" in text else "\n"


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with every edit applied (edits must not overlap)."""
    out = text
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        out = out[: edit.start] + edit.text + out[edit.end :]
    return out
