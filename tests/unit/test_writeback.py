"""Write-back: metadata updated in place, every other byte kept (golden files in cases/writeback)."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest

from regup import yamledit
from regup.errors import WriteBackError
from regup.load import read_document
from regup.writeback import (
    MetadataValue,
    apply_fields,
    apply_metadata,
    update_fields,
    update_metadata,
    write_registry_files,
)
from regup.yamlio import load_yaml
from tests.helpers import CASES_DIR

GOLDEN = sorted(p for p in (CASES_DIR / "writeback").iterdir() if p.is_dir())


def _changed_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=0)
    return [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))]


@pytest.fixture(params=["libyaml", "ruamel"])
def composer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both composers must give the same bytes."""
    monkeypatch.setattr(yamledit, "USE_LIBYAML", request.param == "libyaml")
    return str(request.param)


@pytest.mark.parametrize("case", GOLDEN, ids=[p.name for p in GOLDEN])
def test_golden_files_change_only_the_metadata_values(case: Path, composer: str) -> None:
    before = (case / "before.yaml").read_bytes().decode()
    wanted: dict[str, Any] = json.loads((case / "wanted.json").read_text())
    after = apply_metadata(before, wanted)
    assert after == (case / "after.yaml").read_bytes().decode()
    for line in _changed_lines(before, after):
        assert any(k in line for k in ("stars", "pulls", "last_updated", "metadata")), line
    data = load_yaml(after).data
    expected = {k: v for k, v in wanted.items() if v is not None}
    assert data["metadata"] == expected


def test_the_reference_style_file_keeps_comments_and_ignore_markers(tmp_path: Path) -> None:
    case = CASES_DIR / "writeback" / "commented"
    path = tmp_path / "weather" / "spec.yaml"
    path.parent.mkdir()
    path.write_bytes((case / "before.yaml").read_bytes())
    assert update_metadata(path, json.loads((case / "wanted.json").read_text())) is True
    text = path.read_text()
    assert "# regup: ignore[image-latest] no version tags yet" in text
    assert "\n\n\nimage:" in text  # two blank lines kept
    assert "-   get_conditions" in text
    # the suppression comment still silences the warning on the same line
    assert read_document(path, "entry").suppressed


def test_crlf_files_keep_their_line_endings(composer: str) -> None:
    before = (
        "description: x\r\nmetadata:\r\n  stars: 1\r\n  last_updated: '2025-01-01T00:00:00Z'\r\n"
    )
    after = apply_metadata(
        before, {"stars": 2, "pulls": 300, "last_updated": "2026-01-01T00:00:00Z"}
    )
    assert after == (
        "description: x\r\nmetadata:\r\n  stars: 2\r\n  pulls: 300\r\n"
        "  last_updated: '2026-01-01T00:00:00Z'\r\n"
    )


def test_a_file_without_final_newline_gets_the_key_on_its_own_line() -> None:
    before = "description: x\nmetadata:\n  stars: 1"
    after = apply_metadata(before, {"stars": 1, "pulls": 5})
    assert after == "description: x\nmetadata:\n  stars: 1\n  pulls: 5\n"


def test_removing_every_key_removes_the_block_but_not_the_next_comment() -> None:
    before = "a: 1\nmetadata:\n  pulls: 5  # old\n# about b\nb: 2\n"
    assert apply_metadata(before, {"pulls": None}) == "a: 1\n# about b\nb: 2\n"


def test_unchanged_values_leave_the_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("a: 1\nmetadata:\n  stars: 3\n")
    stat = path.stat()
    assert update_metadata(path, {"stars": 3}) is False
    assert path.stat().st_mtime_ns == stat.st_mtime_ns


def test_an_edit_that_would_change_other_values_is_refused(tmp_path: Path) -> None:
    # the metadata mapping is shared through an anchor: editing it would change `copy` too
    text = "metadata: &m\n  stars: 3\ncopy: *m\n"
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    with pytest.raises(WriteBackError, match="would change other values"):
        update_metadata(path, {"stars": 4})
    assert path.read_text() == text
    assert [p.name for p in tmp_path.iterdir()] == ["spec.yaml"]  # no temporary file left


@pytest.mark.parametrize(
    "text",
    ["- a\n- b\n", "metadata: 3\n", "metadata:\n  stars: [1, 2]\n", "a: [\n"],
)
def test_files_it_cannot_edit_safely_raise(text: str) -> None:
    with pytest.raises(WriteBackError):
        apply_metadata(text, {"stars": 4})


def test_unknown_keys_are_a_bug_not_an_edit() -> None:
    with pytest.raises(WriteBackError, match="bug"):
        apply_metadata("a: 1\n", {"description": "x"})


def test_unreadable_file_is_a_write_back_error(tmp_path: Path) -> None:
    with pytest.raises(WriteBackError, match="cannot read"):
        update_metadata(tmp_path / "missing.yaml", {"stars": 1})


def test_write_registry_files_still_writes_whole_files(tmp_path: Path) -> None:
    written = write_registry_files(tmp_path, {"a/spec.yaml": "x: 1\n"})
    assert written == [tmp_path / "a" / "spec.yaml"]
    assert written[0].read_text() == "x: 1\n"


# --- server.json sources ---------------------------------------------------------------------


