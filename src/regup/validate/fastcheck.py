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

_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description", "default", "examples", "$comment"}


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


def _unique(value: list[Any]) -> bool:
    try:
        return len({(type(v), v) for v in value}) == len(value)
    except TypeError:
        return False


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, pointer: str) -> Check:
        if not pointer.startswith("#/$defs/") or "/" in pointer[len("#/$defs/") :]:
            raise _Unsupported(pointer)
        if pointer not in self.refs:
            self.refs[pointer] = lambda v: False  # placeholder against recursion
            compiled = self.compile(self.root["$defs"][pointer[len("#/$defs/") :]])
            self.refs[pointer] = compiled
        return lambda v: self.refs[pointer](v)

    def compile(self, schema: Any) -> Check:  # noqa: C901 - one branch per keyword
        if schema is True or schema == {}:
            return lambda v: True
        if not isinstance(schema, dict):
            raise _Unsupported(repr(schema))
        checks: list[Check] = []
        for key, arg in schema.items():
            if key in _ANNOTATIONS:
                continue
            if key == "$ref":
                checks.append(self.ref(arg))
            elif key == "type":
                if isinstance(arg, list):
                    options = [_type_check(t) for t in arg]
                    checks.append(lambda v, o=options: any(c(v) for c in o))
                else:
                    checks.append(_type_check(arg))
            elif key == "enum":
                if not all(isinstance(a, str) for a in arg):
                    raise _Unsupported("enum")
                allowed = frozenset(arg)
                checks.append(lambda v, a=allowed: isinstance(v, str) and v in a)
            elif key == "pattern":
                rx = re.compile(arg)
                checks.append(lambda v, r=rx: not isinstance(v, str) or r.search(v) is not None)
            elif key == "minLength":
                checks.append(lambda v, n=arg: not isinstance(v, str) or len(v) >= n)
            elif key == "maxLength":
                checks.append(lambda v, n=arg: not isinstance(v, str) or len(v) <= n)
            elif key == "minimum":
                checks.append(lambda v, n=arg: isinstance(v, bool) or not isinstance(v, (int, float)) or v >= n)
            elif key == "maximum":
                checks.append(lambda v, n=arg: isinstance(v, bool) or not isinstance(v, (int, float)) or v <= n)
            elif key == "minItems":
                checks.append(lambda v, n=arg: not isinstance(v, list) or len(v) >= n)
            elif key == "uniqueItems":
                if arg:
                    checks.append(lambda v: not isinstance(v, list) or _unique(v))
            elif key == "items":
                item = self.compile(arg)
                checks.append(lambda v, c=item: not isinstance(v, list) or all(c(i) for i in v))
            elif key == "required":
                needed = tuple(arg)
                checks.append(lambda v, r=needed: not isinstance(v, dict) or all(k in v for k in r))
            elif key == "properties":
                props = {name: self.compile(sub) for name, sub in arg.items()}
                checks.append(
                    lambda v, p=props: not isinstance(v, dict)
                    or all(p[k](x) for k, x in v.items() if k in p)
                )
            elif key == "additionalProperties":
                known = frozenset(schema.get("properties", {}))
                if schema.get("patternProperties"):
                    raise _Unsupported("patternProperties with additionalProperties")
                if arg is False:
                    checks.append(lambda v, k=known: not isinstance(v, dict) or k.issuperset(v))
                else:
                    extra = self.compile(arg)
                    checks.append(
                        lambda v, k=known, c=extra: not isinstance(v, dict)
                        or all(c(x) for n, x in v.items() if n not in k)
                    )
            else:
                raise _Unsupported(key)
        if not checks:
            return lambda v: True
        if len(checks) == 1:
            return checks[0]
        return lambda v, cs=tuple(checks): all(c(v) for c in cs)


def compile_schema(schema: dict[str, Any]) -> Check | None:
    """A conservative validity check for ``schema``, or None when it uses other keywords."""
    try:
        return _Compiler(schema).compile(schema)
    except (_Unsupported, KeyError, re.error):
        return None
