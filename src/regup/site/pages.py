"""The page contexts of the catalog: one documented dataclass per page, and the small
values they are made of.

Each field is documented with :func:`doc`; a test checks that every documented field is used
by its template and that every page field is documented. Templates only loop and print.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from regup.scorecard import ScoreCard
from regup.site.install import Fill, InstallLink, Snippet


def doc(text: str, default: Any = dataclasses.MISSING) -> Any:
    """A dataclass field with its documentation (``metadata["doc"]``)."""
    if default is dataclasses.MISSING:
        return field(metadata={"doc": text})
    return field(default=default, metadata={"doc": text})


# --- small shared values -------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A link: its text and its href (relative to the page unless absolute)."""

    label: str
    href: str


@dataclass(frozen=True)
class CountLink:
    """A facet value: its label, its page, how many servers carry it."""

    label: str
    href: str
    count: int


@dataclass(frozen=True)
class FacetGroup:
    """One facet (tier, status, …) with a link per value."""

    title: str
    links: tuple[CountLink, ...]
    more: Link | None = None


@dataclass(frozen=True)
class Badge:
    """A short label with a tone (``good``, ``bad``, ``warn``, ``neutral``, ``info``)."""

    label: str
    tone: str
    title: str = ""


@dataclass(frozen=True)
class ServerCard:
    """A server as a list item: name, title, description, badges and figures."""

    name: str
    href: str
    title: str
    description: str
    badges: tuple[Badge, ...]
    tools_count: int
    stars: str
    updated: str
    deprecated: bool = False
    #: The entry's icon (a path relative to the page) or, without one, its monogram.
    icon: str | None = None
    monogram: str = ""
    tint: str = "info"
    #: The card rendered by ``_card.html``; filled (once per card) by :mod:`regup.site.render`.
    html: Markup = Markup("")


@dataclass(frozen=True)
class Chrome:
    """What every page shares: the registry's name, navigation, assets, canonical URL."""

    registry_name: str
    root: str
    stylesheet: str
    script: str
    icon: str
    search_href: str
    #: Where search forms land without JavaScript: every server with its tags and tools.
    every_href: str
    nav: tuple[Link, ...]
    canonical: str | None
    feed_href: str
    repository_url: str | None


@dataclass(frozen=True)
class ConfigRow:
    """One env var or header of a server's configuration table."""

    name: str
    where: str
    required: bool
    secret: bool
    default: str
    description: str
    choices: str


@dataclass(frozen=True)
class ProvenanceView:
    """Provenance as shown: a badge, a sentence, and the details we know."""

    badge: Badge
    summary: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Stat:
    """A figure of a server (stars, pulls, last update) as shown."""

    label: str
    value: str


@dataclass(frozen=True)
class ParamRow:
    """One argument of a tool, from its ``inputSchema``."""

    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class ToolView:
    """A tool as the server page shows it: its description, arguments and behaviour."""

    name: str
    title: str
    description: str
    params: tuple[ParamRow, ...]
    #: Plain-word behaviour from the tool's annotations, each with the hint it comes from.
    traits: tuple[Badge, ...]


# --- pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of the front page's "how to use it"."""

    title: str
    text: str
    link: Link
    #: A command to copy, for the step that has one.
    snippet: Snippet | None = None


@dataclass(frozen=True)
class IndexPage:
    """The front page: what the registry is and how to use it, counts, the search box,
    facets, the newest and most starred servers."""

    chrome: Chrome = doc("Shared page parts.")
    title: str = doc("The page title (the registry's name).")
    intro: str = doc("One sentence: what this registry is.")
    steps: tuple[Step, ...] = doc("How to use it, in three steps.")
    counts: tuple[Stat, ...] = doc("Servers, container, remote, tool (and skill) counts.")
    facets: tuple[FacetGroup, ...] = doc("Links to every facet page, with counts.")
    browse: tuple[Link, ...] = doc("Links to the full lists by name, stars and last update.")
    recent: tuple[ServerCard, ...] = doc("The most recently updated servers.")
    popular: tuple[ServerCard, ...] = doc("The most starred servers.")
    servers: tuple[ServerCard, ...] = doc("Every server by name (first page of the list).")
    all_href: str = doc("The full list by name.")


