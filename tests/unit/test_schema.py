"""jsonschema errors become diagnostics with stable rule ids and source positions."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from regup.diagnostics import Severity
from regup.load import RawDocument, parse_document
from regup.model import Source
from regup.validate.rules import RULES
from regup.validate.schema import _diagnostic, check_schema, validator_for
from regup.yamlio import SourceMap


def raw(text: str, kind: str = "entry") -> RawDocument:
    doc = RawDocument(
        "fetch",
        "entry" if kind == "entry" else "group",
        Source(Path("fetch/spec.yaml"), "fetch/spec.yaml", SourceMap()),
    )
    return parse_document(doc, text)


@pytest.mark.parametrize(
    ("instance", "schema", "rule"),
    [
        ({"a": 2}, {"properties": {"a": {"const": 1}}}, "schema"),
        ({"a": 1}, {"properties": {"a": {"const": 1}}}, None),
    ],
    ids=["failing", "passing"],
)
def test_schema_fallback_rule(
    instance: object, schema: dict[str, object], rule: str | None
) -> None:
    """A schema keyword without a dedicated rule id still becomes a diagnostic ('schema')."""
    doc = raw("a: 2\n" if rule else "a: 1\n")
    errors = list(Draft202012Validator(schema).iter_errors(instance))
    found = [d for e in errors for d in _diagnostic(doc, e)]
    if rule is None:
        assert found == []
        return
    assert [(d.rule, d.severity, d.line, d.col) for d in found] == [(rule, Severity.ERROR, 1, 4)]
    assert RULES[rule].severity is Severity.ERROR
    assert found[0].message.startswith("a: ")


def test_shipped_schemas_are_valid_draft_2020_12() -> None:
    for kind in ("entry", "group"):
        Draft202012Validator.check_schema(validator_for(kind).schema)


def test_unknown_key_suggests_the_near_miss() -> None:
    (d,) = check_schema(
        raw(
            "description: Fetches pages.\ntier: Community\nstatus: Active\n"
            "transport: stdio\ntools: [a]\nimgae: x\n"
        )
    )[0]
    assert (d.rule, d.line, d.col) == ("unknown-key", 6, 1)
    assert "did you mean 'image'?" in d.message


def test_custom_metadata_is_the_one_free_form_place() -> None:
    text = (
        "description: Fetches pages.\ntier: Community\nstatus: Active\ntransport: stdio\n"
        "tools: [a]\ncustom_metadata:\n  anything: {goes: [1, true, null]}\n"
    )
    assert check_schema(raw(text)) == ([], set())


def test_wrong_type_names_both_types() -> None:
    text = (
        "description: Fetches pages.\ntier: Community\nstatus: Active\ntransport: stdio\n"
        "tools: [a]\ntarget_port: '8080'\n"
    )
    (d,), bad = check_schema(raw(text))
    assert (d.rule, d.line, d.col) == ("wrong-type", 6, 14)
    assert d.message == "target_port must be a whole number, not text ('8080')"
    assert bad == {("target_port",)}


def test_group_schema_is_strict() -> None:
    (d,), _ = check_schema(
        raw("description: Some servers together.\nservers: [a-b]\nextra: 1\n", "group")
    )
    assert (d.rule, d.line) == ("unknown-key", 3)
