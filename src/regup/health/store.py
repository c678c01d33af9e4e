"""Writing ``registry/health.json`` (its format is :mod:`regup.healthstate`'s)."""

from __future__ import annotations

import os
from pathlib import Path

from regup.healthstate import STATE_FILE, HealthState, state_path
from regup.writeback import write_registry_files


def save_health(registry_dir: Path, state: HealthState) -> bool:
    """Write the state file atomically if its content changed; returns whether it did.

    Raises :class:`regup.errors.WriteBackError` when it cannot be written.
    """
    data = state.dumps()
    path = state_path(registry_dir)
    if not state.entries and not os.path.lexists(path):
        return False  # nothing checked, nothing to keep: no empty file
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_registry_files(registry_dir, {STATE_FILE: data.decode()})
    return True
