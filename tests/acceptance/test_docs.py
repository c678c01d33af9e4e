"""The documentation: generated reference pages are current and the MkDocs site builds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[2]


def test_generated_reference_is_current() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_every_rule_is_documented() -> None:
    from regup.validate.rules import RULES

    page = (ROOT / "site" / "docs" / "reference" / "rules.md").read_text(encoding="utf-8")
    missing = [rule for rule in RULES if f"`{rule}`" not in page]
    assert missing == []


def test_every_command_is_in_the_readme() -> None:
    from regup.cli import cli

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = cli.list_commands(click.Context(cli))
    missing = [name for name in names if f"regup {name}" not in readme]
    assert missing == []


def test_mkdocs_site_builds_strict(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "out")],
        cwd=ROOT / "site",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "reference" / "rules" / "index.html").is_file()
