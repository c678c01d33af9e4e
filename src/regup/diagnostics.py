"""Diagnostics: the values every check produces and every reporter prints."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem found in one file, at a 1-based line and column."""

    path: str
    line: int
    col: int
    severity: Severity
    rule: str
    message: str

    def as_error(self) -> Diagnostic:
        """The same diagnostic raised to an error (``--strict``)."""
        if self.severity is Severity.ERROR:
            return self
        return Diagnostic(self.path, self.line, self.col, Severity.ERROR, self.rule, self.message)

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "severity": self.severity.value,
            "rule": self.rule,
            "message": self.message,
        }


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics in file, line, column order, duplicates removed."""
    return sorted(set(diagnostics), key=lambda d: (d.path, d.line, d.col, d.rule, d.message))


def count_errors(diagnostics: Iterable[Diagnostic]) -> int:
    return sum(1 for d in diagnostics if d.severity is Severity.ERROR)
