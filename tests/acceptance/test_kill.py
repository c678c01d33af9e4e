"""``kill -9`` at random moments: every file is its old or its new version, the next run
leaves no debris, and a rerun converges on exactly what an uninterrupted run writes.

Each kind of run gets ``TRIALS`` kills (``REGUP_KILL_TRIALS``, 30 by default, split over
``SHARDS`` tests) of a real ``regup`` process on a copy of this repository's registry, at a
moment drawn (with a fixed seed) between its start and the time an uninterrupted run takes. A disk-full test runs the build
on a tiny tmpfs when the machine lets the tests mount one.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from regup.files import debris
from tests.fakeservices import FakeDockerHub, FakeGitHub, FakeRepo, serve_services
from tests.helpers import REPO_ROOT

TRIALS = int(os.environ.get("REGUP_KILL_TRIALS", "30"))
#: Trials of the 2,000-entry build (a kill, a full rebuild with the search index, two
#: digests of 22,000 files each); ``REGUP_KILL_TRIALS_LARGE`` sets fewer
#: (site/docs/reliability.md).
LARGE_TRIALS = int(os.environ.get("REGUP_KILL_TRIALS_LARGE", "30"))
ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600", "GITHUB_TOKEN": "", "NO_COLOR": "1"}
#: A scratch folder of Pagefind's that a killed build left (removed by the next build).
SCRATCH = re.compile(r"^regup-pagefind-(\d+)-")

pytestmark = pytest.mark.skipif(
    not (REPO_ROOT / "registry").is_dir(), reason="needs this repository's registry"
)


def regup(*args: str) -> list[str]:
    return [sys.executable, "-m", "regup", "-q", *args]


def run(cmd: list[str], cwd: Path) -> float:
    """Run ``cmd`` to the end; returns how long it took."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "bug in regup" not in done.stderr
    return time.perf_counter() - start


def run_killed(cmd: list[str], cwd: Path, after: float) -> int:
    """Start ``cmd`` and SIGKILL it ``after`` seconds later (unless it ended before);
    returns its process id. Asserts that no child process (the indexer, Pagefind) outlives
    it by more than a few seconds."""
    proc = subprocess.Popen(
        cmd, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        proc.wait(timeout=after)
    except subprocess.TimeoutExpired:
        kids = children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for _ in range(100):
            kids = {pid for pid in kids if alive(pid)}
            if not kids:
                break
            time.sleep(0.05)
        assert not kids, f"processes {sorted(kids)} outlived the killed {cmd[3:5]}"
    return proc.pid


def children(parent: int) -> set[int]:
    """Every process below ``parent`` (its children, theirs, ...)."""
    below: dict[int, set[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        below.setdefault(int(fields[1]), set()).add(int(stat.parent.name))
    found, todo = set(), [parent]
    while todo:
        for kid in below.get(todo.pop(), ()):
            found.add(kid)
            todo.append(kid)
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie has ended: it only waits for its parent to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones too), by path relative to it."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def digests(root: Path) -> dict[str, bytes]:
    """Like :func:`files`, with each file's BLAKE2b digest for its bytes: a build's 20,000
    files compare as well and cost a fraction of the memory and time."""
    found: dict[str, bytes] = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, "rb") as handle:
                    digest = hashlib.file_digest(handle, "blake2b").digest()
                found[os.path.relpath(path, root).replace(os.sep, "/")] = digest
    return dict(sorted(found.items()))


def link_tree(source: Path, target: Path) -> None:
    """``target`` as a copy of ``source`` made of hard links: a build replaces files by
    renaming new ones over them, never writes into one, so the links keep ``source`` as it
    was (the build tests check that too)."""
    shutil.copytree(source, target, copy_function=os.link)


def is_debris(rel: str) -> bool:
    """A temporary file, or a file in a temporary folder (the search index written aside)."""
    return any(re.fullmatch(r"\..+\.\d+\.tmp", part) for part in rel.split("/"))


#: The search index's folder: it must be wholly old or wholly new after any kill.
INDEX = "site/pagefind/"


def index_of(tree: dict[str, bytes]) -> dict[str, bytes]:
    return {rel: data for rel, data in tree.items() if rel.startswith(INDEX)}


def assert_old_or_new(
    now: dict[str, bytes],
    old: dict[str, bytes],
    new: dict[str, bytes],
    *,
    also: frozenset[str] = frozenset(),
) -> None:
    """Each file is whole: its old or its new version (temporary files aside)."""
    for rel, data in now.items():
        if is_debris(rel) or rel in also:
            continue
        assert data in (old.get(rel), new.get(rel)), f"{rel} is neither its old nor its new version"


#: Each kill test runs as this many tests of a share of its trials, so that the suite's
#: workers share them out.
SHARDS = 3


def trial_delays(
    seconds: float, seed: str, trials: int = TRIALS, shard: int = 0, shards: int = 1
) -> Iterator[tuple[int, float]]:
    """(trial number, when to kill) of the trials of ``shard``: the same moments however the
    trials are split."""
    for n in range(shard, trials, shards):
        yield n, random.Random(f"{seed}-{n}").uniform(0.0, seconds)


def scratch_of(pids: set[int]) -> list[str]:
    """Pagefind scratch folders that the processes ``pids`` left."""
    where = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else Path(tempfile.gettempdir())
    return [
        item.name
        for item in where.iterdir()
        if (match := SCRATCH.match(item.name)) and int(match.group(1)) in pids
    ]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A copy of this repository's registry and regup.toml."""
    shutil.copytree(REPO_ROOT / "registry", tmp_path / "registry")
    shutil.copy(REPO_ROOT / "regup.toml", tmp_path / "regup.toml")
    return tmp_path


def _older_registry(workdir: Path) -> Path:
    """The registry as it was one change ago: one more entry, another description."""
    older = workdir / "older"
    shutil.copytree(workdir / "registry", older / "registry")
    shutil.copy(workdir / "regup.toml", older / "regup.toml")
    names = sorted(p.name for p in (older / "registry").iterdir() if (p / "spec.yaml").is_file())
    shutil.copytree(older / "registry" / names[0], older / "registry" / "since-removed-server")
    spec = older / "registry" / names[1] / "spec.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(
        re.sub(
            r"^description: .*$",
            "description: An older description of this server, since changed.",
            text,
            count=1,
            flags=re.M,
        ),
        encoding="utf-8",
    )
    return older


