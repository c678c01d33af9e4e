"""``regup new NAME --skill``: a new ``registry/skills/NAME/skill.yaml`` that passes
``regup validate``.

The CLI gathers a :class:`NewSkillRequest` from flags; :func:`create_skill` renders the
document in ToolHive's key order, validates the text exactly as ``regup validate`` would,
and only then writes it through :mod:`regup.writeback`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regup.diagnostics import Severity
from regup.errors import ConfigError
from regup.load import SKILLS_FOLDER, RawDocument, display_path, parse_document
from regup.model import Source
from regup.validate import validate_documents
from regup.validate.skills import SKILL_NAME
from regup.writeback import write_registry_files
from regup.yamlio import SourceMap, dump_yaml

SKILL_YAML = "skill.yaml"


@dataclass(frozen=True)
class GitSpec:
    """``URL[@REF][#SUBFOLDER]``, the way ToolHive writes a git skill reference."""

    url: str
    ref: str | None = None
    subfolder: str | None = None

    @classmethod
    def parse(cls, text: str) -> GitSpec:
        """Raises ValueError for text without a URL."""
        rest, _, subfolder = text.strip().partition("#")
        scheme, sep, tail = rest.partition("://")
        ref = None
        if "@" in tail:
            tail, ref = tail.rsplit("@", 1)
        url = f"{scheme}{sep}{tail}"
        if not sep or not tail:
            raise ValueError(
                f"{text!r}: write URL[@REF][#SUBFOLDER], e.g. https://github.com/o/r@v1#skills/x"
            )
        return cls(url, ref or None, subfolder.strip("/") or None)

    def to_document(self) -> dict[str, Any]:
        out: dict[str, Any] = {"registryType": "git", "url": self.url}
        if self.ref:
            out["ref"] = self.ref
        if self.subfolder:
            out["subfolder"] = self.subfolder
        return out


@dataclass(frozen=True)
class NewSkillRequest:
    registry_dir: Path
    name: str
    description: str
    version: str
    title: str | None = None
    license: str | None = None
    repository_url: str | None = None
    oci: str | None = None
    git: GitSpec | None = None
    overwrite: bool = False


@dataclass(frozen=True)
class NewSkillResult:
    path: Path
    text: str
    written: bool
    warnings: tuple[str, ...] = ()


def skill_document(request: NewSkillRequest) -> dict[str, Any]:
    """The authored document, keys in ToolHive's order; the namespace is the registry's."""
    doc: dict[str, Any] = {}
    if request.title:
        doc["title"] = request.title
    doc["description"] = request.description
    doc["version"] = request.version
    if request.license:
        doc["license"] = request.license
    repository = request.repository_url or (request.git.url if request.git else None)
    if repository:
        doc["repository"] = {"url": repository, "type": "git"}
    packages: list[dict[str, Any]] = []
    if request.oci:
        packages.append({"registryType": "oci", "identifier": request.oci})
    if request.git:
        packages.append(request.git.to_document())
    if packages:
        doc["packages"] = packages
    return doc


def create_skill(request: NewSkillRequest, *, dry_run: bool = False) -> NewSkillResult:
    """Write ``registry/skills/NAME/skill.yaml`` (``dry_run``: only render it).

    Raises :class:`ConfigError` for a bad name, an existing skill (without ``overwrite``)
    or a skill that would not validate; :class:`~regup.errors.WriteBackError` when the file
    cannot be written.
    """
    name = request.name.strip()
    if not SKILL_NAME.match(name):
        raise ConfigError(
            f"{name!r} is not a valid skill name: lowercase letters, digits and '-', 2 to 64 "
            "characters, no '-' at either end"
        )
    rel = f"{SKILLS_FOLDER}/{name}/{SKILL_YAML}"
    path = request.registry_dir / rel
    if path.parent.exists() and not request.overwrite:
        raise ConfigError(
            f"{display_path(path.parent)} already exists; pick another name, or pass "
            "--overwrite to replace its skill.yaml"
        )
    text = dump_yaml(skill_document(request))
    doc = RawDocument(name, "skill", Source(path, display_path(path), SourceMap()))
    result = validate_documents([parse_document(doc, text)])
    lines = [f"{d.path}:{d.line}:{d.col}: {d.message} [{d.rule}]" for d in result.diagnostics]
    if result.errors:
        problems = [
            line
            for line, d in zip(lines, result.diagnostics, strict=True)
            if d.severity is Severity.ERROR
        ]
        raise ConfigError(
            "the skill would not pass validation, so nothing was written:\n  "
            + "\n  ".join(problems)
        )
    if not dry_run:
        write_registry_files(request.registry_dir, {rel: text})
    return NewSkillResult(path, text, not dry_run, tuple(lines))
