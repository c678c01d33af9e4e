"""Schema validation of one document, with jsonschema errors turned into diagnostics.

Nothing outside this module sees a jsonschema error: each becomes a
:class:`~regup.diagnostics.Diagnostic` with the line and column from the YAML source map
and a stable rule id (see :data:`regup.validate.rules.RULES`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from regup.diagnostics import Diagnostic, Severity
from regup.load import RawDocument
from regup.resources import load_schema
from regup.validate.fastcheck import Check, compile_schema
from regup.yamlio import format_path

SchemaPath = tuple[str | int, ...]

SCHEMA_BY_KIND = {
    "entry": "spec.schema.json",
    "group": "group.schema.json",
    "skill": "skill.schema.json",
}

_TYPE_NAMES = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "nothing",
}


def _is_integer(checker: object, instance: object) -> bool:
    # jsonschema counts 8080.0 as an integer; ToolHive's Go loader rejects it.
    return isinstance(instance, int) and not isinstance(instance, bool)


_StrictValidator: Any = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@cache
def validator_for(kind: str) -> Draft202012Validator:
    schema = load_schema(SCHEMA_BY_KIND[kind])
    Draft202012Validator.check_schema(schema)
    validator: Draft202012Validator = _StrictValidator(schema)
    return validator


@cache
def fast_check_for(kind: str) -> Check | None:
    return compile_schema(load_schema(SCHEMA_BY_KIND[kind]))


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"true or false ({str(value).lower()})"
    if isinstance(value, int):
        return f"a number ({value})"
    if isinstance(value, float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


_where = format_path


def _pattern_rule(path: tuple[str | int, ...]) -> str:
    if path[:1] == ("tools",):
        return "tool-name"
    if path[:1] == ("tags",):
        return "tag-format"
    if path[-1:] == ("name",) and len(path) == 3 and path[0] == "env_vars":
        return "env-var-name"
    if path[-1:] == ("name",) and len(path) == 3 and path[0] == "headers":
        return "header-name"
    if path == ("name",) or path[:1] == ("servers",):
        return "entry-name"
    return "invalid-format"


def _diagnostic(doc: RawDocument, error: ValidationError) -> Iterator[Diagnostic]:
    path = tuple(error.absolute_path)
    positions = doc.positions
    validator = error.validator
    # jsonschema types these as 'Any | Unset'; they are always set on a reported error.
    instance: Any = error.instance
    schema: Any = error.schema
    expected_value: Any = error.validator_value
    display = doc.source.display

    def make(rule: str, message: str, pos: tuple[int, int] | None = None) -> Diagnostic:
        line, col = pos or positions.value(path)
        return Diagnostic(display, line, col, Severity.ERROR, rule, message)

    if validator == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        for key in sorted(set(instance) - set(allowed)):
            hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            where = f" in {_where(path)}" if path else ""
            yield make(
                "unknown-key",
                f"unknown key {key!r}{where}{suggestion}",
                positions.key((*path, key)),
            )
        return
    if validator == "type":
        if instance is None or instance == "":
            yield make("empty-value", f"{_where(path)} has no value; give one or remove the key")
            return
        expected = expected_value
        wanted = (
            " or ".join(_TYPE_NAMES.get(t, str(t)) for t in expected)
            if isinstance(expected, list)
            else _TYPE_NAMES.get(expected, str(expected))
        )
        yield make("wrong-type", f"{_where(path)} must be {wanted}, not {_describe(instance)}")
        return
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        rule = "tools-missing" if missing == "tools" and not path else "missing-field"
        yield make(rule, f"required key {missing!r} is missing from {_where(path)}")
        return
    if validator == "enum":
        choices = list(expected_value)
        hint = [c for c in choices if str(c).lower() == str(instance).lower()]
        suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
        yield make(
            "invalid-value",
            f"{_where(path)} is {instance!r}; it must be one of "
            f"{', '.join(map(str, choices))}{suggestion}",
        )
        return
    if validator in {"minItems", "minLength"} and expected_value == 1:
        yield make("empty-value", f"{_where(path)} is empty; give a value or remove the key")
        return
    if validator in {"minLength", "maxLength"}:
        rule = "description-length" if path[-1:] == ("description",) else "invalid-length"
        length = len(instance)
        bound = "at least" if validator == "minLength" else "at most"
        yield make(
            rule,
            f"{_where(path)} is {length} characters long; it must be {bound} {expected_value}",
        )
        return
    if validator in {"minimum", "maximum"}:
        rule = (
            "port-range"
            if str(path[-1]).endswith("port") or "port" in str(path)
            else "out-of-range"
        )
        bound = "at least" if validator == "minimum" else "at most"
        yield make(rule, f"{_where(path)} is {instance}; it must be {bound} {expected_value}")
        return
    if validator == "uniqueItems":
        seen: set[str] = set()
        for index, item in enumerate(instance):
            marker = repr(item)
            if marker in seen:
                yield make(
                    "duplicate-item",
                    f"{_where(path)} lists {item!r} more than once",
                    positions.value((*path, index)),
                )
            seen.add(marker)
        return
    if validator == "pattern":
        rule = _pattern_rule(path) if doc.kind != "skill" else _skill_pattern_rule(path)
        yield make(
            rule, f"{_where(path)} is {instance!r}; {_PATTERN_HINTS.get(rule, '')}".rstrip("; ")
        )
        return
    yield make("schema", f"{_where(path)}: {error.message}")


def _skill_pattern_rule(path: tuple[str | int, ...]) -> str:
    return "skill-name" if path == ("name",) else "invalid-format"


_PATTERN_HINTS = {
    "skill-name": "skill names are lowercase letters, digits and '-', 2 to 64 characters",
    "tool-name": "tool names use letters, digits, '_' and '-' only",
    "tag-format": (
        "tags are lowercase letters, digits, '-' and '_', not starting or ending with - or _"
    ),
    "env-var-name": "names start with a letter or '_' and use letters, digits and '_'",
    "header-name": "header names use letters, digits and '-'",
    "entry-name": "names are lowercase letters, digits and '-', 3 to 100 characters",
    "invalid-format": "the value does not have the expected format",
}


def check_schema(doc: RawDocument) -> tuple[list[Diagnostic], set[SchemaPath]]:
    """Schema diagnostics of one parsed document (empty when it is valid).

    Also returns the paths of the values that failed (an unknown key's own path), so the
    semantic rules can still look at the rest of the document.
    """
    if doc.data is None:
        line, col = doc.positions.value(())
        empty = Diagnostic(
            doc.source.display,
            line,
            col,
            Severity.ERROR,
            "empty-file",
            "the file is empty; see the README for an example entry",
        )
        return [empty], set()
    fast = fast_check_for(doc.kind)
    if fast is not None and fast(doc.data):
        return [], set()
    validator = validator_for(doc.kind)
    out: list[Diagnostic] = []
    bad: set[SchemaPath] = set()
    errors = list(validator.iter_errors(doc.data))
    # A value of the wrong type also fails its enum or pattern: report the type only.
    mistyped = {tuple(e.absolute_path) for e in errors if e.validator == "type"}
    for error in errors:
        path: SchemaPath = tuple(error.absolute_path)
        if error.validator != "type" and path in mistyped:
            continue
        out.extend(_diagnostic(doc, error))
        instance: Any = error.instance
        schema: Any = error.schema
        if error.validator == "additionalProperties" and isinstance(instance, dict):
            allowed = set(schema.get("properties", {}))
            bad.update((*path, key) for key in set(instance) - allowed)
        elif path:
            bad.add(path)
    return out, bad
