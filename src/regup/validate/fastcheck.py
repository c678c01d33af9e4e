"""A fast yes/no check of a document against one of regup's schemas.

jsonschema is thorough but costs about a millisecond per entry, which dominates a build of
thousands of entries. This module compiles the subset of JSON Schema that regup's own
schemas use into nested closures. Its answer is conservative: ``True`` only when the
document is certainly valid; anything it is unsure about answers ``False``, and then
jsonschema runs and produces the diagnostics. A schema using a keyword it does not know
cannot be compiled (``None``), and jsonschema handles every document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = {
    "$schema",
    "$id",
    "$defs",
    "title",
    "description",
    "default",
    "examples",
    "$comment",
}


class _Unsupported(Exception):
    pass


def _type_check(name: str) -> Check:
    if name == "string":
        return lambda v: isinstance(v, str)
    if name == "integer":
        return lambda v: isinstance(v, int) and not isinstance(v, bool)
    if name == "number":
        return lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)
    if name == "boolean":
        return lambda v: isinstance(v, bool)
    if name == "array":
        return lambda v: isinstance(v, list)
    if name == "object":
        return lambda v: isinstance(v, dict)
    if name == "null":
        return lambda v: v is None
    raise _Unsupported(name)


def _never(value: Any) -> bool:
    return False


def _unique(value: list[Any]) -> bool:
    """Whether the items are distinct as JSON Schema compares them: ``1`` and ``1.0`` are the
    same number, ``true`` and ``1`` are not. Lists and objects answer False (unsure)."""
    keys: set[tuple[str, object]] = set()
    for v in value:
        if isinstance(v, bool):
            keys.add(("bool", v))
        elif isinstance(v, int | float):
            keys.add(("number", v))  # 1 == 1.0, and they hash the same
        elif isinstance(v, str) or v is None:
            keys.add(("scalar", v))
        else:
            return False
    return len(keys) == len(value)


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, pointer: str) -> Check:
        if not pointer.startswith("#/$defs/") or "/" in pointer[len("#/$defs/") :]:
            raise _Unsupported(pointer)
        if pointer not in self.refs:
            self.refs[pointer] = _never  # placeholder while compiling a recursive reference
            compiled = self.compile(self.root["$defs"][pointer[len("#/$defs/") :]])
            self.refs[pointer] = compiled
        return lambda v: self.refs[pointer](v)

    def compile(self, schema: Any) -> Check:
        if schema is True or schema == {}:
            return _always
        if not isinstance(schema, dict):
            raise _Unsupported(repr(schema))
        checks = [
            self.keyword(key, arg, schema) for key, arg in schema.items() if key not in _ANNOTATIONS
        ]
        return _all_of([c for c in checks if c is not _always])

    def keyword(self, key: str, arg: Any, schema: dict[str, Any]) -> Check:  # noqa: C901
        """One keyword as a check; raises _Unsupported for keywords it does not know."""
        if key == "$ref":
            return self.ref(arg)
        if key == "type":
            if isinstance(arg, list):
                return _any_of([_type_check(t) for t in arg])
            return _type_check(arg)
        if key == "enum":
            if not all(isinstance(a, str) for a in arg):
                raise _Unsupported("enum")
            return _enum(frozenset(arg))
        if key == "pattern":
            return _pattern(re.compile(arg))
        if key in _BOUNDS:
            return _bound(key, arg)
        if key == "uniqueItems":
            return _unique_items if arg else _always
        if key == "items":
            return _items(self.compile(arg))
        if key == "required":
            return _required(tuple(arg))
        if key == "properties":
            return _properties({name: self.compile(sub) for name, sub in arg.items()})
        if key == "additionalProperties":
            if schema.get("patternProperties"):
                raise _Unsupported("patternProperties with additionalProperties")
            known = frozenset(schema.get("properties", {}))
            return _no_extra(known) if arg is False else _extra(known, self.compile(arg))
        raise _Unsupported(key)


def _always(value: Any) -> bool:
    return True


def _all_of(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    if len(checks) == 3:
        first, second, third = checks
        return lambda v: first(v) and second(v) and third(v)
    group = tuple(checks)

    def every(value: Any) -> bool:
        for check in group:
            if not check(value):
                return False
        return True

    return every


def _any_of(checks: list[Check]) -> Check:
    return lambda v: any(c(v) for c in checks)


def _enum(allowed: frozenset[str]) -> Check:
    return lambda v: isinstance(v, str) and v in allowed


def _pattern(rx: re.Pattern[str]) -> Check:
    return lambda v: not isinstance(v, str) or rx.search(v) is not None


_BOUNDS = {"minLength", "maxLength", "minimum", "maximum", "minItems"}


def _bound(key: str, n: int | float) -> Check:
    if key == "minLength":
        return lambda v: not isinstance(v, str) or len(v) >= n
    if key == "maxLength":
        return lambda v: not isinstance(v, str) or len(v) <= n
    if key == "minItems":
        return lambda v: not isinstance(v, list) or len(v) >= n

    def numeric(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    if key == "minimum":
        return lambda v: not numeric(v) or v >= n
    return lambda v: not numeric(v) or v <= n


def _unique_items(value: Any) -> bool:
    return not isinstance(value, list) or _unique(value)


def _items(item: Check) -> Check:
    def items(value: Any) -> bool:
        if isinstance(value, list):
            for element in value:
                if not item(element):
                    return False
        return True

    return items


def _required(needed: tuple[str, ...]) -> Check:
    return lambda v: not isinstance(v, dict) or all(k in v for k in needed)


def _properties(props: dict[str, Check]) -> Check:
    get = props.get

    def properties(value: Any) -> bool:
        if isinstance(value, dict):
            for key, item in value.items():
                check = get(key)
                if check is not None and not check(item):
                    return False
        return True

    return properties


def _no_extra(known: frozenset[str]) -> Check:
    return lambda v: not isinstance(v, dict) or known.issuperset(v)


def _extra(known: frozenset[str], check: Check) -> Check:
    return lambda v: (
        not isinstance(v, dict) or all(check(x) for k, x in v.items() if k not in known)
    )


def compile_schema(schema: dict[str, Any]) -> Check | None:
    """A conservative validity check for ``schema``, or None when it uses other keywords."""
    try:
        return _Compiler(schema).compile(schema)
    except (_Unsupported, KeyError, re.error):
        return None
