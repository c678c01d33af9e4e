"""``regup validate`` / ``regup build`` end to end over ``tests/cases/{invalid,valid}/<case>/``.

Each invalid case is one broken entry folder, named after what it attacks, with the exact
text ``regup validate`` prints for it in ``expected.txt``. Each valid case is a whole
registry with its expected validate output and ``registry.json``.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.helpers import CASES_DIR, run_subprocess, write_config

INVALID = sorted(p for p in (CASES_DIR / "invalid").iterdir() if p.is_dir())
VALID = sorted(p for p in (CASES_DIR / "valid").iterdir() if p.is_dir())
SUMMARY = re.compile(r"^(\d+) errors?, (\d+) warnings? in (\d+) files?\.$")


def copy_case(case: Path, registry: Path) -> None:
    target = registry / case.name
    shutil.copytree(case, target, symlinks=True)
    (target / "expected.txt").unlink()


def test_there_are_enough_cases() -> None:
    assert len(INVALID) >= 20
    assert len(VALID) >= 3


@pytest.mark.parametrize("case", INVALID, ids=[p.name for p in INVALID])
def test_invalid_case(case: Path, tmp_path: Path) -> None:
    copy_case(case, tmp_path / "registry")
    write_config(tmp_path)
    result = run_subprocess(["--registry", "registry", "validate"], cwd=tmp_path)
    assert result.stdout == (case / "expected.txt").read_text(encoding="utf-8")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == ""


def test_all_invalid_cases_in_one_registry(tmp_path: Path) -> None:
    """One run reports every problem of every broken file, with the same line numbers."""
    for case in INVALID:
        copy_case(case, tmp_path / "registry")
    write_config(tmp_path)
    result = run_subprocess(["--registry", "registry", "validate"], cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    expected_lines: list[str] = []
    errors = warnings = 0
    for case in INVALID:
        *lines, summary = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
        match = SUMMARY.match(summary)
        assert match is not None, summary
        errors += int(match[1])
        warnings += int(match[2])
        assert lines, f"{case.name} reports nothing"
        expected_lines += lines
    *got, summary = result.stdout.splitlines()
    assert got == expected_lines
    assert summary == f"{errors} errors, {warnings} warnings in {len(INVALID)} files."
    reported = {line.split(":", 1)[0].split("/")[1] for line in got}
    assert reported == {case.name for case in INVALID}


@pytest.mark.parametrize("case", VALID, ids=[p.name for p in VALID])
def test_valid_case(case: Path, tmp_path: Path) -> None:
    shutil.copytree(case / "registry", tmp_path / "registry")
    write_config(tmp_path)
    checked = run_subprocess(["--registry", "registry", "validate"], cwd=tmp_path)
    assert (checked.returncode, checked.stderr) == (0, "")
    assert checked.stdout == (case / "expected.txt").read_text(encoding="utf-8")
    built = run_subprocess(["--registry", "registry", "build", "--out", "dist"], cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    expected = (case / "expected-registry.json").read_bytes()
    assert (tmp_path / "dist" / "registry.json").read_bytes() == expected
