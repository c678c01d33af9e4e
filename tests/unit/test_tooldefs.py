"""registry/<name>/tools.json: read with the entry, checked, and carried into the outputs."""

from __future__ import annotations

import json
from pathlib import Path

from regup.diagnostics import Severity
from regup.emit.toolhive import toolhive_server
from regup.load import load_registry
from regup.tooldefs import render_tools_file
from regup.validate import validate_documents
from tests.helpers import Files, container

DEFS = [
    {
        "name": "fetch",
        "description": "Fetch a URL as Markdown.",
        "inputSchema": {"type": "object", "properties": {"url": {"type": "string"}}},
        "annotations": {"readOnlyHint": True},
        "_meta": {"private": 1},
    }
]


def entry(tools_json: str, **changes: object) -> Files:
    from tests.helpers import to_yaml

    return Files({"spec.yaml": to_yaml(container(**changes)), "tools.json": tools_json})


def test_definitions_reach_the_entry_and_the_toolhive_output(make_registry: object) -> None:
    root = make_registry(fetch=entry(render_tools_file(DEFS)))  # type: ignore[operator]
    result = validate_documents(load_registry(root))
    assert result.ok, result.diagnostics
    (fetch,) = result.registry.entries
    assert fetch.tool_definitions == tuple(
        {k: v for k, v in d.items() if k != "_meta"} for d in DEFS
    )
    assert toolhive_server(fetch)["tool_definitions"][0]["annotations"] == {"readOnlyHint": True}


def test_render_is_canonical_and_sorted() -> None:
    text = render_tools_file([{"name": "b", "description": "B"}, {"name": "a"}])
    assert [d["name"] for d in json.loads(text)] == ["a", "b"]
    assert text.endswith("]\n") and render_tools_file(json.loads(text)) == text


def test_broken_json_points_at_line_and_column(make_registry: object, in_tmp: Path) -> None:
    root = make_registry(fetch=entry('[\n  {"name": "fetch",}\n]\n'))  # type: ignore[operator]
    result = validate_documents(load_registry(Path("registry")))
    (d,) = result.diagnostics
    assert (d.path, d.line, d.rule, d.severity) == (
        "registry/fetch/tools.json", 2, "tool-definitions", Severity.ERROR
    )  # fmt: skip
    assert "not valid JSON" in d.message and result.registry.entries == ()
    assert root.exists()


def test_shape_problems_and_mismatch(make_registry: object, in_tmp: Path) -> None:
    bad = json.dumps([{"name": "fetch"}, {"name": "fetch"}, {"description": 3}], indent=2)
    make_registry(fetch=entry(bad), other=entry(render_tools_file(DEFS), tools=["fetch", "more"]))  # type: ignore[operator]
    result = validate_documents(load_registry(Path("registry")))
    found = {(d.path, d.line, d.rule) for d in result.diagnostics}
    assert ("registry/fetch/tools.json", 6, "tool-definitions") in found  # duplicate name
    assert ("registry/fetch/tools.json", 8, "tool-definitions") in found  # no name
    assert ("registry/fetch/tools.json", 9, "tool-definitions") in found  # description type
    mismatch = [d for d in result.diagnostics if d.rule == "tool-definitions-match"]
    assert [d.path for d in mismatch] == ["registry/other/tools.json"]
    assert (
        mismatch[0].severity is Severity.WARNING and "no definition for more" in mismatch[0].message
    )
    assert [e.name for e in result.registry.entries] == ["other"]


def test_inline_and_file_definitions_conflict(make_registry: object, in_tmp: Path) -> None:
    make_registry(fetch=entry(render_tools_file(DEFS), tool_definitions=[{"name": "fetch"}]))  # type: ignore[operator]
    result = validate_documents(load_registry(Path("registry")))
    assert [(d.rule, d.path) for d in result.diagnostics] == [
        ("tool-definitions", "registry/fetch/tools.json")
    ]


def _problems(make_registry: object, text: str) -> list[tuple[int, int, str, str]]:
    make_registry(fetch=entry(text))  # type: ignore[operator]
    result = validate_documents(load_registry(Path("registry")))
    assert result.registry.entries == ()
    return [(d.line, d.col, d.rule, d.message) for d in result.diagnostics]


def test_a_5000_digit_number_in_tools_json_is_number_too_long_at_its_place(
    make_registry: object, in_tmp: Path
) -> None:
    text = '[\n  {"name": "fetch",\n   "inputSchema": {"maximum": -' + "7" * 5000 + "}}\n]\n"
    ((line, col, rule, message),) = _problems(make_registry, text)
    assert (line, col, rule) == (3, 32, "number-too-long")
    assert message == "a number of 5000 digits; a whole number may have at most 100"
    assert "set_int_max_str_digits" not in message and "Exceeds" not in message


def test_nan_and_infinity_in_tools_json_are_diagnostics_at_their_value(
    make_registry: object, in_tmp: Path
) -> None:
    text = '[\n  {"name": "fetch",\n   "inputSchema": {"maximum": NaN,\n    "minimum": 1e400}}\n]\n'
    found = _problems(make_registry, text)
    assert [(line, col, rule) for line, col, rule, _ in found] == [
        (3, 31, "tool-definitions"),
        (4, 16, "tool-definitions"),
    ]
    assert "[0].inputSchema.maximum is not a JSON number" in found[0][3]


def test_tools_json_nested_past_the_entry_bound_is_a_diagnostic(
    make_registry: object, in_tmp: Path
) -> None:
    deep = "[" * 65 + "]" * 65
    ((line, col, rule, message),) = _problems(make_registry, deep)
    assert (line, col, rule) == (1, 1, "tool-definitions")
    assert "nested more than 64 levels" in message
