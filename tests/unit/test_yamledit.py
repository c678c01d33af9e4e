"""``yamledit``: spans of keys and values, and edits of those spans only."""

from __future__ import annotations

import pytest

from regup import yamledit
from regup.yamledit import (
    Edit,
    YamlEditError,
    apply_edits,
    kind,
    line_end,
    line_start,
    newline_of,
    top_mapping,
)

TEXT = "# header\nname: fetch   # the name\ntools:\n  - a\n  - b\nmeta: {x: 1}\n"


@pytest.fixture(params=["libyaml", "ruamel"])
def composer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(yamledit, "USE_LIBYAML", request.param == "libyaml")
    return str(request.param)


def _spans(text: str) -> list[tuple[str, str, str]]:
    root = top_mapping(text)
    return [(k.value, kind(v), text[v.start_mark.index : v.end_mark.index]) for k, v in root.value]


def test_both_composers_give_the_same_spans(composer: str) -> None:
    assert _spans(TEXT) == [
        ("name", "ScalarNode", "fetch"),
        ("tools", "SequenceNode", "- a\n  - b\n"),
        ("meta", "MappingNode", "{x: 1}"),
    ]


def test_edits_replace_only_their_characters(composer: str) -> None:
    root = top_mapping(TEXT)
    name = root.value[0][1]
    meta = root.value[2][1]
    out = apply_edits(
        TEXT,
        [
            Edit(meta.start_mark.index, meta.end_mark.index, "{x: 2}"),
            Edit(name.start_mark.index, name.end_mark.index, "fetch-plus"),
        ],
    )
    assert out == TEXT.replace("name: fetch ", "name: fetch-plus ").replace("{x: 1}", "{x: 2}")
    assert "# the name" in out and out.startswith("# header\n")


def test_line_helpers() -> None:
    at = TEXT.index("tools")
    assert TEXT[line_start(TEXT, at) : line_end(TEXT, at)] == "tools:\n"
    assert line_end("no newline", 3) == len("no newline")
    assert newline_of("a\r\nb\r\n") == "\r\n" and newline_of("a\nb") == "\n"


@pytest.mark.parametrize("text", ["- a\n- b\n", "{a: 1}\n", "", "just text\n"])
def test_what_is_not_a_block_mapping_is_refused(composer: str, text: str) -> None:
    with pytest.raises(YamlEditError, match="block mapping"):
        top_mapping(text)


def test_broken_yaml_is_an_edit_error(composer: str) -> None:
    with pytest.raises(YamlEditError, match="cannot read the YAML"):
        top_mapping("a: [\n")
