#!/usr/bin/env python3
"""Benchmark ``regup refresh`` or ``regup check`` against a naive baseline, 50 ms latency.

Usage: scripts/bench_refresh.py [N] [--latency SECONDS] [--check]

Builds a registry of N entries (every one with a GitHub repository; 40% with a Docker Hub
image spread over 10 namespaces, the rest on ghcr.io), starts the fake GitHub and Docker
Hub of the test suite on 127.0.0.1 with the given latency per request, and measures in
the same run:

* baseline: one sequential REST request per repository and one per Docker Hub image, as
  ToolHive's regup did;
* regup (cold): ``refresh()`` with a token and an empty cache;
* regup (warm): the same again right after, with the cache of the cold run.

It prints requests, rate-limit points and wall time of each, and the ratios.
Targets at N = 1,000: 10x fewer points and 10x less wall time than the baseline, and a
warm run that uses no rate limit.

With ``--check`` it measures ``regup check`` instead, restricted to the repository and
image signals (live handshakes and drift need a server per remote and are left out). The
registry has N entries, every one with a GitHub repository; 40% are containers whose image
is on the test suite's OCI registry (tags 1.0 and 1.1, no bearer token asked), the rest are
remote servers. With the same latency on the fake GitHub and on the OCI registry:

* baseline: one sequential REST request per repository and one tag-list request per image
  (one request per signal per entry);
* regup check (cold): ``check()`` with a token and an empty cache, ``health.json`` written;
* regup check (warm): the same again right after, with the cache of the cold run (GitHub
  answers and image digests and tag lists alike: target 0 requests).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(REPO_ROOT / "src"))

from tests.fakeservices import (  # noqa: E402
    FakeDockerHub,
    FakeGitHub,
    FakeRepo,
    Services,
    serve_services,
)
from tests.helpers import container, remote, write_registry  # noqa: E402
from tests.ocifake import FakeRegistry, serve_registry  # noqa: E402

from regup.enrich import RefreshRequest, refresh  # noqa: E402
from regup.health.run import CheckRequest, check  # noqa: E402
from regup.healthstate import Signal  # noqa: E402
from regup.net import make_client  # noqa: E402


def make_world(root: Path, n: int, latency: float) -> tuple[Path, FakeGitHub, FakeDockerHub]:
    entries = {}
    repos, pulls = [], {}
    for i in range(n):
        name = f"server-{i:05d}"
        if i % 5 < 2:
            namespace = f"team{i % 10}"
            image = f"{namespace}/{name}:1.0"
            pulls[f"{namespace}/{name}"] = 10_000 + 37 * i
        else:
            image = f"ghcr.io/bench/{name}:1.0"
        entries[name] = container(image=image, repository_url=f"https://github.com/bench/{name}")
        repos.append(FakeRepo("bench", name, stars=100 + i))
    registry = write_registry(root / "registry", **entries)
    github = FakeGitHub(repos, limit=1_000_000, latency=latency)
    return registry, github, FakeDockerHub(pulls, latency=latency)


def baseline(s: Services, n: int, pulls: dict[str, int]) -> tuple[int, int, float]:
    points, requests = s.github.points, s.requests
    started = time.perf_counter()
    with make_client(s.github_server.base_url) as gh, make_client(s.hub_server.base_url) as hub:
        for i in range(n):
            gh.get(f"/repos/bench/server-{i:05d}").raise_for_status()
        for key in sorted(pulls):
            hub.get(f"/v2/repositories/{key}/").raise_for_status()
    return s.requests - requests, s.github.points - points, time.perf_counter() - started


def run_regup(s: Services, registry: Path, cache: Path) -> tuple[int, int, float]:
    points, requests = s.github.points, s.requests
    started = time.perf_counter()
    result = refresh(
        RefreshRequest(
            registry,
            github_token="bench",
            github_api=s.github_server.base_url,
            docker_hub_api=s.hub_server.base_url,
            cache_dir=cache,
        )
    )
    elapsed = time.perf_counter() - started
    if result.failed or result.stopped:
        raise SystemExit(f"regup refresh failed: {result.counts()} {result.stopped}")
    return s.requests - requests, s.github.points - points, elapsed


Row = tuple[int, int, float]


def make_check_world(
    root: Path, n: int, latency: float, oci: FakeRegistry
) -> tuple[Path, FakeGitHub, list[str]]:
    """N entries with a repository each; 40% containers with an image on ``oci``."""
    entries, repos, images = {}, [], []
    for i in range(n):
        name = f"server-{i:05d}"
        repository = f"https://github.com/bench/{name}"
        if i % 5 < 2:
            for tag in ("1.0", "1.1"):
                oci.push_image(f"bench/{name}", tag, content=f"{name}:{tag}".encode())
            images.append(f"bench/{name}")
            image = f"{oci.host}/bench/{name}:1.0"
            entries[name] = container(image=image, repository_url=repository)
        else:
            url = f"https://{name}.example.com/mcp"
            entries[name] = remote(url=url, repository_url=repository)
        repos.append(FakeRepo("bench", name, stars=100 + i, license="MIT"))
    registry = write_registry(root / "registry", **entries)
    return registry, FakeGitHub(repos, limit=1_000_000, latency=latency), images


def check_baseline(s: Services, oci: FakeRegistry, n: int, images: list[str]) -> Row:
    assert oci.server is not None
    points, requests = s.github.points, s.requests + len(oci.server.requests)
    started = time.perf_counter()
    with make_client(s.github_server.base_url) as gh, make_client(oci.server.base_url) as reg:
        for i in range(n):
            gh.get(f"/repos/bench/server-{i:05d}").raise_for_status()
        for name in images:
            reg.get(f"/v2/{name}/tags/list").raise_for_status()
    elapsed = time.perf_counter() - started
    return s.requests + len(oci.server.requests) - requests, s.github.points - points, elapsed


def run_check(s: Services, oci: FakeRegistry, registry: Path, cache: Path) -> tuple[Row, int]:
    """(requests, points, wall) of one ``check()``, and the GitHub requests among them."""
    assert oci.server is not None
    points, github, requests = s.github.points, s.requests, s.requests + len(oci.server.requests)
    started = time.perf_counter()
    result = check(
        CheckRequest(
            registry,
            signals=frozenset({Signal.REPOSITORY, Signal.IMAGE}),
            github_token="bench",
            github_api=s.github_server.base_url,
            cache_dir=cache,
        )
    )
    elapsed = time.perf_counter() - started
    if result.faults or result.stopped:
        raise SystemExit(f"regup check had {result.faults} faults: {result.stopped}")
    total = s.requests + len(oci.server.requests) - requests
    return (total, s.github.points - points, elapsed), s.requests - github


def bench_check(n: int, latency: float) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_registry(FakeRegistry(require_token=False, latency=latency)) as oci,
    ):
        registry, github, images = make_check_world(Path(tmp), n, latency, oci)
        with serve_services(github) as s:
            base = check_baseline(s, oci, n, images)
            cold, cold_gh = run_check(s, oci, registry, Path(tmp) / "cache")
            warm, warm_gh = run_check(s, oci, registry, Path(tmp) / "cache")
    print(
        f"N = {n} entries ({len(images)} images on a local OCI registry), latency {latency} s; "
        "signals: repository, image (no live handshakes)"
    )
    print(f"{'run':40} {'requests':>9} {'GitHub requests':>16} {'GitHub points':>14} {'wall s':>8}")
    rows = {
        "baseline (1 request per signal, seq.)": (base, base[0] - len(images)),
        "regup check, cold": (cold, cold_gh),
        "regup check, warm": (warm, warm_gh),
    }
    for label, ((requests, points, wall), gh) in rows.items():
        print(f"{label:40} {requests:>9} {gh:>16} {points:>14} {wall:>8.2f}")
    print(f"points: baseline / cold = {base[1] / max(cold[1], 1):.1f}x")
    print(f"wall:   baseline / cold = {base[2] / cold[2]:.1f}x")
    print(f"requests: baseline / cold = {base[0] / max(cold[0], 1):.1f}x")
    print(
        f"warm run: {warm_gh} GitHub requests, {warm[1]} GitHub rate-limit points, "
        f"{warm[0] - warm_gh} registry requests (target 0: both are cached)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--check", action="store_true", help="Benchmark regup check instead.")
    args = parser.parse_args()
    if args.check:
        bench_check(args.n, args.latency)
        return
    with tempfile.TemporaryDirectory() as tmp:
        registry, github, hub = make_world(Path(tmp), args.n, args.latency)
        with serve_services(github, hub) as s:
            rows = {
                "baseline (1 REST request each)": baseline(s, args.n, hub.repos),
                "regup refresh, cold": run_regup(s, registry, Path(tmp) / "cache"),
                "regup refresh, warm": run_regup(s, registry, Path(tmp) / "cache"),
            }
    print(f"N = {args.n} entries, {len(hub.repos)} Docker Hub images, latency {args.latency} s")
    print(f"{'run':32} {'requests':>9} {'GitHub points':>14} {'wall s':>8}")
    for label, (requests, points, wall) in rows.items():
        print(f"{label:32} {requests:>9} {points:>14} {wall:>8.2f}")
    base, cold, warm = rows.values()
    print(f"points: baseline / cold = {base[1] / max(cold[1], 1):.1f}x (target >= 10x)")
    print(f"wall:   baseline / cold = {base[2] / cold[2]:.1f}x (target >= 10x)")
    print(f"requests: baseline / cold = {base[0] / max(cold[0], 1):.1f}x")
    print(f"warm run: {warm[0]} requests, {warm[1]} GitHub rate-limit points (target 0)")


if __name__ == "__main__":
    main()
