"""The built wheel works on its own: schemas and templates are inside it.

Builds the wheel, installs it (``--no-deps``) into a fresh virtual environment whose
dependencies are those of the test's own environment, put on its path after its own
site-packages (installing them all again cost over two minutes of the suite;
``scripts/setup`` installs them from ``pyproject.toml`` on every run), runs ``regup build``
there on a registry outside the repository, and compares the output with what the in-repo
code produces.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.helpers import CASES_DIR, REPO_ROOT, run_subprocess, write_config

pytestmark = pytest.mark.slow


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_wheel_builds_the_same_registry(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(REPO_ROOT)],
        tmp_path,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("regup-*.whl")

    venv = tmp_path / "venv"
    created = run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    installed = run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)], tmp_path
    )
    assert installed.returncode == 0, installed.stderr
    # The dependencies: a path line (the .pth files of that folder, among them the editable
    # install of the source tree, are not run), after the wheel's own site-packages.
    (own,) = (venv / "lib").glob("python*/site-packages")
    (own / "zz-deps.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")

    # Outside the repository, with nothing of the source tree on the path.
    work = tmp_path / "outside"
    shutil.copytree(CASES_DIR / "valid" / "full" / "registry", work / "registry")
    write_config(work)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "SOURCE_DATE_EPOCH", "VIRTUAL_ENV"}
    }
    located = run(
        [str(python), "-c", "import regup.resources as r; print(r.schemas_dir())"], work, env
    )
    assert located.returncode == 0, located.stderr
    assert str(venv) in located.stdout and str(REPO_ROOT) not in located.stdout

    result = run([str(venv / "bin" / "regup"), "build", "--out", "dist"], work, env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr

    reference = tmp_path / "in-repo"
    shutil.copytree(CASES_DIR / "valid" / "full" / "registry", reference / "registry")
    write_config(reference)
    ours = run_subprocess(["build", "--out", "dist"], cwd=reference)
    assert ours.returncode == 0, ours.stderr

    def files(root: Path) -> dict[str, bytes]:
        return {
            str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
        }

    wheel_files, repo_files = files(work / "dist"), files(reference / "dist")
    assert "registry.json" in wheel_files
    assert wheel_files == repo_files
