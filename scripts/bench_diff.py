#!/usr/bin/env python3
"""Benchmark ``regup diff`` against baselines measured in the same run.

Usage: scripts/bench_diff.py N [--repeat R]

Generates N synthetic entries (the generator of bench_build.py), and a second version with
one entry in ten changed (an image bump, a new host, a new tool), commits both to a
temporary git repository and builds both. Then times, best of R, each as a subprocess:

* registry.json: ``regup diff a.json b.json --format json`` against a baseline that loads
  both files with the json module and compares the servers as dicts;
* git refs: ``regup diff HEAD~1 HEAD --format json`` (read both trees from git, load and
  validate them) against a baseline that runs ``git archive`` for both trees and parses every
  spec.yaml with PyYAML's C loader.

Prints the times and the ratios regup / baseline.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

JSON_BASELINE = """
import json, sys
a, b = (json.load(open(p))["servers"] for p in sys.argv[1:3])
changed = [k for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)]
print(len(changed))
"""

GIT_BASELINE = """
import io, subprocess, sys, tarfile, yaml
for ref in ("HEAD~1", "HEAD"):
    data = subprocess.run(["git", "archive", f"{ref}:registry"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        docs = {m.name: yaml.load(tar.extractfile(m), Loader=yaml.CSafeLoader)
                for m in tar.getmembers() if m.name.endswith("spec.yaml")}
    print(ref, len(docs))
"""


def generator() -> object:
    spec = importlib.util.spec_from_file_location(
        "bench_build", ROOT / "scripts" / "bench_build.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(folder: Path, n: int, changed: bool) -> None:
    entry_yaml = generator().entry_yaml  # type: ignore[attr-defined]
    rng = random.Random(7)
    for i in range(n):
        text: str = entry_yaml(i, rng)
        if changed and i % 10 == 3:
            text = text.replace(f":1.{i % 10}.0", f":1.{i % 10}.1")
            text = text.replace("      allow_port:", "        - new.example.org\n      allow_port:")
            text = text.replace("tools:\n", "tools:\n  - brand_new_tool\n")
        path = folder / f"server-{i:05d}" / "spec.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def run(args: list[str], cwd: Path) -> None:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"bench_diff: {' '.join(args[:2])} failed:\n{done.stderr}")


def best(args: list[str], cwd: Path, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run(args, cwd)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--repeat", type=int, default=3)
    opts = parser.parse_args()
    regup = str(Path(sys.executable).parent / "regup")
    with tempfile.TemporaryDirectory(prefix="regup-bench-diff-") as tmp:
        repo = Path(tmp)
        ident = ["-c", "user.name=bench", "-c", "user.email=bench@example.com"]
        run(["git", "init", "-q"], repo)
        (repo / "regup.toml").write_text('[registry]\nnamespace = "io.github.example"\n')
        for changed, label in ((False, "a"), (True, "b")):
            write(repo / "registry", opts.n, changed)
            run(["git", "add", "-A", "registry"], repo)
            run(["git", *ident, "commit", "-q", "-m", label], repo)
            run([regup, "build", "--no-site", "--out", f"dist-{label}"], repo)
        rows = [
            (
                "registry.json",
                [regup, "diff", "dist-a/registry.json", "dist-b/registry.json", "--format", "json"],
                [
                    sys.executable,
                    "-c",
                    JSON_BASELINE,
                    "dist-a/registry.json",
                    "dist-b/registry.json",
                ],
            ),
            (
                "git refs",
                [regup, "diff", "HEAD~1", "HEAD", "--format", "json"],
                [sys.executable, "-c", GIT_BASELINE],
            ),
        ]
        print(f"{opts.n} entries, {opts.n // 10} changed, best of {opts.repeat}")
        for label, ours, baseline in rows:
            t_ours, t_base = best(ours, repo, opts.repeat), best(baseline, repo, opts.repeat)
            print(
                f"{label:14} regup diff {t_ours:7.2f} s   baseline {t_base:7.2f} s   "
                f"ratio {t_ours / t_base:5.2f}"
            )


if __name__ == "__main__":
    main()