def _catalog_server(reference_dir: Path, tmp_path: Path, name: str) -> Path:
    source = reference_dir / "toolhive-catalog" / "servers" / name / "server.json"
    target = tmp_path / "registry" / name / "server.json"
    target.parent.mkdir(parents=True)
    target.write_bytes(source.read_bytes())
    return target


def _loaded(path: Path) -> Any:
    from regup.validate import validate_documents

    result = validate_documents([read_document(path, "entry")])
    assert [d for d in result.diagnostics if d.severity.value == "error"] == []
    return result.registry.entries[0]


def test_a_server_json_source_gets_its_metadata_where_the_loader_reads_it(
    reference_dir: Path, tmp_path: Path
) -> None:
    path = _catalog_server(reference_dir, tmp_path, "k8s")
    before = json.loads(path.read_text())
    wanted: dict[str, MetadataValue] = {
        "stars": 4321,
        "pulls": 99,
        "last_updated": "2026-12-01T00:00:00Z",
    }
    assert update_metadata(path, wanted) is True
    after = json.loads(path.read_text())
    entry = _loaded(path)
    assert (entry.stars, entry.pulls, entry.last_updated) == (4321, 99, wanted["last_updated"])
    # nothing else changed, and the key order is the file's own
    provided = after["_meta"]["io.modelcontextprotocol.registry/publisher-provided"]
    block = next(iter(provided["io.github.stacklok"].values()))
    assert block["metadata"]["stars"] == 4321
    assert provided["io.github.regup"] == {"pulls": 99}
    del provided["io.github.regup"]
    old_block = next(
        iter(
            before["_meta"]["io.modelcontextprotocol.registry/publisher-provided"][
                "io.github.stacklok"
            ].values()
        )
    )
    old_block["metadata"] = {
        **old_block.get("metadata", {}),
        "stars": 4321,
        "last_updated": wanted["last_updated"],
    }
    assert after == before
    assert list(after) == list(before)
    assert path.read_text().startswith('{\n  "')  # its two-space indentation kept


def test_unchanged_server_json_metadata_leaves_the_file_untouched(
    reference_dir: Path, tmp_path: Path
) -> None:
    path = _catalog_server(reference_dir, tmp_path, "k8s")
    entry = _loaded(path)
    raw = path.read_bytes()
    wanted: dict[str, MetadataValue] = {
        "stars": entry.stars,
        "pulls": None,
        "last_updated": entry.last_updated,
    }
    assert update_metadata(path, wanted) is False
    assert path.read_bytes() == raw


def test_a_server_json_without_toolhives_block_is_a_write_back_error(tmp_path: Path) -> None:
    path = tmp_path / "fetch" / "server.json"
    path.parent.mkdir()
    path.write_text('{"name": "io.github.example/fetch", "_meta": {}}\n')
    with pytest.raises(WriteBackError, match="io.github.stacklok"):
        update_metadata(path, {"stars": 1})
    assert path.read_text() == '{"name": "io.github.example/fetch", "_meta": {}}\n'


# -- top-level fields (refresh --bump) ------------------------------------------------------

BUMPABLE = (
    "# the entry\r\n"
    "image: ghcr.io/acme/fetch:1.2.3 # pinned\r\n"
    "version: '1.2.3'\r\n"
    "\r\n"
    "description: Fetches.\r\n"
)


def test_fields_replace_only_their_values_in_the_files_style(composer: str) -> None:
    out = apply_fields(
        BUMPABLE,
        {"image": "ghcr.io/acme/fetch:1.3.0", "version": "1.3.0"},
        {"image": "ghcr.io/acme/fetch:1.2.3", "version": "1.2.3"},
    )
    assert out == BUMPABLE.replace("1.2.3", "1.3.0")


def test_a_plain_value_that_would_read_back_differently_is_quoted() -> None:
    out = apply_fields("version: next\n", {"version": "1.3"}, {"version": "next"})
    assert out == "version: '1.3'\n"  # plain 1.3 would read back as a number
    out = apply_fields("version: next\n", {"version": "1.3.0"}, {"version": "next"})
    assert out == "version: 1.3.0\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("image: ghcr.io/acme/fetch:9.9.9\n", "changed while regup was working"),
        ("image: [ghcr.io/acme/fetch:1.2.3]\n", "image is not a plain value"),
        ("description: no image\n", "image is not a plain value"),
    ],
)
def test_fields_refuse_what_they_cannot_edit_safely(text: str, message: str) -> None:
    with pytest.raises(WriteBackError, match=message):
        apply_fields(
            text, {"image": "ghcr.io/acme/fetch:1.3.0"}, {"image": "ghcr.io/acme/fetch:1.2.3"}
        )


def test_update_fields_writes_spec_yaml_only(tmp_path: Path) -> None:
    spec = tmp_path / "fetch" / "spec.yaml"
    spec.parent.mkdir()
    spec.write_bytes(BUMPABLE.encode())
    wanted = {"image": "ghcr.io/acme/fetch:1.3.0"}
    assert update_fields(spec, wanted, {"image": "ghcr.io/acme/fetch:1.2.3"})
    assert spec.read_bytes() == BUMPABLE.replace("fetch:1.2.3", "fetch:1.3.0").encode()
    assert not update_fields(spec, wanted, wanted)
    server = tmp_path / "fetch" / "server.json"
    server.write_text("{}")
    with pytest.raises(WriteBackError, match="only spec.yaml entries"):
        update_fields(server, wanted, wanted)
