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
from tests.helpers import REPO_ROOT, container, run_cli


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
