"""Canonical writes: every output lands whole, or the error names the file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import regup.files
from regup.files import debris, remove_debris, replace_folder, write_atomic, write_outputs
from tests.helpers import dead_pid


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


def test_a_rewrite_keeps_the_file_mode(tmp_path: Path) -> None:
    secret = tmp_path / "spec.yaml"
    secret.write_bytes(b"old")
    secret.chmod(0o600)
    write_atomic(secret, b"new")
    assert secret.read_bytes() == b"new"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_a_symlinked_file_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "shared" / "spec.yaml"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "entry" / "spec.yaml"
    link.parent.mkdir()
    link.symlink_to(Path("..") / "shared" / "spec.yaml")
    write_atomic(link, b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"


def test_temporary_files_of_killed_writes_are_found_and_removed(tmp_path: Path) -> None:
    dead, alive = dead_pid(), os.getpid()
    (tmp_path / "a" / "b").mkdir(parents=True)
    left = [tmp_path / f".spec.yaml.{dead}.tmp", tmp_path / "a" / "b" / f".x.json.{dead}.tmp"]
    busy = tmp_path / "a" / f".y.json.{alive}.tmp"  # this process may be writing it now
    mine = tmp_path / "a" / "notes.tmp"  # not ours: no dot, no pid
    for path in [*left, busy, mine]:
        path.write_bytes(b"")
    assert debris(tmp_path) == sorted(left)
    assert debris(tmp_path, depth=0) == [left[0]]
    assert remove_debris(tmp_path) == sorted(left)
    assert not any(p.exists() for p in left)
    assert busy.exists() and mine.exists()


def test_write_atomic_removes_what_a_killed_write_of_the_same_file_left(tmp_path: Path) -> None:
    dead = dead_pid()
    ours = tmp_path / f".spec.yaml.{dead}.tmp"
    other = tmp_path / f".spec.yaml.bak.{dead}.tmp"
    ours.write_bytes(b"")
    other.write_bytes(b"")
    write_atomic(tmp_path / "spec.yaml", b"new")
    assert not ours.exists()
    assert other.exists()  # another file's: left to the run that writes that one


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_replace_folder_makes_a_new_folder(tmp_path: Path) -> None:
    replace_folder(tmp_path / "index", {"a.json": b"1", "sub/b.pf": b"2"})
    assert _tree(tmp_path / "index") == {"a.json": b"1", "sub/b.pf": b"2"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two-renames"])
def test_replace_folder_swaps_the_folder_whole_and_keeps_foreign_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exchange: bool
) -> None:
    if not exchange:  # a file system without renameat2's exchange
        monkeypatch.setattr(regup.files, "_exchange", lambda first, second: False)
    folder = tmp_path / "index"
    replace_folder(folder, {"old.json": b"old", "keep/x": b"x", "same": b"s"})
    (folder / "mine.txt").write_bytes(b"someone else's")
    before = folder.stat().st_ino
    replace_folder(folder, {"new.json": b"new", "same": b"s2"}, keep=lambda rel: rel == "mine.txt")
    assert _tree(folder) == {"new.json": b"new", "same": b"s2", "mine.txt": b"someone else's"}
    assert folder.stat().st_ino != before  # a new folder, not the old one rewritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]  # nothing left aside


def test_a_folder_an_interrupted_swap_left_is_debris(tmp_path: Path) -> None:
    left = tmp_path / "site" / f".pagefind.{dead_pid()}.tmp"
    (left / "fragment").mkdir(parents=True)
    (left / "fragment" / "a.pf").write_bytes(b"half")
    mine = tmp_path / "site" / f".pagefind.{os.getpid()}.tmp"
    mine.mkdir()
    assert debris(tmp_path) == [left]
    assert remove_debris(tmp_path) == [left]
    assert not left.exists() and mine.exists()
