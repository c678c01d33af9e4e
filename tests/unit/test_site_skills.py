"""The catalog's skills: list and filter pages, a page per skill, records for search."""

from __future__ import annotations

import json

from regup.config import Config
from regup.emit.canonical import EmitContext
from regup.model import Entry, Registry, Skill
from regup.site import render, search
from regup.site import skills as s
from regup.site.contexts import SiteContext, chrome
from tests.helpers import SKILL, TEST_NAMESPACE, container

CONFIG = Config(namespace=TEST_NAMESPACE, name="Test registry")
NS = CONFIG.namespace


def site(*skills: Skill) -> SiteContext:
    entries = (Entry.from_document("fetch", container()),)
    return SiteContext(Registry(entries=entries, skills=skills), CONFIG)


REVIEW = Skill.from_document("review", SKILL)
OLD = Skill.from_document(
    "old", {k: v for k, v in {**SKILL, "status": "archived"}.items() if k != "license"}
)
OTHER = Skill.from_document("review", {**SKILL, "namespace": "io.github.other"})


def test_the_skill_page_says_how_to_install_and_what_it_contains() -> None:
    page = s.skill_page(site(REVIEW), REVIEW)
    assert page.qualified_name == f"{NS}/review"
    assert page.snippets[0].text == "thv skill install review"
    assert page.snippets[1].text.startswith("thv config set-registry ")
    assert [(r.kind, r.reference) for r in page.packages] == [
        ("OCI artifact", "ghcr.io/example/skills/code-review:1.2.0"),
        ("Git folder", "https://github.com/example/skills"),
    ]
    assert [(d.label, d.value) for d in page.packages[1].details] == [
        ("Ref", "v1.2.0"),
        ("Folder", "skills/code-review"),
    ]
    assert [b.label for b in page.badges] == ["active", "Apache-2.0", "OCI", "Git"]
    assert page.notice is None
    assert page.links[-1].href == f"../../v0.1/x/dev.toolhive/skills/{NS}/review/"


def test_an_ambiguous_name_is_installed_by_its_qualified_name() -> None:
    both = site(REVIEW, OTHER)
    assert s.page_path(both, REVIEW) == "skills/review/"
    assert s.page_path(both, OTHER) == "skills/io.github.other/review/"
    assert s.skill_page(both, OTHER).snippets[0].text == (
        "thv skill install io.github.other/review"
    )


def test_archived_skills_are_marked_and_listed_last_with_filter_pages() -> None:
    pages = dict(s.skills_pages(site(REVIEW, OLD)))
    listing = pages["skills/"]
    assert [c.name for c in listing.skills] == ["review", "old"]
    assert listing.skills[1].inactive
    assert sorted(pages) == [
        "skill-license/apache-2.0/",
        "skill-license/no licence stated/",
        "skill-status/active/",
        "skill-status/archived/",
        "skills/",
    ]
    assert [c.name for c in pages["skill-status/archived/"].skills] == ["old"]
    assert pages["skill-status/archived/"].skills[0].href == "../../skills/old/"
    assert "archived" in (s.skill_page(site(OLD), OLD).notice or "")


def test_rendered_pages_and_json_beside_them() -> None:
    ctx = site(REVIEW, OTHER)
    out = render.render_pages(ctx, "2025-07-01T00:00:00Z", {})
    html = out["skills/review/index.html"].decode()
    assert "thv skill install review" not in html  # ambiguous here: the qualified name
    assert f"thv skill install {NS}/review" in html
    assert "ghcr.io/example/skills/code-review:1.2.0" in html
    assert json.loads(out["skills/io.github.other/review/skill.json"])["namespace"] == (
        "io.github.other"
    )
    assert 'href="../skills/"' in out["use/index.html"].decode()  # in the navigation


def test_the_navigation_links_skills_only_when_there_are_some() -> None:
    assert "Skills" in [link.label for link in chrome(site(REVIEW), "").nav]
    assert "Skills" not in [link.label for link in chrome(site(), "").nav]


def test_search_records_put_skills_in_the_kind_and_status_filters() -> None:
    records = search.records(site(REVIEW, OLD).registry, {}, NS)
    skills = [r for r in records if r.filters["kind"] == ["skill"]]
    assert [(r.url, r.filters["status"]) for r in skills] == [
        ("skills/old/", ["Archived"]),
        ("skills/review/", ["Active"]),
    ]
    assert skills[1].meta["version"] == "1.2.0"
    words = json.loads(search.vocabulary(site(REVIEW).registry))
    assert "review" in words["names"]


def test_a_build_without_skills_has_no_skill_pages() -> None:
    ctx = EmitContext(config=CONFIG, timestamp="2025-07-01T00:00:00Z")
    out = render.render_pages(site(), ctx.timestamp, {})
    assert not any(p.startswith(("skills/", "skill-")) for p in out)


def test_a_stored_provenance_check_shows_on_the_skill_page() -> None:
    from regup.checks import Outcome, ProvenanceCheck

    ctx = site(REVIEW)
    checked = SiteContext(
        ctx.registry,
        CONFIG,
        {REVIEW.state_key(NS): ProvenanceCheck(outcome=Outcome.VERIFIED)},
    )
    labels = [b.label for b in s.skill_page(checked, REVIEW).badges]
    assert labels[:2] == ["active", "Provenance verified"]
    assert "Provenance verified" not in [b.label for b in s.skill_page(ctx, REVIEW).badges]


def test_the_front_page_counts_skills_when_there_are_some() -> None:
    from regup.site.contexts import index_page

    assert ("skills", "2") in [(c.label, c.value) for c in index_page(site(REVIEW, OLD)).counts]
    assert "skills" not in [c.label for c in index_page(site()).counts]


def test_the_page_of_everything_lists_the_skills_for_readers_without_javascript() -> None:
    from regup.site.contexts import every_page

    page = every_page(site(REVIEW, OLD))
    assert [(r.name, r.href, r.deprecated) for r in page.skills] == [
        ("old", "../../skills/old/", True),
        ("review", "../../skills/review/", False),
    ]
    html = render.render_pages(site(REVIEW), "2025-07-01T00:00:00Z", {})["search/every/index.html"]
    assert b"<h2>Skills</h2>" in html and b"skills/review/" in html
    assert every_page(site()).skills == ()
