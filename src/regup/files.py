"""Files: every file regup writes goes through a temporary file and a rename, and every
input file someone else wrote is read with bounds (:func:`read_input_file`).

Readers see the old file or the new one, never a part; a failed write leaves the previous
content in place.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Readers see the old file or the new one, never a part. ``durable`` also flushes the
    file to disk before the rename (hand-written registry files); build outputs, which can
    be rebuilt, skip it because thousands of fsyncs dominate a large build.
    Raises OSError; the previous file stays intact on failure.
    """
    for _ in write_outputs(path.parent, {path.name: data}, [path.name], durable=durable):
        pass


def write_outputs(
    out_dir: Path, artifacts: Mapping[str, bytes], paths: Iterable[str], *, durable: bool = False
) -> Iterator[str]:
    """Write each of ``paths`` (keys of ``artifacts``) under ``out_dir`` as
    :func:`write_atomic` does (not ``durable`` unless asked: build outputs can be rebuilt);
    yields each path once its file is in place.

    Plain ``os`` calls, and every folder made once: for tens of thousands of files, Python's
    file objects and a ``stat`` of the folder per file cost more than the writing. Raises
    OSError with the file's path in ``filename``; that file keeps its previous content.
    """
    made: set[str] = set()
    suffix = f".{os.getpid()}.tmp"
    root = os.fspath(out_dir)
    for rel in paths:
        target = f"{root}/{rel}"
        folder, _, name = target.rpartition("/")
        tmp = f"{folder}/.{name}{suffix}"
        try:
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                view = memoryview(artifacts[rel])
                while view:
                    view = view[os.write(fd, view) :]
                if durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                exc.filename = target
            raise
        yield rel


def stale_files(out_dir: Path, artifacts: Mapping[str, bytes]) -> list[str]:
    """Artifacts whose file in ``out_dir`` is missing or has other bytes."""
    stale = []
    for rel, data in sorted(artifacts.items()):
        target = out_dir / rel
        try:
            if target.read_bytes() != data:
                stale.append(rel)
        except OSError:
            stale.append(rel)
    return stale


class UnsafeFileError(Exception):
    """An input file that regup will not read; ``rule`` is the diagnostic's rule id.

    The message never quotes the target of a symlink or anything of the file's content.
    """

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def read_input_file(path: Path, *, limit: int, inside: Path | None = None) -> bytes:
    """The bytes of ``path``, an input file someone else may have written.

    Only a regular file of at most ``limit`` bytes is read, and with ``inside`` only one whose
    real location (symlinks followed) is in that folder: a symlink to ``/etc/passwd``, a
    device such as ``/dev/zero``, a FIFO that would block, or a file that grows while it is
    read is refused before anything is read. Raises :class:`UnsafeFileError`.
    """
    if inside is not None:
        real = os.path.realpath(path)
        root = os.path.realpath(inside)
        if os.path.commonpath([real, root]) != root:
            raise UnsafeFileError(
                "symlink-outside",
                "the file is a symlink to a place outside the registry folder; "
                "entry files must live in the registry itself",
            )
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UnsafeFileError(
            "file-unreadable", f"cannot read the file: {exc.strerror or exc}"
        ) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFileError(
                "file-not-regular", "not a regular file (a device, FIFO, socket or folder)"
            )
        if st.st_size > limit:
            raise UnsafeFileError("file-too-large", f"the file is larger than {limit} bytes")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise UnsafeFileError("file-too-large", f"the file is larger than {limit} bytes")
        return b"".join(chunks)
    except OSError as exc:
        raise UnsafeFileError(
            "file-unreadable", f"cannot read the file: {exc.strerror or exc}"
        ) from None
    finally:
        os.close(fd)
