"""What every import source produces: candidates to write, and what was left out and why."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from regup.validate.rules import ENTRY_NAME, UPSTREAM_DESCRIPTION_LIMIT


@dataclass
class Candidate:
    """One server to import: its name in the source and its document in the authored form."""

    original: str
    document: dict[str, Any]
    name: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class GroupCandidate:
    original: str
    document: dict[str, Any]
    name: str = ""


@dataclass(frozen=True)
class Skipped:
    original: str
    reason: str


@dataclass
class SourceContent:
    candidates: list[Candidate] = field(default_factory=list)
    groups: list[GroupCandidate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def sanitize_name(original: str) -> str:
    """An entry name for ``original``: reverse-DNS names keep their last segment.

    ``io.github.acme/Weather_Server`` → ``weather-server``. Returns "" when nothing usable
    is left.
    """
    last = original.rsplit("/", 1)[-1].lower()
    name = re.sub(r"[^a-z0-9-]+", "-", last)
    name = re.sub(r"-{2,}", "-", name).strip("-")
    if len(name) < 3:
        name = f"{name}-mcp".strip("-") if name else ""
    return name if ENTRY_NAME.match(name) else ""


def assign_names(items: list[Any], taken: set[str]) -> list[tuple[str, str]]:
    """Give each candidate a unique sanitized name; clashes get ``-2``, ``-3``…

    Returns ``(original, name)`` pairs for every candidate that was renamed.
    """
    renamed = []
    for item in items:
        base = sanitize_name(item.original)
        if not base:
            item.name = ""
            continue
        name, n = base, 2
        while name in taken:
            name, n = f"{base}-{n}", n + 1
        taken.add(name)
        item.name = name
        if name != item.original:
            renamed.append((item.original, name))
    return renamed


def shorten_description(candidate: Candidate) -> None:
    """Keep descriptions within the upstream limit; the full text moves to ``overview``."""
    doc = candidate.document
    text = doc.get("description")
    if not isinstance(text, str) or len(text) <= UPSTREAM_DESCRIPTION_LIMIT:
        return
    if not doc.get("overview"):
        doc["overview"] = text
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    if 10 <= len(first) <= UPSTREAM_DESCRIPTION_LIMIT:
        short = first
    else:
        short = text[: UPSTREAM_DESCRIPTION_LIMIT - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    doc["description"] = short
    candidate.notes.append(
        f"description shortened to {len(short)} characters; the full text is in overview"
    )
