"""Building the page contexts of the catalog from the model (the page dataclasses are in
:mod:`regup.site.pages`, the wording in :mod:`regup.site.wording`, the paths in
:mod:`regup.site.paths`).

Python prepares every value a page shows (links relative to the page, formatted numbers,
the permission sentences, install snippets, sanitised overview HTML); templates only loop
and print. Each field is documented with :func:`doc`, and a test checks that every
documented field is used by its template and that every page field is documented.

Links inside the site are relative (``../../servers/fetch/``), so the catalog works from
any folder of any host; ``base_url`` only adds absolute links where a format needs them
(canonical links, the feed, the sitemap, the "use this registry" commands).
"""

import functools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from regup.checks import ProvenanceCheck
from regup.config import Config
from regup.emit.upstream import server_path as upstream_server_path
from regup.healthstate import EntryHealth
from regup.model import Entry, Group, Kind, Registry
from regup.repository import parse_repository_url
from regup.scorecard import FILTERS, ScoreCard, score_card
from regup.site import wording
from regup.site.install import UNKNOWN_BASE_URL, group_snippet, install, registry_snippets
from regup.site.markdown import render_markdown
from regup.site.pages import (
    Chrome,
    ConfigRow,
    CountLink,
    EveryPage,
    EveryRow,
    FacetGroup,
    FacetsPage,
    GroupPage,
    GroupsPage,
    GroupSummary,
    IndexPage,
    Link,
    ListPage,
    NotFoundPage,
    SearchPage,
    ServerCard,
    ServerPage,
    Stat,
    Step,
    UsePage,
)
from regup.site.paths import (
    EVERY_PATH,
    FACETS,
    PAGE_SIZE,
    SORTS,
    WORDS_FILE,
    browse_path,
    facet_path,
    group_path,
    root_of,
    server_path,
    skill_path,
)
from regup.site.toolviews import tool_views
from regup.site.wording import (
    badges,
    basic_badges,
    day,
    filesystem_sentences,
    network_sentences,
    number,
    provenance_view,
)


@dataclass(frozen=True)
class SiteContext:
    """Everything the page builders share: the registry, settings and stored outcomes."""

    registry: Registry
    config: Config
    provenance: Mapping[str, ProvenanceCheck] = field(default_factory=dict)
    base_url: str = ""
    #: Paths of the other outputs mirrored into the site (``upstream/servers/x.json``…).
    files: frozenset[str] = frozenset()
    #: Cards already made, by (entry name, root): a server shows on many list pages.
    cards: dict[tuple[str, str], ServerCard] = field(
        default_factory=dict, compare=False, repr=False
    )
    #: Stored health records by entry name (registry/health.json).
    health: Mapping[str, EntryHealth] = field(default_factory=dict)

    def absolute(self, path: str) -> str | None:
        return f"{self.base_url}/{path}" if self.base_url else None

    @functools.cached_property
    def repository_entries(self) -> Mapping[str, int]:
        """How many entries name each GitHub repository (by its case-insensitive key)."""
        return Counter(
            ref.key
            for e in self.registry.entries
            if e.repository_url and (ref := parse_repository_url(e.repository_url))
        )

    @functools.cached_property
    def _score_cards(self) -> dict[str, tuple[Entry, ScoreCard]]:
        """The cards made so far, by entry name (with the entry each was made for)."""
        return {}

    def score_card(self, entry: Entry) -> ScoreCard:
        """The entry's score card, made once, when first asked for: its page, its
        ``server.json`` and the filters all show this one (a page of one edited entry
        makes one card, not one per entry)."""
        known = self._score_cards.get(entry.name)
        if known is None or known[0] is not entry:
            card = score_card(entry, self.health.get(entry.name), self.provenance.get(entry.name))
            known = self._score_cards[entry.name] = (entry, card)
        return known[1]

    @functools.cached_property
    def card_filters(self) -> Mapping[str, Mapping[str, str]]:
        """Each entry's score-card filter values (:meth:`ScoreCard.filters`), by name."""
        return {e.name: self.score_card(e).filters() for e in self.registry.entries}

    def filters(self, entry: Entry) -> Mapping[str, str]:
        return self.card_filters.get(entry.name, {})

    def sharing(self, entry: Entry) -> int:
        """The number of entries whose stars are those of ``entry``'s repository."""
        ref = parse_repository_url(entry.repository_url) if entry.repository_url else None
        return self.repository_entries.get(ref.key, 0) if ref else 0


