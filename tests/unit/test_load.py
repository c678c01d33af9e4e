"""``load``: every folder of the registry gives a document or diagnostics, never an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from regup.errors import LoadError
from regup.load import MAX_FILE_BYTES, find_suppressions, load_paths, load_registry
from tests.helpers import container, write_registry


def test_each_folder_gives_one_document_and_hidden_ones_are_skipped(tmp_path: Path) -> None:
    registry = write_registry(tmp_path / "registry", fetch=container(), tracker=container())
    (registry / ".git").mkdir()
    (registry / "_drafts").mkdir()
    (registry / "README.md").write_text("not an entry")
    docs = load_registry(registry)
    assert [d.name for d in docs] == ["fetch", "tracker"]
    assert all(d.data and not d.diagnostics for d in docs)
    assert ("image",) in docs[0].positions.values


def test_a_broken_folder_never_hides_the_others(tmp_path: Path) -> None:
    registry = write_registry(tmp_path / "registry", good=container())
    (registry / "empty").mkdir()
    (registry / "huge").mkdir()
    (registry / "huge" / "spec.yaml").write_text("x: " + "y" * (MAX_FILE_BYTES + 1))
    (registry / "binary").mkdir()
    (registry / "binary" / "spec.yaml").write_bytes(b"\xff\xfe\x00")
    (registry / "bad-yaml").mkdir()
    (registry / "bad-yaml" / "spec.yaml").write_text("a: [\n")
    rules = {d.name: [x.rule for x in d.diagnostics] for d in load_registry(registry)}
    assert rules["good"] == []
    assert rules["empty"] == ["folder-layout"]
    assert rules["huge"] == ["file-too-large"]
    assert rules["binary"] == ["file-encoding"]
    assert rules["bad-yaml"] == ["yaml-syntax"]


def test_a_missing_registry_raises_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="--registry DIR"):
        load_registry(tmp_path / "nope")


def test_targets_select_entries_and_files_outside(tmp_path: Path) -> None:
    registry = write_registry(tmp_path / "registry", fetch=container(), other=container())
    outside = tmp_path / "draft.yaml"
    outside.write_text((registry / "fetch" / "spec.yaml").read_text())
    docs, selected = load_paths(registry, ["fetch", str(outside)])
    assert len(docs) == 3 and len(selected) == 2
    with pytest.raises(LoadError, match="neither an entry"):
        load_paths(registry, ["missing"])


def test_suppressions_apply_to_their_line_or_the_next() -> None:
    text = "a: 1  # regup: ignore[image-latest]\n# regup: ignore[x, y]\nb: 2\n"
    assert find_suppressions(text) == {1: frozenset({"image-latest"}), 3: frozenset({"x", "y"})}
