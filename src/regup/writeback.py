"""The only module that writes into ``registry/``.

New entry files (from ``regup import``) are written whole and atomically; an existing
file is replaced only when the caller asked to overwrite it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from regup.emit.canonical import write_atomic
from regup.errors import WriteBackError


def write_registry_files(registry_dir: Path, files: Mapping[str, str]) -> list[Path]:
    """Write ``{relative path: text}`` below ``registry_dir``; returns the paths written.

    Raises :class:`WriteBackError` when a file cannot be written (files written before
    it stay complete; none is left half-written).
    """
    written: list[Path] = []
    for rel, text in sorted(files.items()):
        target = registry_dir / rel
        try:
            write_atomic(target, text.encode("utf-8"))
        except OSError as exc:
            raise WriteBackError(
                f"cannot write {target}: {exc.strerror or exc}. "
                f"{len(written)} file(s) were written before this one; check permissions and rerun."
            ) from None
        written.append(target)
    return written
