"""Property tests: random and mutated YAML never makes the loader or validator raise.

Every failure must come back as a :class:`~regup.diagnostics.Diagnostic` with a real
position; only :func:`regup.yamlio.load_yaml` itself may raise, and only
:class:`~regup.yamlio.YamlSyntaxError`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regup.diagnostics import Diagnostic, Severity
from regup.load import RawDocument, parse_document, read_document
from regup.model import Source
from regup.validate import validate_documents
from regup.validate.rules import RULES
from regup.yamlio import SourceMap, YamlSyntaxError, load_yaml
from tests.helpers import CONTAINER, REMOTE, to_yaml

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

BASES = [to_yaml(CONTAINER), to_yaml(REMOTE)]
KEYS = sorted(
    {*CONTAINER, *REMOTE, "title", "overview", "target_port", "permissions", "name", "url"}
)

# Text a file can hold once decoded from UTF-8: no lone surrogates.
yaml_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=400)
scalars: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", "yes", "no", "~", ".inf", "0x1F", "2025-01-01", "http://[::1", "a" * 600]),
)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from([*KEYS, "name", "description", "x"]), children, max_size=4),
    ),
    max_leaves=12,
)


def document(text: str, kind: str = "entry") -> RawDocument:
    doc = RawDocument(
        "fetch",
        "entry" if kind == "entry" else "group",
        Source(Path("spec.yaml"), "spec.yaml", SourceMap()),
    )
    return parse_document(doc, text)


def check_diagnostics(found: list[Diagnostic], text: str) -> None:
    lines = max(1, text.count("\n") + 1)
    for d in found:
        assert isinstance(d, Diagnostic)
        assert d.line >= 1 and d.col >= 1, d
        assert d.line <= lines + 1, (d, lines)
        assert d.severity in (Severity.ERROR, Severity.WARNING)
        assert d.rule in RULES, d.rule
        assert d.message


def run_everything(text: str, kind: str = "entry") -> list[Diagnostic]:
    try:
        load_yaml(text)
    except YamlSyntaxError as exc:
        assert exc.problem.line >= 1 and exc.problem.col >= 1
        assert exc.problem.rule in RULES
    result = validate_documents([document(text, kind)])
    check_diagnostics(result.diagnostics, text)
    return result.diagnostics


@SETTINGS
@given(yaml_text)
def test_random_text(text: str) -> None:
    run_everything(text)


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from(["spec.yaml", "group.yaml"]))
def test_random_bytes_from_disk(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fetch" / name
        path.parent.mkdir()
        path.write_bytes(data)
        doc = read_document(path, "group" if name == "group.yaml" else "entry")
        result = validate_documents([doc])
        check_diagnostics(result.diagnostics, data.decode("utf-8", "replace"))


@SETTINGS
@given(
    st.sampled_from([0, 1]),
    st.lists(st.tuples(st.sampled_from(KEYS), values), max_size=4),
    st.sets(st.sampled_from(KEYS), max_size=3),
)
def test_mutated_keys_and_values(
    base: int, changes: list[tuple[str, Any]], removed: set[str]
) -> None:
    """Start from a valid entry; replace values with other types and drop keys."""
    data = dict(CONTAINER if base == 0 else REMOTE)
    for key in removed:
        data.pop(key, None)
    for key, value in changes:
        data[key] = value
    try:
        text = to_yaml(data)
    except Exception:  # PyYAML cannot write some values (e.g. huge floats): not our concern
        return
    run_everything(text)


@SETTINGS
@given(
    st.sampled_from(BASES),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=40),
            st.sampled_from(
                ["indent", "dedent", "tab", "drop", "dup", "colon", "quote", "anchor", "tag"]
            ),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_lines(base: str, edits: list[tuple[int, str]]) -> None:
    """Start from a valid file; break indentation, duplicate lines, add tags and anchors."""
    lines = base.splitlines()
    for index, edit in edits:
        if not lines:
            break
        i = index % len(lines)
        line = lines[i]
        if edit == "indent":
            lines[i] = "  " + line
        elif edit == "dedent":
            lines[i] = line.lstrip()
        elif edit == "tab":
            lines[i] = "\t" + line
        elif edit == "drop":
            del lines[i]
        elif edit == "dup":
            lines.insert(i, line)
        elif edit == "colon":
            lines[i] = line.replace(":", "", 1)
        elif edit == "quote":
            lines[i] = line + ' "'
        elif edit == "anchor":
            lines[i] = line.replace(": ", ": &a ", 1) + "\nalias_here: *a"
        elif edit == "tag":
            lines[i] = line.replace(": ", ": !!python/object ", 1)
    run_everything("\n".join(lines) + "\n")


@SETTINGS
@given(values)
def test_any_value_as_a_group(value: Any) -> None:
    try:
        text = to_yaml({"description": "Some servers together.", "servers": value})
    except Exception:
        return
    run_everything(text, "group")


def test_valid_bases_are_valid() -> None:
    """The mutations start from files with no diagnostics at all."""
    for text in BASES:
        assert run_everything(text) == []
