"""``regup docs``: the MkDocs documentation built into the catalog, errors without tracebacks."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import REPO_ROOT, run_cli


def test_docs_build_into_the_catalog(tmp_path: Path) -> None:
    out = tmp_path / "dist" / "site" / "docs"
    result = run_cli(
        ["docs", "--config", str(REPO_ROOT / "site" / "mkdocs.yml"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Built the documentation" in result.stdout
    for page in ("index.html", "getting-started/index.html", "adding-a-server/index.html",
                 "own-registry/index.html", "hosting/index.html", "catalog/index.html",
                 "reference/cli/index.html", "reference/spec/index.html"):  # fmt: skip
        assert (out / page).is_file(), page
    # no web fonts from another host
    assert "fonts.googleapis.com" not in (out / "index.html").read_text(encoding="utf-8")


def test_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli(["docs", "--config", str(tmp_path / "nope.yml"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "nope.yml does not exist" in result.stderr
    assert "Traceback" not in result.output


def test_broken_docs_fail_in_strict_mode(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Hi\n\n[dead](missing.md)\n")
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nnav:\n  - index.md\n")
    result = run_cli(
        ["docs", "--config", str(tmp_path / "mkdocs.yml"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert "does not build" in result.stderr
    assert "Traceback" not in result.output
