"""What ``regup list``, ``info`` and ``search`` show: rows and rankings, as data.

The CLI renders these as tables or JSON; nothing here prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regup.install import install_texts
from regup.model import Entry, JsonDict, Registry


@dataclass(frozen=True)
class ListRow:
    name: str
    kind: str
    tier: str
    status: str
    transport: str
    stars: int | None
    description: str

    @classmethod
    def from_entry(cls, entry: Entry) -> ListRow:
        return cls(
            name=entry.name,
            kind=entry.kind.value,
            tier=entry.tier,
            status=entry.status,
            transport=entry.transport,
            stars=entry.stars,
            description=entry.description,
        )

    def to_json(self) -> JsonDict:
        return {
            "name": self.name,
            "kind": self.kind,
            "tier": self.tier,
            "status": self.status,
            "transport": self.transport,
            "stars": self.stars,
            "description": self.description,
        }


def list_rows(registry: Registry) -> list[ListRow]:
    return [ListRow.from_entry(e) for e in registry.entries]


def entry_info(entry: Entry, check: JsonDict | None = None) -> JsonDict:
    """Every field of an entry, in canonical order, with its name and kind first.

    ``check`` is the entry's last provenance result (``ProvenanceCheck.to_meta()`` of
    ``registry/provenance.json``), shown as ``provenance_check``; ``install`` holds every
    client's install snippet (:func:`regup.install.install_texts`).
    """
    doc = entry.to_document(include_name=False)
    info: JsonDict = {"name": entry.name, "kind": entry.kind.value, **doc}
    if check:
        info["provenance_check"] = check
    # The catalog's snippets, from the same install model: the two cannot disagree.
    info["install"] = install_texts(entry)
    return info


@dataclass(frozen=True)
class SearchHit:
    entry: Entry
    score: int
    matched: tuple[str, ...]

    def to_json(self) -> JsonDict:
        return {
            **ListRow.from_entry(self.entry).to_json(),
            "score": self.score,
            "matched": list(self.matched),
        }


_WORD = re.compile(r"[\w.-]+")


def _term_score(entry: Entry, term: str) -> tuple[int, list[str]]:
    # An exact tool or tag (60, 55) outranks a partial name plus text (40 + 10).
    score, where = 0, list[str]()
    name = entry.name.lower()
    if term == name:
        score, where = score + 100, [*where, "name"]
    elif term in name:
        score, where = score + 40, [*where, "name"]
    if entry.title and term in entry.title.lower():
        score, where = score + 25, [*where, "title"]
    tools = [t.lower() for t in entry.tools]
    if term in tools:
        score, where = score + 60, [*where, "tool"]
    elif any(term in t for t in tools):
        score, where = score + 15, [*where, "tool"]
    tags = [t.lower() for t in entry.tags]
    if term in tags:
        score, where = score + 55, [*where, "tag"]
    elif any(term in t for t in tags):
        score, where = score + 10, [*where, "tag"]
    if term in entry.description.lower():
        score, where = score + 10, [*where, "description"]
    return score, where


def search(registry: Registry, query: str) -> list[SearchHit]:
    """Entries matching every word of ``query`` in name, title, description, tags or tools.

    Ranked by relevance (exact name, then tool and tag matches, then text), then by stars
    and name.
    """
    terms = [t.lower() for t in _WORD.findall(query)]
    if not terms:
        return []
    hits = []
    for entry in registry.entries:
        total, matched = 0, []
        for term in terms:
            score, where = _term_score(entry, term)
            if score == 0:
                break
            total += score
            matched += where
        else:
            hits.append(SearchHit(entry, total, tuple(dict.fromkeys(matched))))
    hits.sort(key=lambda h: (-h.score, -(h.entry.stars or 0), h.entry.name))
    return hits
