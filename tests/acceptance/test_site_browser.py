"""The catalog in a real browser: Debian's Chromium driven by Playwright, over real HTTP.

The fixture registry (32 servers, groups, one hostile entry) is built once and served on
127.0.0.1. Skips only when /usr/bin/chromium is missing (``scripts/setup`` installs it as
root; CI always has it).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser import BROWSER, Tab, serving
from tests.sitefixtures import (
    BASE_URL,
    LONG_NAME,
    LONG_TAG,
    build_fixture_site,
    build_long_words_site,
    site_entries,
)

pytestmark = BROWSER


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture catalog at ``/catalog/``, the path of its ``base_url`` (BASE_URL)."""
    site = build_fixture_site(tmp_path_factory.mktemp("browser"))
    with serving(site, urlsplit(BASE_URL).path.strip("/")) as url:
        yield url


@pytest.fixture(scope="module")
def long_words_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(build_long_words_site(tmp_path_factory.mktemp("long-words"))) as url:
        yield url


def _search(tab: Tab, base_url: str, query: str) -> list[str]:
    # The results come from the search script: wait for them, not for every image.
    tab.page.goto(f"{base_url}search/?q={query}", wait_until="domcontentloaded")
    tab.page.wait_for_selector("#search-results li.card")
    return [
        t.strip() for t in tab.page.locator("#search-results li.card code.name").all_inner_texts()
    ]


def test_deprecated_servers_rank_after_active_ones_and_look_deprecated(
    tab: Tab, base_url: str
) -> None:
    names = _search(tab, base_url, "container")
    assert "server-05" in names and len(names) > 10
    assert names[-1] == "server-05"  # the one deprecated server, although it matches as well
    last = tab.page.locator("#search-results li.card").last
    assert "deprecated" in (last.get_attribute("class") or "")
    assert last.locator(".badge.bad").inner_text() == "Deprecated"
    # choosing a sort keeps the chosen order: no partition
    tab.page.goto(f"{base_url}search/?q=container&sort=name:asc")
    tab.page.wait_for_selector("#search-results li.card")
    sorted_names = tab.page.locator("#search-results li.card code.name").all_inner_texts()
    assert sorted_names == sorted(sorted_names)
    assert tab.errors == []


def test_the_first_results_do_not_wait_for_the_filter_index(tab: Tab, base_url: str) -> None:
    held: list[Any] = []

    def hold(route: Any) -> None:
        held.append(route)  # answered only when released

    tab.page.route("**/pagefind/filter/**", hold)
    names = _search(tab, base_url, "container")
    assert names[-1] == "server-05"  # deprecated last already, among the results shown
    assert tab.page.locator("#search-filters input").count() == 0
    tab.page.wait_for_function(
        "document.getElementById('search-status').textContent.includes('match')"
    )
    assert held, "the filter index is asked for after the first results"
    for route in held:
        route.continue_()
    tab.page.unroute("**/pagefind/filter/**", hold)
    # with the index, the search runs again: the filters are drawn, the order kept
    tab.page.wait_for_selector("#search-filters input[name='f.status']")
    again = tab.page.locator("#search-results li.card code.name").all_inner_texts()
    assert [n.strip() for n in again] == names
    assert tab.errors == []


def test_results_show_the_tools_that_matched(tab: Tab, base_url: str) -> None:
    assert _search(tab, base_url, "pollen count")[0] == "weather"
    first = tab.page.locator("#search-results li.card").first
    assert first.locator(".matched").inner_text() == "Matching tools: lookup_pollen_count"
    href = first.locator(".matched a").get_attribute("href") or ""
    assert href.endswith("servers/weather/#tool-lookup_pollen_count")
    # an exact tool name ranks its server first, and the words of a joined name match too
    assert _search(tab, base_url, "action_03_2")[0] == "server-03"
    assert _search(tab, base_url, "weather_forecast")[0] == "weather"
    assert tab.errors == []


def test_a_typo_within_one_edit_still_finds_the_server(tab: Tab, base_url: str) -> None:
    assert _search(tab, base_url, "wether") == ["weather"]
    status = tab.page.locator("#search-status").inner_text()
    assert status == "No server matches “wether”; 1 server match “weather”"
    assert tab.errors == []


