"""Canonical writes: every output lands whole, or the error names the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from regup.files import write_atomic, write_outputs


def test_write_outputs_writes_each_file_and_its_folders(tmp_path: Path) -> None:
    artifacts = {
        "a.json": b"{}\n",
        "site/servers/x/index.html": b"<p>x</p>",
        "site/servers/x/server.json": b"",
        "big.bin": bytes(range(256)) * 4096,
    }
    written = list(write_outputs(tmp_path, artifacts, sorted(artifacts)))
    assert written == sorted(artifacts)
    for rel, data in artifacts.items():
        assert (tmp_path / rel).read_bytes() == data
    assert not [p for p in tmp_path.rglob(".*.tmp")]


def test_write_outputs_replaces_and_writes_only_the_paths_given(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_bytes(b"old")
    (tmp_path / "new.txt").write_bytes(b"old")
    artifacts = {"keep.txt": b"new", "new.txt": b"new"}
    assert list(write_outputs(tmp_path, artifacts, ["new.txt"])) == ["new.txt"]
    assert (tmp_path / "keep.txt").read_bytes() == b"old"
    assert (tmp_path / "new.txt").read_bytes() == b"new"


def test_write_outputs_names_the_file_it_could_not_write(tmp_path: Path) -> None:
    (tmp_path / "site").write_bytes(b"a file where a folder should be")
    artifacts = {"first.txt": b"1", "site/page.html": b"2"}
    out = write_outputs(tmp_path, artifacts, ["first.txt", "site/page.html"])
    assert next(out) == "first.txt"
    with pytest.raises(OSError) as caught:
        next(out)
    assert caught.value.filename == f"{tmp_path}/site/page.html"
    assert (tmp_path / "first.txt").read_bytes() == b"1"
    assert (tmp_path / "site").read_bytes() == b"a file where a folder should be"


def test_write_atomic_keeps_the_old_file_when_the_write_fails(tmp_path: Path) -> None:
    target = tmp_path / "registry.json"
    target.write_bytes(b"old")
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [target]
