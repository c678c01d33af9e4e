"""``validate.fastcheck`` against jsonschema: it may only say "valid" when jsonschema agrees.

Generated documents are mutations of valid entries (wrong types, extra and missing keys,
duplicates such as ``1`` / ``1.0`` and ``true`` / ``1``, bad patterns, out-of-range numbers).
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from regup.resources import load_schema
from regup.validate.fastcheck import compile_schema
from tests.helpers import container, remote

SCHEMA = load_schema("spec.schema.json")
FAST = compile_schema(SCHEMA)
SLOW = Draft202012Validator(SCHEMA)
BASES = [
    container(),
    remote(),
    container(
        tags=["web", "fetch"],
        permissions={"network": {"outbound": {"allow_host": ["a.example"], "allow_port": [443]}}},
    ),
]

odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(["", "Latest", "stdio", "x" * 600, "ghcr.io/a/b:1", "https://x.example/mcp"]),
    st.just([1, 1.0]),
    st.just([True, 1]),
    st.just(["a", "a"]),
    st.just([443, 443.0]),
    st.just({}),
    st.just([]),
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            out += _paths(value, (*prefix, index))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add-key", "duplicate"]))
        last = path[-1]
        if action == "replace":
            parent[last] = copy.deepcopy(draw(odd_values))
        elif action == "delete":
            del parent[last]
        elif action == "add-key" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "Image", "tools", "tier"]))] = copy.deepcopy(
                draw(odd_values)
            )
        elif action == "duplicate" and isinstance(parent[last], list) and parent[last]:
            parent[last].append(copy.deepcopy(parent[last][0]))
    return doc


def test_the_spec_schema_compiles() -> None:
    assert FAST is not None


@settings(max_examples=600, deadline=None)
@given(mutated())
def test_fastcheck_never_passes_what_jsonschema_rejects(doc: Any) -> None:
    assert FAST is not None
    if FAST(doc):
        assert SLOW.is_valid(doc), list(SLOW.iter_errors(doc))[:3]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(BASES))
def test_fastcheck_passes_the_valid_entries(doc: Any) -> None:
    assert FAST is not None and SLOW.is_valid(doc) and FAST(doc)


def test_unique_items_compares_numbers_as_json_schema_does() -> None:
    """Bug: ``[1, 1.0]`` passed uniqueItems here while jsonschema rejects it."""
    schema = {"type": "array", "uniqueItems": True}
    check = compile_schema(schema)
    assert check is not None
    for items, unique in (([1, 1.0], False), ([True, 1], True), (["a", "b"], True), ([1, 2], True)):
        assert Draft202012Validator(schema).is_valid(items) is unique
        assert check(items) is unique
