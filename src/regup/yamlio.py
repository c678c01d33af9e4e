"""YAML in, with the line and column of every value; YAML out, losslessly.

Reading uses libyaml's event parser (PyYAML's C binding) and builds plain Python values
itself, so that:

* nothing but plain data is ever constructed (no tag can create an object);
* scalars resolve by the YAML 1.2 core schema (``yes``, ``on`` and ``2026-01-01`` stay
  strings, as ToolHive's Go loader reads them);
* every value and every mapping key keeps its 1-based line and column;
* duplicate keys, unknown tags, tagged values that do not fit their tag and whole numbers
  of more than :data:`MAX_INT_DIGITS` digits become problems, and alias expansion has a
  budget, so a "billion laughs" file fails fast.

Editing a file in place (refresh, ``regup tools``, ``regup fmt``) works on the spans that
:mod:`regup.yamledit` finds; ``regup fmt`` restyles with ruamel.yaml's round-trip dumper.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

YamlPath = tuple[str | int, ...]
Position = tuple[int, int]

MAX_NODES = 50_000
MAX_DEPTH = 64
#: Whole numbers written with more digits are refused (rule ``number-too-long``): no port,
#: count or setting needs them, Python will not convert 4,300 digits or more to or from
#: text (every message and output that shows the number would fail), and readers in other
#: languages stop far earlier (Go's int64 at 19 digits).
MAX_INT_DIGITS = 100

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")
# A plain scalar starting with anything else is text: skip the regular expressions.
_SPECIAL_FIRST = frozenset("0123456789+-.~nNtTfF")

_CORE = "tag:yaml.org,2002:"
# Plain words that YAML 1.1 loaders (PyYAML) read as booleans: quoted when written.
_YAML11_WORDS = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_STR = _CORE + "str"
_ALLOWED_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "map", "seq")}


def format_path(path: YamlPath) -> str:
    """A path as people write it: ``env_vars[0].name``."""
    if not path:
        return "the document"
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@dataclass(frozen=True)
class YamlProblem:
    """Something wrong with the YAML itself, at a 1-based position."""

    line: int
    col: int
    rule: str
    message: str


class YamlSyntaxError(Exception):
    """The text is not a YAML document regup can read at all."""

    def __init__(self, problem: YamlProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class SourceMap:
    """Where each value (and each mapping key) of a document was written."""

    values: dict[YamlPath, Position] = field(default_factory=dict)
    keys: dict[YamlPath, Position] = field(default_factory=dict)

    def value(self, path: YamlPath) -> Position:
        """Position of the value at ``path``, or of its nearest written ancestor."""
        while True:
            pos = self.values.get(path)
            if pos is not None:
                return pos
            if not path:
                return (1, 1)
            path = path[:-1]

    def key(self, path: YamlPath) -> Position:
        """Position of the key that introduces ``path`` (its value's when not a key)."""
        pos = self.keys.get(path)
        return pos if pos is not None else self.value(path)


@dataclass
class YamlDocument:
    data: Any
    source: SourceMap
    problems: list[YamlProblem]


@dataclass(frozen=True)
class TooLongNumber:
    """What :func:`resolve_plain` gives for a whole number of more than
    :data:`MAX_INT_DIGITS` digits, which is never converted: the text as written."""

    text: str
    digits: int


def resolve_plain(text: str) -> Any:
    """Resolve a plain (unquoted) scalar by the YAML 1.2 core schema.

    A whole number of more than :data:`MAX_INT_DIGITS` digits gives a :class:`TooLongNumber`
    (never a str: callers asking "is this plain word text?" must quote it).
    """
    if text and text[0] not in _SPECIAL_FIRST:
        return text
    if _NULL.match(text):
        return None
    if _TRUE.match(text):
        return True
    if _FALSE.match(text):
        return False
    if _INT.match(text):
        if len(text) > MAX_INT_DIGITS and len(text.lstrip("+-")) > MAX_INT_DIGITS:
            return TooLongNumber(text, len(text.lstrip("+-")))
        return int(text)
    if _OCT.match(text) or _HEX.match(text):
        if len(text) - 2 > MAX_INT_DIGITS:
            return TooLongNumber(text, len(text) - 2)
        return int(text[2:], 8 if text[1] == "o" else 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


_SCALAR = yaml.ScalarEvent


def _quoted(text: str, limit: int = 40) -> str:
    """``text`` for a message: quoted with escapes (no raw control character), bounded."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "…"


def _pos(event: Any) -> Position:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, loader: Any) -> None:
        self.next = loader.get_event
        self.source = SourceMap()
        self.problems: list[YamlProblem] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.nodes = 0

    def fail(self, event: Any, rule: str, message: str) -> YamlSyntaxError:
        line, col = _pos(event)
        return YamlSyntaxError(YamlProblem(line, col, rule, message))

    def count(self, event: Any, n: int) -> None:
        self.nodes += n
        if self.nodes > MAX_NODES:  # only aliases of aliases get here
            raise self.fail(
                event,
                "yaml-alias-expansion",
                f"the document expands to more than {MAX_NODES} values (aliases of aliases?); "
                "write the values out instead of using anchors",
            )

    def check_tag(self, event: Any) -> None:
        tag = getattr(event, "tag", None)
        if tag is None or tag == "!":
            return
        if tag not in _ALLOWED_TAGS:
            line, col = _pos(event)
            self.problems.append(
                YamlProblem(line, col, "yaml-tag", f"tag {tag} is not allowed; remove it")
            )

    def too_long(self, event: Any, path: YamlPath, number: TooLongNumber) -> str:
        """Report a whole number too long to convert; its text stands in for it."""
        line, col = _pos(event)
        self.problems.append(
            YamlProblem(
                line,
                col,
                "number-too-long",
                f"{format_path(path)} is a number of {number.digits} digits; a whole number "
                f"may have at most {MAX_INT_DIGITS} (quote it to keep it as text)",
            )
        )
        return number.text

    def node(self, event: Any, path: YamlPath, depth: int) -> Any:
        if type(event) is _SCALAR and event.anchor is None and event.tag is None:
            # The common case, kept short: an untagged scalar without an anchor.
            mark: Any = event.start_mark  # libyaml always sets it
            self.source.values[path] = (mark.line + 1, mark.column + 1)
            self.count(event, 1)
            if not event.style and event.implicit[0]:
                resolved = resolve_plain(event.value)
                if type(resolved) is TooLongNumber:
                    return self.too_long(event, path, resolved)
                return resolved
            return event.value
        if depth > MAX_DEPTH:
            raise self.fail(event, "yaml-too-deep", f"nesting deeper than {MAX_DEPTH} levels")
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise self.fail(event, "yaml-syntax", f"unknown alias *{event.anchor}")
            shared, size = self.anchors[event.anchor]
            self.count(event, size)
            self.source.values.setdefault(path, _pos(event))
            return shared
        start = self.nodes
        self.source.values[path] = _pos(event)
        self.check_tag(event)
        value: Any
        if isinstance(event, yaml.ScalarEvent):
            self.count(event, 1)
            value = self.scalar(event, path)
        elif isinstance(event, yaml.SequenceStartEvent):
            self.count(event, 1)
            value = []
            index = 0
            while not isinstance(item := self.next(), yaml.SequenceEndEvent):
                value.append(self.node(item, (*path, index), depth + 1))
                index += 1
        elif isinstance(event, yaml.MappingStartEvent):
            self.count(event, 1)
            value = self.mapping(path, depth)
        else:  # pragma: no cover - libyaml never yields another event here
            raise self.fail(event, "yaml-syntax", "unexpected YAML event")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.anchors[anchor] = (value, self.nodes - start)
        return value

    def mapping(self, path: YamlPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        while not isinstance(key_event := self.next(), yaml.MappingEndEvent):
            if isinstance(key_event, yaml.ScalarEvent) and key_event.tag in (None, "!", _STR):
                key = key_event.value
            else:
                line, col = _pos(key_event)
                self.problems.append(
                    YamlProblem(line, col, "yaml-key", "mapping keys must be plain text")
                )
                key = f"<complex key at line {line}>"
                self.node(key_event, (*path, key), depth + 1)
            value_event = self.next()
            child = (*path, key)
            if key in result:
                line, col = _pos(key_event)
                self.problems.append(
                    YamlProblem(
                        line, col, "yaml-duplicate-key", f"key {key!r} appears more than once"
                    )
                )
                self.node(value_event, (*path, f"{key} (duplicate)"), depth + 1)
                continue
            self.source.keys[child] = _pos(key_event)
            result[key] = self.node(value_event, child, depth + 1)
        return result

    def scalar(self, event: Any, path: YamlPath) -> Any:
        text: str = event.value
        tag = event.tag
        if tag is None or tag == "!":
            if not event.style and event.implicit[0]:
                resolved = resolve_plain(text)
                if type(resolved) is TooLongNumber:
                    return self.too_long(event, path, resolved)
                return resolved
            return text
        if tag == _CORE + "str":
            return text
        if tag in _ALLOWED_TAGS:
            resolved = resolve_plain(text)
            if type(resolved) is TooLongNumber:
                return self.too_long(event, path, resolved)
            if tag == _CORE + "float" and type(resolved) is int:
                resolved = float(resolved)  # !!float 1 is 1.0, as the core schema says
            expected = {
                _CORE + "int": int,
                _CORE + "float": float,
                _CORE + "bool": bool,
                _CORE + "null": type(None),
            }.get(tag)
            if expected is not None and type(resolved) is not expected:
                line, col = _pos(event)
                self.problems.append(
                    YamlProblem(line, col, "yaml-tag", f"{_quoted(text)} is not a valid {tag}")
                )
            return resolved
        return text


def load_yaml(text: str) -> YamlDocument:
    """Parse one YAML document with positions.

    Raises :class:`YamlSyntaxError` when the text is not readable YAML (syntax errors,
    several documents, runaway aliases). Softer problems come back in ``problems``.
    """
    loader = yaml.CSafeLoader(text)
    try:
        builder = _Builder(loader)
        data: Any = None
        documents = 0
        while not isinstance(event := builder.next(), yaml.StreamEndEvent):
            if isinstance(event, yaml.DocumentStartEvent):
                documents += 1
                if documents > 1:
                    raise builder.fail(
                        event, "yaml-syntax", "only one YAML document per file is allowed"
                    )
                data = builder.node(builder.next(), (), 0)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(p for p in (exc.context, exc.problem) if p) or "invalid YAML"
        raise YamlSyntaxError(YamlProblem(line, col, "yaml-syntax", message)) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(YamlProblem(1, 1, "yaml-syntax", str(exc))) from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps us far from the limit
        raise YamlSyntaxError(YamlProblem(1, 1, "yaml-too-deep", "nesting too deep")) from None
    finally:
        loader.dispose()
    return YamlDocument(data, builder.source, builder.problems)


def _plain_tree(value: Any) -> Any:
    """Convert to ruamel's commented containers so strings get block or plain style."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import LiteralScalarString, SingleQuotedScalarString

    if isinstance(value, dict):
        out = CommentedMap()
        for key, item in value.items():
            out[key] = _plain_tree(item)
        return out
    if isinstance(value, (list, tuple)):
        seq = CommentedSeq(_plain_tree(item) for item in value)
        if value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
            seq.fa.set_flow_style()
        return seq
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    if isinstance(value, str) and _YAML11_WORDS.match(value):
        return SingleQuotedScalarString(value)
    return value


def dump_yaml(document: dict[str, Any], *, footer: list[str] | None = None) -> str:
    """Render a mapping as tidy block-style YAML (keys in the given order).

    ``footer`` lines are appended as ``#`` comments. Multi-line text becomes a literal
    block; lines are never folded.
    """
    import io

    from ruamel.yaml import YAML

    yaml_out = YAML(typ="rt")
    yaml_out.width = 4096
    yaml_out.indent(mapping=2, sequence=4, offset=2)
    yaml_out.explicit_start = False
    stream = io.StringIO()
    yaml_out.dump(_plain_tree(document), stream)
    text = stream.getvalue()
    if footer:
        text += "".join(f"# {line}\n".replace("# \n", "#\n") for line in footer)
    return text
