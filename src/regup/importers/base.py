"""What every import source produces: candidates to write, and what was left out and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from regup.names import UPSTREAM_DESCRIPTION_LIMIT, entry_name_from_upstream, short_description


@dataclass
class Candidate:
    """One server to import: its name in the source and its document in the authored form."""

    original: str
    document: dict[str, Any]
    name: str = ""
    notes: list[str] = field(default_factory=list)
    #: Descriptions longer than this move to ``overview``. Upstream sources keep theirs up
    #: to the authored limit: the upstream output shortens it and carries the full text in
    #: regup's own block, so converting back gives the same document.
    description_limit: int = UPSTREAM_DESCRIPTION_LIMIT


@dataclass
class GroupCandidate:
    original: str
    document: dict[str, Any]
    name: str = ""


@dataclass
class SkillCandidate:
    """One skill to import: ``namespace/name`` in the source, its name (the folder's) and
    its document in the authored form (without ``name``)."""

    original: str
    name: str
    document: dict[str, Any]


@dataclass(frozen=True)
class Skipped:
    original: str
    reason: str


@dataclass
class SourceContent:
    candidates: list[Candidate] = field(default_factory=list)
    groups: list[GroupCandidate] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    skills: list[SkillCandidate] = field(default_factory=list)


def assign_names(items: list[Any], taken: set[str]) -> list[tuple[str, str]]:
    """Give each candidate a unique sanitized name; clashes get ``-2``, ``-3``…

    Returns ``(original, name)`` pairs for every candidate that was renamed.
    """
    renamed = []
    for item in items:
        base = entry_name_from_upstream(item.original)
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
    """Keep descriptions within the upstream limit; the full text moves to ``overview``.

    An overview the source already has is kept, after the full description, so no text is
    ever dropped.
    """
    doc = candidate.document
    text = doc.get("description")
    if not isinstance(text, str) or len(text) <= candidate.description_limit:
        return
    overview = doc.get("overview")
    if not overview:
        doc["overview"] = text
    elif isinstance(overview, str) and text not in overview:
        doc["overview"] = f"{text}\n\n{overview}"
    short = short_description(text, sentence=True)
    doc["description"] = short
    candidate.notes.append(
        f"description shortened to {len(short)} characters; the full text is in overview"
    )
