"""Semantic rules of skills: what the skill schema cannot say.

Each check gets the :class:`~regup.skill.Skill` built from a document that passed the
schema and reports at the line and column where the value was written. Rule ids are
documented in :data:`regup.validate.rules.RULES` with the entry rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from regup.diagnostics import Diagnostic
from regup.imageref import ImageRef, ImageRefError
from regup.model import GIT, OCI, Skill
from regup.resources import load_schema
from regup.validate.rules import PlacedReporter, is_http_url
from regup.yamlio import YamlPath, format_path

#: A skill's name: ToolHive's pattern, 2 to 64 characters (the schema's ``maxLength``).
SKILL_NAME_PATTERN: str = load_schema("skill.schema.json")["properties"]["name"]["pattern"]
SKILL_NAME = re.compile(SKILL_NAME_PATTERN)
#: Reverse-DNS namespaces, as ``regup.toml``'s ``namespace`` is checked.
_NAMESPACE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]$")
#: Fields each kind of package may not have.
_FOREIGN = {
    OCI: ("url", "ref", "commit", "subfolder"),
    GIT: ("identifier", "digest", "mediaType"),
}
_ATTRS = {
    "url": "url",
    "ref": "ref",
    "commit": "commit",
    "subfolder": "subfolder",
    "identifier": "identifier",
    "digest": "digest",
    "mediaType": "media_type",
}


class SkillChecker(PlacedReporter):
    """Collects the diagnostics of one skill, placed where each value was written."""

    def __init__(self, skill: Skill) -> None:
        super().__init__(skill.name, skill.source)
        self.skill = skill


SkillCheck = Callable[[Skill, SkillChecker], None]
SKILL_CHECKS: list[SkillCheck] = []


def skill_check(func: SkillCheck) -> SkillCheck:
    SKILL_CHECKS.append(func)
    return func


@skill_check
def _name(skill: Skill, c: SkillChecker) -> None:
    if not SKILL_NAME.match(skill.name):
        c.report(
            "skill-name",
            (),
            f"skill folder name {skill.name!r} must be lowercase letters, digits and '-' "
            "(2 to 64 characters, not starting or ending with '-')",
        )


@skill_check
def _namespace(skill: Skill, c: SkillChecker) -> None:
    if skill.namespace is not None and not _NAMESPACE.match(skill.namespace):
        c.report(
            "skill-namespace",
            ("namespace",),
            f"namespace {skill.namespace!r} is not a reverse-DNS name such as io.github.my-org "
            "(letters, digits, '.' and '-'); or leave it out to use the registry's",
        )


@skill_check
def _packages(skill: Skill, c: SkillChecker) -> None:
    if not skill.packages:
        c.report(
            "skill-no-package",
            (),
            "the skill has no packages, so `thv skill install` cannot fetch it; add an oci "
            "package (identifier) or a git package (url, ref, subfolder)",
        )
    seen: set[tuple[str, str]] = set()
    for i, package in enumerate(skill.packages):
        base: YamlPath = ("packages", i)
        for key in _FOREIGN[package.registry_type]:
            if getattr(package, _ATTRS[key]) is not None:
                c.report(
                    "skill-package",
                    (*base, key),
                    f"{key} does not belong to a {package.registry_type} package",
                    key=True,
                )
        if package.is_oci:
            if package.identifier is None:
                c.report(
                    "skill-package",
                    base,
                    "an oci package needs identifier, the OCI reference of the skill artifact",
                )
                continue
            _oci_identifier(package.identifier, (*base, "identifier"), c)
        else:
            if package.url is None:
                c.report("skill-package", base, "a git package needs url, the repository to clone")
                continue
            if not _is_git_url(package.url):
                path = (*base, "url")
                c.report(
                    "url-scheme",
                    path,
                    f"{format_path(path)} {package.url!r} must be an https:// (or git://) URL",
                )
        marker = (package.registry_type, package.reference)
        if marker in seen:
            c.report("duplicate-item", base, f"package {package.reference} is listed twice")
        seen.add(marker)


def _is_git_url(text: str) -> bool:
    """What ToolHive clones from a registry's git package: https, http or git URLs
    (``pkg/skills/skillsvc/registry.go``: buildGitReferenceFromRegistryURL)."""
    if text.startswith("git://"):
        return is_http_url("https://" + text.removeprefix("git://"))
    return is_http_url(text)


def _oci_identifier(identifier: str, path: YamlPath, c: SkillChecker) -> None:
    try:
        ref = ImageRef.parse(identifier)
    except ImageRefError as exc:
        c.report(
            "image-ref", path, f"identifier {identifier!r} is not a valid OCI reference: {exc}"
        )
        return
    if ref.is_latest_or_untagged:
        what = "uses :latest" if ref.tag == "latest" else "has no tag"
        c.report("image-latest", path, f"identifier {identifier} {what}; pin a version tag")


@skill_check
def _urls(skill: Skill, c: SkillChecker) -> None:
    if skill.repository is not None and not is_http_url(skill.repository.url):
        path: YamlPath = ("repository", "url")
        c.report(
            "url-scheme",
            path,
            f"{format_path(path)} {skill.repository.url!r} must be an http(s) URL",
        )


def check_skill(skill: Skill) -> list[Diagnostic]:
    """Every semantic diagnostic of one skill."""
    checker = SkillChecker(skill)
    for check in SKILL_CHECKS:
        check(skill, checker)
    return checker.found
