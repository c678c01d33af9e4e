"""Skills in the catalog, in a real browser: the list and its filters, a skill's page with
its install command and copy button, and skills in the search page's results and filters.

A small registry (two servers, three skills) is built with ``regup build`` and served on
127.0.0.1; skips only when /usr/bin/chromium is missing, as the other browser tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import BROWSER, Tab, serving
from tests.helpers import (
    SKILL,
    Files,
    config_toml,
    container,
    run_cli,
    skill,
    to_yaml,
    write_registry,
)

pytestmark = BROWSER


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("skills-site")
    (root / "regup.toml").write_text(config_toml(name="Skills test"))
    write_registry(
        root / "registry",
        fetch=container(),
        tracker=container(
            image="ghcr.io/example/tracker:1.0.0", description="Files and tracks issues."
        ),
        skills=Files(
            {
                "code-review/skill.yaml": to_yaml(SKILL),
                "triage/skill.yaml": skill(
                    title="Issue Triage",
                    description="Sorts new issues by area and urgency for a maintainer.",
                    status="deprecated",
                    license="MIT",
                )["skill.yaml"],
                "notes/skill.yaml": skill(
                    title="Meeting Notes",
                    description="Turns a meeting transcript into decisions and action items.",
                    packages=[SKILL["packages"][1]],
                )["skill.yaml"],
            }
        ),
    )
    result = run_cli(
        [
            "--registry",
            str(root / "registry"),
            "--config",
            str(root / "regup.toml"),
            "build",
            "--out",
            str(root / "dist"),
        ]
    )
    assert result.exit_code == 0, result.output
    with serving(root / "dist" / "site") as url:
        yield url


def test_the_skills_list_and_its_status_filter(tab: Tab, site_url: str) -> None:
    tab.page.goto(site_url)
    tab.page.locator("header nav a", has_text="Skills").first.click()
    tab.page.wait_for_url("**/skills/")
    names = tab.page.locator("ul.cards li.card code.name").all_inner_texts()
    assert names == ["code-review", "notes", "triage"]  # the deprecated one last
    assert "deprecated" in (tab.page.locator("ul.cards li.card").last.get_attribute("class") or "")
    tab.page.locator(".skill-filters a", has_text="deprecated").click()
    tab.page.wait_for_url("**/skill-status/deprecated/")
    assert tab.page.locator("ul.cards li.card code.name").all_inner_texts() == ["triage"]
    assert tab.errors == []


def test_a_skill_page_installs_by_name_and_lists_its_packages(tab: Tab, site_url: str) -> None:
    tab.page.goto(f"{site_url}skills/code-review/")
    code = tab.page.locator("#code-thv-skill")
    assert code.inner_text() == "thv skill install code-review"
    tab.page.locator("button[data-copy='code-thv-skill']").click()
    tab.page.wait_for_function(
        "b => b.textContent === 'Copied'",
        arg=tab.page.locator("button[data-copy='code-thv-skill']").element_handle(),
    )
    assert tab.page.evaluate("navigator.clipboard.readText()") == "thv skill install code-review"
    rows = tab.page.locator("table.packages tbody tr").all_inner_texts()
    assert "ghcr.io/example/skills/code-review:1.2.0" in rows[0]
    assert "skills/code-review" in rows[1]
    href = tab.page.locator("#links a", has_text="skill.json").get_attribute("href")
    assert tab.errors == []
    answer = tab.page.request.get(f"{site_url}skills/code-review/{href}")
    assert answer.ok and answer.json()["name"] == "code-review"


def test_search_finds_skills_and_the_kind_filter_has_them(tab: Tab, site_url: str) -> None:
    tab.page.goto(f"{site_url}search/?q=meeting")
    tab.page.wait_for_selector("#search-results li.card")
    first = tab.page.locator("#search-results li.card").first
    assert first.locator("code.name").inner_text() == "notes"
    assert first.locator(".figures").inner_text() == "skill · version 1.2.0"
    assert tab.page.locator("#search-status").inner_text() == "1 result match “meeting”"
    assert first.locator("a").first.get_attribute("href", timeout=1000).endswith("skills/notes/")
    tab.page.goto(f"{site_url}search/")
    tab.page.wait_for_selector("#search-results li.card")
    tab.page.locator("#search-filters input[name='f.kind'][value='skill']").check()
    tab.page.wait_for_function(
        "() => document.querySelectorAll('#search-results li.card').length === 3"
    )
    names = sorted(tab.page.locator("#search-results li.card code.name").all_inner_texts())
    assert names == ["code-review", "notes", "triage"]
    assert tab.errors == []
