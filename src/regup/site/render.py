"""The catalog's files: pages rendered from :mod:`regup.site.contexts`, feed, sitemap, assets.

:func:`render_pages` is a pure function from the registry to :data:`Artifacts` (paths relative
to the site's root), like every emitter; the search index (:mod:`regup.site.search`) and
the JSON files mirrored from the other emitters are added by :func:`regup.site.build_site`.

Jinja2 runs with ``autoescape=True`` and ``StrictUndefined``: every value from the data is
escaped, and a template that asks for a field its page does not have fails the build
instead of printing nothing.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from markupsafe import escape as html_escape

from regup.emit.canonical import Artifacts
from regup.emit.toolhive import toolhive_server
from regup.emit.upstream import server_path as upstream_server_path
from regup.emit.upstream import to_upstream
from regup.gcpause import paused_gc
from regup.jsonio import dump_json
from regup.model import Entry
from regup.resources import templates_dir
from regup.site import contexts as c
from regup.site import pages, paths
from regup.site import skills as skill_pages

#: Folder of the stylesheet and scripts inside ``templates/``, copied to the site as is.
STATIC_DIR = "static"
#: How many servers the Atom feed lists.
FEED_SIZE = 50


@cache
def environment(folder: str | None = None) -> Environment:
    """The catalog's Jinja2 environment (autoescape on, undefined values are errors)."""
    return Environment(
        loader=FileSystemLoader(folder or str(templates_dir())),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Templates do not change during a build: no stat() per page to check them.
        auto_reload=False,
    )


def render(template: str, page: Any) -> bytes:
    """One page: ``template`` rendered with ``page`` as ``page``."""
    return environment().get_template(template).render(page=page).encode()


class CardCache:
    """Server cards rendered in this build.

    A server shows on a dozen list pages at three or four folder depths. Its card is
    rendered by ``_card.html`` once, linking from the site's root; the card of each depth is
    that HTML with the one link to the server page made relative to the depth.
    """

    def __init__(self) -> None:
        self._template = environment().get_template("_card.html")
        self._rooted: dict[str, str] = {}  # entry name → card linking from the site root
        self._cards: dict[tuple[str, str], pages.ServerCard] = {}  # (name, href) → card with html

    def card(self, item: pages.ServerCard) -> pages.ServerCard:
        key = (item.name, item.href)
        done = self._cards.get(key)
        if done is None:
            path = paths.server_path(item.name)
            rooted = self._rooted.get(item.name)
            if rooted is None:
                rooted = self._template.render(card=dataclasses.replace(item, href=path))
                self._rooted[item.name] = rooted
            # Data in the card is escaped, so the link's attribute text only comes from the
            # template: replacing it cannot touch a title or description.
            old, new = html_escape(path), html_escape(item.href)
            html = rooted.replace(f'href="{old}"', f'href="{new}"', 1)
            done = self._cards[key] = dataclasses.replace(item, html=Markup(html))  # noqa: S704
        return done


#: Fields of page contexts that hold server cards.
CARD_FIELDS = ("servers", "recent", "popular")


def with_cards(page: Any, cache: CardCache) -> Any:
    """``page`` with the HTML of each of its server cards (see :data:`CARD_FIELDS`)."""
    changes: dict[str, tuple[pages.ServerCard, ...]] = {}
    for field in CARD_FIELDS:
        items = getattr(page, field, None)
        if items:
            changes[field] = tuple(cache.card(item) for item in items)
    return dataclasses.replace(page, **changes) if changes else page


def static_files() -> Artifacts:
    """The stylesheet and scripts, under ``static/``."""
    base = templates_dir() / STATIC_DIR
    out: Artifacts = {}
    for path in sorted(base.rglob("*")):
        if path.is_file():
            out[f"{STATIC_DIR}/{path.relative_to(base).as_posix()}"] = path.read_bytes()
    return out


def _groups_of(site: c.SiteContext) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for group in site.registry.groups:
        for name in group.servers:
            out.setdefault(name, []).append(group)
    return out


def server_json(site: c.SiteContext, entry: Entry) -> Artifacts:
    """A server's JSON beside its page: ToolHive's form, and ``server.json`` unless the
    upstream output is mirrored into the site already (then the page links to that)."""
    folder = paths.server_path(entry.name)
    toolhive = {"name": entry.name, **toolhive_server(entry)}
    # Compact: the C encoder is many times faster than an indented dump, which matters for
    # tens of thousands of servers; browsers show JSON indented anyway.
    out = {f"{folder}toolhive.json": dump_json(toolhive, compact=True)}
    if entry.icon_file is not None:
        out[f"{folder}{entry.icon_file.filename}"] = entry.icon_file.data
    if upstream_server_path(entry.name) not in site.files:
        check = site.provenance.get(entry.name)
        document = to_upstream(entry, site.config, check, site.score_card(entry))
        out[f"{folder}server.json"] = dump_json(document, compact=True)
    return out


#: What XML 1.0 cannot carry at all, not even as a character reference: C0 controls other
#: than tab, newline and carriage return, surrogates, U+FFFE and U+FFFF. Validation refuses
#: control characters; the feed and sitemap drop these anyway, so that no entry (one built
#: another way, or a setting) can make them unreadable.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` as XML character data: escaped, without what XML 1.0 cannot hold."""
    return escape(_NOT_XML.sub("", text))