NAV: tuple[tuple[str, str], ...] = (
    ("Servers", "browse/name/"),
    ("Skills", "skills/"),
    ("Filters", "facets/"),
    ("Groups", "groups/"),
    ("Search", "search/"),
    ("Use this registry", "use/"),
)


def chrome(site: SiteContext, path: str, *, root: str | None = None) -> Chrome:
    """The shared parts of the page at ``path`` (``""`` for the root)."""
    prefix = root_of(path) if root is None else root
    return Chrome(
        registry_name=site.config.name,
        root=prefix or "./",
        stylesheet=f"{prefix}static/style.css",
        script=f"{prefix}static/site.js",
        icon=f"{prefix}static/icon.svg",
        search_href=f"{prefix}search/",
        every_href=f"{prefix}{EVERY_PATH}",
        nav=tuple(
            Link(label, prefix + href)
            for label, href in NAV
            if href != "skills/" or site.registry.skills  # the list exists with skills only
        ),
        canonical=site.absolute(path),
        feed_href=f"{prefix}feed.xml",
        repository_url=site.config.repository_url or None,
    )


def _mark(entry: Entry, root: str, base_url: str) -> dict[str, Any]:
    """The icon (relative to a page at ``root``) or the monogram beside an entry's name."""
    icon = wording.icon_path(entry, base_url)
    return {
        "icon": root + icon if icon else None,
        "monogram": wording.monogram(entry),
        "tint": wording.tint(entry),
    }


def card(entry: Entry, root: str, site: SiteContext | None = None) -> ServerCard:
    """``entry`` as a list item on a page whose root prefix is ``root`` (cached in ``site``)."""
    key = (entry.name, root)
    if site is not None and key in site.cards:
        return site.cards[key]
    made = ServerCard(
        name=entry.name,
        href=root + server_path(entry.name),
        title=entry.display_name,
        description=entry.description,
        badges=basic_badges(entry),
        tools_count=len(entry.tools),
        stars=wording.stars(entry, site.sharing(entry) if site else 0, "–", short=True),
        updated=day(entry.last_updated),
        deprecated=entry.deprecated,
        **_mark(entry, root, site.base_url if site else ""),
    )
    if site is not None:
        site.cards[key] = made
    return made


def sort_entries(entries: Iterable[Entry], sort: str) -> list[Entry]:
    """Entries in one of :data:`SORTS`' orders, deprecated ones last; ties by name."""
    items = sorted(entries, key=lambda e: e.name)
    if sort == "stars":
        items.sort(key=lambda e: -(e.stars or 0))
    elif sort == "updated":
        items.sort(key=lambda e: e.last_updated or "", reverse=True)
    # Deprecated entries stay listed, after every active one (the spec's promise).
    items.sort(key=lambda e: e.deprecated)
    return items


def facet_values(site: SiteContext, entry: Entry, facet: str) -> tuple[str, ...]:
    """The entry's values of a browse filter: none for a card filter whose signal has no
    answer (not checked yet, or not applying)."""
    if facet in FILTERS:
        value = site.filters(entry).get(facet)
        return (value,) if value else ()
    if facet == "kind":
        return (entry.kind.value,)
    if facet == "tag":
        return entry.tags
    if facet == "status":
        return (entry.status_label,)
    return (str(getattr(entry, facet)),)


FACET_TITLES = {
    "kind": "Kind",
    "tier": "Tier",
    "status": "Status",
    "transport": "Transport",
    **FILTERS,
    "tag": "Tags",
}


def facet_counts(site: SiteContext) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {f: {} for f in FACETS}
    for entry in site.registry.entries:
        for facet in FACETS:
            for value in facet_values(site, entry, facet):
                counts[facet][value] = counts[facet].get(value, 0) + 1
    return counts


def facet_groups(
    site: SiteContext, root: str, *, tag_limit: int | None = None
) -> tuple[FacetGroup, ...]:
    counts = facet_counts(site)
    groups = []
    for facet in FACETS:
        values = counts[facet]
        if facet in FILTERS and not values:  # nothing checked yet: no empty group
            continue
        if facet == "tag" and site.config.tags:  # a declared vocabulary: its tags only
            values = {v: n for v, n in values.items() if v in site.config.tags}
        if facet == "tag":
            ordered = sorted(values, key=lambda v: (-values[v], v))
        else:
            ordered = sorted(values)
        more = None
        if tag_limit is not None and facet == "tag" and len(ordered) > tag_limit:
            ordered = ordered[:tag_limit]
            more = Link(f"All {len(values)} tags", root + "facets/")
        links = tuple(CountLink(v, root + facet_path(facet, v), values[v]) for v in ordered)
        groups.append(FacetGroup(FACET_TITLES[facet], links, more))
    return tuple(groups)


