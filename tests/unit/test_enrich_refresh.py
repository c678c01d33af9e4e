"""The refresh run: selection, what is written, what is reported (fake services on 127.0.0.1)."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from regup.enrich import RefreshRequest, RefreshResult, Source, Status, refresh
from regup.enrich.transport import Deadline
from regup.errors import ConfigError, NotFoundError
from regup.yamlio import load_yaml
from tests.conftest import RegistryFactory
from tests.fakeservices import FakeDockerHub, FakeGitHub, FakeRepo, Services, serve_services
from tests.helpers import container, dead_pid, remote
from tests.httpfake import Reply

NOW = datetime(2026, 3, 1, 6, 0, 0, tzinfo=UTC)
STAMP = "2026-03-01T06:00:00Z"


def _entries() -> dict[str, Any]:
    return {
        "hub-image": container(
            image="docker.io/acme/hub-image:1.0",
            repository_url="https://github.com/acme/hub-image.git",
            metadata={"stars": 40, "pulls": 1000, "last_updated": "2025-06-01T00:00:00Z"},
        ),
        "ghcr-image": container(
            image="ghcr.io/acme/ghcr-image:2",
            repository_url="https://github.com/acme/mono/tree/main/servers/ghcr",
            metadata={"stars": 5, "pulls": 777, "last_updated": "2025-01-01T00:00:00Z"},
        ),
        "official": container(
            image="postgres:16",
            repository_url="https://gitlab.com/acme/official",
            metadata=None,
        ),
        "hosted": remote(
            repository_url="https://github.com/acme/hosted",
            metadata={"stars": 12, "last_updated": "2025-09-01T00:00:00Z"},
        ),
    }


def _github() -> FakeGitHub:
    return FakeGitHub(
        [
            FakeRepo("acme", "hub-image", 41),
            FakeRepo("acme", "mono", 5, archived=True),
            FakeRepo("acme", "hosted", 12),
        ]
    )


def _hub() -> FakeDockerHub:
    return FakeDockerHub({"acme/hub-image": 123_456, "library/postgres": 9_876_543})


def _run(s: Services, registry: Path, tmp_path: Path, **options: Any) -> RefreshResult:
    base: dict[str, Any] = {
        "github_api": s.github_server.base_url,
        "docker_hub_api": s.hub_server.base_url,
        "cache_dir": tmp_path / "cache",
        "now": NOW,
        "backoff": 0.01,
        "max_wait": 5,
    }
    return refresh(RefreshRequest(registry, **{**base, **options}))


def _meta(registry: Path, name: str) -> Any:
    return load_yaml((registry / name / "spec.yaml").read_text()).data.get("metadata")


def test_a_full_run_writes_the_new_values_and_reports_each_entry(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry(**_entries())
    with serve_services(_github(), _hub()) as s:
        result = _run(s, registry, tmp_path)
    by_name = {e.name: e for e in result.entries}
    assert _meta(registry, "hub-image") == {"stars": 41, "pulls": 120_000, "last_updated": STAMP}
    # ghcr.io publishes no counts: pulls removed, never kept; stars unchanged
    assert _meta(registry, "ghcr-image") == {"stars": 5, "last_updated": STAMP}
    assert by_name["ghcr-image"].pulls.source is Source.UNAVAILABLE
    assert by_name["ghcr-image"].archived is True
    # no GitHub repository: no stars; Docker Hub official image: library/ pulls
    assert _meta(registry, "official") == {"pulls": 9_800_000, "last_updated": STAMP}
    assert by_name["official"].stars.source is Source.UNAVAILABLE
    # nothing changed: not even last_updated moves
    assert _meta(registry, "hosted") == {"stars": 12, "last_updated": "2025-09-01T00:00:00Z"}
    assert by_name["hosted"].status is Status.UNCHANGED and not by_name["hosted"].written
    assert result.counts() == {
        "selected": 4,
        "refreshed": 3,
        "unchanged": 1,
        "unavailable": 3,
        "failed": 0,
        "not_refreshed": 0,
        "written": 3,
    }
    assert result.to_json()["github"]["rate_limit_points"] == 3


def test_a_second_run_right_after_costs_no_request(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry(**_entries())
    with serve_services(_github(), _hub()) as s:
        _run(s, registry, tmp_path)
        before = s.requests
        files = {p: p.read_bytes() for p in registry.glob("*/spec.yaml")}
        second = _run(s, registry, tmp_path, now=datetime(2026, 3, 1, 7, tzinfo=UTC))
        assert s.requests == before
    assert second.github.cached == 3 and second.docker_hub.cached == 2
    assert second.github.points == 0
    assert {p: p.read_bytes() for p in registry.glob("*/spec.yaml")} == files
    assert second.count(Status.UNCHANGED) == 4


def test_dry_run_writes_nothing(make_registry: RegistryFactory, tmp_path: Path) -> None:
    registry = make_registry(**_entries())
    files = {p: p.read_bytes() for p in registry.glob("*/spec.yaml")}
    with serve_services(_github(), _hub()) as s:
        result = _run(s, registry, tmp_path, dry_run=True)
    assert {p: p.read_bytes() for p in registry.glob("*/spec.yaml")} == files
    assert result.written == () and result.count(Status.REFRESHED) == 3
    assert next(e for e in result.entries if e.name == "hub-image").after.stars == 41


def test_a_refresh_removes_temporary_files_a_killed_refresh_left(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry(**_entries())
    name = sorted(p.parent.name for p in registry.glob("*/spec.yaml"))[0]
    left = registry / name / f".spec.yaml.{dead_pid()}.tmp"
    left.write_bytes(b"")  # a refresh killed between creating and renaming it
    with serve_services(_github(), _hub()) as s:
        _run(s, registry, tmp_path, dry_run=True)
        assert left.exists()  # a dry run writes and removes nothing
        _run(s, registry, tmp_path)
    assert not left.exists()


def test_force_stamps_last_updated_of_unchanged_entries(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry(**_entries())
    with serve_services(_github(), _hub()) as s:
        _run(s, registry, tmp_path, names=("hosted",), force=True)
    assert _meta(registry, "hosted") == {"stars": 12, "last_updated": STAMP}


def test_failures_keep_the_old_values_and_never_write_a_zero(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    entries = _entries()
    entries["hosted"] = remote(
        repository_url="https://github.com/acme/deleted",
        metadata={"stars": 12, "last_updated": "2025-09-01T00:00:00Z"},
    )
    registry = make_registry(**entries)
    text = (registry / "hosted" / "spec.yaml").read_bytes()
    with serve_services(_github(), _hub()) as s:
        result = _run(s, registry, tmp_path)
    hosted = next(e for e in result.entries if e.name == "hosted")
    assert hosted.status is Status.FAILED and "not found" in (hosted.stars.message or "")
    assert (registry / "hosted" / "spec.yaml").read_bytes() == text
    assert result.failed == 1


def test_a_rate_limit_stop_reports_what_was_not_refreshed(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry(**_entries())
    files = {p.parent.name: p.read_bytes() for p in registry.glob("*/spec.yaml")}
    github = _github()
    github.limit = github.remaining = 1  # one REST answer, then a limit for an hour
    with serve_services(github, _hub()) as s:
        result = _run(s, registry, tmp_path, max_wait=1)
    assert result.stopped is not None and "rate limit" in result.stopped
    not_refreshed = {e.name for e in result.entries if e.status is Status.NOT_REFRESHED}
    assert not_refreshed == {"ghcr-image", "hub-image"}  # sorted: acme/hosted went first
    # the stars GitHub did not give stay as they were; Docker Hub's answers are still used
    assert _meta(registry, "hub-image") == {"stars": 40, "pulls": 120_000, "last_updated": STAMP}
    assert _meta(registry, "ghcr-image") == {"stars": 5, "last_updated": STAMP}
    assert (registry / "hosted" / "spec.yaml").read_bytes() == files["hosted"]
    assert _meta(registry, "official") == {"pulls": 9_800_000, "last_updated": STAMP}
    assert result.to_json()["resume_at"] is not None


def test_names_oldest_and_unknown_names(make_registry: RegistryFactory, tmp_path: Path) -> None:
    registry = make_registry(**_entries())
    with serve_services(_github(), _hub()) as s:
        named = _run(s, registry, tmp_path, names=("hosted",), dry_run=True)
        oldest = _run(s, registry, tmp_path, oldest=2, dry_run=True)
        with pytest.raises(NotFoundError, match="no entry named nope"):
            _run(s, registry, tmp_path, names=("nope",))
    assert [e.name for e in named.entries] == ["hosted"]
    # missing last_updated first, then the oldest date
    assert [e.name for e in oldest.entries] == ["ghcr-image", "official"]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.com",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.com",
            "PATH": "/usr/bin:/bin",
            "HOME": str(repo),
        },
    )


def test_changed_since_a_git_ref(make_registry: RegistryFactory, tmp_path: Path) -> None:
    repo = tmp_path / "work"
    registry = make_registry(root=repo / "registry", **_entries())
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "first")
    spec = registry / "hosted" / "spec.yaml"
    spec.write_text(spec.read_text().replace("Searches", "Finds"))
    make_registry(
        root=registry, **{"brand-new": container(image="ghcr.io/acme/new:1", metadata=None)}
    )
    with serve_services(_github(), _hub()) as s:
        result = _run(s, registry, tmp_path, changed_since="main", dry_run=True)
        with pytest.raises(ConfigError, match="--changed-since no-such-ref"):
            _run(s, registry, tmp_path, changed_since="no-such-ref")
    assert [e.name for e in result.entries] == ["brand-new", "hosted"]


def test_invalid_entries_are_reported_failed_not_refreshed(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry(broken="description: [unclosed\n", **_entries())
    with serve_services(_github(), _hub()) as s:
        result = _run(s, registry, tmp_path, dry_run=True)
    broken = next(e for e in result.entries if e.name == "broken")
    assert broken.status is Status.FAILED and "regup validate" in (broken.stars.message or "")


def test_progress_reaches_the_total(make_registry: RegistryFactory, tmp_path: Path) -> None:
    registry = make_registry(**_entries())
    seen: list[tuple[int, int]] = []
    with serve_services(_github(), _hub()) as s:
        _run(s, registry, tmp_path, progress=lambda p: seen.append((p.done, p.total)))
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)


def test_the_clock_stamps_when_no_time_is_given(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry(**_entries())
    with serve_services(_github(), _hub()) as s:
        result = _run(s, registry, tmp_path, now=None, clock=lambda: 1_800_000_000.0)
    assert result.timestamp == "2027-01-15T08:00:00Z"
    assert time.time() > 0  # the real clock was not needed


def _pair() -> dict[str, Any]:
    meta = {"stars": 40, "pulls": 1000, "last_updated": "2025-06-01T00:00:00Z"}
    return {
        n: container(
            image=f"docker.io/acme/{n}:1",
            repository_url=f"https://github.com/acme/{n}",
            metadata=meta,
        )
        for n in ("bogus", "honest")
    }


@pytest.mark.parametrize("token", [None, "t"], ids=["rest", "graphql"])
@pytest.mark.parametrize(
    "stars",
    [10**30, 1e30, 300.0, "300", -5, float("nan"), True],
    ids=["1e30-int", "1e30-float", "float", "string", "negative", "nan", "bool"],
)
def test_a_service_claiming_an_implausible_star_count_fails_that_entry_only(
    make_registry: RegistryFactory, tmp_path: Path, stars: Any, token: str | None
) -> None:
    """Attack: GitHub (or a proxy in front of it) answering stars 10**30 got it written,
    validated and published."""
    registry = make_registry(**_pair())
    before = (registry / "bogus" / "spec.yaml").read_bytes()
    github = FakeGitHub([FakeRepo("acme", "bogus", stars), FakeRepo("acme", "honest", 77)])
    hub = FakeDockerHub({"acme/bogus": 5000, "acme/honest": 6000})
    with serve_services(github, hub) as s:
        result = _run(s, registry, tmp_path, github_token=token, graphql_min=1)
    by_name = {e.name: e for e in result.entries}
    bogus = by_name["bogus"]
    assert bogus.status is Status.FAILED and bogus.stars.source is Source.FAILED
    assert "star count" in (bogus.stars.message or "") and bogus.after.stars == 40
    assert by_name["honest"].after.stars == 77 and by_name["honest"].written
    assert _meta(registry, "bogus")["stars"] == 40  # pulls may move; stars never to the lie
    assert result.answered == 3 and result.lookups == 4 and not result.nothing_answered
    assert (
        b"stars: 40" in before and b"stars: 40" in (registry / "bogus" / "spec.yaml").read_bytes()
    )


@pytest.mark.parametrize("pulls", [10**12, 2.5e9, "9000", -1], ids=["1e12", "float", "str", "neg"])
def test_a_service_claiming_an_implausible_pull_count_fails_that_entry_only(
    make_registry: RegistryFactory, tmp_path: Path, pulls: Any
) -> None:
    registry = make_registry(**_pair())
    github = FakeGitHub([FakeRepo("acme", "bogus", 1), FakeRepo("acme", "honest", 2)])
    hub = FakeDockerHub({"acme/bogus": pulls, "acme/honest": 6000})  # the listing has both
    with serve_services(github, hub) as s:
        result = _run(s, registry, tmp_path)
    bogus = next(e for e in result.entries if e.name == "bogus")
    assert bogus.status is Status.FAILED and "pull count" in (bogus.pulls.message or "")
    assert _meta(registry, "bogus")["pulls"] == 1000
    assert _meta(registry, "honest")["pulls"] == 6000


@pytest.mark.parametrize("cost", [float("nan"), float("inf"), -3, "1", 10**30, None], ids=str)
def test_bogus_graphql_cost_fields_keep_every_lookup(
    make_registry: RegistryFactory, tmp_path: Path, cost: Any
) -> None:
    """Attack: NaN or infinity in rateLimit.cost threw away every lookup that had succeeded."""
    registry = make_registry(**_pair())
    github = FakeGitHub([FakeRepo("acme", "bogus", 11), FakeRepo("acme", "honest", 12)], cost=cost)
    with serve_services(github, FakeDockerHub({})) as s:
        result = _run(s, registry, tmp_path, github_token="t", graphql_min=1)
    assert result.github_method == "graphql" and result.github.points == 1
    assert (_meta(registry, "bogus")["stars"], _meta(registry, "honest")["stars"]) == (11, 12)
    json.dumps(result.to_json())  # the report can be written


def test_a_refresh_with_every_lookup_failed_answered_nothing(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry(**_pair())
    github = FakeGitHub([], limit=0)  # the limit is used up for an hour
    with serve_services(github, FakeDockerHub({}, script=[Reply(500)] * 20)) as s:
        result = _run(s, registry, tmp_path, max_wait=1)
    assert result.nothing_answered and result.lookups == 4 and result.answered == 0
    assert result.stopped is not None and "rate limit" in result.stopped
    assert {e.status for e in result.entries} == {Status.FAILED}


def test_a_service_that_never_answers_ends_at_the_deadline(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    """Attack: a GitHub that accepts and never answers made 15 entries take 217 s with
    --timeout 3 (a timeout per request, retries, back-off, and no end to the run)."""
    names = [f"server-{i:02d}" for i in range(15)]
    registry = make_registry(
        **{
            n: container(image=f"acme/{n}:1", repository_url=f"https://github.com/acme/{n}")
            for n in names
        }
    )
    github = FakeGitHub([FakeRepo("acme", n, 1) for n in names], latency=30)
    hub = FakeDockerHub({f"acme/{n}": 1 for n in names}, latency=30)
    started = time.monotonic()
    with serve_services(github, hub) as s:
        result = _run(s, registry, tmp_path, timeout=3, deadline=Deadline(1.0), backoff=0.5)
    assert time.monotonic() - started < 5
    assert result.deadline_passed and result.nothing_answered
    assert {e.status for e in result.entries} == {Status.NOT_REFRESHED}
    assert result.stopped is not None and "deadline" in result.stopped
    assert all("deadline" in (e.stars.message or "") for e in result.entries)


@pytest.mark.parametrize("token", [None, "t"], ids=["rest", "graphql"])
def test_a_github_that_never_answers_is_asked_3_times_and_docker_hub_still_refreshes(
    make_registry: RegistryFactory, tmp_path: Path, token: str | None
) -> None:
    """Attack: a GitHub that accepts and never answers made 15 entries take 217 s with
    --timeout 3; the deadline alone still let it cost the whole run."""
    names = [f"server-{i:02d}" for i in range(15)]
    registry = make_registry(
        **{
            n: container(image=f"acme/{n}:1", repository_url=f"https://github.com/acme/{n}")
            for n in names
        }
    )
    github = FakeGitHub([FakeRepo("acme", n, 1) for n in names], latency=30)
    hub = FakeDockerHub({f"acme/{n}": 1234 for n in names})
    started = time.monotonic()
    with serve_services(github, hub) as s:
        result = _run(s, registry, tmp_path, timeout=0.5, github_token=token, graphql_min=10)
        github_requests = len(s.github_server.requests)
    assert time.monotonic() - started < 5
    assert github_requests == 3
    assert result.stopped == "GitHub did not answer 3 times in a row; stopped asking"
    assert not result.deadline_passed and result.answered == 15  # every pull count
    assert all(e.pulls.source is Source.OK for e in result.entries)
    stars = [e.stars for e in result.entries]
    not_refreshed = [o for o in stars if o.source is Source.NOT_REFRESHED]
    # REST: the lookup that was asked 3 times failed; GraphQL: the batch shrank 15, 7, 3
    assert len(not_refreshed) == (14 if token is None else 15)
    assert all("GitHub did not answer 3 times in a row" in (o.message or "") for o in not_refreshed)
