"""Writing ``registry/health.json`` (its format is :mod:`regup.healthstate`'s)."""

from __future__ import annotations

from pathlib import Path

from regup.healthstate import STATE_FILE, HealthState
from regup.writeback import write_registry_file_if_changed


def save_health(registry_dir: Path, state: HealthState) -> bool:
    """Write the state file atomically if its content changed; returns whether it did
    (nothing checked and no file yet: no empty file).

    Raises :class:`regup.errors.WriteBackError` when it cannot be written.
    """
    empty = HealthState().dumps()
    return write_registry_file_if_changed(registry_dir, STATE_FILE, state.dumps(), skip_empty=empty)
