"""``browse``: the rows of ``regup list``, the fields of ``regup info`` and search ranking."""

from __future__ import annotations

from regup.browse import entry_info, list_rows, search
from regup.model import Entry, Registry
from tests.helpers import container, remote


def _registry() -> Registry:
    docs = {
        "fetch": container(
            description="Downloads pages.",
            tools=["fetch_page"],
            tags=["web"],
            metadata={"stars": 10},
        ),
        "page-fetcher": container(
            description="Downloads pages.", tools=["get"], tags=["web"], metadata={"stars": 900}
        ),
        "tracker": remote(
            description="Tickets of a hosted tracker.",
            tools=["create_issue", "fetch_issue"],
            tags=["issues"],
        ),
        "notes": container(
            description="Keeps notes for the assistant to fetch later.",
            tools=["note"],
            tags=["notes"],
        ),
    }
    return Registry(tuple(Entry.from_document(n, d) for n, d in sorted(docs.items())))


def test_list_rows_are_sorted_and_say_what_each_server_is() -> None:
    rows = list_rows(_registry())
    assert [r.name for r in rows] == ["fetch", "notes", "page-fetcher", "tracker"]
    tracker = rows[-1].to_json()
    assert tracker["kind"] == "remote" and tracker["transport"] == "streamable-http"


def test_search_ranks_exact_name_then_tools_tags_and_text() -> None:
    hits = search(_registry(), "fetch")
    assert [h.row.name for h in hits] == ["fetch", "page-fetcher", "tracker", "notes"]
    assert hits[0].matched[0] == "name"
    assert "tool" in hits[2].matched and hits[3].matched == ("description",)


def test_every_word_must_match() -> None:
    assert [h.row.name for h in search(_registry(), "fetch web")] == ["fetch", "page-fetcher"]
    assert search(_registry(), "fetch nothing-like-this") == []
    assert search(_registry(), "  ") == []


def test_info_has_every_field_and_the_stored_check() -> None:
    entry = _registry().entry("fetch")
    assert entry is not None
    info = entry_info(entry, {"status": "verified"})
    assert info["name"] == "fetch" and info["tools"] == ["fetch_page"]
    assert info["provenance_check"] == {"status": "verified"}
    assert "provenance_check" not in entry_info(entry)


def test_info_shows_the_catalogs_install_snippets() -> None:
    """regup info and the catalog render the same install model: they cannot disagree."""
    from regup.site.install import snippets

    for name in ("fetch",):
        entry = _registry().entry(name)
        assert entry is not None
        assert entry_info(entry)["install"] == {s.id: s.text for s in snippets(entry)}


def _with_skills() -> Registry:
    from regup.model import Skill
    from tests.helpers import SKILL

    review = Skill.from_document("review", SKILL)
    fetch_skill = Skill.from_document(
        "fetch", {**SKILL, "description": "Teaches an agent to fetch pages politely."}
    )
    base = _registry()
    return Registry(entries=base.entries, groups=base.groups, skills=(review, fetch_skill))


def test_search_finds_skills_and_a_server_comes_before_a_skill_of_its_name() -> None:
    from regup.browse import search

    hits = search(_with_skills(), "fetch")
    assert [(h.row.name, h.row.kind) for h in hits[:2]] == [
        ("fetch", "container"),
        ("fetch", "skill"),
    ]
    review = search(_with_skills(), "pull request")
    assert [(h.row.name, h.row.kind, h.matched) for h in review] == [
        ("review", "skill", ("description",))
    ]
    assert review[0].to_json()["kind"] == "skill"


def test_skill_rows_and_info_fill_the_registry_s_namespace() -> None:
    from regup.browse import skill_info, skill_rows

    rows = skill_rows(_with_skills(), "io.github.acme")
    assert [r.to_json()["packages"] for r in rows] == [["oci", "git"], ["oci", "git"]]
    assert rows[1].to_json()["namespace"] == "io.github.acme"
    info = skill_info(_with_skills().skills[1], "io.github.acme")
    assert list(info)[:3] == ["name", "kind", "namespace"]
    assert info["kind"] == "skill" and info["status"] == "active"
