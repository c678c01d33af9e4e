"""The catalog's skills: the list with its status and licence filters, a page per skill, and
each skill's JSON beside its page.

Page contexts are the documented dataclasses of :mod:`regup.site.pages`; this module
prepares every value they show (badges, package rows, the install commands).
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

from regup.checks import ProvenanceCheck
from regup.emit.api import skill_dir
from regup.emit.canonical import Artifacts
from regup.jsonio import dump_json
from regup.model import Skill
from regup.site.contexts import SiteContext, chrome
from regup.site.install import skill_snippets
from regup.site.pages import (
    Badge,
    CountLink,
    FacetGroup,
    Link,
    PackageRow,
    SkillCard,
    SkillPage,
    SkillsPage,
    Stat,
)
from regup.site.paths import (
    SKILL_FACETS,
    SKILLS_PATH,
    root_of,
    skill_filter_path,
    skill_path,
)
from regup.site.wording import OUTCOME_LABELS

#: What each filter is called on the page, and the value a skill without a licence has.
_FACET_TITLES = {"status": "Status", "license": "Licence"}
NO_LICENSE = "no licence stated"
_STATUS_TONES = {"active": "good", "deprecated": "bad", "archived": "warn"}


def namespace_of(site: SiteContext, skill: Skill) -> str:
    return skill.namespace or site.config.namespace


def page_path(site: SiteContext, skill: Skill) -> str:
    """Where the skill's page is: its own namespace's skills have the short path."""
    own = namespace_of(site, skill) == site.config.namespace
    return skill_path(skill.name, None if own else namespace_of(site, skill))


def install_name(site: SiteContext, skill: Skill) -> str:
    """The name ``thv skill install`` takes: the plain name, or ``<namespace>/<name>`` when
    another skill of the registry has the same name (ToolHive refuses an ambiguous name)."""
    same = [s for s in site.registry.skills if s.name == skill.name]
    return skill.qualified_name(site.config.namespace) if len(same) > 1 else skill.name


def facet_values(skill: Skill, facet: str) -> tuple[str, ...]:
    if facet == "status":
        return (skill.effective_status,)
    return (skill.license or NO_LICENSE,)


def badges(skill: Skill, check: ProvenanceCheck | None = None) -> tuple[Badge, ...]:
    """Status, licence, package kinds, and the stored provenance outcome of its oci package
    (``regup verify``), when there is one."""
    status = skill.effective_status
    out = [Badge(status, _STATUS_TONES.get(status, "neutral"), "Status of the skill")]
    if check is not None:
        label, tone = OUTCOME_LABELS[check.outcome]
        out.append(Badge(label, tone, check.detail or "Checked by regup verify"))
    out.append(Badge(skill.license or NO_LICENSE, "neutral", "Licence (SPDX identifier)"))
    for kind, title in (("oci", "Installable as an OCI artifact"), ("git", "Fetched from Git")):
        if any(p.registry_type == kind for p in skill.packages):
            out.append(Badge(kind.upper() if kind == "oci" else "Git", "info", title))
    return tuple(out)


def _source(skill: Skill) -> str:
    url = (
        skill.repository.url
        if skill.repository
        else next((p.url for p in skill.git_packages if p.url), "")
    )
    parts = urlsplit(url or "")
    return f"{parts.hostname}{parts.path.rstrip('/')}" if parts.hostname else ""


def card(site: SiteContext, skill: Skill, root: str) -> SkillCard:
    return SkillCard(
        name=skill.name,
        href=root + page_path(site, skill),
        title=skill.display_name,
        description=skill.description,
        badges=badges(skill),
        source=_source(skill),
        inactive=skill.inactive,
    )


def _ordered(skills: tuple[Skill, ...]) -> list[Skill]:
    """Active skills first, then by name."""
    return sorted(skills, key=lambda s: (s.inactive, s.name, s.namespace or ""))


def filter_groups(site: SiteContext, root: str) -> tuple[FacetGroup, ...]:
    groups = []
    for facet in SKILL_FACETS:
        counts = Counter(v for s in site.registry.skills for v in facet_values(s, facet))
        links = tuple(
            CountLink(value, root + skill_filter_path(facet, value), counts[value])
            for value in sorted(counts)
        )
        groups.append(FacetGroup(_FACET_TITLES[facet], links))
    return tuple(groups)


def skills_pages(site: SiteContext) -> list[tuple[str, SkillsPage]]:
    """The list of every skill, and one list per status and per licence."""
    pages: list[tuple[str, SkillsPage]] = []
    everything = _ordered(site.registry.skills)
    count = len(everything)
    root = root_of(SKILLS_PATH)
    pages.append(
        (
            SKILLS_PATH,
            SkillsPage(
                chrome=chrome(site, SKILLS_PATH),
                title="Skills",
                intro=(
                    f"{count} agent skill{'s' if count != 1 else ''}: instructions and files "
                    "an AI client loads when a task calls for them. Install one with "
                    "thv skill install and its name."
                ),
                filters=filter_groups(site, root),
                skills=tuple(card(site, s, root) for s in everything),
                total=count,
            ),
        )
    )
    for facet in SKILL_FACETS:
        values = sorted({v for s in everything for v in facet_values(s, facet)})
        for value in values:
            path = skill_filter_path(facet, value)
            root = root_of(path)
            chosen = [s for s in everything if value in facet_values(s, facet)]
            what = f"with status {value}" if facet == "status" else f"licensed {value}"
            if value == NO_LICENSE:
                what = "without a stated licence"
            pages.append(
                (
                    path,
                    SkillsPage(
                        chrome=chrome(site, path),
                        title=f"Skills {what}",
                        intro=f"{len(chosen)} of {count} skills.",
                        filters=filter_groups(site, root),
                        skills=tuple(card(site, s, root) for s in chosen),
                        total=len(chosen),
                    ),
                )
            )
    return pages


def _package_row(package_kind: str, reference: str, details: list[Stat]) -> PackageRow:
    return PackageRow(package_kind, reference, tuple(details))


def package_rows(skill: Skill) -> tuple[PackageRow, ...]:
    rows = []
    for package in skill.packages:
        if package.is_oci:
            details = [
                Stat(label, value)
                for label, value in (("Digest", package.digest), ("Media type", package.media_type))
                if value
            ]
            rows.append(_package_row("OCI artifact", package.identifier or "", details))
        else:
            details = [
                Stat(label, value)
                for label, value in (
                    ("Ref", package.ref),
                    ("Commit", package.commit),
                    ("Folder", package.subfolder),
                )
                if value
            ]
            rows.append(_package_row("Git folder", package.url or "", details))
    return tuple(rows)


def skill_page(site: SiteContext, skill: Skill) -> SkillPage:
    path = page_path(site, skill)
    root = root_of(path)
    namespace = namespace_of(site, skill)
    facts = [Stat("Version", skill.version), Stat("Namespace", namespace)]
    facts.append(Stat("Licence", skill.license or NO_LICENSE))
    if skill.compatibility:
        facts.append(Stat("Needs", skill.compatibility))
    notice = None
    if skill.inactive:
        notice = (
            f"This skill is {skill.effective_status}: it stays listed, but its publisher no "
            "longer recommends installing it."
        )
    links = []
    if skill.repository is not None:
        links.append(Link("Source repository", skill.repository.url))
    links.append(Link("skill.json", "skill.json"))
    links.append(Link("API document", f"{root}{skill_dir(namespace, skill.name)}/"))
    return SkillPage(
        chrome=chrome(site, path),
        name=skill.name,
        qualified_name=f"{namespace}/{skill.name}",
        title=skill.display_name,
        description=skill.description,
        badges=badges(skill, site.provenance.get(skill.state_key(site.config.namespace))),
        notice=notice,
        facts=tuple(facts),
        snippets=tuple(skill_snippets(install_name(site, skill), site.base_url)),
        packages=package_rows(skill),
        allowed_tools=skill.allowed_tools,
        links=tuple(links),
    )


def skill_json(site: SiteContext, skill: Skill) -> Artifacts:
    """The skill's payload (toolhive-core's form) beside its page."""
    payload = skill.payload(site.config.namespace)
    return {f"{page_path(site, skill)}skill.json": dump_json(payload)}
