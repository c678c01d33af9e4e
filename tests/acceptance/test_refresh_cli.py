"""``regup refresh`` end to end: options, reports, exit codes, and a kill in the middle."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from regup.cli import refresh as refresh_cli
from regup.yamlio import load_yaml
from tests.conftest import RegistryFactory
from tests.fakeservices import FakeDockerHub, FakeGitHub, FakeRepo, serve_services
from tests.helpers import REPO_ROOT, Files, container, run_cli


def _registry(make_registry: RegistryFactory) -> Path:
    return make_registry(
        fetch=container(image="acme/fetch:1", repository_url="https://github.com/acme/fetch"),
        moved=container(
            image="ghcr.io/acme/moved:1", repository_url="https://github.com/old-org/moved"
        ),
        gone=container(image="ghcr.io/acme/gone:1", repository_url="https://github.com/acme/gone"),
    )


def _fakes() -> tuple[FakeGitHub, FakeDockerHub]:
    github = FakeGitHub(
        [
            FakeRepo("acme", "fetch", 300),
            FakeRepo("new-org", "moved", 8, old_names=("old-org/moved",)),
        ]
    )
    return github, FakeDockerHub({"acme/fetch": 4321})


def test_report_annotations_and_exit_code(make_registry: RegistryFactory, tmp_path: Path) -> None:
    registry = _registry(make_registry)
    report = tmp_path / "out" / "report.json"
    with serve_services(*_fakes()) as s:
        args = ["--registry", str(registry), "refresh", *s.args(), "--format", "github"]
        args += ["--report", str(report), "--cache-dir", str(tmp_path / "cache")]
        result = run_cli(args, env={"GITHUB_TOKEN": None})
    assert result.exit_code == 1
    assert "Error: 1 entry failed to refresh (gone)" in result.stderr
    assert "::error file=" in result.stdout and "acme/gone not found on GitHub" in result.stdout
    assert "::warning file=" in result.stdout and "renamed to new-org/moved" in result.stdout
    assert "Traceback" not in result.output
    data = json.loads(report.read_text())
    assert data["summary"]["failed"] == 1 and data["summary"]["refreshed"] == 2
    entries = {e["name"]: e for e in data["entries"]}
    assert entries["moved"]["renamed_to"] == "new-org/moved"
    assert entries["moved"]["pulls"]["status"] == "unavailable"
    assert entries["fetch"]["after"]["pulls"] == 4300
    meta = load_yaml((registry / "fetch" / "spec.yaml").read_text()).data["metadata"]
    assert (meta["stars"], meta["pulls"]) == (300, 4300)


def test_dry_run_text_summary_and_tolerated_failures(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = _registry(make_registry)
    before = {p: p.read_bytes() for p in registry.glob("*/spec.yaml")}
    with serve_services(*_fakes()) as s:
        args = ["--registry", str(registry), "refresh", *s.args(), "--dry-run", "--no-cache"]
        result = run_cli([*args, "--max-failures", "1"], env={"GITHUB_TOKEN": None})
    assert result.exit_code == 0, result.output
    assert "3 file(s) would change:" in result.stdout  # gone: its ghcr.io pulls go
    assert "fetch: stars 42 -> 300; pulls 1,000 -> 4,300" in result.stdout
    assert "Dry run: nothing was written." in result.stdout
    assert {p: p.read_bytes() for p in registry.glob("*/spec.yaml")} == before
    assert not (tmp_path / ".regup-cache").exists()


def test_json_format_and_usage_errors(make_registry: RegistryFactory, tmp_path: Path) -> None:
    registry = _registry(make_registry)
    with serve_services(*_fakes()) as s:
        base = ["--registry", str(registry), "refresh", *s.args(), "--no-cache"]
        as_json = run_cli([*base, "--format", "json", "--dry-run", "fetch"])
        unknown = run_cli([*base, "nope"])
        bad_ref = run_cli([*base, "--changed-since", "HEAD~3"])
        bad_option = run_cli([*base, "--oldest", "0"])
    assert as_json.exit_code == 0
    assert [e["name"] for e in json.loads(as_json.stdout)["entries"]] == ["fetch"]
    assert unknown.exit_code == 1 and "Error: no entry named nope" in unknown.stderr
    assert bad_ref.exit_code == 1 and "Error: --changed-since HEAD~3" in bad_ref.stderr
    assert bad_option.exit_code == 2
    assert "Traceback" not in unknown.output + bad_ref.output + bad_option.output


def test_killing_a_refresh_leaves_every_file_old_or_new(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    names = [f"server-{i:03d}" for i in range(80)]
    registry = make_registry(
        **{
            n: container(image=f"acme/{n}:1", repository_url=f"https://github.com/acme/{n}")
            for n in names
        }
    )
    originals = {n: (registry / n / "spec.yaml").read_bytes() for n in names}
    github = FakeGitHub([FakeRepo("acme", n, 1000 + i) for i, n in enumerate(names)], latency=0.002)
    hub = FakeDockerHub({f"acme/{n}": 5000 + i for i, n in enumerate(names)}, latency=0.002)
    env = {**os.environ, "GITHUB_TOKEN": "t", "PYTHONPATH": str(REPO_ROOT / "src")}
    with serve_services(github, hub) as s:
        command = [sys.executable, "-m", "regup", "-q", "--registry", str(registry), "refresh"]
        command += [*s.args(), "--no-cache"]
        started = time.monotonic()
        subprocess.run(command, env=env, check=False, capture_output=True, timeout=120)
        full = time.monotonic() - started
        assert all(
            load_yaml((registry / n / "spec.yaml").read_text()).data["metadata"]["stars"] >= 1000
            for n in names
        )
        for fraction in (0.6, 0.85, 0.95):
            for n in names:
                (registry / n / "spec.yaml").write_bytes(originals[n])
            process = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(full * fraction)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            for i, n in enumerate(names):
                data = (registry / n / "spec.yaml").read_bytes()
                if data == originals[n]:
                    continue
                meta = load_yaml(data.decode()).data["metadata"]
                assert (meta["stars"], meta["pulls"]) == (1000 + i, 5000 + i - (5000 + i) % 100)


def test_heartbeat_lines_when_stderr_is_not_a_terminal(
    make_registry: RegistryFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refresh_cli, "HEARTBEAT_SECONDS", 0.0)
    registry = _registry(make_registry)
    with serve_services(*_fakes()) as s:
        args = ["--registry", str(registry), "refresh", *s.args(), "--no-cache", "--dry-run"]
        result = run_cli([*args, "--max-failures", "1"], env={"GITHUB_TOKEN": None})
        quiet = run_cli(["-q", *args, "--max-failures", "1"], env={"GITHUB_TOKEN": None})
    assert "refresh: 4/4 lookups done" in result.stderr
    assert "lookups done" not in quiet.stderr


def _github_only(make_registry: RegistryFactory, count: int) -> Path:
    """Entries whose only lookup is GitHub's (ghcr.io images publish no pull counts)."""
    return make_registry(
        **{
            f"server-{i:02d}": container(
                image=f"ghcr.io/acme/server-{i:02d}:1",
                repository_url=f"https://github.com/acme/server-{i:02d}",
                metadata={"stars": 42, "last_updated": "2025-06-01T12:00:00Z"},
            )
            for i in range(count)
        }
    )