def test_an_empty_result_suggests_close_names_and_tags(tab: Tab, base_url: str) -> None:
    tab.page.goto(f"{base_url}search/?q=mnitorng")
    suggestion = tab.page.locator("#search-results li.suggest")
    suggestion.wait_for()
    assert "0 servers match" in tab.page.locator("#search-status").inner_text()
    assert suggestion.inner_text() == "Did you mean tag: monitoring?"
    suggestion.locator("a").click()
    tab.page.wait_for_url("**/tag/monitoring/")
    assert tab.errors == []


def test_on_a_phone_the_filters_fold_behind_a_button(tab: Tab, base_url: str) -> None:
    tab.page.set_viewport_size({"width": 390, "height": 800})
    tab.page.goto(f"{base_url}search/?q=container")
    tab.page.wait_for_selector("#search-results li.card")
    toggle = tab.page.locator("#filters-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not tab.page.locator("#search-filters").is_visible()
    assert tab.page.locator("#search-results li.card").first.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert tab.page.locator("#search-filters fieldset").first.is_visible()
    tab.page.set_viewport_size({"width": 1200, "height": 800})  # wide again: no button
    tab.page.wait_for_function("() => document.getElementById('filters-toggle').hidden")
    assert tab.page.locator("#search-filters").is_visible()
    assert tab.errors == []


def test_toggling_a_filter_and_show_more_keep_the_keyboard_focus(tab: Tab, base_url: str) -> None:
    tab.page.goto(f"{base_url}search/")
    tab.page.wait_for_selector("#search-results li.card")
    box = tab.page.locator("#search-filters input[name='f.kind'][value='remote']")
    box.focus()
    tab.page.keyboard.press("Space")
    tab.page.wait_for_function("() => location.search.includes('f.kind=remote')")
    tab.page.wait_for_function(
        "() => document.querySelectorAll('#search-results li.card').length < 20"
    )
    focused = tab.page.evaluate("[document.activeElement.name, document.activeElement.value]")
    assert focused == ["f.kind", "remote"]
    tab.page.keyboard.press("Space")  # and off again, from the keyboard
    tab.page.wait_for_function("() => !location.search.includes('f.kind')")
    more = tab.page.locator("#search-results button.more")
    more.wait_for()
    more.focus()
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_function(
        "() => document.querySelectorAll('#search-results li.card').length > 30"
    )
    tab.page.wait_for_function("() => document.activeElement.closest('li.card') !== null")
    index = tab.page.evaluate(
        "[...document.querySelectorAll('#search-results li.card')]"
        ".indexOf(document.activeElement.closest('li.card'))"
    )
    assert index == 30  # the first of the newly shown results
    assert tab.errors == []


def test_without_javascript_a_search_lands_on_every_server_with_its_tools(
    browser: Any, base_url: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        for start, field in (("", "#site-q"), ("", "#index-q"), ("search/", "#search-q")):
            page.goto(base_url + start)
            page.fill(field, "pollen")
            page.press(field, "Enter")
            page.wait_for_load_state()
            assert "/search/every/?q=pollen" in page.url, page.url
            row = page.locator("ul.every li", has_text="lookup_pollen_count")
            assert row.count() == 1
            assert row.locator("code.name").inner_text() == "weather"
            assert "Tags: weather" in row.inner_text()
            row.locator("a").first.click()
            page.wait_for_url("**/servers/weather/")
        page.goto(base_url + "search/every/")
        names = page.locator("ul.every code.name").all_inner_texts()
        assert names == sorted(names) and "server-05" in names
        assert page.locator("ul.every li.deprecated code.name").all_inner_texts() == ["server-05"]
    finally:
        context.close()


def test_with_javascript_the_same_forms_go_to_the_search_page(tab: Tab, base_url: str) -> None:
    tab.page.goto(base_url)
    tab.page.fill("#site-q", "pollen")
    tab.page.press("#site-q", "Enter")
    tab.page.wait_for_url("**/search/?q=pollen")
    tab.page.wait_for_selector("#search-results li.card")
    assert tab.errors == []


def test_search_by_tool_name_finds_its_server(tab: Tab, base_url: str) -> None:
    names = _search(tab, base_url, "find_weather_forecast")
    assert names[0] == "weather"
    tab.page.locator("#search-results li.card a").first.click()
    tab.page.wait_for_url("**/servers/weather/")
    assert tab.errors == []


def test_search_by_a_word_of_a_tool_name(tab: Tab, base_url: str) -> None:
    # "pollen" and "ozone" appear only inside the tool names lookup_pollen_count and
    # check-ozone-level: Pagefind indexes the parts of a name joined by "_" or "-", so the
    # search record holds each name once.
    assert _search(tab, base_url, "pollen") == ["weather"]
    assert _search(tab, base_url, "ozone") == ["weather"]
    assert tab.errors == []


def test_a_filter_narrows_results_and_every_result_carries_it(tab: Tab, base_url: str) -> None:
    page = tab.page
    before = _search(tab, base_url, "server")
    box = page.locator("#search-filters input[name='f.kind'][value='remote']")
    box.check()
    page.wait_for_function(
        "n => document.querySelectorAll('#search-results li.card').length < n", arg=len(before)
    )
    status = page.locator("#search-status").inner_text()
    after = page.locator("#search-results li.card")
    assert 0 < after.count() < len(before)
    for i in range(after.count()):
        assert "remote" in after.nth(i).locator(".badges").inner_text()
    assert str(after.count()) in status
    assert "f.kind=remote" in page.url  # the state is in the address, so it can be shared
    assert tab.errors == []


def test_thv_snippet_and_copy_button(browser: Any, base_url: str) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    try:
        tab = Tab(context.new_page())
        tab.page.goto(f"{base_url}servers/weather/")
        code = tab.page.locator("#code-thv")
        assert code.inner_text() == (
            "thv secret set weather-token\n"
            "thv run --secret weather-token,target=WEATHER_TOKEN -e WEATHER_REGION=eu weather"
        )
        tab.page.locator("button[data-copy='code-thv']").click()
        tab.page.wait_for_function(
            "b => b.textContent === 'Copied'",
            arg=tab.page.locator("button[data-copy='code-thv']").element_handle(),
        )
        assert tab.page.evaluate("navigator.clipboard.readText()") == code.inner_text()
        tab.page.wait_for_function(
            "() => document.getElementById('announce').textContent === 'Copied to the clipboard'"
        )
        assert tab.page.locator("#announce").get_attribute("role") == "status"
        assert tab.errors == []
    finally:
        context.close()


def test_required_secrets_are_in_the_table_and_the_tool_count_is_right(
    tab: Tab, base_url: str
) -> None:
    for name, doc in site_entries().items():
        if not isinstance(doc, dict) or "group.yaml" in doc:
            continue
        if not name.endswith(("00", "07", "weather")) and name != "weather":
            continue
        tab.page.goto(f"{base_url}servers/{name}/")
        rows = tab.page.locator("table.config tbody tr")
        table = {
            rows.nth(i).locator("th").inner_text(): rows.nth(i).inner_text()
            for i in range(rows.count())
        }
        for var in [*doc.get("env_vars", []), *doc.get("headers", [])]:
            if var.get("required") and var.get("secret"):
                assert "required" in table[var["name"]] and "secret" in table[var["name"]]
        shown = int(tab.page.locator("[data-tools-count]").inner_text())
        assert shown == len(doc["tools"]) == tab.page.locator("ul.tools li").count()


def test_tool_descriptions_arguments_and_hints_are_shown(tab: Tab, base_url: str) -> None:
    tab.page.set_viewport_size({"width": 390, "height": 800})
    try:
        tab.page.goto(f"{base_url}servers/weather/")
        tool = tab.page.locator("#tool-find_weather_forecast")
        assert tool.locator(".tool-description").inner_text() == "Forecast for a place, by day."
        assert tool.locator(".badge").all_inner_texts() == ["Read-only", "Reaches outside"]
        rows = tool.locator("table.params tbody tr")
        assert rows.nth(0).inner_text().split("\t")[:3] == ["place", "string", "yes"]
        assert tool.locator("table.params").is_visible()
        # two of the four tools have no definition: the page says so, and shows their names
        assert "2 of 4 tools are names only" in tab.page.locator("#tools").inner_text()
        assert tab.page.locator("#tool-lookup_pollen_count .tool-description").count() == 0
        width = tab.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        assert tab.errors == []
    finally:
        tab.page.set_viewport_size({"width": 1200, "height": 800})


def test_json_links_resolve_and_parse(tab: Tab, base_url: str) -> None:
    tab.page.goto(f"{base_url}servers/weather/")
    for label in ("ToolHive JSON", "server.json (upstream)"):
        href = tab.page.get_by_role("link", name=label).get_attribute("href")
        response = tab.page.request.get(f"{base_url}servers/weather/{href}")
        assert response.ok
        doc = json.loads(response.body())
        assert "weather" in (doc.get("name") or "")
    tab.page.goto(f"{base_url}use/")
    for link in tab.page.locator("main ul.links a").all():
        response = tab.page.request.get(f"{base_url}use/{link.get_attribute('href')}")
        assert response.ok, link.get_attribute("href")
        if (link.get_attribute("href") or "").endswith((".json", "index.html")):
            json.loads(response.body())


@pytest.mark.parametrize(
    "path", ["", "servers/weather/", "search/?q=database", "groups/starter-kit/", "browse/stars/"]
)
def test_no_console_errors(tab: Tab, base_url: str, path: str) -> None:
    tab.page.goto(base_url + path)
    tab.page.wait_for_load_state("networkidle")
    assert tab.errors == []


def test_without_javascript_the_catalog_still_works(browser: Any, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(base_url)
        assert page.locator("main li.card").count() >= 30
        page.goto(f"{base_url}servers/weather/")
        assert page.locator("#code-thv").is_visible()
        assert page.locator("#code-docker").is_visible()
        assert not page.locator("button.copy").first.is_visible()  # needs JavaScript: hidden
        page.goto(f"{base_url}tag/database/")
        assert page.locator("main li.card").count() > 0
        page.goto(f"{base_url}search/?q=x")
        assert "Search needs JavaScript" in page.locator("main").inner_text()
    finally:
        context.close()


def test_dark_theme_follows_the_system_and_the_toggle(browser: Any, base_url: str) -> None:
    background = "getComputedStyle(document.body).backgroundColor"
    dark = browser.new_context(color_scheme="dark")
    light = browser.new_context(color_scheme="light")
    try:
        page = dark.new_page()
        page.goto(base_url)
        assert page.evaluate(background) == "rgb(13, 17, 23)"
        page = light.new_page()
        page.goto(base_url)
        assert page.evaluate(background) == "rgb(255, 255, 255)"
        toggle = page.locator("button.theme-toggle")
        assert (toggle.inner_text(), toggle.get_attribute("aria-pressed")) == (
            "Dark theme",
            "false",
        )
        toggle.click()
        assert page.evaluate(background) == "rgb(13, 17, 23)"
        # a toggle keeps its label; only its pressed state changes
        assert (toggle.inner_text(), toggle.get_attribute("aria-pressed")) == ("Dark theme", "true")
        page.goto(f"{base_url}servers/weather/")  # the choice is remembered
        assert page.evaluate(background) == "rgb(13, 17, 23)"
    finally:
        dark.close()
        light.close()


@pytest.mark.parametrize("width", [1200, 375])
@pytest.mark.parametrize(
    ("path", "scheme"),
    [
        ("", "light"),
        ("servers/weather/", "light"),
        ("servers/weather/", "dark"),
        ("servers/server-05/", "light"),  # deprecated
        ("search/?q=cloud", "dark"),
        ("search/?q=container", "light"),  # a deprecated result, matched tools
        ("search/every/", "dark"),
        ("browse/name/", "light"),
        ("tag/database/", "dark"),
        ("facets/", "light"),
        ("groups/", "light"),
        ("groups/starter-kit/", "dark"),
        ("use/", "light"),
        ("no/such/page/", "dark"),  # the not-found page, from a sub-path
    ],
)
def test_no_serious_accessibility_violations(
    browser: Any, base_url: str, path: str, scheme: str, width: int
) -> None:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.goto(base_url + path)
        if path.startswith("search/?"):
            page.wait_for_selector("#search-results li.card")
        results = Axe().run(page)
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert serious == []
    finally:
        context.close()


def test_the_not_found_page_works_from_a_sub_path(tab: Tab, base_url: str) -> None:
    """A project page (``https://owner.github.io/repo/``) answers every missing path, at any
    depth, with the site's 404.html: its links and styles must not depend on where it is."""
    response = tab.page.goto(f"{base_url}servers/no-such-server/deeper/")
    assert response is not None and response.status == 404
    assert tab.page.evaluate("document.styleSheets[0].cssRules.length") > 10
    home = tab.page.locator("a.brand")
    assert home.evaluate("a => a.href") == base_url
    home.click()
    tab.page.wait_for_url(base_url)
    assert tab.page.locator("h1").count() == 1
    # the one error is the browser's note of the 404 answer itself
    assert [e for e in tab.errors if "404" not in e] == []


def test_no_script_from_the_data_runs(tab: Tab, base_url: str) -> None:
    page = tab.page
    for path in ("servers/hostile/", "", "tag/hostile/", "browse/name/"):
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__pwned") is None
    names = _search(tab, base_url, "hostile")
    assert "hostile" in names
    assert "<script>" in page.locator("#search-results li.card").first.inner_text()  # shown as text
    assert page.evaluate("window.__pwned") is None
    page.goto(f"{base_url}servers/hostile/")
    for link in page.locator("a").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript")
    assert [e for e in tab.errors if "dialog" in e] == []


def test_sorting_by_stars_puts_the_most_starred_first(tab: Tab, base_url: str) -> None:
    tab.page.goto(f"{base_url}search/?q=server&sort=stars:desc")
    tab.page.wait_for_selector("#search-results li.card")
    names = tab.page.locator("#search-results li.card code.name").all_inner_texts()
    stars = {
        n: d["metadata"]["stars"]
        for n, d in site_entries().items()
        if isinstance(d, dict) and "metadata" in d
    }
    shown = [stars[n] for n in names if n in stars]
    assert len(shown) > 5 and shown == sorted(shown, reverse=True)
    tab.page.select_option("#search-sort", "name:asc")
    tab.page.wait_for_function("() => location.search.includes('name')")
    tab.page.wait_for_timeout(300)
    names = tab.page.locator("#search-results li.card code.name").all_inner_texts()
    assert names == sorted(names)


#: The elements that stick out to the right of the viewport, for the failure message.
_STICKING_OUT = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .slice(0, 6)
    .map(e => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px`);
}"""


@pytest.mark.parametrize("width", [1200, 375])
def test_words_of_hundreds_of_characters_do_not_widen_the_page(
    browser: Any, long_words_url: str, width: int
) -> None:
    # A 100-character title, a 500-character description, tool, tag, variable and image names
    # of 120 to 150 characters and a 300-character URL, none with a space: before the catalog
    # wrapped them, the home page was 5,725 px wide at 1,200 px and the server page 5,877 px.
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        tab = Tab(context.new_page())
        page = tab.page
        for path in (
            "",
            f"servers/{LONG_NAME}/",
            "tag/web/",
            f"tag/{LONG_TAG}/",
            "browse/name/",
            "search/?q=short_tool",
        ):
            page.goto(long_words_url + path)
            if path.startswith("search/?"):
                page.wait_for_selector("#search-results li.card")
            assert "W" * 100 in page.locator("main").inner_text(), path  # shown, not cut
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, (path, scroll_width, page.evaluate(_STICKING_OUT))
        # Code keeps its lines: a long snippet scrolls inside its own box.
        page.goto(f"{long_words_url}servers/{LONG_NAME}/")
        snippet = page.locator("#install-docker pre")
        assert snippet.evaluate("e => e.scrollWidth > e.clientWidth")
        assert tab.errors == []
    finally:
        context.close()
