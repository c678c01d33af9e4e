#!/usr/bin/env python3
"""Benchmark ``regup refresh`` against a naive baseline, on fake services with 50 ms latency.

Usage: scripts/bench_refresh.py [N] [--latency SECONDS]

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
from tests.helpers import container, write_registry  # noqa: E402

from regup.enrich import RefreshRequest, refresh  # noqa: E402
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
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
