"""``regup build`` writes the catalog: flags, stable rebuilds, removal of pages of gone servers."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers import container, remote, run_cli, write_config, write_registry


def _registry(root: Path) -> Path:
    return write_registry(
        root,
        **{f"server-{i}": container(tools=[f"tool_{i}"]) for i in range(3)},
        hosted=remote(),
    )


def test_build_writes_the_site_and_rebuilds_change_nothing(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "registry")
    out = tmp_path / "dist"
    args = [
        "--registry",
        str(registry),
        "build",
        "--out",
        str(out),
        "--base-url",
        "https://r.example.org/x/",
    ]
    first = run_cli(args)
    assert first.exit_code == 0, first.output
    site = out / "site"
    assert (site / "servers" / "server-1" / "index.html").is_file()
    assert (site / "pagefind" / "pagefind.js").is_file()
    assert (site / "registry.json").read_bytes() == (out / "registry.json").read_bytes()
    assert (
        '<link rel="canonical" href="https://r.example.org/x/servers/hosted/">'
        in (site / "servers" / "hosted" / "index.html").read_text()
    )
    # SHA256SUMS covers the published JSON, not the thousands of pages
    assert "site/" not in (out / "SHA256SUMS").read_text()
    second = run_cli(args)
    assert second.exit_code == 0 and " 0 files written" in second.stdout, second.output
    check = run_cli([*args, "--check"])
    assert check.exit_code == 0, check.output


def test_pages_of_removed_servers_are_removed_and_other_files_stay(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "registry")
    out = tmp_path / "dist"
    args = ["--registry", str(registry), "build", "--out", str(out)]
    assert run_cli(args).exit_code == 0
    docs = out / "site" / "docs" / "index.html"
    docs.parent.mkdir(parents=True)
    docs.write_text("docs")
    shutil.rmtree(registry / "server-2")
    assert run_cli(args).exit_code == 0
    assert not (out / "site" / "servers" / "server-2").exists() or not any(
        (out / "site" / "servers" / "server-2").iterdir()
    )
    assert (out / "site" / "servers" / "server-1" / "index.html").is_file()
    assert docs.read_text() == "docs"


def test_no_site_skips_the_catalog(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "registry")
    out = tmp_path / "dist"
    result = run_cli(["--registry", str(registry), "build", "--out", str(out), "--no-site"])
    assert result.exit_code == 0, result.output
    assert (out / "registry.json").is_file()
    assert not (out / "site").exists()


def test_base_url_must_be_http(tmp_path: Path) -> None:
    registry = _registry(tmp_path / "registry")
    result = run_cli(
        [
            "--registry",
            str(registry),
            "build",
            "--out",
            str(tmp_path / "d"),
            "--base-url",
            "ftp://x",
        ]
    )
    assert result.exit_code == 2
    assert "--base-url" in result.stderr and "https://" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "d").exists()


def test_config_base_url_is_used(tmp_path: Path, monkeypatch: object) -> None:
    registry = _registry(tmp_path / "registry")
    config = write_config(tmp_path, name="Acme servers", base_url="https://acme.example.com/mcp")
    out = tmp_path / "dist"
    result = run_cli(
        ["--registry", str(registry), "--config", str(config), "build", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    index = (out / "site" / "index.html").read_text()
    assert "Acme servers" in index
    assert 'href="https://acme.example.com/mcp/"' in index
    assert (
        "Sitemap: https://acme.example.com/mcp/sitemap.xml"
        in (out / "site" / "robots.txt").read_text()
    )


def test_stored_provenance_outcomes_show_on_server_pages(tmp_path: Path) -> None:
    import json

    registry = _registry(tmp_path / "registry")
    state = {
        "version": 1,
        "entries": {
            "server-0": {
                "outcome": "verified",
                "detail": "signature verified",
                "signer": {
                    "identity": "https://github.com/example/fetch/.github/workflows/release.yml@refs/tags/v1",
                    "issuer": "https://token.actions.githubusercontent.com",
                    "repository_uri": "https://github.com/example/fetch",
                },
                "log_index": 424242,
                "checked_at": "2026-01-01T00:00:00Z",
            },
            "server-1": {
                "outcome": "mismatch",
                "detail": "signed by someone else",
                "mismatches": [
                    {"field": "repository_uri", "wanted": "https://a", "got": "https://b"}
                ],
            },
        },
    }
    (registry / "provenance.json").write_text(json.dumps(state))
    out = tmp_path / "dist"
    result = run_cli(["--registry", str(registry), "build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    verified = (out / "site" / "servers" / "server-0" / "index.html").read_text()
    assert "Provenance verified" in verified
    assert "424242" in verified and "https://token.actions.githubusercontent.com" in verified
    mismatch = (out / "site" / "servers" / "server-1" / "index.html").read_text()
    assert "Provenance mismatch" in mismatch and "https://a" in mismatch
    declared = (out / "site" / "servers" / "server-2" / "index.html").read_text()
    assert "Provenance verified" not in declared


def test_a_removed_server_stops_being_published_everywhere(tmp_path: Path) -> None:
    """Attack: a server taken out of the registry (say, for malware) kept being served from
    upstream/ and v0.1/, and ``--check`` said the folder was up to date."""
    registry = _registry(tmp_path / "registry")
    out = tmp_path / "dist"
    args = ["--registry", str(registry), "build", "--out", str(out)]
    assert run_cli(args).exit_code == 0
    mine = out / "upstream" / "notes.txt"  # a file regup did not write
    mine.write_text("keep me")
    published = sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*") if "server-2" in p.as_posix()
    )
    assert any(p.startswith("upstream/") for p in published)
    assert any(p.startswith("v0.1/") for p in published)
    shutil.rmtree(registry / "server-2")
    check = run_cli([*args, "--check"])
    assert check.exit_code == 1
    assert "no longer built" in check.output and "upstream/servers/server-2.json" in check.output
    rebuilt = run_cli(args)
    assert rebuilt.exit_code == 0 and "no longer built removed" in rebuilt.stdout, rebuilt.output
    assert not [p for p in out.rglob("*") if "server-2" in p.as_posix()]
    assert mine.read_text() == "keep me"
    assert run_cli([*args, "--check"]).exit_code == 0
    # --only leaves the other outputs' files alone, and they stay listed for later builds
    assert run_cli([*args, "--only", "toolhive"]).exit_code == 0
    assert (out / "v0.1").is_dir() and (out / "site" / "index.html").is_file()
    shutil.rmtree(registry / "server-1")
    assert run_cli(args).exit_code == 0
    assert not [p for p in out.rglob("*") if "server-1" in p.as_posix()]


def test_the_search_index_is_swapped_in_whole(tmp_path: Path) -> None:
    """A changed index replaces the whole ``pagefind/`` folder in one rename (a reader or a
    kill sees the old index or the new one, never a mix); an unchanged one is left alone;
    a file someone else put there stays."""
    registry = _registry(tmp_path / "registry")
    out = tmp_path / "dist"
    args = ["--registry", str(registry), "build", "--out", str(out)]
    assert run_cli(args).exit_code == 0
    index = out / "site" / "pagefind"
    (index / "README.txt").write_text("ours, not regup's")
    first = index.stat().st_ino
    assert run_cli(args).exit_code == 0
    assert index.stat().st_ino == first  # nothing changed: not rewritten
    shutil.rmtree(registry / "server-2")
    rebuilt = run_cli(args)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert index.stat().st_ino != first
    assert (index / "README.txt").read_text() == "ours, not regup's"
    assert [p.name for p in (out / "site").iterdir() if p.name.startswith(".pagefind")] == []
    clean = tmp_path / "clean"
    assert run_cli(["--registry", str(registry), "build", "--out", str(clean)]).exit_code == 0
    index_files = {
        p.relative_to(index).as_posix(): p.read_bytes()
        for p in index.rglob("*")
        if p.is_file() and p.name != "README.txt"
    }
    clean_index = clean / "site" / "pagefind"
    assert index_files == {
        p.relative_to(clean_index).as_posix(): p.read_bytes()
        for p in clean_index.rglob("*")
        if p.is_file()
    }


def test_the_score_card_shows_stored_health_and_not_checked_yet(tmp_path: Path) -> None:
    import json

    registry = _registry(tmp_path / "registry")
    health = {
        "version": 1,
        "entries": {
            "server-0": {
                "repository": {
                    "state": "active",
                    "detail": "example/fetch: last push 2026-11-20; license MIT",
                    "facts": {"license": "MIT", "pushed_at": "2026-11-20T08:00:00Z"},
                    "since": "2026-11-01",
                    "checked_on": "2026-12-01",
                    "good_on": "2026-12-01",
                },
                "image": {
                    "state": "behind",
                    "detail": "tag 1.2.3; 1.10.0 is the newest release of ghcr.io/example/fetch",
                    "facts": {"newest_tag": "1.10.0"},
                    "since": "2026-11-28",
                    "checked_on": "2026-12-01",
                },
            },
            "hosted": {
                "live": {
                    "state": "unreachable",
                    "detail": "cannot reach https://mcp.example.com/mcp",
                    "since": "2026-11-30",
                    "checked_on": "2026-12-01",
                    "good_on": "2026-11-29",
                },
            },
        },
    }
    (registry / "health.json").write_text(json.dumps(health))
    out = tmp_path / "dist"
    result = run_cli(["--registry", str(registry), "build", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "site" / "servers" / "server-0" / "index.html").read_text()
    card = page[page.index('id="score-card"') : page.index('id="provenance"')]
    assert '<span class="badge good">Maintained</span>' in card
    assert "last push 2026-11-20" in card and "as of 2026-12-01" in card
    assert '<span class="badge good">MIT</span>' in card
    assert '<span class="badge warn">Pinned, a newer release exists</span>' in card
    assert "1.10.0 is the newest release" in card
    assert card.count("Not checked yet") == 3  # healthy, tools, verified
    hosted = (out / "site" / "servers" / "hosted" / "index.html").read_text()
    card = hosted[hosted.index('id="score-card"') : hosted.index('id="provenance"')]
    assert '<span class="badge bad">Unreachable</span>' in card
    assert "since 2026-11-30; last good 2026-11-29" in card
    assert "Pinned" not in card  # a remote server has no image
    plain = (out / "site" / "servers" / "server-1" / "index.html").read_text()
    assert plain.count("Not checked yet") >= 5