def browse_links(root: str) -> tuple[Link, ...]:
    return tuple(Link(f"By {label}", root + browse_path(sort)) for sort, label in SORTS.items())


def intro(registry: Registry) -> str:
    """The front page's one sentence on what the registry is."""
    servers = len(registry.entries)
    what = f"{number(servers)} MCP server{'' if servers == 1 else 's'}"
    skills = len(registry.skills)
    if skills:
        what += f" and {number(skills)} agent skill{'' if skills == 1 else 's'}"
    return (
        f"A catalog of {what}: for each server, what runs it, the secrets and settings it "
        "needs, what it may reach, and how to add it to ToolHive or to your AI client."
    )


def index_page(site: SiteContext) -> IndexPage:
    reg = site.registry
    tools = sum(len(e.tools) for e in reg.entries)
    root = ""
    add = registry_snippets(site.base_url, api=False)[0]
    return IndexPage(
        chrome=chrome(site, ""),
        title=site.config.name,
        intro=intro(reg),
        steps=(
            Step(
                "Add this registry to ToolHive",
                "Once, so that thv run finds these servers by name.",
                Link("Other clients and the API", "use/"),
                add,
            ),
            Step(
                "Pick a server",
                "Search by name, tag or tool name, or browse by stars and last update.",
                Link("Search", "search/"),
            ),
            Step(
                "Paste its install snippet",
                "Each server page has the command or configuration for each client; "
                "copy one and fill in your own secrets.",
                Link("All servers", browse_path("name")),
            ),
        ),
        counts=(
            Stat("servers", number(len(reg.entries))),
            Stat("container", number(len(reg.containers))),
            Stat("remote", number(len(reg.remotes))),
            Stat("tools", number(tools)),
            *((Stat("skills", number(len(reg.skills))),) if reg.skills else ()),
        ),
        facets=facet_groups(site, root, tag_limit=30),
        browse=browse_links(root),
        recent=tuple(card(e, root, site) for e in sort_entries(reg.entries, "updated")[:6]),
        popular=tuple(card(e, root, site) for e in sort_entries(reg.entries, "stars")[:6]),
        servers=tuple(card(e, root, site) for e in reg.entries[:PAGE_SIZE]),
        all_href=browse_path("name"),
    )


#: Page links on each side of the current page; the first and last page are always linked.
PAGE_WINDOW = 2


def page_window(current: int, count: int) -> list[int | None]:
    """Page numbers to link from page ``current`` of ``count``; None marks a gap.

    The first, the last, and :data:`PAGE_WINDOW` pages around the current one: a list of
    10,000 servers has 200 pages, and linking each from each would be 40,000 links.
    """
    shown = sorted(
        {1, count, *range(max(1, current - PAGE_WINDOW), min(count, current + PAGE_WINDOW) + 1)}
    )
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


