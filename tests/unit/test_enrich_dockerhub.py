"""Docker Hub pull counts against a fake Docker Hub on 127.0.0.1; the cache beside them."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from regup.enrich.cache import Cache
from regup.enrich.dockerhub import DockerHub, HubRepo, PullStats, hub_repository, round_pulls
from regup.enrich.transport import Failure, Pacer
from tests.fakeservices import FakeDockerHub, FakeGitHub, serve_services
from tests.httpfake import Reply


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        ("nginx", HubRepo("library", "nginx")),
        ("nginx:1.27", HubRepo("library", "nginx")),
        ("mcp/git:latest", HubRepo("mcp", "git")),
        ("docker.io/mcp/git@sha256:" + "a" * 64, HubRepo("mcp", "git")),
        ("index.docker.io/acme/tool:1", HubRepo("acme", "tool")),
        ("ghcr.io/acme/tool:1", None),
        ("quay.io/acme/tool:1", None),
        ("mcr.microsoft.com/acme/tool:1", None),
        ("us-central1-docker.pkg.dev/p/r/tool:1", None),
        ("public.ecr.aws/acme/tool:1", None),
        ("docker.io/a/b/c:1", None),
    ],
)
def test_only_docker_hub_images_have_a_repository(image: str, expected: HubRepo | None) -> None:
    assert hub_repository(image) == expected


@pytest.mark.parametrize(
    ("count", "rounded"),
    [(0, 0), (7, 7), (99, 99), (100, 100), (537, 530), (1234, 1200), (56789, 56000)]
    + [(1_234_567, 1_200_000), (9_999_999, 9_900_000)],
)
def test_pulls_round_down_to_two_significant_digits(count: int, rounded: int) -> None:
    assert round_pulls(count) == rounded


def test_pull_stats_reject_other_shapes() -> None:
    assert PullStats.from_api({"namespace": "a", "name": "b", "pull_count": 5}).pulls == 5
    bad_shapes: list[object] = [
        {"namespace": "a", "name": "b"},
        {"namespace": "a", "pull_count": 1},
        [],
    ]
    for bad in bad_shapes:
        with pytest.raises(ValueError):
            PullStats.from_api(bad)


def _hub(base_url: str, tmp_path: Path, ttl: float = 3600.0, max_wait: float = 5) -> DockerHub:
    cache = Cache(tmp_path / "cache", ttl)
    return DockerHub(
        cache.service("dockerhub", base_url),
        Pacer(max_wait=max_wait, retries=1, backoff=0.01),
        api_url=base_url,
        timeout=5,
    )


def test_a_shared_namespace_is_listed_in_bulk(tmp_path: Path) -> None:
    repos = {f"mcp/server{i:03d}": 1000 + i for i in range(150)}
    repos |= {"library/nginx": 5_000_000, "solo/tool": 42}
    fake = FakeDockerHub(repos)
    wanted = [HubRepo("mcp", f"server{i:03d}") for i in range(0, 150, 10)]
    wanted += [HubRepo("library", "nginx"), HubRepo("solo", "tool"), HubRepo("mcp", "gone")]
    with serve_services(FakeGitHub([]), fake) as s:
        answers = _hub(s.hub_server.base_url, tmp_path).fetch(wanted)
    # mcp: two listing pages, then the one it lacks alone; library and solo: one each
    assert fake.calls == [
        "/v2/repositories/library/nginx/",
        "/v2/repositories/mcp/",
        "/v2/repositories/mcp/",
        "/v2/repositories/mcp/gone/",
        "/v2/repositories/solo/tool/",
    ]
    results = answers.results
    assert results[HubRepo("mcp", "server140")] == PullStats(
        "mcp/server140", 1140, "2026-01-10T00:00:00Z"
    )
    assert isinstance(results[HubRepo("library", "nginx")], PullStats)
    gone = results[HubRepo("mcp", "gone")]
    assert isinstance(gone, Failure) and gone.not_found


def test_a_limit_with_retry_after_is_waited_then_resumed(tmp_path: Path) -> None:
    fake = FakeDockerHub({"a/b": 10}, script=[Reply.json({}, 429, {"Retry-After": "1"})])
    with serve_services(FakeGitHub([]), fake) as s:
        started = time.monotonic()
        answers = _hub(s.hub_server.base_url, tmp_path).fetch([HubRepo("a", "b")])
    assert time.monotonic() - started >= 1.0
    assert answers.results[HubRepo("a", "b")] == PullStats("a/b", 10, "2026-01-10T00:00:00Z")


def test_a_long_limit_stops_and_leaves_the_rest_unanswered(tmp_path: Path) -> None:
    fake = FakeDockerHub({"a/b": 10}, script=[Reply.json({}, 429, {"Retry-After": "600"})])
    with serve_services(FakeGitHub([]), fake) as s:
        answers = _hub(s.hub_server.base_url, tmp_path).fetch([HubRepo("a", "b")])
    assert answers.stopped is not None and answers.results == {}


@pytest.mark.parametrize(
    "reply",
    [Reply(500, b"oops"), Reply(200, b"<html>", {"Content-Type": "text/html"})],
    ids=["http-500", "malformed-json"],
)
def test_bad_answers_fail_that_image_only(tmp_path: Path, reply: Reply) -> None:
    fake = FakeDockerHub({"a/b": 10, "c/d": 20}, script=[reply, reply])
    with serve_services(FakeGitHub([]), fake) as s:
        answers = _hub(s.hub_server.base_url, tmp_path).fetch(
            [HubRepo("a", "b"), HubRepo("c", "d")]
        )
    assert isinstance(answers.results[HubRepo("a", "b")], Failure)
    assert answers.results[HubRepo("c", "d")] == PullStats("c/d", 20, "2026-01-10T00:00:00Z")


def test_the_cache_round_trips_and_survives_a_broken_file(tmp_path: Path) -> None:
    fake = FakeDockerHub({"a/b": 10})
    with serve_services(FakeGitHub([]), fake) as s:
        hub = _hub(s.hub_server.base_url, tmp_path)
        hub.fetch([HubRepo("a", "b")])
        hub.cache.save()
        again = _hub(s.hub_server.base_url, tmp_path).fetch([HubRepo("a", "b")])
        assert len(fake.calls) == 1 and again.usage.cached == 1
        stale = _hub(s.hub_server.base_url, tmp_path, ttl=0).fetch([HubRepo("a", "b")])
        assert len(fake.calls) == 2 and stale.usage.cached == 0
    folder = tmp_path / "cache"
    assert (folder / ".gitignore").read_text().endswith("*\n")
    [cache_file] = folder.glob("dockerhub-*.json")
    assert json.loads(cache_file.read_text())["records"]["a/b"]["data"]["pull_count"] == 10
    cache_file.write_text("{broken")
    assert Cache(folder).service("dockerhub", s.hub_server.base_url).records == {}
