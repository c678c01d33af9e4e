"""The rendered catalog: every page exists, links resolve, data stays inert text."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from regup.site import render
from tests.helpers import Files
from tests.sitefixtures import BASE_URL, broken_links, build_fixture_site, site_entries

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_site(tmp_path_factory.mktemp("site"))


def test_every_page_is_written(site: Path) -> None:
    servers = [n for n, v in site_entries().items() if not isinstance(v, Files)]
    for name in [*servers, "hostile"]:
        assert (site / "servers" / name / "index.html").is_file()
        json.loads((site / "servers" / name / "toolhive.json").read_text())
        json.loads((site / "upstream" / "servers" / f"{name}.json").read_text())
    for path in (
        "index.html",
        "browse/name/index.html",
        "browse/stars/index.html",
        "browse/updated/index.html",
        "tag/database/index.html",
        "tier/official/index.html",
        "status/deprecated/index.html",
        "transport/stdio/index.html",
        "kind/remote/index.html",
        "facets/index.html",
        "groups/index.html",
        "groups/starter-kit/index.html",
        "use/index.html",
        "search/index.html",
        "404.html",
        "feed.xml",
        "sitemap.xml",
        "robots.txt",
        "static/style.css",
        "static/site.js",
        "pagefind/pagefind.js",
        "registry.json",
        "upstream/registry.json",
        "v0.1/servers/index.html",
    ):
        assert (site / path).is_file(), path


def test_no_broken_links(site: Path) -> None:
    assert broken_links(site, "/catalog/") == []


def test_server_json_files_match_the_registry(site: Path) -> None:
    registry = json.loads((site / "registry.json").read_text())
    toolhive = json.loads((site / "servers" / "weather" / "toolhive.json").read_text())
    assert toolhive["name"] == "weather"
    assert toolhive["tools"] == registry["servers"]["weather"]["tools"]
    upstream = json.loads((site / "upstream" / "servers" / "weather.json").read_text())
    assert upstream["name"].endswith("/weather")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_hostile_data_is_inert_text(site: Path) -> None:
    pages = [
        site / "servers" / "hostile" / "index.html",
        site / "index.html",
        site / "tag" / "hostile" / "index.html",
    ]
    for page in pages:
        parser = _Tags()
        parser.feed(page.read_text(encoding="utf-8"))
        scripts = [attrs.get("src") for tag, attrs in parser.tags if tag == "script"]
        assert scripts and all(src and src.endswith("static/site.js") for src in scripts)
        assert not [tag for tag, _ in parser.tags if tag in {"img", "iframe", "object", "embed"}]
        handlers = [
            (tag, key) for tag, attrs in parser.tags for key in attrs if key.startswith("on")
        ]
        assert handlers == []
        links = [attrs.get("href") or "" for tag, attrs in parser.tags if tag == "a"]
        assert not [href for href in links if href.strip().lower().startswith("javascript")]
    html = pages[0].read_text(encoding="utf-8")
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html  # shown, as text


def test_feed_and_sitemap(site: Path) -> None:
    feed = ET.parse(site / "feed.xml").getroot()
    entries = feed.findall(f"{ATOM}entry")
    assert entries and entries[0].findtext(f"{ATOM}title") == "Weather"
    assert entries[0].find(f"{ATOM}link").get("href") == f"{BASE_URL}/servers/weather/"  # type: ignore[union-attr]
    urls = [
        u.text
        for u in ET.parse(site / "sitemap.xml")
        .getroot()
        .iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    ]
    assert f"{BASE_URL}/servers/weather/" in urls and f"{BASE_URL}/" in urls
    assert f"Sitemap: {BASE_URL}/sitemap.xml" in (site / "robots.txt").read_text()


def test_pages_make_no_request_to_another_host(site: Path) -> None:
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for marker in (
            'src="http',
            "src='http",
            'rel="stylesheet" href="http',
            "@import",
            "fonts.g",
        ):
            assert marker not in html, (page, marker)
    assert "http" not in (site / "static" / "style.css").read_text()


def test_rendering_is_deterministic(tmp_path: Path, site: Path) -> None:
    again = build_fixture_site(tmp_path)  # a fresh build: the search index is rebuilt too
    files = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert any(p.parts[0] == "pagefind" for p in files)
    assert [p for p in files if (site / p).read_bytes() != (again / p).read_bytes()] == []


def test_templates_reject_unknown_fields() -> None:
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        render.environment().from_string("{{ page.nope }}").render(page=object())


def test_index_highlights_recent_and_popular_servers(site: Path) -> None:
    page = (site / "index.html").read_text()
    for heading in ("Recently updated", "Most starred"):
        section = page.split(f"<h2>{heading}</h2>", 1)[1].split("</section>", 1)[0]
        assert section.count('<li class="card">') == 6, heading
