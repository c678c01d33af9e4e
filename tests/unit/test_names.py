"""``names``: one entry-name rule, read from the schema, used by every reader and writer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from regup.importers import ImportRequest, run_import
from regup.importers.base import Candidate, shorten_description
from regup.names import (
    DESCRIPTION_MIN,
    ENTRY_NAME_MAX,
    ENTRY_NAME_PATTERN,
    UPSTREAM_DESCRIPTION_LIMIT,
    entry_name_from_upstream,
    is_entry_name,
    short_description,
    upstream_name,
)
from regup.resources import load_schema, schemas_dir
from tests.unit.test_importers_upstream import OCI_SERVER


def _name_patterns(node: Any, key: str = "") -> Iterator[str]:
    """Every pattern of the schemas that states what an entry or group name looks like."""
    if isinstance(node, dict):
        if key in {"name", "servers", "remote_servers", "items"} and "pattern" in node:
            yield node["pattern"]
        yield from node.get("patternProperties", {})
        for k, v in node.items():
            yield from _name_patterns(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from _name_patterns(item, key)


#: Skills follow ToolHive's skill-name pattern (2 to 64 characters), not the entry names'.
SKILL_SCHEMA = "skill.schema.json"


@pytest.mark.parametrize(
    "schema", sorted(p.name for p in schemas_dir().glob("*.json") if p.name != SKILL_SCHEMA)
)
def test_every_schema_states_the_one_entry_name_pattern(schema: str) -> None:
    found = [p for p in _name_patterns(load_schema(schema)) if p.startswith("^[a-z0-9][a-z0-9-]")]
    assert found, f"{schema} states no entry-name pattern"
    assert set(found) == {ENTRY_NAME_PATTERN}


def test_the_skill_schema_states_the_one_skill_name_pattern() -> None:
    from regup.validate.skills import SKILL_NAME, SKILL_NAME_PATTERN

    assert list(_name_patterns(load_schema(SKILL_SCHEMA))) == [SKILL_NAME_PATTERN]
    assert all(SKILL_NAME.match(n) for n in ("ab", "find-bugs", "a" * 64))
    assert not any(SKILL_NAME.match(n) for n in ("a", "a" * 65, "-ab", "Ab", "a_b"))


def test_the_pattern_is_the_documented_one() -> None:
    assert all(is_entry_name(n) for n in ("abc", "a-b", "fetch", "x0-9"))
    assert not any(is_entry_name(n) for n in ("ab", "-abc", "abc-", "Abc", "a_b", "a.b"))


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("io.github.stacklok/fetch", "fetch"),
        ("com.example/My_Server.v2", "my-server-v2"),
        ("com.example/ab", "ab-mcp"),
        ("x", "x-mcp"),
        ("com.example/***", ""),
    ],
)
def test_entry_name_from_upstream(original: str, expected: str) -> None:
    assert entry_name_from_upstream(original) == expected
    if expected:
        assert entry_name_from_upstream(upstream_name(expected, "io.github.x")) == expected


def test_import_of_a_two_letter_upstream_name_gives_its_mcp_name(tmp_path: Path) -> None:
    """Bug: the importer's own rule named ``com.example/ab`` ``ab-mcp``, but the upstream
    reader refused it as giving "no usable entry name ('ab')"."""
    server = json.loads(
        json.dumps(OCI_SERVER).replace("io.github.acme/weather-server", "com.example/ab")
    )
    source = tmp_path / "server.json"
    source.write_text(json.dumps(server))
    result = run_import(ImportRequest(str(source), tmp_path / "registry"))
    assert result.skipped == [] and result.written == ["ab-mcp/spec.yaml"]


def test_short_description_cuts_at_a_word_or_takes_the_first_sentence() -> None:
    text = "Looks up the weather. " + "It knows every city on earth and many more places. " * 3
    assert short_description(text, sentence=True) == "Looks up the weather."
    cut = short_description(text)
    assert len(cut) <= UPSTREAM_DESCRIPTION_LIMIT and cut.endswith("…")
    assert short_description("Exactly   this.") == "Exactly this."
    assert len(short_description("x" * 300)) == UPSTREAM_DESCRIPTION_LIMIT
    assert len(short_description("Tiny. " + "word " * 40, sentence=True)) > DESCRIPTION_MIN


def test_a_shortened_description_never_drops_text(tmp_path: Path) -> None:
    """Attack (hardening): a 5,000,000-character description and an overview; the note said
    "the full text is in overview" but the old overview was kept and the text dropped."""
    long = "A server that does many things. " + "word " * 1_000_000
    candidate = Candidate("x", {"description": long, "overview": "The old overview."})
    shorten_description(candidate)
    overview = candidate.document["overview"]
    assert long in overview and "The old overview." in overview
    assert len(candidate.document["description"]) <= UPSTREAM_DESCRIPTION_LIMIT


def test_a_name_longer_than_the_maximum_is_no_entry_name() -> None:
    """Attack: a 250-character folder name validated, then the build failed half-way."""
    assert (
        ENTRY_NAME_MAX == 100 == load_schema("spec.schema.json")["properties"]["name"]["maxLength"]
    )
    assert is_entry_name("a" * ENTRY_NAME_MAX)
    assert not is_entry_name("a" * (ENTRY_NAME_MAX + 1))
    assert not is_entry_name("a" * 250)


def test_an_upstream_name_longer_than_the_maximum_is_cut_to_it() -> None:
    name = entry_name_from_upstream("com.example/" + "weather-" * 30)
    assert is_entry_name(name) and len(name) <= ENTRY_NAME_MAX and name.startswith("weather-")
