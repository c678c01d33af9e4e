"""The score card's filters in a real browser: on the search page (Pagefind filters) and on
the browse pages (the filter links of the home page and their lists), "verified", "healthy"
and "maintained" narrow the servers to those whose stored checks say so, and an entry never
checked is in none of them.

A small registry with a committed ``health.json`` and ``provenance.json`` is built with
``regup build`` and served on 127.0.0.1; skips only when /usr/bin/chromium is missing, as the
other browser tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from regup.checks import Outcome
from regup.healthstate import EntryHealth, HealthState, Record, Signal
from regup.healthstate import state_path as health_path
from regup.provenance.state import ProvenanceState, Result
from regup.provenance.state import state_path as provenance_path
from tests.browser import BROWSER, Tab, serving
from tests.helpers import config_toml, container, remote, run_cli, write_registry

pytestmark = BROWSER

PUSHED = {"pushed_at": "2026-11-20T00:00:00Z", "license": "MIT"}
#: What the stored checks say of each server ("unchecked" has no record at all).
HEALTH = {
    "alpha": {
        Signal.LIVE: Record("healthy", "answered initialize", checked_on="2026-12-01"),
        Signal.REPOSITORY: Record("active", "x", PUSHED, checked_on="2026-12-01"),
    },
    "bravo": {
        Signal.LIVE: Record("unreachable", "connection refused", checked_on="2026-12-01"),
        Signal.REPOSITORY: Record("archived", "archived on GitHub", checked_on="2026-12-01"),
    },
    "charlie": {
        Signal.LIVE: Record("healthy", "answered initialize", checked_on="2026-12-01"),
    },
    "delta": {
        Signal.REPOSITORY: Record("active", "x", PUSHED, checked_on="2026-12-01"),
    },
}
VERIFIED = {"alpha": Outcome.VERIFIED, "bravo": Outcome.UNSIGNED, "delta": Outcome.VERIFIED}
#: The servers each filter value holds.
EXPECTED = {
    ("healthy", "yes"): ["alpha", "charlie"],
    ("healthy", "no"): ["bravo"],
    ("maintained", "yes"): ["alpha", "delta"],
    ("maintained", "no"): ["bravo"],
    ("verified", "yes"): ["alpha", "delta"],
    ("verified", "no"): ["bravo"],
}
EVERYONE = ["alpha", "bravo", "charlie", "delta", "unchecked"]


def _container(name: str) -> dict[str, Any]:
    return container(
        image=f"ghcr.io/example/{name}:1.0.0",
        description=f"The {name} test server of the catalog.",
        repository_url=f"https://github.com/example/{name}",
        tags=["catalog"],
    )


def write_checked_registry(folder: Path) -> Path:
    registry = write_registry(
        folder,
        alpha=_container("alpha"),
        bravo=_container("bravo"),
        charlie=remote(
            url="https://charlie.example.com/mcp",
            description="The charlie test server of the catalog.",
            tags=["catalog"],
        ),
        delta=_container("delta"),
        unchecked=_container("unchecked"),
    )
    health = HealthState({n: EntryHealth(n, dict(r)) for n, r in HEALTH.items()})
    health_path(registry).write_bytes(health.dumps())
    provenance = ProvenanceState(
        {
            n: Result(n, o, "", image=f"ghcr.io/example/{n}:1.0.0", checked_at="2026-12-01")
            for n, o in VERIFIED.items()
        }
    )
    provenance_path(registry).write_bytes(provenance.dumps())
    return registry


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("health-site")
    (root / "regup.toml").write_text(config_toml(name="Health test"))
    registry = write_checked_registry(root / "registry")
    result = run_cli(
        ["--registry", str(registry), "--config", str(root / "regup.toml")]
        + ["build", "--out", str(root / "dist")]
    )
    assert result.exit_code == 0, result.output
    with serving(root / "dist" / "site") as url:
        yield url


def _names(tab: Tab, selector: str) -> list[str]:
    return sorted(
        t.strip() for t in tab.page.locator(f"{selector} li.card code.name").all_inner_texts()
    )


def _search_all(tab: Tab, site_url: str, query: str = "") -> None:
    tab.page.goto(f"{site_url}search/?q=catalog{query}")
    tab.page.wait_for_function(
        "n => document.querySelectorAll('#search-results li.card').length > 0", arg=1
    )


@pytest.mark.parametrize(("key", "value"), sorted(EXPECTED))
def test_a_search_filter_narrows_to_the_servers_whose_checks_say_so(
    tab: Tab, site_url: str, key: str, value: str
) -> None:
    _search_all(tab, site_url)
    tab.page.wait_for_selector(f"#search-filters input[name='f.{key}'][value='{value}']")
    assert _names(tab, "#search-results") == EVERYONE
    tab.page.locator(f"#search-filters input[name='f.{key}'][value='{value}']").check()
    tab.page.wait_for_function(
        "n => document.querySelectorAll('#search-results li.card').length === n",
        arg=len(EXPECTED[(key, value)]),
    )
    assert _names(tab, "#search-results") == EXPECTED[(key, value)]
    assert f"f.{key}={value}" in tab.page.url
    assert tab.errors == []


def test_search_filters_combine_and_count_only_checked_servers(tab: Tab, site_url: str) -> None:
    _search_all(tab, site_url, "&f.healthy=yes&f.verified=yes")
    tab.page.wait_for_function(
        "() => document.querySelectorAll('#search-results li.card').length === 1"
    )
    assert _names(tab, "#search-results") == ["alpha"]
    # the unchecked server is counted under no value of the card's filters
    tab.page.goto(f"{site_url}search/?q=catalog")
    tab.page.wait_for_selector("#search-filters input[name='f.maintained']")
    counts = tab.page.evaluate(
        """() => Array.from(document.querySelectorAll("#search-filters input[name^='f.']"))
              .filter(i => ['f.verified', 'f.healthy', 'f.maintained'].includes(i.name))
              .map(i => [i.name, i.value, i.parentElement.querySelector('.count').textContent])"""
    )
    assert sorted(tuple(c) for c in counts) == sorted(
        (f"f.{k}", v, str(len(names))) for (k, v), names in EXPECTED.items()
    )
    assert tab.errors == []


def test_the_browse_filters_list_the_right_servers_without_javascript(
    browser: Any, site_url: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = Tab(context.new_page())
        for (key, value), names in EXPECTED.items():
            tab.page.goto(site_url)
            link = tab.page.locator(f".facet a[href='{key}/{value}/']")
            assert link.locator(".count").inner_text() == str(len(names)), (key, value)
            link.click()
            tab.page.wait_for_url(f"**/{key}/{value}/")
            assert _names(tab, "main") == names, (key, value)
        assert tab.errors == []
    finally:
        context.close()
