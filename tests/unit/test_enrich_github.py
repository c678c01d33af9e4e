"""GitHub lookups against a fake GitHub (REST and GraphQL) on 127.0.0.1."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from regup.enrich.cache import Cache
from regup.enrich.github import (
    GitHub,
    GitHubAnswers,
    RepoStats,
    build_query,
    graphql_url,
)
from regup.enrich.transport import Failure, Pacer
from regup.repository import NotARepositoryError, RepoRef, parse_repository_url
from tests.fakeservices import FakeGitHub, FakeRepo, pause, serve_services
from tests.httpfake import Reply


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/acme/tool", RepoRef("acme", "tool")),
        ("https://github.com/acme/tool.git", RepoRef("acme", "tool")),
        ("https://github.com/acme/tool/", RepoRef("acme", "tool")),
        ("http://www.github.com/acme/tool", RepoRef("acme", "tool")),
        ("https://github.com/acme/mono/tree/main/servers/fetch", RepoRef("acme", "mono")),
        ("https://github.com/acme/mono/blob/v1/README.md#usage", RepoRef("acme", "mono")),
        ("git@github.com:acme/tool.git", RepoRef("acme", "tool")),
        ("git+https://github.com/acme/tool.git", RepoRef("acme", "tool")),
        ("https://github.com/Acme/My.Tool_2", RepoRef("Acme", "My.Tool_2")),
        ("https://gitlab.com/acme/tool", None),
        ("https://github.example.com/acme/tool", None),
        ("https://notgithub.com/acme/tool", None),
    ],
)
def test_repository_urls(url: str, expected: RepoRef | None) -> None:
    assert parse_repository_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/acme",
        "https://github.com/",
        "https://github.com/orgs/acme",
        "https://github.com/acme/..",
        "https://github.com/-bad-/tool",
    ],
)
def test_github_urls_without_a_repository(url: str) -> None:
    with pytest.raises(NotARepositoryError):
        parse_repository_url(url)


def test_models_are_built_at_the_edge_and_reject_other_shapes() -> None:
    node = {"nameWithOwner": "a/b", "stargazerCount": 5, "isArchived": True, "pushedAt": "x"}
    assert RepoStats.from_graphql(node) == RepoStats("a/b", 5, True, "x")
    rest = {"full_name": "a/b", "stargazers_count": 5, "archived": False, "pushed_at": None}
    assert RepoStats.from_rest(rest) == RepoStats("a/b", 5, False, None)
    for bad in (None, {"nameWithOwner": "a/b"}, {**node, "stargazerCount": -1}):
        with pytest.raises(ValueError):
            RepoStats.from_graphql(bad)
    with pytest.raises(ValueError):
        RepoStats.from_rest({**rest, "stargazers_count": True})


def test_query_uses_variables_and_aliases() -> None:
    query, variables = build_query([RepoRef("a", 'b"c'), RepoRef("d", "e")])
    assert "r0: repository(owner: $o0, name: $n0)" in query
    assert "r1: repository(owner: $o1, name: $n1)" in query
    assert variables == {"o0": "a", "n0": 'b"c', "o1": "d", "n1": "e"}
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example/api/v3/") == "https://ghe.example/api/graphql"


def _repos(n: int) -> list[FakeRepo]:
    return [FakeRepo("org", f"repo{i:04d}", stars=i) for i in range(n)]


def _client(
    base_url: str,
    tmp_path: Path,
    *,
    token: str | None = "t",
    max_wait: float = 5.0,
    ttl: float = 3600.0,
    timeout: float = 5.0,
    batch_size: int = 100,
) -> GitHub:
    cache = Cache(tmp_path / "cache", ttl)
    return GitHub(
        cache.service("github", base_url),
        Pacer(max_wait=max_wait, retries=1, backoff=0.01),
        api_url=base_url,
        token=token,
        timeout=timeout,
        batch_size=batch_size,
    )


def _stars(answers: GitHubAnswers) -> dict[str, int | str]:
    return {
        ref.full_name: (a.stars if isinstance(a, RepoStats) else a.reason)
        for ref, a in answers.results.items()
    }


def test_many_repositories_go_in_graphql_batches_of_100(tmp_path: Path) -> None:
    fake = FakeGitHub(_repos(250))
    with serve_services(fake) as s:
        client = _client(s.github_server.base_url, tmp_path)
        answers = client.fetch([RepoRef("org", f"repo{i:04d}") for i in range(250)])
    assert answers.method == "graphql"
    assert fake.batches == [100, 100, 50]
    assert answers.usage.points == 3 == fake.points
    assert _stars(answers) == {f"org/repo{i:04d}": i for i in range(250)}
    assert answers.usage.limit is not None and answers.usage.limit.remaining == 5000 - 3


def test_a_502_on_a_large_batch_halves_it_and_keeps_going(tmp_path: Path) -> None:
    fake = FakeGitHub(_repos(120), max_batch=30)
    with serve_services(fake) as s:
        answers = _client(s.github_server.base_url, tmp_path).fetch(
            [RepoRef("org", f"repo{i:04d}") for i in range(120)]
        )
    assert fake.batches[:3] == [100, 50, 25]  # 502, 502, then 25 per query
    assert set(fake.batches[2:]) <= {25, 20}
    assert len(_stars(answers)) == 120
    assert all(isinstance(a, RepoStats) for a in answers.results.values())


def test_a_not_found_alias_fails_alone_and_a_rename_is_reported(tmp_path: Path) -> None:
    repos = [*_repos(12), FakeRepo("new-owner", "moved", 77, old_names=("old-owner/moved",))]
    fake = FakeGitHub(repos)
    refs = [RepoRef("org", f"repo{i:04d}") for i in range(12)]
    refs += [RepoRef("org", "gone"), RepoRef("old-owner", "moved")]
    with serve_services(fake) as s:
        answers = _client(s.github_server.base_url, tmp_path).fetch(refs)
    gone = answers.results[RepoRef("org", "gone")]
    assert isinstance(gone, Failure) and gone.not_found and "not found" in gone.reason
    moved = answers.results[RepoRef("old-owner", "moved")]
    assert isinstance(moved, RepoStats) and moved.stars == 77
    assert moved.renamed_from(RepoRef("old-owner", "moved"))
    assert sum(isinstance(a, RepoStats) for a in answers.results.values()) == 13


def test_rest_etags_make_unchanged_repositories_free(tmp_path: Path) -> None:
    fake = FakeGitHub(_repos(4))
    refs = [RepoRef("org", f"repo{i:04d}") for i in range(4)]
    with serve_services(fake) as s:
        client = _client(s.github_server.base_url, tmp_path, ttl=0)
        first = client.fetch(refs)
        client.cache.save()
        assert first.method == "rest" and fake.points == 4
        fake.repos[0].stars = 1000  # changed: a full answer, one point
        second = _client(s.github_server.base_url, tmp_path, ttl=0).fetch(refs)
    assert second.usage.not_modified == 3
    assert fake.points == 5  # only the changed repository cost a point
    assert second.usage.points == 1
    assert _stars(second)["org/repo0000"] == 1000
    assert _stars(second)["org/repo0003"] == 3


def test_rest_without_token_and_graphql_needs_one(tmp_path: Path) -> None:
    fake = FakeGitHub(_repos(15))
    with serve_services(fake) as s:
        answers = _client(s.github_server.base_url, tmp_path, token=None).fetch(
            [RepoRef("org", f"repo{i:04d}") for i in range(15)]
        )
    assert answers.method == "rest"
    assert fake.batches == [] and len(fake.rest_calls) == 15
    assert len(_stars(answers)) == 15


def test_a_used_up_limit_that_resets_soon_is_waited_for(tmp_path: Path) -> None:
    fake = FakeGitHub(_repos(5), limit=2, reset_in=1.0)
    fake.reset = time.time() + 1.0
    with serve_services(fake) as s:
        started = time.monotonic()
        answers = _client(s.github_server.base_url, tmp_path, token=None).fetch(
            [RepoRef("org", f"repo{i:04d}") for i in range(5)]
        )
    assert answers.stopped is None
    assert len([a for a in answers.results.values() if isinstance(a, RepoStats)]) == 5
    assert time.monotonic() - started >= 0.5  # it waited for the reset


def test_a_limit_that_resets_late_stops_cleanly_without_guessing(tmp_path: Path) -> None:
    fake = FakeGitHub(_repos(5), limit=2, reset_in=3600)
    with serve_services(fake) as s:
        answers = _client(s.github_server.base_url, tmp_path, token=None, max_wait=1).fetch(
            [RepoRef("org", f"repo{i:04d}") for i in range(5)]
        )
    assert answers.stopped == "primary rate limit used up"
    assert answers.resume_at is not None and answers.resume_at > time.time() + 3000
    assert sorted(_stars(answers)) == ["org/repo0000", "org/repo0001"]  # the rest: absent
    assert len(fake.rest_calls) == 2  # no request was wasted once the limit was known


def test_secondary_limit_retry_after_is_respected(tmp_path: Path) -> None:
    limited = Reply.json(
        {"message": "You have exceeded a secondary rate limit."}, 403, {"Retry-After": "1"}
    )
    fake = FakeGitHub(_repos(12), script=[limited])
    with serve_services(fake) as s:
        started = time.monotonic()
        answers = _client(s.github_server.base_url, tmp_path).fetch(
            [RepoRef("org", f"repo{i:04d}") for i in range(12)]
        )
    assert time.monotonic() - started >= 1.0
    assert answers.stopped is None and len(_stars(answers)) == 12
    assert fake.batches == [12]  # the limited query was not counted by the fake: retried once


def test_secondary_limit_longer_than_allowed_stops(tmp_path: Path) -> None:
    limited = Reply.json({"message": "secondary rate limit"}, 429, {"Retry-After": "120"})
    fake = FakeGitHub(_repos(3), script=[limited])
    with serve_services(fake) as s:
        answers = _client(s.github_server.base_url, tmp_path, token=None, max_wait=10).fetch(
            [RepoRef("org", f"repo{i:04d}") for i in range(3)]
        )
    assert answers.stopped is not None and "retry-after 120" in answers.stopped
    assert answers.results == {}


@pytest.mark.parametrize(
    "reply",
    [
        Reply(500, b"oops"),
        Reply(200, b"{not json", {"Content-Type": "application/json"}),
        Reply.json({"data": None, "errors": [{"message": "Something went wrong"}]}),
    ],
    ids=["http-500", "malformed-json", "no-data"],
)
def test_graphql_failures_fail_the_batch_after_retrying(tmp_path: Path, reply: Reply) -> None:
    fake = FakeGitHub(_repos(10), script=[reply, reply])
    with serve_services(fake) as s:
        answers = _client(s.github_server.base_url, tmp_path).fetch(
            [RepoRef("org", f"repo{i:04d}") for i in range(10)]
        )
    assert len(answers.results) == 10
    assert all(isinstance(a, Failure) for a in answers.results.values())
    assert fake.points == 0


def test_a_graphql_timeout_shrinks_the_batch(tmp_path: Path) -> None:
    fake = FakeGitHub(_repos(10), script=[pause(1.5)])
    with serve_services(fake) as s:
        client = _client(s.github_server.base_url, tmp_path, timeout=0.5)
        answers = client.fetch([RepoRef("org", f"repo{i:04d}") for i in range(10)])
    assert all(isinstance(a, RepoStats) for a in answers.results.values())
    assert client.batches == [10, 5, 5]  # the query of 10 timed out: halved
    assert fake.batches == [5, 5]


@pytest.mark.parametrize(
    "reply",
    [Reply(500, b"oops"), Reply(200, b"{not json", {"Content-Type": "application/json"})],
    ids=["http-500", "malformed-json"],
)
def test_rest_failures_fail_one_repository(tmp_path: Path, reply: Reply) -> None:
    fake = FakeGitHub(_repos(2), script=[reply, reply])
    with serve_services(fake) as s:
        answers = _client(s.github_server.base_url, tmp_path, token=None).fetch(
            [RepoRef("org", "repo0000"), RepoRef("org", "repo0001")]
        )
    assert isinstance(answers.results[RepoRef("org", "repo0000")], Failure)
    assert answers.results[RepoRef("org", "repo0001")] == RepoStats(
        "org/repo0001", 1, False, "2026-01-15T10:00:00Z", "MIT"
    )


def test_fresh_cache_answers_cost_no_request(tmp_path: Path) -> None:
    fake = FakeGitHub(_repos(20))
    refs = [RepoRef("org", f"repo{i:04d}") for i in range(20)]
    with serve_services(fake) as s:
        client = _client(s.github_server.base_url, tmp_path)
        client.fetch(refs)
        client.cache.save()
        before = len(s.github_server.requests)
        again = _client(s.github_server.base_url, tmp_path).fetch(refs)
        assert len(s.github_server.requests) == before
    assert again.method == "cache" and again.usage.cached == 20
    assert _stars(again)["org/repo0019"] == 19


@pytest.mark.parametrize("token", ["t0ken", None], ids=["graphql", "rest"])
def test_licenses_come_with_the_repository_both_ways(tmp_path: Path, token: str | None) -> None:
    repos = _repos(12)
    repos[0].license = None
    repos[1].license = "Apache-2.0"
    with serve_services(FakeGitHub(repos)) as s:
        refs = [RepoRef("org", f"repo{i:04d}") for i in range(12)]
        answers = _client(s.github_server.base_url, tmp_path, token=token).fetch(refs)
    assert answers.method == ("graphql" if token else "rest")
    found = {r.name: a.license for r, a in answers.results.items() if isinstance(a, RepoStats)}
    assert found["repo0000"] is None
    assert found["repo0001"] == "Apache-2.0"
    assert found["repo0002"] == "MIT"


def test_a_cached_answer_without_a_license_is_asked_again(tmp_path: Path) -> None:
    fake = FakeGitHub(_repos(1))
    with serve_services(fake) as s:
        cache = Cache(tmp_path / "c", ttl=3600)
        service = cache.service("github", s.github_server.base_url)
        # what an older regup cached: the same answer, no license key
        service.put(
            "org/repo0000",
            {"full_name": "org/repo0000", "stargazers_count": 1, "archived": False},
            'W/"old"',
        )
        client = GitHub(service, Pacer(sleep=lambda s: None), api_url=s.github_server.base_url)
        answers = client.fetch([RepoRef("org", "repo0000")])
    assert answers.results[RepoRef("org", "repo0000")] == RepoStats(
        "org/repo0000", 0, False, "2026-01-15T10:00:00Z", "MIT"
    )
    assert answers.usage.cached == 0 and answers.usage.requests == 1
