"""What ``regup list``, ``info`` and ``search`` show: rows and rankings, as data.

The CLI renders these as tables or JSON; nothing here prints.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regup.install import install_texts
from regup.model import Entry, JsonDict, Registry, Skill


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
            status=entry.status_label,
            transport=entry.transport,
            stars=entry.stars,
            description=entry.description,
        )

    @classmethod
    def from_skill(cls, skill: Skill) -> ListRow:
        """A skill in the same table: kind ``skill``, no tier, transport or stars."""
        return cls(
            name=skill.name,
            kind="skill",
            tier="",
            status=skill.effective_status,
            transport="",
            stars=None,
            description=skill.description,
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


@dataclass(frozen=True)
class SkillRow:
    """A skill as ``regup list --skills`` shows it."""

    name: str
    namespace: str
    version: str
    status: str
    license: str
    packages: str
    description: str

    @classmethod
    def from_skill(cls, skill: Skill, namespace: str) -> SkillRow:
        return cls(
            name=skill.name,
            namespace=skill.namespace or namespace,
            version=skill.version,
            status=skill.effective_status,
            license=skill.license or "",
            packages=", ".join(dict.fromkeys(p.registry_type for p in skill.packages)),
            description=skill.description,
        )

    def to_json(self) -> JsonDict:
        return {
            "name": self.name,
            "namespace": self.namespace,
            "version": self.version,
            "status": self.status,
            "license": self.license or None,
            "packages": self.packages.split(", ") if self.packages else [],
            "description": self.description,
        }


def skill_rows(registry: Registry, namespace: str) -> list[SkillRow]:
    return [SkillRow.from_skill(s, namespace) for s in registry.skills]


def skill_info(skill: Skill, namespace: str) -> JsonDict:
    """Every field of a skill, in ToolHive's order, with kind ``skill`` after its name."""
    payload = skill.payload(namespace)
    return {"name": payload.pop("name"), "kind": "skill", **payload}


def entry_info(
    entry: Entry, check: JsonDict | None = None, card: list[JsonDict] | None = None
) -> JsonDict:
    """Every field of an entry, in canonical order, with its name and kind first.

    ``check`` is the entry's last provenance result (``ProvenanceCheck.to_meta()`` of
    ``registry/provenance.json``), shown as ``provenance_check``; ``install`` holds every
    client's install snippet (:func:`regup.install.install_texts`); ``card`` is the score
    card (:meth:`regup.scorecard.ScoreCard.to_json`), shown as ``score_card``.
    """
    doc = entry.to_document(include_name=False)
    info: JsonDict = {"name": entry.name, "kind": entry.kind.value, **doc}
    if check:
        info["provenance_check"] = check
    if card is not None:
        info["score_card"] = card
    # The catalog's snippets, from the same install model: the two cannot disagree.
    info["install"] = install_texts(entry)
    return info


@dataclass(frozen=True)
class SearchHit:
    """A server (``entry``) or a skill (``skill``) that matched, and where."""

    entry: Entry | None
    score: int
    matched: tuple[str, ...]
    skill: Skill | None = None

    @property
    def row(self) -> ListRow:
        if self.entry is not None:
            return ListRow.from_entry(self.entry)
        assert self.skill is not None
        return ListRow.from_skill(self.skill)

    @property
    def stars(self) -> int:
        return (self.entry.stars or 0) if self.entry is not None else 0

    def to_json(self) -> JsonDict:
        return {**self.row.to_json(), "score": self.score, "matched": list(self.matched)}


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


def _skill_term_score(skill: Skill, term: str) -> tuple[int, list[str]]:
    """A skill scores as a server does: name, title, allowed tools, description."""
    score, where = 0, list[str]()
    name = skill.name.lower()
    if term == name:
        score, where = score + 100, [*where, "name"]
    elif term in name:
        score, where = score + 40, [*where, "name"]
    if skill.title and term in skill.title.lower():
        score, where = score + 25, [*where, "title"]
    if any(term in t.lower() for t in skill.allowed_tools):
        score, where = score + 15, [*where, "tool"]
    if term in skill.description.lower():
        score, where = score + 10, [*where, "description"]
    return score, where


def search(registry: Registry, query: str) -> list[SearchHit]:
    """Entries and skills matching every word of ``query`` in name, title, description,
    tags or tools (a skill's allowed tools).

    Ranked by relevance (exact name, then tool and tag matches, then text), then by stars
    and name; a server before a skill of the same name and score.
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
    for skill in registry.skills:
        total, matched = 0, []
        for term in terms:
            score, where = _skill_term_score(skill, term)
            if score == 0:
                break
            total += score
            matched += where
        else:
            hits.append(SearchHit(None, total, tuple(dict.fromkeys(matched)), skill=skill))
    hits.sort(key=lambda h: (-h.score, -h.stars, h.row.name, h.skill is not None))
    return hits
