"""Page contexts: documented fields, plain-words permissions, provenance, cards and pages."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from regup.checks import Outcome, ProvenanceCheck
from regup.config import Config
from regup.model import Entry, Group, Registry
from regup.resources import templates_dir
from regup.site import contexts as c
from regup.site import pages as pg
from regup.site import paths, wording
from tests.helpers import TEST_NAMESPACE, container, remote

TEMPLATE_OF: dict[type, str] = {
    pg.IndexPage: "index.html",
    pg.ListPage: "list.html",
    pg.FacetsPage: "facets.html",
    pg.ServerPage: "server.html",
    pg.GroupsPage: "groups.html",
    pg.GroupPage: "group.html",
    pg.UsePage: "use.html",
    pg.SearchPage: "search.html",
    pg.EveryPage: "every.html",
    pg.NotFoundPage: "404.html",
    pg.SkillsPage: "skills.html",
    pg.SkillPage: "skill.html",
}


def _entry(name: str = "demo", **changes: object) -> Entry:
    return Entry.from_document(name, container(**changes))


def _template_text(name: str) -> str:
    """A template with the partials it includes (one level is all we use)."""
    folder = templates_dir()
    text = (folder / name).read_text(encoding="utf-8")
    for partial in re.findall(r'include "([^"]+)"', text):
        text += (folder / partial).read_text(encoding="utf-8")
    return text


def test_every_page_type_has_a_template() -> None:
    assert set(TEMPLATE_OF) == set(pg.PAGE_TYPES)


@pytest.mark.parametrize("page_type", pg.PAGE_TYPES, ids=lambda t: t.__name__)
def test_every_field_is_documented_and_used(page_type: type) -> None:
    fields = pg.page_fields(page_type)
    assert all(doc.strip() for doc in fields.values()), "undocumented fields"
    text = _template_text(TEMPLATE_OF[page_type]) + (templates_dir() / "base.html").read_text()
    unused = [name for name in fields if f"page.{name}" not in text]
    assert unused == []


@pytest.mark.parametrize("page_type", pg.PAGE_TYPES, ids=lambda t: t.__name__)
def test_templates_ask_only_for_documented_fields(page_type: type) -> None:
    asked = set(re.findall(r"page\.(\w+)", _template_text(TEMPLATE_OF[page_type])))
    assert asked <= set(pg.page_fields(page_type))


@pytest.mark.parametrize(
    ("permissions", "sentence"),
    [
        (
            {"network": {"outbound": {"allow_host": ["api.github.com"], "allow_port": [443]}}},
            "May connect to api.github.com on port 443 only.",
        ),
        (
            {
                "network": {
                    "outbound": {"allow_host": ["a.example", ".b.example"], "allow_port": [80, 443]}
                }
            },
            "May connect to a.example and any subdomain of b.example on ports 80 and 443 only.",
        ),
        (
            {"network": {"outbound": {"allow_host": ["a.example"]}}},
            "May connect to a.example on any port.",
        ),
        ({"network": {"outbound": {}}}, "No network access."),
        ({"read": ["/data"]}, "No network access."),
        (
            {"network": {"outbound": {"insecure_allow_all": True}}},
            "Unrestricted network access: may connect to any host on any port.",
        ),
    ],
)
def test_network_permissions_in_plain_words(permissions: dict[str, object], sentence: str) -> None:
    assert wording.network_sentences(_entry(permissions=permissions)) == (sentence,)


def test_undeclared_permissions_are_said_so() -> None:
    assert "No permission profile declared" in wording.network_sentences(_entry())[0]


def test_filesystem_permissions_in_plain_words() -> None:
    entry = _entry(
        permissions={"read": ["/data", "/etc/app"], "write": ["/out"], "privileged": True}
    )
    assert wording.filesystem_sentences(entry) == (
        "Runs privileged: full access to the host.",
        "May read /data and /etc/app.",
        "May write /out.",
    )
    assert wording.filesystem_sentences(_entry()) == ("No access to host files.",)


def test_mounted_folders_are_said_with_their_placeholder_and_access() -> None:
    """Bug: servers that only make sense with files said "No access to host files"."""
    mounts = [
        {"name": "PROJECTS_DIR", "description": "Files to share.", "target": "/projects"},
        {"name": "OUT_DIR", "description": "Results.", "target": "/out", "access": "write"},
    ]
    assert wording.filesystem_sentences(_entry(mounts=mounts)) == (
        "Mounts a folder you choose (<PROJECTS_DIR>) at /projects, read only: Files to share.",
        "Mounts a folder you choose (<OUT_DIR>) at /out, read and write: Results.",
    )


def test_remote_servers_name_their_host() -> None:
    entry = Entry.from_document("hosted", remote())
    assert wording.network_sentences(entry) == (
        "Hosted by its provider: your client connects to mcp.example.com over HTTPS.",
    )


def test_provenance_outcome_wins_over_the_declaration() -> None:
    entry = _entry(provenance={"repository_uri": "https://github.com/example/fetch"})
    declared = wording.provenance_view(entry, None)
    assert declared.badge.label == "Provenance declared"
    assert ("Repository", "https://github.com/example/fetch") in declared.rows
    status = ProvenanceCheck(
        Outcome.VERIFIED,
        signer="https://github.com/example/fetch/.github/workflows/release.yml@refs/tags/v1",
        issuer="https://token.actions.githubusercontent.com",
        repository="https://github.com/example/fetch",
        log_index=123456,
    )
    view = wording.provenance_view(entry, status)
    assert (view.badge.label, view.badge.tone) == ("Provenance verified", "good")
    assert ("Transparency log index", "123456") in view.rows
    assert ("Issuer", "https://token.actions.githubusercontent.com") in view.rows
    mismatch = wording.provenance_view(
        entry, ProvenanceCheck(Outcome.MISMATCH, detail="signer: wanted a, got b")
    )
    assert mismatch.badge.tone == "bad" and ("Detail", "signer: wanted a, got b") in mismatch.rows
    assert wording.provenance_key(entry, status) == "verified"
    assert wording.provenance_key(entry, None) == "declared"


def test_every_outcome_has_a_label() -> None:
    assert set(wording.OUTCOME_LABELS) == set(Outcome)


def _site(
    *entries: Entry, groups: tuple[Group, ...] = (), repository_url: str = ""
) -> c.SiteContext:
    return c.SiteContext(
        Registry(entries, groups), Config(namespace=TEST_NAMESPACE, repository_url=repository_url)
    )


def test_server_page_figures_and_links() -> None:
    entry = _entry(tools=["a", "b", "c"], website_url="https://fetch.example.com")
    site = _site(entry, repository_url="https://github.com/example/registry")
    page = c.server_page(site, entry, [])
    assert page.tools_count == 3 == len(page.tools)
    assert [(s.label, s.value) for s in page.stats] == [
        ("Stars", "42"),
        ("Pulls", "1,000"),
        ("Last update", "2025-06-01"),
    ]
    hrefs = {link.label: link.href for link in page.links}
    assert hrefs["Website"] == "https://fetch.example.com"
    assert hrefs["ToolHive JSON"] == "toolhive.json"
    assert hrefs["server.json (upstream)"] == "server.json"  # no upstream output to link to
    mirrored = dataclasses.replace(site, files=frozenset({"upstream/servers/demo.json"}))
    again = {link.label: link.href for link in c.server_page(mirrored, entry, []).links}
    assert again["server.json (upstream)"] == "../../upstream/servers/demo.json"
    assert (
        hrefs["Edit this entry"]
        == "https://github.com/example/registry/edit/main/registry/demo/spec.yaml"
    )
    assert page.tags[0].href == "../../tag/web/"
    assert page.chrome.stylesheet == "../../static/style.css"


def test_unknown_stars_say_unavailable_not_zero() -> None:
    entry = _entry(metadata={"last_updated": "2025-01-01T00:00:00Z"})
    page = c.server_page(_site(entry), entry, [])
    assert ("Stars", "unavailable") in [(s.label, s.value) for s in page.stats]


def test_deprecated_server_links_its_replacement() -> None:
    old = _entry("old-one", status="Deprecated", custom_metadata={"replaced_by": "new-one"})
    new = _entry("new-one", title="New One")
    page = c.server_page(_site(old, new), old, [])
    assert page.deprecation is not None
    assert page.replacement == pg.Link("New One", "../../servers/new-one/")
    assert c.server_page(_site(old, new), new, []).deprecation is None


def test_secret_defaults_never_reach_the_config_table() -> None:
    entry = _entry(
        env_vars=[
            {
                "name": "T",
                "description": "Token.",
                "required": True,
                "secret": True,
                "default": "xyz",
            }
        ]
    )
    (row,) = c.server_page(_site(entry), entry, []).config_rows
    assert row.secret and row.required and row.default == ""


def test_lists_are_paginated_with_relative_links() -> None:
    entries = [_entry(f"s-{i:03d}", metadata={"stars": i}) for i in range(paths.PAGE_SIZE * 2 + 1)]
    pages = c.browse_pages(_site(*entries))
    by_name = [(path, page) for path, page in pages if path.startswith("browse/name/")]
    assert [path for path, _ in by_name] == ["browse/name/", "browse/name/2/", "browse/name/3/"]
    first, second = by_name[0][1], by_name[1][1]
    assert first.prev is None and first.next == pg.Link("Next", "../../browse/name/2/")
    assert second.prev == pg.Link("Previous", "../../../browse/name/")
    assert [link.href if link else None for link in second.pages] == [
        "../../../browse/name/",
        "",
        "../../../browse/name/3/",
    ]
    stars = next(page for path, page in pages if path == "browse/stars/")
    assert stars.servers[0].name == f"s-{paths.PAGE_SIZE * 2:03d}"


@pytest.mark.parametrize(
    ("current", "count", "expected"),
    [
        (1, 1, [1]),
        (2, 3, [1, 2, 3]),
        (1, 200, [1, 2, 3, None, 200]),
        (100, 200, [1, None, 98, 99, 100, 101, 102, None, 200]),
        (4, 200, [1, 2, 3, 4, 5, 6, None, 200]),
        (199, 200, [1, None, 197, 198, 199, 200]),
    ],
)
def test_page_links_are_the_ends_and_a_window(
    current: int, count: int, expected: list[int | None]
) -> None:
    assert c.page_window(current, count) == expected


def test_a_long_list_links_a_window_of_pages() -> None:
    entries = [_entry(f"s-{i:04d}") for i in range(paths.PAGE_SIZE * 20)]
    pages = dict(c.browse_pages(_site(*entries)))
    middle = pages["browse/name/10/"]
    assert [link.label if link else None for link in middle.pages] == (
        ["1", None, "8", "9", "10", "11", "12", None, "20"]
    )
    assert middle.pages[4] == pg.Link("10", "")


def test_facet_pages_list_only_servers_with_the_value() -> None:
    a = _entry("a-one", tags=["db"])
    b = _entry("b-two", tags=["web"])
    r = Entry.from_document("r-three", remote(tags=["db"]))
    pages = dict(c.facet_pages(_site(a, b, r)))
    assert [s.name for s in pages["tag/db/"].servers] == ["a-one", "r-three"]
    assert [s.name for s in pages["kind/remote/"].servers] == ["r-three"]
    assert [s.name for s in pages["tier/official/"].servers] == ["r-three"]
    assert [s.name for s in pages["transport/streamable-http/"].servers] == ["r-three"]


def test_index_counts() -> None:
    entries = [_entry("a-one", tools=["x", "y"]), Entry.from_document("r-two", remote())]
    page = c.index_page(_site(*entries))
    assert [(s.label, s.value) for s in page.counts] == [
        ("servers", "2"),
        ("container", "1"),
        ("remote", "1"),
        ("tools", "4"),
    ]


def test_the_front_page_says_what_the_registry_is_and_how_to_use_it() -> None:
    entries = [_entry("a-one"), Entry.from_document("r-two", remote())]
    site = dataclasses.replace(_site(*entries), base_url="https://reg.example.org")
    page = c.index_page(site)
    assert page.intro.startswith("A catalog of 2 MCP servers: for each server, what runs it")
    assert [s.title for s in page.steps] == [
        "Add this registry to ToolHive",
        "Pick a server",
        "Paste its install snippet",
    ]
    first = page.steps[0].snippet
    assert first is not None
    assert first.text == "thv config set-registry https://reg.example.org/upstream/registry.json"
    assert [s.link.href for s in page.steps] == ["use/", "search/", "browse/name/"]
    assert c.intro(Registry((entries[0],), ())).startswith("A catalog of 1 MCP server:")


def test_use_page_with_and_without_base_url() -> None:
    files = ["registry.json", "upstream/registry.json", "v0.1/servers/index.html"]
    site = dataclasses.replace(_site(_entry()), base_url="https://reg.example.org")
    page = c.use_page(site, files)
    assert page.has_base_url
    texts = [s.text for s in page.commands]
    assert "thv config set-registry https://reg.example.org/upstream/registry.json" in texts
    assert "thv config set-registry https://reg.example.org" in texts
    assert not any("set-registry-api" in text for text in texts)
    assert [link.href for link in page.files] == [
        "../registry.json",
        "../upstream/registry.json",
        "../v0.1/servers/index.html",
    ]
    assert not c.use_page(_site(_entry()), files).has_base_url


def test_not_found_page_links_from_the_base_path() -> None:
    site = dataclasses.replace(_site(_entry()), base_url="https://example.org/reg")
    page = c.not_found_page(site)
    assert page.chrome.stylesheet == "/reg/static/style.css"
    assert c.not_found_page(_site(_entry())).chrome.stylesheet == "/static/style.css"


def test_root_of() -> None:
    assert paths.root_of("") == ""
    assert paths.root_of("servers/x/") == "../../"
    assert Path(paths.root_of("tag/db/2/")) == Path("../../..")


def test_deprecated_servers_sort_last() -> None:
    old = _entry("aaa-old", status="Deprecated", metadata={"stars": 10**6})
    new = _entry("zzz-new", metadata={"stars": 1})
    for sort in paths.SORTS:
        assert [e.name for e in c.sort_entries([old, new], sort)] == ["zzz-new", "aaa-old"]


def test_floating_image_tags_are_flagged() -> None:
    latest = _entry("floats", image="ghcr.io/example/floats:latest")
    untagged = _entry("bare", image="ghcr.io/example/bare")
    pinned = _entry("pinned", image="ghcr.io/example/pinned:1.2.3")
    digest = _entry("digest", image="ghcr.io/example/d:latest@sha256:" + "a" * 64)
    site = _site(latest, untagged, pinned, digest)
    for entry, flagged in ((latest, True), (untagged, True), (pinned, False), (digest, False)):
        labels = [b.label for b in c.card(entry, "", site).badges]
        assert ("Floating tag" in labels) is flagged, entry.name
        page_labels = [b.label for b in c.server_page(site, entry, []).badges]
        assert ("Floating tag" in page_labels) is flagged, entry.name
    remote_entry = Entry.from_document("hosted", remote())
    assert "Floating tag" not in [b.label for b in c.card(remote_entry, "").badges]


def test_stars_of_a_shared_repository_say_so() -> None:
    repo = "https://github.com/Example/MonoRepo"
    one = _entry("mono-one", repository_url=repo)
    two = _entry("mono-two", repository_url=repo.lower() + "/tree/main/two")
    alone = _entry("alone", repository_url="https://github.com/example/alone")
    site = _site(one, two, alone)
    stars = dict((s.label, s.value) for s in c.server_page(site, one, []).stats)["Stars"]
    assert stars == "42, shared by the 2 entries of the same repository"
    assert c.card(two, "", site).stars == "42 (repository of 2 entries)"
    assert dict((s.label, s.value) for s in c.server_page(site, alone, []).stats)["Stars"] == "42"


@pytest.mark.parametrize(
    ("title", "letters"),
    [("GitHub Remote", "GR"), ("fetch", "Fe"), ("AWS  cost-explorer", "AC"), ("★", "De")],
)
def test_a_monogram_stands_in_for_a_missing_icon(title: str, letters: str) -> None:
    entry = _entry("demo", title=title)
    assert wording.monogram(entry) == letters
    card = c.card(entry, "../", _site(entry))
    assert (card.icon, card.monogram) == (None, letters)
    assert card.tint in wording.TINTS and card.tint == wording.tint(entry)


def test_only_icons_published_with_the_site_are_shown() -> None:
    base = "https://reg.example.org/catalog"
    own = _entry("own", icons=[{"src": f"{base}/icons/own.svg"}])
    foreign = _entry("foreign", icons=[{"src": "https://cdn.example.com/x.svg"}])
    sneaky = _entry("sneaky", icons=[{"src": f"{base}/../x.svg"}])
    site = dataclasses.replace(_site(own, foreign, sneaky), base_url=base)
    assert c.card(own, "../../", site).icon == "../../icons/own.svg"
    assert c.server_page(site, own, []).icon == "../../icons/own.svg"
    assert c.card(foreign, "", site).icon is None
    assert c.card(sneaky, "", site).icon is None


def test_a_tag_vocabulary_limits_the_tag_lists() -> None:
    entries = [_entry("a-one", tags=["web", "odd-one"]), _entry("b-two", tags=["web"])]
    free = c.facet_groups(_site(*entries), "")
    tags = next(g for g in free if g.title == c.FACET_TITLES["tag"])
    assert [link.label for link in tags.links] == ["web", "odd-one"]
    site = dataclasses.replace(_site(*entries), config=Config(tags=("web",)))
    tags = next(g for g in c.facet_groups(site, "") if g.title == c.FACET_TITLES["tag"])
    assert [(link.label, link.count) for link in tags.links] == [("web", 2)]


# --- the score card's filters -----------------------------------------------------------------


def _checked_site() -> c.SiteContext:
    """Four servers: one healthy, maintained and verified; one unreachable, archived and
    unsigned; one remote, healthy and never checked otherwise; one never checked at all."""
    from regup.healthstate import EntryHealth, Record, Signal

    good = _entry("good-one")
    bad = _entry("bad-two")
    hosted = Entry.from_document("hosted-three", remote())
    never = _entry("never-four")
    pushed = {"pushed_at": "2026-11-20T00:00:00Z"}
    health = {
        "good-one": EntryHealth(
            "good-one",
            {
                Signal.LIVE: Record("not-run", "container servers run only when asked"),
                Signal.REPOSITORY: Record("active", "x", pushed, checked_on="2026-12-01"),
            },
        ),
        "bad-two": EntryHealth(
            "bad-two",
            {
                Signal.LIVE: Record("unreachable", "connection refused"),
                Signal.REPOSITORY: Record("archived", "archived on GitHub"),
            },
        ),
        "hosted-three": EntryHealth(
            "hosted-three", {Signal.LIVE: Record("healthy", "answered", checked_on="2026-12-01")}
        ),
    }
    provenance = {
        "good-one": ProvenanceCheck(Outcome.VERIFIED),
        "bad-two": ProvenanceCheck(Outcome.UNSIGNED),
    }
    return dataclasses.replace(
        _site(good, bad, hosted, never), provenance=provenance, health=health
    )


def test_card_filters_hold_only_entries_whose_signal_has_an_answer() -> None:
    site = _checked_site()
    assert dict(site.card_filters) == {
        "good-one": {"verified": "yes", "maintained": "yes"},  # not run: not in "healthy"
        "bad-two": {"verified": "no", "healthy": "no", "maintained": "no"},
        "hosted-three": {"healthy": "yes"},
        "never-four": {},
    }


def test_card_filters_are_browse_filters_with_their_pages() -> None:
    site = _checked_site()
    groups = {
        g.title: {link.label: link.count for link in g.links} for g in c.facet_groups(site, "")
    }
    assert groups["Verified"] == {"no": 1, "yes": 1}
    assert groups["Healthy"] == {"no": 1, "yes": 1}
    assert groups["Maintained"] == {"no": 1, "yes": 1}
    titles = [g.title for g in c.facet_groups(site, "")]
    assert titles.index("Transport") < titles.index("Verified") < titles.index("Tags")
    pages = dict(c.facet_pages(site))
    assert [s.name for s in pages["verified/yes/"].servers] == ["good-one"]
    assert [s.name for s in pages["verified/no/"].servers] == ["bad-two"]
    assert [s.name for s in pages["healthy/yes/"].servers] == ["hosted-three"]
    assert [s.name for s in pages["healthy/no/"].servers] == ["bad-two"]
    assert [s.name for s in pages["maintained/yes/"].servers] == ["good-one"]
    assert pages["maintained/yes/"].title == "Maintained: yes"
    assert not any(
        "never-four" in [s.name for s in p.servers]
        for k, p in pages.items()
        if k.split("/")[0] in ("verified", "healthy", "maintained")
    )


def test_without_any_record_there_are_no_card_filters() -> None:
    site = _site(_entry("a-one"), Entry.from_document("r-two", remote()))
    titles = [g.title for g in c.facet_groups(site, "")]
    assert not {"Verified", "Healthy", "Maintained"} & set(titles)
    assert not any(p.split("/")[0] == "healthy" for p, _ in c.facet_pages(site))