def _kill_builds(
    workdir: Path, seed: str, trials: int = TRIALS, shard: int = 0, shards: int = 1
) -> None:
    older = _older_registry(workdir)
    out, clean = workdir / "dist", workdir / "clean"
    run(regup("build", "--out", str(older / "dist")), older)
    old = digests(older / "dist")
    seconds = run(regup("build", "--out", str(clean)), workdir)
    new = digests(clean)
    manifest = frozenset({".regup-files"})  # during a build it lists the old and the new files
    killed: set[int] = set()
    for n, delay in trial_delays(seconds, seed, trials, shard, shards):
        shutil.rmtree(out, ignore_errors=True)
        link_tree(older / "dist", out)
        killed.add(run_killed(regup("build", "--out", str(out)), workdir, delay))
        now = digests(out)
        assert_old_or_new(now, old, new, also=manifest)
        assert index_of(now) in (index_of(old), index_of(new), {}), (
            f"trial {n} (killed after {delay:.2f} s): the search index mixes two builds"
        )
        listing = out / ".regup-files"
        listed = set(listing.read_text().splitlines()) if listing.is_file() else set()
        assert listed <= set(old) | set(new), f"trial {n}: the manifest names unknown files"
        run(regup("build", "--out", str(out)), workdir)
        assert digests(out) == new, f"trial {n} (killed after {delay:.2f} s): rebuild differs"
        assert not debris(out)
    assert digests(older / "dist") == old, "a build wrote into a file instead of replacing it"
    assert not scratch_of(killed), "scratch folders of killed builds were left"


@pytest.mark.parametrize("shard", range(SHARDS))
def test_killed_builds_of_this_registry_converge(workdir: Path, shard: int) -> None:
    _kill_builds(workdir, "build", shard=shard, shards=SHARDS)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_killed_builds_of_2000_entries_converge(tmp_path: Path, shard: int) -> None:
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    from bench_build import generate

    generate(tmp_path, 2000)
    _kill_builds(tmp_path, "build-2000", LARGE_TRIALS, shard, SHARDS)


def _unformatted(workdir: Path, count: int) -> list[str]:
    """``count`` entries with their first key moved to the end, for `regup fmt` to put back."""
    names = []
    for spec in sorted((workdir / "registry").glob("*/spec.yaml"))[:count]:
        names.append(spec.parent.name)
        lines = spec.read_text(encoding="utf-8").splitlines(keepends=True)
        if lines and re.match(r"^[a-z_]+: \S", lines[0]) and not lines[-1].endswith("|\n"):
            spec.write_text("".join(lines[1:]) + lines[0], encoding="utf-8")
    return names


