"""``jsonio.dump_json``: always the standard library's canonical bytes, whatever the value."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regup.jsonio import dump_json


def reference(value: Any, compact: bool) -> bytes:
    separators = (",", ":") if compact else None
    text = json.dumps(
        value,
        indent=None if compact else 2,
        separators=separators,
        sort_keys=True,
        ensure_ascii=False,
        allow_nan=False,
    )
    return (text + "\n").encode()


TEXT = st.characters(exclude_categories=["Cs"])  # lone surrogates cannot be UTF-8

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(TEXT, max_size=20)
    | st.sampled_from(["1e-05", "0.00001", "null", "sha256:3e-4", "1.0.20250211"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(TEXT, max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(values, st.booleans())
def test_same_bytes_as_the_standard_library(value: Any, compact: bool) -> None:
    assert dump_json(value, compact=compact) == reference(value, compact)


@pytest.mark.parametrize(
    "value",
    [1e-07, 1e16, 1.5e16, 2.5e-05, 5e-324, -0.0, 2**64, -(2**63) - 1, 2**63 - 1, {"a": None}],
)
def test_values_orjson_writes_otherwise(value: Any) -> None:
    for compact in (False, True):
        assert dump_json({"v": [value]}, compact=compact) == reference({"v": [value]}, compact)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, {"a": [math.nan]}])
def test_nan_and_infinity_are_refused(value: Any) -> None:
    for compact in (False, True):
        with pytest.raises(ValueError):
            dump_json(value, compact=compact)


def test_keys_are_sorted_and_text_is_utf8() -> None:
    assert dump_json({"b": 1, "a": "é"}) == '{\n  "a": "é",\n  "b": 1\n}\n'.encode()
    assert dump_json({"b": 1, "a": "é"}, compact=True) == '{"a":"é","b":1}\n'.encode()


def test_a_value_json_cannot_hold_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        dump_json({"a": object()})
    with pytest.raises(TypeError):
        dump_json({1: "a", "b": 2})


# --- load_json: the bounded reader of JSON others wrote ----------------------------------


def test_load_json_turns_every_decoder_failure_into_one_error() -> None:
    from regup.jsonio import JsonInputError, load_json

    cases: dict[str | bytes, str] = {
        "[" * 100_000 + "]" * 100_000: "JSON nested too deeply to read",
        "[[[1]]]": "JSON nested more than 2 levels deep",
        '{\n "n": ' + "9" * 5000 + "}": "a number has more than 4300 digits",
        b"\xff": "not UTF-8 text",
        '{"a":': "not valid JSON",
    }
    for text, message in cases.items():
        with pytest.raises(JsonInputError, match=message) as caught:
            load_json(text, max_depth=2)
        assert isinstance(caught.value, ValueError)
    with pytest.raises(JsonInputError) as caught:
        load_json('{\n "n": ' + "9" * 5000 + "}")
    assert (caught.value.line, caught.value.col) == (2, 7)
    assert load_json(b'[[1], {"a": [2]}]', max_depth=3) == [[1], {"a": [2]}]


def test_nesting_exceeds_walks_any_depth_without_recursion() -> None:
    from regup.jsonio import nesting_exceeds

    deep: Any = 1
    for _ in range(100_000):
        deep = [deep]
    assert nesting_exceeds(deep, 64)
    assert not nesting_exceeds({"a": [1, {"b": 2}]}, 3)
    assert nesting_exceeds({"a": [1, {"b": []}]}, 3)
    assert not nesting_exceeds("text", 0)