@dataclass(frozen=True)
class ListPage:
    """A paginated list of servers: browse by name, stars or update, or one facet value."""

    chrome: Chrome = doc("Shared page parts.")
    title: str = doc("Heading, e.g. 'Servers tagged github'.")
    intro: str = doc("One sentence under the heading.")
    sorts: tuple[Link, ...] = doc("The other orders of the same list (browse pages only).")
    servers: tuple[ServerCard, ...] = doc("This page's servers, in order.")
    total: int = doc("Servers in the whole list.")
    pages: tuple[Link | None, ...] = doc(
        "Links to the first, the last and the nearby pages; the current one has href '', "
        "None marks skipped pages."
    )
    prev: Link | None = doc("The previous page, if any.")
    next: Link | None = doc("The next page, if any.")


@dataclass(frozen=True)
class FacetsPage:
    """Every facet and every tag, with counts."""

    chrome: Chrome = doc("Shared page parts.")
    title: str = doc("Heading.")
    facets: tuple[FacetGroup, ...] = doc("Each facet with all its values.")


@dataclass(frozen=True)
class ServerPage:
    """One server at its permanent address ``servers/<name>/``."""

    chrome: Chrome = doc("Shared page parts.")
    name: str = doc("The entry's name, the one `thv run` takes.")
    title: str = doc("Display title (the name when the entry has none).")
    icon: str | None = doc("The entry's icon, when it is published with the site.")
    monogram: str = doc("One or two letters shown instead of an icon.")
    tint: str = doc("The monogram's tone class.")
    description: str = doc("One-line description.")
    overview_html: Markup | None = doc("The overview, rendered and sanitised, if any.")
    badges: tuple[Badge, ...] = doc("Tier, status, transport, kind, provenance.")
    deprecation: str | None = doc("Deprecation sentence, if deprecated.")
    replacement: Link | None = doc("The replacing server, when known.")
    kind: str = doc("'Container' or 'Remote'.")
    target: tuple[Stat, ...] = doc("Image or URL, transport, port.")
    snippets: tuple[Snippet, ...] = doc("Install snippets, `thv run` first.")
    install_links: tuple[InstallLink, ...] = doc("One-click install links (VS Code, Cursor).")
    snippet_code: dict[str, Markup] = doc(
        "Snippet id to its text as HTML, each fill-in point a span the form's script fills."
    )
    snippet_hints: dict[str, Markup] = doc(
        "Snippet id to its hint as HTML: each variant the fill-in form's script shows or hides."
    )
    fill: Fill | None = doc("The fill-in form's fields and waiting links; None: nothing to fill.")
    config_rows: tuple[ConfigRow, ...] = doc("Env vars and headers.")
    oauth: tuple[Stat, ...] = doc("OAuth settings of a remote server.")
    network: tuple[str, ...] = doc("Network permissions in plain words.")
    filesystem: tuple[str, ...] = doc("Filesystem permissions in plain words.")
    tools: tuple[ToolView, ...] = doc(
        "Every tool: with its description, arguments and behaviour when tools.json has them."
    )
    tools_count: int = doc("The number of tools (equals len(tools)).")
    tools_note: str | None = doc("Said when some or all tools are names only.")
    stats: tuple[Stat, ...] = doc("Stars, pulls, last update.")
    provenance: ProvenanceView = doc("Provenance badge, summary and details.")
    score_card: ScoreCard = doc(
        "Healthy, tools unchanged, maintained, license, pinned, verified: each a verdict in "
        "plain words with its tone, evidence and date ('Not checked yet' without a record)."
    )
    tags: tuple[Link, ...] = doc("Tag pages.")
    groups: tuple[Link, ...] = doc("Groups that include this server.")
    links: tuple[Link, ...] = doc("Repository, website, JSON in both formats, edit link.")
    examples: tuple[str, ...] = doc("Example prompts.")


@dataclass(frozen=True)
class GroupsPage:
    """Every group with its description and size."""

    chrome: Chrome = doc("Shared page parts.")
    title: str = doc("Heading.")
    groups: tuple[GroupSummary, ...] = doc("Each group.")


@dataclass(frozen=True)
class GroupSummary:
    """A group in the list of groups."""

    name: str
    title: str
    href: str
    description: str
    count: int


@dataclass(frozen=True)
class GroupPage:
    """One group and its servers."""

    chrome: Chrome = doc("Shared page parts.")
    name: str = doc("The group's name.")
    title: str = doc("Display title.")
    description: str = doc("What the group bundles.")
    servers: tuple[ServerCard, ...] = doc("The group's servers, in the group's order.")
    thv: Snippet = doc("ToolHive commands that create the group and run its servers in it.")


