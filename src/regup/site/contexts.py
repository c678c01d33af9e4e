"""Page contexts of the catalog: one documented dataclass per page, built from the model.

Python prepares every value a page shows (links relative to the page, formatted numbers,
the permission sentences, install snippets, sanitised overview HTML); templates only loop
and print. Each field is documented with :func:`doc`, and a test checks that every
documented field is used by its template and that every page field is documented.

Links inside the site are relative (``../../servers/fetch/``), so the catalog works from
any folder of any host; ``base_url`` only adds absolute links where a format needs them
(canonical links, the feed, the sitemap, the "use this registry" commands).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup

from regup.checks import Outcome, ProvenanceCheck
from regup.config import Config
from regup.emit.upstream import server_path as upstream_server_path
from regup.model import Entry, Group, Kind, Registry
from regup.site.install import InstallLink, Snippet, install
from regup.site.markdown import render_markdown


def doc(text: str, default: Any = dataclasses.MISSING) -> Any:
    """A dataclass field with its documentation (``metadata["doc"]``)."""
    if default is dataclasses.MISSING:
        return field(metadata={"doc": text})
    return field(default=default, metadata={"doc": text})


# --- inputs beside the model ---------------------------------------------------------------


#: Label and tone (a CSS class) of each outcome's badge.
OUTCOME_LABELS: dict[Outcome, tuple[str, str]] = {
    Outcome.VERIFIED: ("Provenance verified", "good"),
    Outcome.MISMATCH: ("Provenance mismatch", "bad"),
    Outcome.INVALID: ("Signature invalid", "bad"),
    Outcome.UNSIGNED: ("Unsigned", "warn"),
    Outcome.NOT_DECLARED: ("No provenance declared", "neutral"),
    Outcome.UNSUPPORTED: ("Provenance unsupported", "neutral"),
    Outcome.ERROR: ("Provenance check failed", "warn"),
}


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


# --- pages ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexPage:
    """The front page: counts, the search box, facets, the newest and most starred servers."""

    chrome: Chrome = doc("Shared page parts.")
    title: str = doc("The page title (the registry's name).")
    counts: tuple[Stat, ...] = doc("Servers, container, remote and tool counts.")
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
    description: str = doc("One-line description.")
    overview_html: Markup | None = doc("The overview, rendered and sanitised, if any.")
    badges: tuple[Badge, ...] = doc("Tier, status, transport, kind, provenance.")
    deprecation: str | None = doc("Deprecation sentence, if deprecated.")
    replacement: Link | None = doc("The replacing server, when known.")
    kind: str = doc("'Container' or 'Remote'.")
    target: tuple[Stat, ...] = doc("Image or URL, transport, port.")
    snippets: tuple[Snippet, ...] = doc("Install snippets, `thv run` first.")
    install_links: tuple[InstallLink, ...] = doc("One-click install links (VS Code, Cursor).")
    config_rows: tuple[ConfigRow, ...] = doc("Env vars and headers.")
    oauth: tuple[Stat, ...] = doc("OAuth settings of a remote server.")
    network: tuple[str, ...] = doc("Network permissions in plain words.")
    filesystem: tuple[str, ...] = doc("Filesystem permissions in plain words.")
    tools: tuple[str, ...] = doc("Every tool name.")
    tools_count: int = doc("The number of tools (equals len(tools)).")
    stats: tuple[Stat, ...] = doc("Stars, pulls, last update.")
    provenance: ProvenanceView = doc("Provenance badge, summary and details.")
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


@dataclass(frozen=True)
class NotFoundPage:
    """The 404 page (links are root-absolute: it is served at any depth)."""

    chrome: Chrome = doc("Shared page parts.")
    title: str = doc("Heading.")


PAGE_TYPES: tuple[type, ...] = (
    IndexPage,
    ListPage,
    FacetsPage,
    ServerPage,
    GroupsPage,
    GroupPage,
    UsePage,
    SearchPage,
    NotFoundPage,
)


# --- paths ---------------------------------------------------------------------------------

PAGE_SIZE = 50
SORTS: dict[str, str] = {"name": "name", "stars": "stars", "updated": "last update"}
FACETS: tuple[str, ...] = ("kind", "tier", "status", "transport", "tag")


def server_path(name: str) -> str:
    return f"servers/{name}/"


def facet_path(facet: str, value: str, page: int = 1) -> str:
    base = f"{facet}/{slug(value)}/"
    return base if page == 1 else f"{base}{page}/"


def browse_path(sort: str, page: int = 1) -> str:
    return f"browse/{sort}/" if page == 1 else f"browse/{sort}/{page}/"


def group_path(name: str) -> str:
    return f"groups/{name}/"


def slug(value: str) -> str:
    return value.lower()


def root_of(path: str) -> str:
    """The relative prefix from the page at ``path`` (a folder, ``a/b/``) back to the root."""
    return "../" * path.count("/")


# --- formatting ----------------------------------------------------------------------------


def number(value: int | None, missing: str = "unavailable") -> str:
    return f"{value:,}" if value is not None else missing


def day(timestamp: str | None) -> str:
    return timestamp[:10] if timestamp else "unknown"


def join_words(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _host_words(host: str) -> str:
    return f"any subdomain of {host[1:]}" if host.startswith(".") else host


def network_sentences(entry: Entry) -> tuple[str, ...]:
    """The entry's network access in plain words."""
    if entry.kind is Kind.REMOTE:
        host = urlsplit(entry.url or "").hostname or "the provider"
        return (f"Hosted by its provider: your client connects to {host} over HTTPS.",)
    perms = entry.permissions
    if perms is None:
        return ("No permission profile declared: ToolHive applies its default profile.",)
    out = perms.outbound
    if out is not None and out.insecure_allow_all:
        return ("Unrestricted network access: may connect to any host on any port.",)
    if out is None or (not out.allow_host and not out.allow_port):
        return ("No network access.",)
    ports = sorted(out.allow_port)
    if not ports:
        port_words = "on any port"
    elif len(ports) == 1:
        port_words = f"on port {ports[0]} only"
    else:
        port_words = f"on ports {join_words([str(p) for p in ports])} only"
    if out.allow_host:
        hosts = join_words([_host_words(h) for h in out.allow_host])
        return (f"May connect to {hosts} {port_words}.",)
    return (f"May connect to any host {port_words}.",)