def test_a_rate_limit_that_stopped_every_lookup_exits_1(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    """Attack: a refresh stopped by a rate limit that refreshed nothing exited 0."""
    registry = _github_only(make_registry, 3)
    before = {p: p.read_bytes() for p in registry.glob("*/spec.yaml")}
    github = FakeGitHub([FakeRepo("acme", f"server-{i:02d}", 5) for i in range(3)], limit=0)
    with serve_services(github) as s:
        args = ["--registry", str(registry), "refresh", *s.args(), "--no-cache", "--max-wait", "1"]
        result = run_cli([*args, "--max-failures", "5"], env={"GITHUB_TOKEN": None})
    assert result.exit_code == 1, result.output
    assert "Error: nothing was refreshed: none of the 3 lookup(s) gave a value" in result.stderr
    assert "rate limit" in result.stderr and "Traceback" not in result.output
    assert {p: p.read_bytes() for p in registry.glob("*/spec.yaml")} == before


def test_a_rate_limit_after_some_lookups_is_partial_success_exit_0(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = _github_only(make_registry, 3)
    github = FakeGitHub([FakeRepo("acme", f"server-{i:02d}", 5) for i in range(3)], limit=1)
    with serve_services(github) as s:
        args = ["--registry", str(registry), "refresh", *s.args(), "--no-cache", "--max-wait", "1"]
        result = run_cli([*args, "--format", "json"], env={"GITHUB_TOKEN": None})
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["summary"]["refreshed"] == 1 and report["summary"]["not_refreshed"] == 2
    assert report["lookups"] == {"needed": 3, "answered": 1}
    assert report["deadline_passed"] is False


@pytest.mark.parametrize("token", [None, "t"], ids=["rest", "graphql"])
def test_15_entries_against_a_github_that_never_answers_take_seconds_and_exit_1(
    make_registry: RegistryFactory, tmp_path: Path, token: str | None
) -> None:
    """Attack: a service that never answers made 15 entries take 217 s with --timeout 3; the
    deadline (30 minutes by default) alone still let it take minutes."""
    registry = _github_only(make_registry, 15)
    before = {p: p.read_bytes() for p in registry.glob("*/spec.yaml")}
    github = FakeGitHub([FakeRepo("acme", f"server-{i:02d}", 5) for i in range(15)], latency=30)
    with serve_services(github) as s:
        args = ["--registry", str(registry), "refresh", *s.args(), "--no-cache", "--timeout", "1"]
        started = time.monotonic()
        result = run_cli(args, env={"GITHUB_TOKEN": token})
        elapsed = time.monotonic() - started
        asked = len(s.github_server.requests)
    assert elapsed < 10, elapsed  # REST: 3 timeouts and 2 back-offs; GraphQL: 3 timeouts
    assert asked == 3
    assert result.exit_code == 1, result.output
    why = "GitHub did not answer 3 times in a row; stopped asking"
    assert f"Stopped early: {why}." in result.stdout
    assert "run again later" in result.stdout
    if token is None:  # the first lookup failed after its 3 tries, the others were not made
        assert "Not refreshed (14)" in result.stdout
        assert "Error: 1 entry failed to refresh (server-00)" in result.stderr
        assert f"the run stopped early ({why}): 14 entries (server-01" in result.stderr
    else:  # the GraphQL batch shrank from 15 to 7 to 3, then nothing more was sent
        assert "Not refreshed (15)" in result.stdout
        assert f"Error: nothing was refreshed: none of the 15 lookup(s) gave a value ({why})" in (
            result.stderr
        )
    assert "Traceback" not in result.output and "bug in regup" not in result.output
    assert {p: p.read_bytes() for p in registry.glob("*/spec.yaml")} == before


def test_a_service_that_never_answers_is_cut_by_the_deadline_and_exits_1(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    """Attack: a service that never answers made 15 entries take 217 s with --timeout 3."""
    registry = _github_only(make_registry, 15)
    github = FakeGitHub([FakeRepo("acme", f"server-{i:02d}", 5) for i in range(15)], latency=30)
    with serve_services(github) as s:
        args = ["--registry", str(registry), "refresh", *s.args(), "--no-cache"]
        started = time.monotonic()
        result = run_cli([*args, "--timeout", "3", "--deadline", "1"], env={"GITHUB_TOKEN": None})
        elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed
    assert result.exit_code == 1, result.output
    assert "Error: the run's deadline (1 s, --deadline) passed before every lookup" in result.stderr
    assert "15 entries (server-00, server-01" in result.stderr
    assert "Not refreshed (15)" in result.stdout and "Traceback" not in result.output


def test_a_server_json_entry_is_refreshed_in_its_own_file(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    image = "acme/fetch:1.0.0"
    block = {"status": "active", "tools": ["fetch"], "metadata": {"stars": 1}}
    doc = {
        "name": "io.github.acme/fetch",
        "description": "Fetches web pages and turns them into Markdown.",
        "version": "1.0.0",
        "repository": {"url": "https://github.com/acme/fetch", "source": "github"},
        "packages": [{"registryType": "oci", "identifier": image, "transport": {"type": "stdio"}}],
        "_meta": {
            "io.modelcontextprotocol.registry/publisher-provided": {
                "io.github.stacklok": {image: block}
            }
        },
    }
    registry = make_registry(fetch=Files({"server.json": json.dumps(doc, indent=2) + "\n"}))
    with serve_services(*_fakes()) as s:
        args = ["--registry", str(registry), "refresh", *s.args(), "--no-cache"]
        result = run_cli(args, env={"GITHUB_TOKEN": None})
    assert result.exit_code == 0, result.output
    written = json.loads((registry / "fetch" / "server.json").read_text())
    provided = written["_meta"]["io.modelcontextprotocol.registry/publisher-provided"]
    metadata = provided["io.github.stacklok"][image]["metadata"]
    assert metadata["stars"] == 300 and metadata["last_updated"].endswith("Z")
    assert provided["io.github.regup"] == {"pulls": 4300}
    validated = run_cli(["--registry", str(registry), "validate"])
    assert validated.exit_code == 0, validated.output
