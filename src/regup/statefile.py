"""The committed state files beside the entries: ``registry/provenance.json`` (``regup
verify``), ``registry/health.json`` (``regup check``) and ``registry/versions.json`` (the
versions ledger ``regup build`` keeps).

All three are one JSON object ``{"version": N, "entries": {<entry name>: …}}``, written
with sorted keys, two-space indent and a final newline, read with a size and depth bound and
only from inside the registry folder. This module is that shared envelope; each state module
says what one entry's record is. Writing goes through :mod:`regup.writeback`
(:func:`~regup.writeback.write_registry_file_if_changed`), the only code that writes into the
registry folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from regup.errors import RegupError
from regup.files import UnsafeFileError, read_input_file
from regup.jsonio import dump_json, load_json

T = TypeVar("T")


@dataclass(frozen=True)
class StateFile:
    """One kind of committed state file."""

    #: The file's name inside the registry folder.
    name: str
    #: The format version the file says it is (``"version"``).
    version: int
    #: What the file is, for messages: "a valid <what>".
    what: str
    #: What to do about a malformed file, the end of its error message.
    remedy: str
    #: The error a malformed or unsafe file raises.
    error: type[RegupError]
    max_bytes: int = 64 * 1024 * 1024
    max_depth: int = 16

    def path(self, registry_dir: Path) -> Path:
        return registry_dir / self.name

    def dumps(self, entries: Mapping[str, Any]) -> bytes:
        """The file's bytes for ``entries`` (already JSON values), in name order."""
        doc = {"version": self.version, "entries": {n: entries[n] for n in sorted(entries)}}
        return dump_json(doc)

    def loads(self, data: bytes, where: str, parse: Callable[[dict[str, Any]], T]) -> T:
        """``parse`` of the file's ``entries`` object.

        ``parse`` raises ``ValueError``, ``KeyError`` or ``TypeError`` for a malformed record;
        every such problem becomes :attr:`error` naming ``where`` and the remedy.
        """
        try:
            doc = load_json(data, max_depth=self.max_depth)
            if not isinstance(doc, dict) or doc.get("version") != self.version:
                raise ValueError(f"expected a JSON object with version {self.version}")
            entries = doc.get("entries") or {}
            if not isinstance(entries, dict):
                raise ValueError("entries must be an object")
            return parse(entries)
        except (ValueError, KeyError, TypeError) as exc:
            raise self.error(f"{where} is not a valid {self.what} ({exc}). {self.remedy}") from None

    def load(self, registry_dir: Path, parse: Callable[[dict[str, Any]], T]) -> T | None:
        """The committed file's entries through ``parse``; None when there is no file yet.

        Raises :attr:`error` when the file exists but is malformed or unsafe.
        """
        path = self.path(registry_dir)
        if not os.path.lexists(path):
            return None
        try:
            data = read_input_file(path, limit=self.max_bytes, inside=registry_dir)
        except UnsafeFileError as exc:
            raise self.error(f"cannot read {path}: {exc.message} [{exc.rule}]") from None
        return self.loads(data, str(path), parse)