def filesystem_sentences(entry: Entry) -> tuple[str, ...]:
    """The entry's filesystem access (and privileged mode) in plain words."""
    if entry.kind is Kind.REMOTE:
        return ("Runs elsewhere: no access to your files.",)
    perms = entry.permissions
    lines = []
    if perms is not None and perms.privileged:
        lines.append("Runs privileged: full access to the host.")
    if perms is not None and perms.read:
        lines.append(f"May read {join_words(list(perms.read))}.")
    if perms is not None and perms.write:
        lines.append(f"May write {join_words(list(perms.write))}.")
    if not lines:
        lines.append("No access to host files.")
    return tuple(lines)


def needs_secrets(entry: Entry) -> bool:
    """True when the server cannot start without a secret (an env var or a header)."""
    env = any(v.required and v.is_secret for v in entry.env_vars)
    return env or any(h.required and h.is_secret for h in entry.headers)


def provenance_key(entry: Entry, status: ProvenanceCheck | None) -> str:
    """The value of the search filter ``provenance``."""
    if status is not None:
        return status.outcome.value
    if entry.kind is Kind.REMOTE:
        return "not applicable"
    return "declared" if entry.provenance is not None else "none"


def provenance_view(entry: Entry, status: ProvenanceCheck | None) -> ProvenanceView:
    """The stored check when present, else what the entry declares."""
    if status is not None:
        label, tone = OUTCOME_LABELS[status.outcome]
        rows = [
            (key, value)
            for key, value in (
                ("Signer", status.signer),
                ("Issuer", status.issuer),
                ("Repository", status.repository),
                (
                    "Transparency log index",
                    None if status.log_index is None else str(status.log_index),
                ),
                ("Checked", status.checked_at),
                ("Detail", status.detail),
            )
            if value
        ]
        summary = {
            Outcome.VERIFIED: "The image's signature was verified against the declared identity.",
            Outcome.MISMATCH: "The image is signed, but not by the identity the entry declares.",
            Outcome.INVALID: "The signature material attached to the image does not verify.",
            Outcome.UNSIGNED: "No signature was found for this image.",
            Outcome.NOT_DECLARED: "The entry declares no provenance to check.",
            Outcome.UNSUPPORTED: "This image's signing setup cannot be checked by regup.",
            Outcome.ERROR: "The last check could not complete; it will be retried.",
        }[status.outcome]
        return ProvenanceView(Badge(label, tone, status.outcome.value), summary, tuple(rows))
    if entry.kind is Kind.REMOTE:
        return ProvenanceView(
            Badge("Hosted", "neutral", "remote server"),
            "A remote server: there is no image to verify.",
            (),
        )
    p = entry.provenance
    if p is None:
        return ProvenanceView(
            Badge("No provenance declared", "neutral", "none"),
            "The entry declares no signing identity.",
            (),
        )
    rows = [
        (key, value)
        for key, value in (
            ("Signer", p.signer_identity),
            ("Issuer", p.cert_issuer),
            ("Repository", p.repository_uri),
            ("Ref", p.repository_ref),
            ("Runner", p.runner_environment),
            ("Sigstore", p.sigstore_url),
        )
        if value
    ]
    return ProvenanceView(
        Badge("Provenance declared", "info", "declared"),
        "The entry declares who builds and signs the image (not yet verified by this build).",
        tuple(rows),
    )