@dataclass(frozen=True)
class UsePage:
    """How to point a client at this registry: files, commands, the API base URL."""

    chrome: Chrome = doc("Shared page parts.")
    title: str = doc("Heading.")
    files: tuple[Link, ...] = doc("registry.json, upstream files, SHA256SUMS.")
    commands: tuple[Snippet, ...] = doc("ToolHive and client commands with this registry's URLs.")
    api_base: str = doc("The MCP Registry API v0.1 base URL.")
    has_base_url: bool = doc("False when no base_url is configured (URLs are placeholders).")


@dataclass(frozen=True)
class SearchPage:
    """The search page: needs JavaScript; links to browse pages without it."""

    chrome: Chrome = doc("Shared page parts.")
    title: str = doc("Heading.")
    browse: tuple[Link, ...] = doc("Browse pages, for readers without JavaScript.")
    pagefind: str = doc("The href of Pagefind's pagefind.js.")
    words: str = doc("The href of the words typos are corrected against (search/words.json).")
    noun: str = doc("What results are counted as: 'server', or 'result' when there are skills.")


@dataclass(frozen=True)
class EveryRow:
    """A server on the page of every server: its name, title, tags and tools."""

    name: str
    title: str
    href: str
    description: str
    tags: tuple[str, ...]
    tools: tuple[str, ...]
    deprecated: bool


@dataclass(frozen=True)
class EveryPage:
    """Every server with its tags and tools on one page: where a search lands without
    JavaScript, for the browser's own find."""

    chrome: Chrome = doc("Shared page parts.")
    title: str = doc("Heading.")
    rows: tuple[EveryRow, ...] = doc("Every server, by name.")
    skills: tuple[EveryRow, ...] = doc(
        "Every skill, by name (tools: the ones it may use), when the registry has skills.",
        (),
    )


@dataclass(frozen=True)
class NotFoundPage:
    """The 404 page (links are root-absolute: it is served at any depth)."""

    chrome: Chrome = doc("Shared page parts.")
    title: str = doc("Heading.")


@dataclass(frozen=True)
class SkillCard:
    """A skill as a list item: name, title, description, badges and where it comes from."""

    name: str
    href: str
    title: str
    description: str
    badges: tuple[Badge, ...]
    source: str
    inactive: bool = False


@dataclass(frozen=True)
class PackageRow:
    """One package of a skill: its kind, the reference to fetch and its details."""

    kind: str
    reference: str
    details: tuple[Stat, ...]


@dataclass(frozen=True)
class SkillsPage:
    """Every skill, or the skills of one status or licence, with the filter links."""

    chrome: Chrome = doc("Shared page parts.")
    title: str = doc("Heading, e.g. 'Skills' or 'Skills licensed MIT'.")
    intro: str = doc("One sentence under the heading.")
    filters: tuple[FacetGroup, ...] = doc("Status and licence values, each with its page.")
    skills: tuple[SkillCard, ...] = doc("The skills of this page, by name.")
    total: int = doc("How many skills the page lists.")


@dataclass(frozen=True)
class SkillPage:
    """One skill at ``skills/<name>/`` (``skills/<namespace>/<name>/`` for another
    namespace's)."""

    chrome: Chrome = doc("Shared page parts.")
    name: str = doc("The skill's name, the one `thv skill install` takes.")
    qualified_name: str = doc("``<namespace>/<name>``, the skill's key in the API.")
    title: str = doc("Display title (the name when the skill has none).")
    description: str = doc("What the skill teaches an agent.")
    badges: tuple[Badge, ...] = doc("Status, licence, package kinds.")
    notice: str | None = doc("Said when the skill is deprecated or archived.")
    facts: tuple[Stat, ...] = doc("Version, namespace, licence, compatibility.")
    snippets: tuple[Snippet, ...] = doc("`thv skill install` and the registry it needs.")
    packages: tuple[PackageRow, ...] = doc("Each package: OCI artifact or Git folder.")
    allowed_tools: tuple[str, ...] = doc("Tools the skill may use without asking.")
    links: tuple[Link, ...] = doc("Repository, the skill's JSON, its API document.")


PAGE_TYPES: tuple[type, ...] = (
    IndexPage,
    ListPage,
    FacetsPage,
    ServerPage,
    GroupsPage,
    GroupPage,
    UsePage,
    SearchPage,
    EveryPage,
    NotFoundPage,
    SkillsPage,
    SkillPage,
)


def page_fields(page_type: type) -> dict[str, str]:
    """Documented fields of a page dataclass: name → documentation."""
    return {f.name: f.metadata.get("doc", "") for f in dataclasses.fields(page_type)}