def list_pages(
    site: SiteContext,
    entries: Sequence[Entry],
    path_of: Any,
    title: str,
    intro: str,
    sorts: Sequence[tuple[str, str]] = (),
) -> list[tuple[str, ListPage]]:
    """The pages of one list: ``path_of(page_number)`` gives each page's path."""
    total = len(entries)
    count = max(1, -(-total // PAGE_SIZE))
    out = []
    for number_ in range(1, count + 1):
        path = path_of(number_)
        root = root_of(path)
        chunk = entries[(number_ - 1) * PAGE_SIZE : number_ * PAGE_SIZE]

        def link(n: int, root: str = root, path: str = path) -> str:
            target = path_of(n)
            return "" if target == path else root + target

        pages = (
            tuple(None if n is None else Link(str(n), link(n)) for n in page_window(number_, count))
            if count > 1
            else ()
        )
        out.append(
            (
                path,
                ListPage(
                    chrome=chrome(site, path),
                    title=title if number_ == 1 else f"{title} (page {number_} of {count})",
                    intro=intro,
                    sorts=tuple(Link(label, root + href) for label, href in sorts),
                    servers=tuple(card(e, root, site) for e in chunk),
                    total=total,
                    pages=pages,
                    prev=Link("Previous", link(number_ - 1)) if number_ > 1 else None,
                    next=Link("Next", link(number_ + 1)) if number_ < count else None,
                ),
            )
        )
    return out


def browse_pages(site: SiteContext) -> list[tuple[str, ListPage]]:
    out = []
    for sort, label in SORTS.items():
        entries = sort_entries(site.registry.entries, sort)
        others = [(f"By {lbl}", browse_path(s)) for s, lbl in SORTS.items() if s != sort]
        out += list_pages(
            site,
            entries,
            lambda n, sort=sort: browse_path(sort, n),
            f"All servers by {label}",
            f"{len(entries)} servers, sorted by {label}.",
            others,
        )
    return out


def facet_pages(site: SiteContext) -> list[tuple[str, ListPage]]:
    out = []
    by_value: dict[tuple[str, str], list[Entry]] = {}
    for entry in site.registry.entries:
        for facet in FACETS:
            for value in facet_values(site, entry, facet):
                by_value.setdefault((facet, value), []).append(entry)
    for (facet, value), entries in sorted(by_value.items()):
        title = f"Servers tagged {value}" if facet == "tag" else f"{FACET_TITLES[facet]}: {value}"
        out += list_pages(
            site,
            entries,
            lambda n, facet=facet, value=value: facet_path(facet, value, n),
            title,
            f"{len(entries)} servers where {facet} is {value}, by name.",
        )
    return out


def facets_page(site: SiteContext) -> FacetsPage:
    path = "facets/"
    return FacetsPage(chrome(site, path), "Filters", facet_groups(site, root_of(path)))


def _config_rows(entry: Entry) -> tuple[ConfigRow, ...]:
    rows = [
        ConfigRow(
            v.name,
            "environment variable",
            v.required,
            v.is_secret,
            "" if v.is_secret else (v.default or ""),
            v.description,
            "",
        )
        for v in entry.env_vars
    ]
    rows += [
        ConfigRow(
            h.name,
            "HTTP header",
            h.required,
            h.is_secret,
            "" if h.is_secret else (h.default or ""),
            h.description,
            ", ".join(h.choices),
        )
        for h in entry.headers
    ]
    return tuple(rows)


def _oauth(entry: Entry) -> tuple[Stat, ...]:
    o = entry.oauth_config
    if o is None:
        return ()
    pairs = (
        ("Issuer", o.issuer),
        ("Authorization URL", o.authorize_url),
        ("Token URL", o.token_url),
        ("Client ID", o.client_id),
        ("Scopes", ", ".join(o.scopes) or None),
        ("PKCE", None if o.use_pkce is None else ("yes" if o.use_pkce else "no")),
        ("Resource", o.resource),
    )
    return tuple(Stat(k, v) for k, v in pairs if v)


def _http_url(value: str | None) -> str | None:
    if value and value.lower().startswith(("https://", "http://")):
        return value
    return None


def replacement_of(entry: Entry, registry: Registry) -> Entry | None:
    """The server that replaces a deprecated entry (``custom_metadata.replaced_by``)."""
    name = (entry.custom_metadata or {}).get("replaced_by")
    if not isinstance(name, str):
        return None
    return registry.entry(name)


def server_page(site: SiteContext, entry: Entry, groups: Sequence[Group]) -> ServerPage:
    path = server_path(entry.name)
    root = root_of(path)
    status = site.provenance.get(entry.name)
    replacement = replacement_of(entry, site.registry) if entry.deprecated else None
    links = []
    for label, href in (
        ("Repository", _http_url(entry.repository_url)),
        ("Website", _http_url(entry.website_url)),
    ):
        if href:
            links.append(Link(label, href))
    links.append(Link("ToolHive JSON", "toolhive.json"))
    mirrored = upstream_server_path(entry.name)
    links.append(
        Link("server.json (upstream)", root + mirrored if mirrored in site.files else "server.json")
    )
    repo = site.config.repository_url.rstrip("/")
    if repo.startswith("https://"):
        links.append(Link("Edit this entry", f"{repo}/edit/main/registry/{entry.name}/spec.yaml"))
    target = [Stat("Transport", entry.transport)]
    if entry.image:
        target.insert(0, Stat("Image", entry.image))
    if entry.url:
        target.insert(0, Stat("URL", entry.url))
    if entry.target_port:
        target.append(Stat("Port", str(entry.target_port)))
    if entry.license:
        target.append(Stat("License", entry.license))
    if entry.version:
        target.append(Stat("Version", entry.version))
    stats = [Stat("Stars", wording.stars(entry, site.sharing(entry)))]
    if entry.kind is Kind.CONTAINER:
        stats.append(Stat("Pulls", number(entry.pulls)))
    stats.append(Stat("Last update", day(entry.last_updated)))
    ways = install(
        entry, registry_snippets(site.base_url, api=False)[0].text if site.base_url else None
    )
    tools, tools_note = tool_views(entry)
    return ServerPage(
        chrome=chrome(site, path),
        name=entry.name,
        title=entry.display_name,
        **_mark(entry, root, site.base_url),
        description=entry.description,
        overview_html=render_markdown(entry.overview) if entry.overview else None,
        badges=badges(entry, status),
        deprecation=(
            "This server is deprecated and may be removed from the registry."
            if entry.deprecated
            else None
        ),
        replacement=(
            Link(replacement.display_name, root + server_path(replacement.name))
            if replacement
            else None
        ),
        kind="Container" if entry.kind is Kind.CONTAINER else "Remote",
        target=tuple(target),
        snippets=ways.snippets,
        install_links=ways.links,
        snippet_code=ways.code,
        snippet_hints=ways.hints,
        fill=ways.fill,
        config_rows=_config_rows(entry),
        oauth=_oauth(entry),
        network=network_sentences(entry),
        filesystem=filesystem_sentences(entry),
        tools=tools,
        tools_count=len(tools),
        tools_note=tools_note,
        stats=tuple(stats),
        provenance=provenance_view(entry, status),
        score_card=site.score_card(entry),
        tags=tuple(Link(t, root + facet_path("tag", t)) for t in entry.tags),
        groups=tuple(Link(g.title or g.name, root + group_path(g.name)) for g in groups),
        links=tuple(links),
        examples=entry.examples,
    )


def groups_page(site: SiteContext) -> GroupsPage:
    path = "groups/"
    root = root_of(path)
    return GroupsPage(
        chrome=chrome(site, path),
        title="Groups",
        groups=tuple(
            GroupSummary(
                g.name, g.title or g.name, root + group_path(g.name), g.description, len(g.servers)
            )
            for g in site.registry.groups
        ),
    )


def group_page(site: SiteContext, group: Group) -> GroupPage:
    path = group_path(group.name)
    root = root_of(path)
    by_name = site.registry.by_name
    entries = [by_name[n] for n in group.servers if n in by_name]
    return GroupPage(
        chrome=chrome(site, path),
        name=group.name,
        title=group.title or group.name,
        description=group.description,
        servers=tuple(card(e, root, site) for e in entries),
        thv=group_snippet(group.name, [e.name for e in entries]),
    )


def use_page(site: SiteContext, files: Sequence[str]) -> UsePage:
    path = "use/"
    root = root_of(path)
    commands = registry_snippets(site.base_url, api="v0.1/servers/index.html" in files)
    known = (
        ("registry.json", "registry.json (ToolHive format)"),
        ("upstream/registry.json", "upstream/registry.json (ToolHive upstream envelope)"),
        ("upstream/servers.json", "upstream/servers.json (array of server.json documents)"),
        ("v0.1/servers/index.html", "v0.1/servers (MCP Registry API, first page)"),
        ("SHA256SUMS", "SHA256SUMS"),
    )
    return UsePage(
        chrome=chrome(site, path),
        title="Use this registry",
        files=tuple(Link(label, root + rel) for rel, label in known if rel in files),
        commands=tuple(commands),
        api_base=site.base_url or UNKNOWN_BASE_URL,
        has_base_url=bool(site.base_url),
    )


def search_page(site: SiteContext) -> SearchPage:
    path = "search/"
    root = root_of(path)
    return SearchPage(
        chrome=chrome(site, path),
        title="Search",
        browse=browse_links(root),
        pagefind=root + "pagefind/pagefind.js",
        words=root + WORDS_FILE,
        noun="result" if site.registry.skills else "server",
    )


def every_page(site: SiteContext) -> EveryPage:
    root = root_of(EVERY_PATH)
    ns = site.config.namespace
    return EveryPage(
        chrome=chrome(site, EVERY_PATH),
        title="Every server, with its tags and tools",
        rows=tuple(
            EveryRow(
                name=e.name,
                title=e.display_name,
                href=root + server_path(e.name),
                description=e.description,
                tags=e.tags,
                tools=e.tools,
                deprecated=e.deprecated,
            )
            for e in sorted(site.registry.entries, key=lambda e: e.name)
        ),
        skills=tuple(
            EveryRow(
                name=s.name,
                title=s.display_name,
                href=root + skill_path(s.name, None if s.namespace in (None, ns) else s.namespace),
                description=s.description,
                tags=(),
                tools=s.allowed_tools,
                deprecated=s.inactive,
            )
            for s in sorted(site.registry.skills, key=lambda s: (s.name, s.namespace or ""))
        ),
    )


def not_found_page(site: SiteContext) -> NotFoundPage:
    base_path = urlsplit(site.base_url).path.rstrip("/") + "/" if site.base_url else "/"
    return NotFoundPage(chrome=chrome(site, "404.html", root=base_path), title="Page not found")