def xml_attribute(text: str) -> str:
    """``text`` as a quoted XML attribute value, without what XML 1.0 cannot hold."""
    return quoteattr(_NOT_XML.sub("", text))


def feed(site: c.SiteContext, timestamp: str) -> bytes:
    """An Atom feed of the most recently updated servers."""
    entries = [e for e in c.sort_entries(site.registry.entries, "updated") if e.last_updated][
        :FEED_SIZE
    ]
    base = site.base_url + "/" if site.base_url else ""
    feed_id = site.absolute("feed.xml") or "urn:regup:feed"
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <title>{xml_text(site.config.name)}: new and updated servers</title>",
        f"  <id>{xml_text(feed_id)}</id>",
        f"  <updated>{xml_text(timestamp)}</updated>",
        f'  <link rel="self" href={xml_attribute(base + "feed.xml")}/>',
        f"  <link href={xml_attribute(base or './')}/>",
    ]
    for entry in entries:
        href = base + paths.server_path(entry.name)
        lines += [
            "  <entry>",
            f"    <title>{xml_text(entry.display_name)}</title>",
            f"    <id>{xml_text(site.absolute(paths.server_path(entry.name)) or 'urn:regup:server:' + entry.name)}</id>",
            f"    <link href={xml_attribute(href)}/>",
            f"    <updated>{xml_text(entry.last_updated or timestamp)}</updated>",
            f"    <author><name>{xml_text(site.config.name)}</name></author>",
            f"    <summary>{xml_text(entry.description)}</summary>",
            "  </entry>",
        ]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode()


def sitemap(site: c.SiteContext, paths: Iterable[str]) -> bytes:
    """``sitemap.xml`` of every page (absolute URLs: only written with a base URL)."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for path in sorted(paths):
        lines.append(f"  <url><loc>{xml_text(site.absolute(path) or path)}</loc></url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode()


def robots(site: c.SiteContext) -> bytes:
    lines = ["User-agent: *", "Allow: /"]
    if site.base_url:
        lines.append(f"Sitemap: {site.base_url}/sitemap.xml")
    return ("\n".join(lines) + "\n").encode()


def _server_page(
    site: c.SiteContext, entry: Entry, groups: Mapping[str, list[Any]], cards: CardCache
) -> bytes:
    context = c.server_page(site, entry, groups.get(entry.name, []))
    return render("server.html", with_cards(context, cards))


def server_files(site: c.SiteContext, entries: Iterable[Entry]) -> Artifacts:
    """The pages and JSON files of ``entries`` alone, as :func:`render_pages` makes them
    (``regup serve --watch`` renders an edited entry first, the rest of the catalog after)."""
    groups, cards = _groups_of(site), CardCache()
    out: Artifacts = {}
    for entry in entries:
        out[f"{paths.server_path(entry.name)}index.html"] = _server_page(site, entry, groups, cards)
        out.update(server_json(site, entry))
    return out


def render_pages(site: c.SiteContext, timestamp: str, files: Mapping[str, bytes]) -> Artifacts:
    """Every page and file of the catalog except the search index.

    ``files`` are the other emitters' outputs, for the "use this registry" page.
    Raises :class:`jinja2.TemplateError` on a broken template (a bug, not bad input).
    """
    # Rendering allocates millions of short-lived objects and makes no reference cycles.
    with paused_gc():
        return _render_pages(site, timestamp, files)


def _render_pages(site: c.SiteContext, timestamp: str, files: Mapping[str, bytes]) -> Artifacts:
    out: Artifacts = {}
    pages: list[str] = []
    cards = CardCache()

    def page(path: str, template: str, context: Any) -> None:
        out[f"{path}index.html"] = render(template, with_cards(context, cards))
        pages.append(path)

    page("", "index.html", c.index_page(site))
    for path, context in c.browse_pages(site):
        page(path, "list.html", context)
    for path, context in c.facet_pages(site):
        page(path, "list.html", context)
    page("facets/", "facets.html", c.facets_page(site))
    groups = _groups_of(site)
    for entry in site.registry.entries:
        path = paths.server_path(entry.name)
        out[f"{path}index.html"] = _server_page(site, entry, groups, cards)
        pages.append(path)
        out.update(server_json(site, entry))
    if site.registry.skills:
        for path, listing in skill_pages.skills_pages(site):
            page(path, "skills.html", listing)
        for skill in site.registry.skills:
            page(
                skill_pages.page_path(site, skill),
                "skill.html",
                skill_pages.skill_page(site, skill),
            )
            out.update(skill_pages.skill_json(site, skill))
    page("groups/", "groups.html", c.groups_page(site))
    for group in site.registry.groups:
        page(paths.group_path(group.name), "group.html", c.group_page(site, group))
    page("use/", "use.html", c.use_page(site, sorted(files)))
    page("search/", "search.html", c.search_page(site))
    page(paths.EVERY_PATH, "every.html", c.every_page(site))
    out["404.html"] = render("404.html", c.not_found_page(site))
    out["feed.xml"] = feed(site, timestamp)
    if site.base_url:
        out["sitemap.xml"] = sitemap(site, pages)
    out["robots.txt"] = robots(site)
    out.update(static_files())
    return out
