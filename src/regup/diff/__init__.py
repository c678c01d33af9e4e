"""``regup diff``: what changed between two versions of a registry, server by server.

Three steps; :func:`diff` does the first two:

- ``snapshot``: **reading one side** of a comparison into a :class:`Snapshot` (:func:`read_snapshot`): a
  ToolHive ``registry.json``, a ``dist/`` folder (its ``registry.json``), a registry folder,
  or a git ref, whose registry folder is read from git's object store into a temporary
  folder, then loaded and validated in memory; the work tree is never touched;
- ``compare``: **comparing** two snapshots into typed :class:`Change` values (:func:`compare`). Changes
  that deserve a security review are flagged: a widened permission, a secret that lost its
  flag, an image from another repository, a remote on another host, provenance removed or
  signed by someone else, new OAuth scopes;
- :mod:`regup.report.diff` (the reporting package): **rendering** the result as text, Markdown (pull-request comments, release notes) or JSON
  (:data:`FORMATS`).

The result types and the kinds of change (:data:`CHANGE_KINDS`, which the documentation
shows) are in ``types``.
"""

from __future__ import annotations

from pathlib import Path

from regup.diff.compare import compare, entry_changes, permission_changes
from regup.diff.snapshot import Snapshot, read_snapshot
from regup.diff.types import CHANGE_KINDS, Change, GroupDiff, RegistryDiff, ServerDiff, Status


def diff(old: str, new: str, *, registry_dir: Path, cwd: Path | None = None) -> RegistryDiff:
    """Read both sides and compare them; raises :class:`~regup.errors.DiffInputError`."""
    return compare(
        read_snapshot(old, registry_dir=registry_dir, cwd=cwd),
        read_snapshot(new, registry_dir=registry_dir, cwd=cwd),
    )


__all__ = [
    "CHANGE_KINDS",
    "Change",
    "GroupDiff",
    "RegistryDiff",
    "ServerDiff",
    "Status",
    "Snapshot",
    "read_snapshot",
    "compare",
    "entry_changes",
    "permission_changes",
    "diff",
]
