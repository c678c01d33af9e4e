"""Skills in import sources: ``data.skills`` of ToolHive's upstream envelope, one
``skill.json``, or a folder of ``<name>/skill.json`` (ToolHive's catalog ``skills/``).

Each becomes a :class:`~regup.importers.base.SkillCandidate` holding the authored form,
written as ``skills/<name>/skill.yaml``: the same keys and values, so building the imported
registry gives every skill's JSON back (its namespace is kept as the source has it).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from regup.errors import ImportSourceError
from regup.importers.base import SkillCandidate, Skipped, SourceContent
from regup.importers.sources import read_file, shown

SKILL_JSON = "skill.json"
#: How many skills a folder source may hold.
MAX_FOLDER_SKILLS = 10_000


def looks_like_skill(data: Any) -> bool:
    """One skill document: a mapping with ``description``, ``version`` and a ``namespace``
    beside a name without ``/`` (a server.json's name is ``<namespace>/<name>``), and none
    of a registry's keys."""
    if not isinstance(data, Mapping):
        return False
    name = data.get("name")
    return (
        isinstance(data.get("description"), str)
        and "version" in data
        and isinstance(data.get("namespace"), str)
        and not (isinstance(name, str) and "/" in name)
        and not {"servers", "remote_servers", "data", "remotes", "$schema"} & set(data)
    )


def envelope_skills(data: Any) -> list[Any]:
    """``data.skills`` of an upstream envelope (empty when it has none)."""
    inner = data.get("data") if isinstance(data, Mapping) else None
    skills = inner.get("skills") if isinstance(inner, Mapping) else None
    if skills is None:
        return []
    if not isinstance(skills, list):
        raise ImportSourceError("data.skills must be an array of skill objects")
    return skills


def add_skills(content: SourceContent, items: list[Any], where: str) -> SourceContent:
    """``content`` with a candidate for each skill of ``items``; a skill without a usable
    name is reported as skipped."""
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            content.skipped.append(Skipped(f"{where}[{index}]", "a skill must be an object"))
            continue
        name = item.get("name")
        if not isinstance(name, str) or not name:
            content.skipped.append(Skipped(f"{where}[{index}]", "the skill has no name"))
            continue
        document = {k: v for k, v in item.items() if k != "name"}
        namespace = item.get("namespace")
        original = f"{namespace}/{name}" if isinstance(namespace, str) else name
        content.skills.append(SkillCandidate(original=original, name=name, document=document))
    return content


def read_skill_folder(folder: Path) -> SourceContent:
    """Every ``<name>/skill.json`` of ``folder`` (its own ``skills/`` when it has one).

    Raises :class:`ImportSourceError` when it holds none.
    """
    base = folder / "skills" if (folder / "skills").is_dir() else folder
    files = sorted(p for p in base.glob(f"*/{SKILL_JSON}") if p.is_file())[:MAX_FOLDER_SKILLS]
    if not files:
        raise ImportSourceError(
            f"{shown(str(folder))} is a folder without <name>/{SKILL_JSON} files; give a "
            "registry file, a skill.json or a folder of skills"
        )
    content = SourceContent()
    for path in files:
        data = read_file(path)
        if not looks_like_skill(data):
            content.skipped.append(Skipped(str(path), "not a skill document"))
            continue
        if data.get("name") != path.parent.name:
            content.skipped.append(
                Skipped(str(path), f"its name is not its folder's ({path.parent.name})")
            )
            continue
        add_skills(content, [data], str(path))
    return content
