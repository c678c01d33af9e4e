"""``site.toolviews``: tool descriptions, argument tables and annotations in plain words,
and the server page that shows them."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from typing import Any

import pytest

from regup.model import Entry, Registry
from regup.site import contexts as c
from regup.site.render import render
from regup.site.toolviews import params, tool_views, traits, type_label
from tests.helpers import TEST_CONFIG, container

SEARCH: dict[str, Any] = {
    "name": "search_issues",
    "title": "Search issues",
    "description": "Finds issues by text.\nReturns at most 100.",
    "inputSchema": {
        "type": "object",
        "properties": {
            "state": {"type": "string", "enum": ["open", "closed"], "description": "Which."},
            "query": {"type": "string", "description": "Words to look for."},
            "labels": {"type": "array", "items": {"type": "string"}},
            "limit": {"type": ["integer", "null"], "default": 30},
        },
        "required": ["query"],
    },
    "annotations": {"readOnlyHint": True, "destructiveHint": True, "openWorldHint": True},
}
DELETE: dict[str, Any] = {
    "name": "delete_issue",
    "description": "Deletes an issue.",
    "inputSchema": {"type": "object", "properties": {"number": {"type": "integer"}}},
    "annotations": {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": True},
}


def _entry(tools: list[str], definitions: list[dict[str, Any]]) -> Entry:
    entry = Entry.from_document("issues", container(tools=tools))
    return dataclasses.replace(entry, tool_definitions=tuple(definitions))


@pytest.mark.parametrize(
    ("schema", "label"),
    [
        ({"type": "string"}, "string"),
        ({"type": ["integer", "null"]}, "integer or null"),
        ({"type": "array", "items": {"type": "string"}}, "array of string"),
        ({"type": "array"}, "array"),
        ({"type": "string", "format": "uri"}, "string (uri)"),
        ({"enum": ["a", 1, None]}, 'one of: "a", 1, null'),
        ({"enum": list(range(10))}, "one of: 0, 1, 2, 3, 4, 5, 6, 7, …"),
        ({"const": True}, "always true"),
        ({"anyOf": [{"type": "string"}, {"type": "number"}]}, "string or number"),
        ({}, "any"),
        ({"type": 5}, "any"),  # nonsense is shown as unknown, never a crash
    ],
)
def test_type_labels(schema: dict[str, Any], label: str) -> None:
    assert type_label(schema) == label


def test_arguments_required_first_with_defaults_said() -> None:
    rows = params(SEARCH["inputSchema"])
    assert [(r.name, r.required) for r in rows] == [
        ("query", True),
        ("labels", False),
        ("limit", False),
        ("state", False),
    ]
    assert rows[2].description == "Default: 30."
    assert rows[3].type == 'one of: "open", "closed"'
    assert params({"properties": "nonsense", "required": 7}) == ()


def test_only_stated_hints_are_shown_and_read_only_wins() -> None:
    read_only = traits(SEARCH["annotations"])
    assert [b.label for b in read_only] == ["Read-only", "Reaches outside"]
    assert read_only[0].title.startswith("readOnlyHint: true")
    assert [b.label for b in traits(DELETE["annotations"])] == ["Destructive", "Safe to repeat"]
    assert traits({}) == ()
    assert [b.label for b in traits({"destructiveHint": False, "openWorldHint": False})] == [
        "Additive",
        "Self-contained",
    ]


def test_tools_follow_the_entry_order_and_bare_names_are_said() -> None:
    views, note = tool_views(_entry(["search_issues", "delete_issue"], [DELETE, SEARCH]))
    assert [v.name for v in views] == ["search_issues", "delete_issue"]
    assert views[0].title == "Search issues"
    assert views[0].description.startswith("Finds issues")
    assert note is None

    views, note = tool_views(_entry(["search_issues", "close_issue"], [SEARCH]))
    assert views[1].description == "" and views[1].params == ()
    assert note == "1 of 2 tools are names only: the server did not describe them."

    _, note = tool_views(_entry(["a", "b"], []))
    assert note == "Names only: this registry has no descriptions of these tools yet."
    _, note = tool_views(_entry([], []))
    assert note == "This entry lists no tools."


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_cell = self._in_cell or tag in ("td", "th")

    def handle_endtag(self, tag: str) -> None:
        self._in_cell = self._in_cell and tag not in ("td", "th")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        if self._in_cell and data.strip():
            self.cells.append(data.strip())


def test_the_server_page_shows_descriptions_arguments_and_hints() -> None:
    entry = _entry(["search_issues", "delete_issue"], [SEARCH, DELETE])
    site = c.SiteContext(Registry((entry,), ()), TEST_CONFIG)
    html = render("server.html", c.server_page(site, entry, [])).decode()
    text = _Text()
    text.feed(html)
    words = " ".join(" ".join(text.parts).split())
    assert "Finds issues by text." in words
    assert "Deletes an issue." in words
    assert "Read-only" in words and "Destructive" in words
    assert 'title="readOnlyHint: true, does not change anything"' in html
    assert "Arguments of search_issues" in words
    at = text.cells.index("query")
    assert text.cells[at : at + 4] == ["query", "string", "yes", "Words to look for."]
    assert "Names only" not in words


def test_a_page_without_definitions_says_names_only() -> None:
    entry = _entry(["a_tool"], [])
    site = c.SiteContext(Registry((entry,), ()), TEST_CONFIG)
    html = render("server.html", c.server_page(site, entry, [])).decode()
    assert "Names only: this registry has no descriptions of these tools yet." in html
    assert '<table class="params">' not in html