def _kill_registry_writes(
    workdir: Path,
    cmd: list[str],
    seed: str,
    shard: int,
    normalize: re.Pattern[bytes] | None = None,
) -> None:
    """Kill ``cmd`` (which rewrites files of ``workdir/registry``) at random moments."""
    registry = workdir / "registry"
    start = workdir / "start"
    shutil.copytree(registry, start)
    seconds = run(cmd, workdir)
    new = files(registry)
    old = files(start)

    def canonical(tree: dict[str, bytes]) -> dict[str, bytes]:
        if normalize is None:
            return tree
        return {rel: normalize.sub(b"<time>", data) for rel, data in tree.items()}

    for n, delay in trial_delays(seconds, seed, TRIALS, shard, SHARDS):
        shutil.rmtree(registry)
        shutil.copytree(start, registry)
        run_killed(cmd, workdir, delay)
        assert_old_or_new(canonical(files(registry)), canonical(old), canonical(new))
        run(cmd, workdir)
        assert canonical(files(registry)) == canonical(new), f"trial {n}: the rerun differs"
        assert not debris(registry), f"trial {n}: temporary files left"


@pytest.mark.parametrize("shard", range(SHARDS))
def test_killed_fmt_runs_leave_whole_files(workdir: Path, shard: int) -> None:
    # fmt takes about 50 ms a file (ruamel.yaml's round trip): 15 files keep a trial short.
    names = _unformatted(workdir, 15)
    _kill_registry_writes(workdir, regup("fmt", *names), "fmt", shard)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_killed_refreshes_leave_whole_files(workdir: Path, shard: int) -> None:
    repos, hub = set(), set()
    for spec in (workdir / "registry").glob("*/spec.yaml"):
        text = spec.read_text(encoding="utf-8")
        found = re.search(r"github\.com/([\w.-]+)/([\w.-]+)", text)
        if found:
            repos.add((found[1], found[2].removesuffix(".git")))
        image = re.search(r"^image: (?:docker\.io/)?([a-z0-9-]+/[a-z0-9-]+):", text, re.M)
        if image:
            hub.add(image[1])
    github = FakeGitHub([FakeRepo(o, n, 1000 + i) for i, (o, n) in enumerate(sorted(repos))])
    pulls = FakeDockerHub({key: 5000 + i for i, key in enumerate(sorted(hub))})
    with serve_services(github, pulls) as services:
        cmd = regup("refresh", *services.args(), "--no-cache", "--max-failures", "1000")
        stamp = re.compile(rb"last_updated: '?[0-9TZ:.-]+'?")
        _kill_registry_writes(workdir, cmd, "refresh", shard, stamp)


@pytest.mark.parametrize("shard", range(SHARDS))
def test_killed_imports_leave_whole_files(workdir: Path, shard: int) -> None:
    run(regup("build", "--no-site", "--out", "dist"), workdir)
    shutil.rmtree(workdir / "registry")
    (workdir / "registry").mkdir()
    cmd = regup("import", "--overwrite", "dist/registry.json")
    _kill_registry_writes(workdir, cmd, "import", shard)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of 6 MB, or a skip where the machine does not let the tests mount one."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_build_that_runs_out_of_disk_fails_cleanly_and_the_rebuild_converges(
    workdir: Path, small_disk: Path
) -> None:
    few = workdir / "few"
    for spec in sorted((workdir / "registry").glob("*/spec.yaml"))[:8]:
        shutil.copytree(spec.parent, few / "registry" / spec.parent.name)
    shutil.copy(workdir / "regup.toml", few / "regup.toml")
    out = small_disk / "dist"
    run(regup("build", "--out", str(out)), few)
    old = files(out)
    clean = workdir / "clean"
    run(regup("build", "--out", str(clean)), workdir)
    new = files(clean)
    assert sum(map(len, new.values())) > 6 * 2**20  # the full build does not fit

    full = subprocess.run(
        regup("build", "--out", str(out)), cwd=workdir, env=ENV, capture_output=True, text=True
    )
    assert full.returncode == 1, full.stderr
    assert "No space left on device" in full.stderr and str(out) in full.stderr
    assert "bug in regup" not in full.stderr and "Traceback" not in full.stderr
    assert_old_or_new(files(out), old, new, also=frozenset({".regup-files"}))
    assert not debris(out)

    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    run(regup("build", "--out", str(out)), workdir)
    assert files(out) == new
