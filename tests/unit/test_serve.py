"""``serve.DirectoryFiles``: cached reads that still see every change and never leave the folder."""

from __future__ import annotations

import os
from pathlib import Path

from regup.serve import DirectoryFiles, _accepts_gzip, etag_of


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(b"one")
    files = DirectoryFiles(tmp_path)
    assert files.read("a.json") == b"one"
    (tmp_path / "a.json").write_bytes(b"two!")  # a rebuild: new size
    assert files.read("a.json") == b"two!"
    replacement = tmp_path / ".new"
    replacement.write_bytes(b"tri!")  # same size, new inode (atomic rename, as builds do)
    os.replace(replacement, tmp_path / "a.json")
    assert files.read("a.json") == b"tri!"


def test_a_file_swapped_for_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "a.json").write_bytes(b"inside")
    (tmp_path / "secret").write_bytes(b"outside")
    files = DirectoryFiles(root)
    assert files.read("a.json") == b"inside"
    (root / "a.json").unlink()
    (root / "a.json").symlink_to(tmp_path / "secret")
    assert files.read("a.json") is None


def test_folders_and_missing_files_are_none(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    files = DirectoryFiles(tmp_path)
    assert files.read("dir") is None
    assert files.read("nope.json") is None
    assert files.read("bad\x00name") is None


def test_etag_depends_on_the_bytes_only() -> None:
    assert etag_of(b"x" * 10) == etag_of(bytes(b"x" * 10))
    assert etag_of(b"x") != etag_of(b"y")


def test_accept_encoding_is_parsed_with_q_values() -> None:
    assert _accepts_gzip("gzip, deflate, br")
    assert _accepts_gzip("br;q=1.0, *;q=0.5")
    assert not _accepts_gzip("gzip;q=0")
    assert not _accepts_gzip("identity")
    assert not _accepts_gzip("")
