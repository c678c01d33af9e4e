#!/usr/bin/env python3
"""Benchmark ``regup validate`` + ``regup build`` against a baseline, in the same run.

Usage: scripts/bench_build.py N [--repeat R]

Generates N synthetic entries shaped like real registry entries (container and remote,
env vars, permissions, provenance) in a temporary folder, then times:

* baseline: read and parse every spec.yaml with PyYAML's C loader and write one JSON file;
* regup:    ``regup validate`` followed by ``regup build --only toolhive`` (both as
  subprocesses): the same work as the baseline plus schema and semantic checks;
* also ``regup validate`` + ``regup build --no-site``, which writes every JSON output
  (upstream files and the v0.1 API tree: about four files and two folders per server).

Prints the times (best of R) and the ratios to the baseline. The target for N = 10,000 is
a ratio of at most 3 for both. The catalog has its own benchmark (bench_site.py).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASELINE = """
import json, sys, pathlib, yaml
root = pathlib.Path(sys.argv[1])
data = {}
for path in sorted(root.glob("*/spec.yaml")):
    with path.open() as fh:
        data[path.parent.name] = yaml.load(fh, Loader=yaml.CSafeLoader)
pathlib.Path(sys.argv[2]).write_text(json.dumps(data, indent=2, sort_keys=True))
"""

WORDS = "query search fetch list create update delete read write issue page file metric log".split()
HOSTS = ["api.example.com", "example.com", "uploads.example.com", "auth.example.net"]


def entry_yaml(i: int, rng: random.Random) -> str:
    tools = sorted(
        {f"{rng.choice(WORDS)}_{rng.choice(WORDS)}_{j}" for j in range(rng.randint(2, 25))}
    )
    tags = sorted({rng.choice(WORDS) for _ in range(rng.randint(1, 6))})
    lines = [
        f"title: Synthetic server {i}",
        f"description: Synthetic server {i} that lets an assistant {rng.choice(WORDS)} things.",
        "tier: " + rng.choice(["Official", "Community"]),
        "status: Active",
    ]
    remote = i % 4 == 0
    if remote:
        lines += [
            "transport: streamable-http",
            f"url: https://mcp{i}.example.com/mcp",
            f"version: 2.{i % 10}.0",
        ]
    else:
        lines += [
            "transport: " + rng.choice(["stdio", "stdio", "streamable-http"]),
            f"image: ghcr.io/example/server-{i}:1.{i % 10}.0",
        ]
        if "streamable-http" in lines[-2]:
            lines.append("target_port: 8080")
    lines.append(f"repository_url: https://github.com/example/server-{i}")
    lines.append("tags:")
    lines += [f"  - {t}" for t in tags]
    lines.append("tools:")
    lines += [f"  - {t}" for t in tools]
    lines.append("env_vars:")
    for j in range(rng.randint(1, 5)):
        lines += [
            f"  - name: SYNTH_VAR_{j}",
            f"    description: Setting number {j} of this synthetic server",
            f"    required: {'true' if j == 0 else 'false'}",
        ]
        if j == 0:
            lines.append("    secret: true")
    if not remote:
        lines += ["permissions:", "  network:", "    outbound:", "      allow_host:"]
        lines += [f"        - {h}" for h in rng.sample(HOSTS, 2)]
        lines += ["      allow_port:", "        - 443"]
        lines += [
            "provenance:",
            "  sigstore_url: tuf-repo-cdn.sigstore.dev",
            "  repository_uri: https://github.com/example/builds",
            "  signer_identity: /.github/workflows/build.yml",
            "  runner_environment: github-hosted",
            "  cert_issuer: https://token.actions.githubusercontent.com",
        ]
    lines += [
        "metadata:",
        f"  stars: {rng.randint(0, 50000)}",
        f"  last_updated: '2026-0{1 + i % 9}-1{i % 10}T04:47:25Z'",
    ]
    return "\n".join(lines) + "\n"


def generate(root: Path, n: int) -> None:
    """``root/registry`` with ``n`` synthetic entries, and a ``root/regup.toml`` naming the
    namespace (regup has no default one)."""
    rng = random.Random(42)
    (root / "regup.toml").write_text('[registry]\nnamespace = "io.github.example"\n')
    for i in range(n):
        folder = root / "registry" / f"synthetic-server-{i:05d}"
        folder.mkdir(parents=True)
        (folder / "spec.yaml").write_text(entry_yaml(i, rng))


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", type=int, help="number of synthetic entries")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side; the best counts")
    args = parser.parse_args()
    regup = [sys.executable, "-m", "regup", "-q"]
    with tempfile.TemporaryDirectory(prefix="regup-bench-") as tmp:
        root = Path(tmp)
        generate(root, args.n)
        baseline_times: list[float] = []
        toolhive_times: list[float] = []
        json_times: list[float] = []
        # Every build gets a fresh folder, and nothing is deleted until the end: ext4
        # creates files slowly for a minute or more after many were deleted (it skips
        # recently freed inodes), and deleting the last build's 40,000 files right before
        # a build measured the disk (twice the time), not regup. A ``regup build`` over
        # an existing dist/ writes only the files that changed.
        for run in range(args.repeat):
            os.sync()
            baseline_times.append(
                timed([sys.executable, "-c", BASELINE, "registry", "baseline.json"], root)
            )
            for times, label, options in (
                (toolhive_times, "toolhive", ["--only", "toolhive"]),
                (json_times, "json", ["--no-site"]),
            ):
                os.sync()
                build = [*regup, "build", *options, "--out", f"dist-{label}-{run}"]
                times.append(timed([*regup, "validate"], root) + timed(build, root))
        base = min(baseline_times)
        toolhive, everything = min(toolhive_times), min(json_times)
        print(f"entries: {args.n}")
        print(f"baseline (PyYAML C loader + one JSON file):          {base:.2f} s")
        print(f"regup validate + build --only toolhive (registry.json): {toolhive:.2f} s")
        print(f"regup validate + build --no-site (every JSON output):   {everything:.2f} s")
        print(f"ratio, registry.json:      {toolhive / base:.2f}x (target: <= 3x)")
        print(f"ratio, every JSON output:  {everything / base:.2f}x (target: <= 3x)")


if __name__ == "__main__":
    main()
