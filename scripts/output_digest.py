#!/usr/bin/env python3
"""Digest every file ``regup build`` writes, to prove a refactoring changed no output byte.

Usage:
  scripts/output_digest.py --save FILE [--synthetic N]     record the digests of a build
  scripts/output_digest.py --compare FILE [--synthetic N]  build again, list what differs

Without ``--synthetic`` it builds this repository's ``registry/`` (with its ``regup.toml``
when present); with it, N synthetic entries from ``bench_build.py``'s generator (``--no-site``
unless ``--site``). ``SOURCE_DATE_EPOCH`` is fixed so the digests do not depend on the day.
Exit 1 when ``--compare`` finds a difference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_build import generate  # noqa: E402


def digests(out: Path) -> dict[str, str]:
    return {
        path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }


def build(workdir: Path, out: Path, *, site: bool) -> None:
    cmd = [sys.executable, "-m", "regup", "-q", "build", "--out", str(out)]
    if not site:
        cmd.append("--no-site")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}
    subprocess.run(cmd, cwd=workdir, check=True, env=env)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--save", type=Path, help="write the digests to this file")
    action.add_argument("--compare", type=Path, help="compare with digests saved earlier")
    parser.add_argument("--synthetic", type=int, default=0, help="N synthetic entries")
    parser.add_argument("--site", action="store_true", help="with --synthetic: also the catalog")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="regup-digest-") as tmp:
        out = Path(tmp) / "dist"
        if args.synthetic:
            generate(Path(tmp), args.synthetic)
            build(Path(tmp), out, site=args.site)
        else:
            build(ROOT, out, site=True)
        now = digests(out)
    if args.save:
        args.save.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"{len(now)} files recorded in {args.save}")
        return 0
    before: dict[str, str] = json.loads(args.compare.read_text())
    changed = sorted(p for p in before.keys() & now.keys() if before[p] != now[p])
    gone = sorted(before.keys() - now.keys())
    new = sorted(now.keys() - before.keys())
    for label, paths in (("changed", changed), ("missing", gone), ("new", new)):
        for path in paths:
            print(f"{label}: {path}")
    same = len(before.keys() & now.keys()) - len(changed)
    print(
        f"{same} of {len(before)} files identical; {len(changed)} changed, {len(gone)} missing, {len(new)} new"
    )
    return 1 if changed or gone or new else 0


if __name__ == "__main__":
    sys.exit(main())
