"""Entry files that attack the reader: symlinks out of the registry, devices, FIFOs, loops,
JSON nested past the decoder's limit. Each is refused with a diagnostic naming the file and a
rule id, quoting nothing of what it points to, and the other entries are still checked."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import container, write_config, write_registry

SECRET = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI-do-not-print"


def regup(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "regup", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=20,  # a FIFO or /dev/zero would hang or exhaust memory here
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_registry(tmp_path / "registry", good=container(), victim=container())
    write_config(tmp_path)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "credentials").write_text(SECRET + "\n")
    return tmp_path


def replace_spec(project: Path, target: str | Path) -> Path:
    spec = project / "registry" / "victim" / "spec.yaml"
    spec.unlink()
    spec.symlink_to(target)
    return spec


def assert_refused(result: subprocess.CompletedProcess[str], rule: str) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "bug in regup" not in output and "Traceback" not in output
    assert "registry/victim/spec.yaml" in output and rule in output, output
    assert SECRET not in output and "wJalr" not in output


@pytest.mark.parametrize("fmt", ["text", "github", "json"])
def test_spec_symlinked_to_a_credentials_file_is_not_quoted(project: Path, fmt: str) -> None:
    replace_spec(project, project / "outside" / "credentials")
    result = regup(["validate", "--format", fmt], project)
    assert_refused(result, "symlink-outside")


def test_a_hostile_file_does_not_hide_the_other_entries(project: Path) -> None:
    replace_spec(project, project / "outside" / "credentials")
    good = project / "registry" / "good" / "spec.yaml"
    good.write_text(good.read_text().replace("tier: Community", "tier: Best"))
    result = regup(["validate"], project)
    assert "symlink-outside" in result.stdout
    assert "registry/good/spec.yaml" in result.stdout and "invalid-value" in result.stdout


def test_entry_folder_symlinked_out_of_the_registry_is_refused(project: Path) -> None:
    outside = project / "outside" / "entry"
    outside.mkdir()
    (outside / "spec.yaml").write_text((project / "registry" / "good" / "spec.yaml").read_text())
    (project / "registry" / "victim" / "spec.yaml").unlink()
    (project / "registry" / "victim").rmdir()
    (project / "registry" / "victim").symlink_to(outside, target_is_directory=True)
    result = regup(["validate"], project)
    assert_refused(result, "symlink-outside")
    built = regup(["build", "--out", "dist"], project)
    assert built.returncode == 1 and not (project / "dist").exists()


def test_a_symlink_inside_the_registry_is_followed(project: Path) -> None:
    shared = project / "registry" / "good" / "spec.yaml"
    replace_spec(project, os.path.relpath(shared, project / "registry" / "victim"))
    result = regup(["validate"], project)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_spec_symlinked_to_an_endless_device_is_refused_at_once(project: Path, device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"{device} is missing")
    replace_spec(project, device)
    result = regup(["validate", "victim", "good"], project)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "bug in regup" not in output
    assert "file-not-regular" in output or "symlink-outside" in output, output


def test_a_fifo_is_refused_without_waiting(project: Path) -> None:
    spec = project / "registry" / "victim" / "spec.yaml"
    spec.unlink()
    os.mkfifo(spec)
    result = regup(["validate"], project)
    assert_refused(result, "file-not-regular")


def test_a_symlink_loop_is_unreadable_not_a_crash(project: Path) -> None:
    spec = project / "registry" / "victim" / "spec.yaml"
    spec.unlink()
    loop = project / "registry" / "victim" / "loop"
    loop.symlink_to(spec)
    spec.symlink_to(loop)
    result = regup(["validate"], project)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "bug in regup" not in output
    assert "registry/victim/spec.yaml:1:1" in output


def test_tools_json_nested_past_the_decoder_limit_is_a_diagnostic(project: Path) -> None:
    depth = 100_000
    (project / "registry" / "victim" / "tools.json").write_text("[" * depth + "]" * depth)
    result = regup(["validate"], project)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "bug in regup" not in output, output
    assert "registry/victim/tools.json:1:1" in output and "tool-definitions" in output
