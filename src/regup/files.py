"""Writing files: every file regup writes goes through a temporary file and a rename.

Readers see the old file or the new one, never a part; a failed write leaves the previous
content in place.
"""

from __future__ import annotations

import contextlib
import os
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
