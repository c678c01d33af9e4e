"""``repository``: one parser of GitHub repository references, for refresh and ``regup new``."""

from __future__ import annotations

import pytest

from regup.authoring.github import parse_owner_repo
from regup.errors import ConfigError
from regup.repository import NotARepositoryError, RepoRef, parse_repository, parse_repository_url


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("acme/tool", RepoRef("acme", "tool")),
        ("acme/tool.git", RepoRef("acme", "tool")),
        ("github.com/acme/tool", RepoRef("acme", "tool")),
        ("https://github.com/acme/tool/", RepoRef("acme", "tool")),
        ("https://www.github.com/acme/tool/tree/main/src", RepoRef("acme", "tool")),
        ("git@github.com:acme/tool.git", RepoRef("acme", "tool")),
        ("a-b-c/x", RepoRef("a-b-c", "x")),
        ("a" * 39 + "/x", RepoRef("a" * 39, "x")),
    ],
)
def test_both_forms_name_the_same_repository(text: str, expected: RepoRef) -> None:
    assert parse_repository(text) == expected
    assert parse_owner_repo(text) == expected.full_name


@pytest.mark.parametrize(
    "text",
    [
        "acme",
        "acme/tool/extra",
        "-acme/tool",
        "acme-/tool",  # GitHub owners never end with a hyphen
        "ac--me/tool",  # nor hold two in a row
        "a" * 40 + "/x",  # at most 39 characters
        "orgs/tool",
        "acme/..",
        "https://gitlab.com/acme/tool",
        "https://github.com/acme",
    ],
)
def test_what_names_no_repository_is_refused_by_both(text: str) -> None:
    with pytest.raises(NotARepositoryError):
        parse_repository(text)
    with pytest.raises(ConfigError, match="not a GitHub repository"):
        parse_owner_repo(text)


def test_urls_on_other_hosts_are_none_for_refresh() -> None:
    assert parse_repository_url("https://gitlab.com/acme/tool") is None
    with pytest.raises(NotARepositoryError):
        parse_repository_url("https://github.com/acme-/tool")