def basic_badges(entry: Entry) -> tuple[Badge, ...]:
    """Tier, status, transport and kind: the badges of a list item."""
    return (
        Badge(entry.tier, "good" if entry.tier == "Official" else "neutral", "tier"),
        Badge(entry.status, "bad" if entry.deprecated else "good", "status"),
        Badge(entry.transport, "info", "transport"),
        Badge("Container" if entry.kind is Kind.CONTAINER else "Remote", "info", "kind"),
    )


def badges(entry: Entry, status: ProvenanceCheck | None) -> tuple[Badge, ...]:
    """Every badge of a server page: :func:`basic_badges` and provenance."""
    out = list(basic_badges(entry))
    if entry.kind is Kind.CONTAINER or status is not None:
        out.append(provenance_view(entry, status).badge)
    return tuple(out)


# --- builders ------------------------------------------------------------------------------


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

    def absolute(self, path: str) -> str | None:
        return f"{self.base_url}/{path}" if self.base_url else None


NAV: tuple[tuple[str, str], ...] = (
    ("Servers", "browse/name/"),
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
        nav=tuple(Link(label, prefix + href) for label, href in NAV),
        canonical=site.absolute(path),
        feed_href=f"{prefix}feed.xml",
        repository_url=site.config.repository_url or None,
    )


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
        stars=number(entry.stars, "–"),
        updated=day(entry.last_updated),
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


def facet_values(entry: Entry, facet: str) -> tuple[str, ...]:
    if facet == "kind":
        return (entry.kind.value,)
    if facet == "tag":
        return entry.tags
    return (str(getattr(entry, facet)),)


FACET_TITLES = {
    "kind": "Kind",
    "tier": "Tier",
    "status": "Status",
    "transport": "Transport",
    "tag": "Tags",
}


def facet_counts(registry: Registry) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {f: {} for f in FACETS}
    for entry in registry.entries:
        for facet in FACETS:
            for value in facet_values(entry, facet):
                counts[facet][value] = counts[facet].get(value, 0) + 1
    return counts


def facet_groups(
    site: SiteContext, root: str, *, tag_limit: int | None = None
) -> tuple[FacetGroup, ...]:
    counts = facet_counts(site.registry)
    groups = []
    for facet in FACETS:
        values = counts[facet]
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


def index_page(site: SiteContext) -> IndexPage:
    reg = site.registry
    tools = sum(len(e.tools) for e in reg.entries)
    root = ""
    return IndexPage(
        chrome=chrome(site, ""),
        title=site.config.name,
        counts=(
            Stat("servers", number(len(reg.entries))),
            Stat("container", number(len(reg.containers))),
            Stat("remote", number(len(reg.remotes))),
            Stat("tools", number(tools)),
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
            for value in facet_values(entry, facet):
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
    stats = [Stat("Stars", number(entry.stars))]
    if entry.kind is Kind.CONTAINER:
        stats.append(Stat("Pulls", number(entry.pulls)))
    stats.append(Stat("Last update", day(entry.last_updated)))
    ways = install(entry)
    return ServerPage(
        chrome=chrome(site, path),
        name=entry.name,
        title=entry.display_name,
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
        config_rows=_config_rows(entry),
        oauth=_oauth(entry),
        network=network_sentences(entry),
        filesystem=filesystem_sentences(entry),
        tools=entry.tools,
        tools_count=len(entry.tools),
        stats=tuple(stats),
        provenance=provenance_view(entry, status),
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
        thv=Snippet(
            "group",
            "Run the group with ToolHive",
            "\n".join(
                [f"thv group create {group.name}"]
                + [f"thv run --group {group.name} {e.name}" for e in entries]
            ),
            "sh",
            "Creates the group, then runs each server in it.",
        ),
    )


def use_page(site: SiteContext, files: Sequence[str]) -> UsePage:
    path = "use/"
    root = root_of(path)
    base = site.base_url or "https://<where-this-site-is-hosted>"
    commands = [
        Snippet(
            "thv-upstream",
            "ToolHive v0.25 and later",
            f"thv config set-registry {base}/upstream/registry.json",
            "sh",
            "Points ToolHive at this registry in the upstream format.",
        ),
        Snippet(
            "thv-legacy",
            "ToolHive before v0.25",
            f"thv config set-registry {base}/registry.json",
            "sh",
            "ToolHive's own registry format.",
        ),
    ]
    if "v0.1/servers/index.html" in files:
        commands.append(
            Snippet(
                "thv-api",
                "MCP Registry API v0.1",
                f"thv config set-registry-api {base}",
                "sh",
                "Any client of the MCP Registry API v0.1 can use this base URL.",
            )
        )
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
        api_base=base,
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
    )


def not_found_page(site: SiteContext) -> NotFoundPage:
    base_path = urlsplit(site.base_url).path.rstrip("/") + "/" if site.base_url else "/"
    return NotFoundPage(chrome=chrome(site, "404.html", root=base_path), title="Page not found")


def page_fields(page_type: type) -> dict[str, str]:
    """Documented fields of a page dataclass: name → documentation."""
    return {f.name: f.metadata.get("doc", "") for f in dataclasses.fields(page_type)}
