"""The one error hierarchy of regup.

Run-level failures raise a :class:`RegupError`; the CLI turns it into ``Error: <message>``
and exit 1. Problems inside an entry are never raised: they are
:class:`regup.diagnostics.Diagnostic` values. Every message says what to do about it.
"""

from __future__ import annotations

from pathlib import Path


class RegupError(Exception):
    """Base class of every error regup reports to a person."""

    exit_code = 1


class ConfigError(RegupError):
    """The configuration file or a command-line setting cannot be used."""

    @classmethod
    def bad_file(cls, path: Path, why: str) -> ConfigError:
        return cls(f"{path}: {why}. Fix the file or pass another one with --config.")


class LoadError(RegupError):
    """The registry folder (not one entry in it) cannot be read."""

    @classmethod
    def missing_registry(cls, path: Path) -> LoadError:
        return cls(
            f"registry folder {path} does not exist. Run regup from the folder that holds "
            "registry/, or pass --registry DIR."
        )


class InvalidRegistryError(RegupError):
    """The registry has entries with errors, so nothing was written."""

    def __init__(self, error_count: int) -> None:
        self.error_count = error_count
        noun = "error" if error_count == 1 else "errors"
        super().__init__(
            f"the registry has {error_count} {noun}; nothing was written. "
            "Run `regup validate` to see them, fix them, then build again."
        )


class NotFoundError(RegupError):
    """A named entry or group does not exist."""


class OutputError(RegupError):
    """An output file could not be written."""

    @classmethod
    def from_os_error(cls, path: Path, exc: OSError) -> OutputError:
        return cls(
            f"cannot write {path}: {exc.strerror or exc}. Check that the folder is writable."
        )


class CheckFailedError(RegupError):
    """A ``--check`` run found that committed outputs are out of date."""


class DiffInputError(RegupError):
    """One side of ``regup diff`` cannot be read (not a file, folder or git ref we understand)."""


class NetworkError(RegupError):
    """A remote service could not be reached or answered badly."""


class ImportSourceError(RegupError):
    """An import source cannot be read or has the wrong shape."""


class WriteBackError(RegupError):
    """An entry file could not be updated in place."""


class ProvenanceError(RegupError):
    """Provenance verification cannot run (not: an entry failed it, which is a result)."""


class LedgerError(RegupError):
    """The versions ledger (registry/versions.json) cannot be read."""


class McpServerError(RegupError):
    """An MCP server could not be started, reached or asked for its tools."""


class HealthError(RegupError):
    """Health checks cannot run, or their state file is unreadable (not: a server is unwell,
    which is a result)."""
