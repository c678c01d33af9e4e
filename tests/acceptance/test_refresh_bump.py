"""``regup refresh --bump`` against a real registry: Debian's ``docker-registry``.

Images of several tags (releases, a pre-release, ``latest``) are made and signed by the
virtual sigstore and pushed into the real registry; ``regup refresh --bump`` then reads its
real tag list and manifests, verifies the new digest against the local trust root and the
local Rekor, and edits ``spec.yaml`` in place, next to the fake GitHub and Docker Hub APIs
of the refresh. Skipped, with the reason, where the package is missing.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from regup.health.run import CheckRequest, check
from regup.healthstate import Signal, load_health
from regup.provenance.state import STATE_FILE
from tests.acceptance.test_provenance_docker_registry import (  # noqa: F401 - a fixture
    BINARY,
    _free_port,
    _mirror,
    real_registry,
)
from tests.fakeservices import FakeDockerHub, FakeGitHub, FakeRepo, serve_services
from tests.helpers import run_cli, to_yaml, write_registry
from tests.mcpservers import docker_stand_in
from tests.provenance_world import World, make_world

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        BINARY is None,
        reason="Debian's docker-registry is not installed (apt-get install docker-registry)",
    ),
]

REPO = "https://github.com/acme/fetch"


def _spec(image: str, version: str | None = None) -> str:
    """An entry file as people write it: comments, a blank line, plain scalars."""
    lines = [
        "# Fetch: the reference server.",
        f"image: {image}  # bumped by the refresh",
        "description: Fetches web pages and returns them as markdown.",
        "",
        "tier: Community",
        "status: Active",
        "transport: stdio",
        "tools:",
        "  - fetch",
        f"repository_url: {REPO}",
        "metadata:",
        "  stars: 77  # as the fake GitHub says: the refresh leaves it",
    ]
    if version is not None:
        lines.insert(3, f'version: "{version}"')
    return "\n".join(lines) + "\n"


@pytest.fixture
def world(tmp_path: Path, real_registry: str) -> Iterator[World]:  # noqa: F811
    with make_world(tmp_path / "world", referrers_api=False) as w:
        for tag in ("1.2.3", "1.10.0", "latest", "2.0.0-rc1", "v1.12.0"):
            _, digest = w.image("example/fetch", tag)
            if tag != "1.10.0":
                w.sign("example/fetch", digest)
        for tag in ("1.0.0", "1.1.0-rc1"):
            w.image("example/early", tag)
        _mirror(w, real_registry)
        yield w


def _with_provenance(world: World, text: str) -> str:
    return text + to_yaml({"provenance": world.identity.provenance()})


def _run(world: World, registry: Path, tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    github = FakeGitHub([FakeRepo("acme", "fetch", 77)])
    with serve_services(github, FakeDockerHub({})) as services:
        args = ["--registry", str(registry), "refresh", *services.args(), "--bump"]
        args += ["--cache-dir", str(tmp_path / "cache"), "--trusted-root", str(world.trusted_root)]
        result = run_cli([*args, *extra], env={"GITHUB_TOKEN": None})
    return result.exit_code, result.stdout, result.stderr


def _changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_bump_moves_to_the_newest_release_and_a_rerun_does_nothing(
    world: World,
    real_registry: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    image = f"{real_registry}/example/fetch"
    before = _with_provenance(world, _spec(f"{image}:1.2.3", "1.2.3"))
    registry = write_registry(
        tmp_path / "registry",
        old=before,
        new=_spec(f"{image}:v1.12.0"),
        moving=_spec(f"{image}:latest", "1.0.0"),
        early=_spec(f"{real_registry}/example/early:1.0.0"),
        prerelease=_spec(f"{image}:2.0.0-rc1"),
    )
    check(CheckRequest(registry, signals=frozenset({Signal.IMAGE}), cache_dir=None))
    assert load_health(registry).entries["old"].records[Signal.IMAGE].state == "behind"
    code, out, err = _run(world, registry, tmp_path)
    assert code == 0, out + err
    assert "health.json: the image signal of the bumped entries was checked again" in out
    record = load_health(registry).entries["old"].records[Signal.IMAGE]
    assert (record.state, record.facts["image"]) == ("current", f"{image}:v1.12.0")
    assert (
        f"old: {image}:1.2.3 -> {image}:v1.12.0; version 1.2.3 -> 1.12.0; provenance verified"
        in out
    )
    assert "Bumps: 1 bumped, 0 failed" in out
    assert "skipped: moving: floating tag latest" in out
    assert "skipped: prerelease: tag 2.0.0-rc1 is not a release version" in out
    after = (registry / "old" / "spec.yaml").read_text()
    # only the tag and version lines changed; comments, quoting and blank lines kept
    assert _changed_lines(before, after) == [
        f"-image: {image}:1.2.3  # bumped by the refresh",
        f"+image: {image}:v1.12.0  # bumped by the refresh",
        '-version: "1.2.3"',
        '+version: "1.12.0"',
    ]
    # no newer release (the pre-release 1.1.0-rc1 does not count) and latest: unchanged
    assert (registry / "early" / "spec.yaml").read_text() == _spec(
        f"{real_registry}/example/early:1.0.0"
    )
    assert (registry / "moving" / "spec.yaml").read_text() == _spec(f"{image}:latest", "1.0.0")
    assert (registry / "new" / "spec.yaml").read_text() == _spec(f"{image}:v1.12.0")
    state = json.loads((registry / STATE_FILE).read_text())["entries"]
    assert state["old"]["outcome"] == "verified"
    assert state["old"]["image"] == f"{image}:v1.12.0"
    files = {p: p.read_bytes() for p in registry.rglob("*") if p.is_file()}
    code, out, err = _run(world, registry, tmp_path)
    assert code == 0, out + err
    assert "Bumps: 0 bumped, 0 failed" in out
    assert {p: p.read_bytes() for p in registry.rglob("*") if p.is_file()} == files


def test_provenance_of_the_refresh_sees_the_bumped_image(
    world: World,
    real_registry: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    image = f"{real_registry}/example/fetch"
    registry = write_registry(
        tmp_path / "registry", old=_with_provenance(world, _spec(f"{image}:1.2.3", "1.2.3"))
    )
    code, out, err = _run(world, registry, tmp_path, "--provenance", "strict", "--format", "json")
    assert code == 0, out + err
    data = json.loads(out)
    assert data["bumps"]["entries"][0]["new_image"] == f"{image}:v1.12.0"
    checked = data["provenance"]["results"]["old"]
    assert (checked["outcome"], checked["image"]) == ("verified", f"{image}:v1.12.0")
    state = json.loads((registry / STATE_FILE).read_text())["entries"]["old"]
    assert state["image"] == f"{image}:v1.12.0"


def test_dry_run_shows_the_bump_and_writes_nothing(
    world: World,
    real_registry: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    image = f"{real_registry}/example/fetch"
    before = _spec(f"{image}:1.2.3", "1.2.3")
    registry = write_registry(tmp_path / "registry", old=before)
    report = tmp_path / "report.json"
    code, out, err = _run(
        world, registry, tmp_path, "--dry-run", "--format", "json", "--report", str(report)
    )
    assert code == 0, out + err
    bumps = json.loads(out)["bumps"]
    assert json.loads(report.read_text())["bumps"] == bumps
    assert bumps["dry_run"] is True
    [entry] = bumps["entries"]
    assert (entry["status"], entry["new_image"], entry["new_version"]) == (
        "bumped",
        f"{image}:v1.12.0",
        "1.12.0",
    )
    assert entry["written"] is False
    assert (registry / "old" / "spec.yaml").read_text() == before


def test_floating_tag_moves_only_when_the_entry_opts_in(
    world: World,
    real_registry: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    image = f"{real_registry}/example/fetch"
    registry = write_registry(tmp_path / "registry", moving=_spec(f"{image}:latest", "1.0.0"))
    code, out, err = _run(world, registry, tmp_path, "--bump-floating", "moving")
    assert code == 0, out + err
    assert f"moving: {image}:latest -> {image}:v1.12.0; version 1.0.0 -> 1.12.0" in out
    text = (registry / "moving" / "spec.yaml").read_text()
    assert f"image: {image}:v1.12.0  #" in text and 'version: "1.12.0"' in text


def test_bump_floating_is_checked_before_anything_runs(tmp_path: Path) -> None:
    registry = write_registry(tmp_path / "registry", old=_spec("ghcr.io/acme/fetch:1.0.0"))
    for args, message in (
        (["--bump-floating", "old"], "--bump-floating needs --bump"),
        (["--bump", "--bump-floating", "nope"], "--bump-floating nope: no such entry"),
        (["--run-containers"], "--run-containers needs --bump"),
    ):
        result = run_cli(["--registry", str(registry), "refresh", *args])
        assert result.exit_code == 2 and message in result.stderr, result.output
    assert (registry / "old" / "spec.yaml").read_text() == _spec("ghcr.io/acme/fetch:1.0.0")


def test_unverified_new_image_is_not_taken(
    world: World,
    real_registry: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 1.10.0 is unsigned: with provenance declared, moving from 1.2.3 to it is refused
    # (a registry that only has up to 1.10.0 is modelled by a repository of its own)
    _, digest = world.image("example/unsigned", "1.0.0")
    world.sign("example/unsigned", digest)
    world.image("example/unsigned", "1.1.0")
    _mirror(world, real_registry)
    before = _with_provenance(world, _spec(f"{real_registry}/example/unsigned:1.0.0"))
    registry = write_registry(tmp_path / "registry", signed=before)
    code, out, err = _run(world, registry, tmp_path)
    assert code == 1
    assert "provenance of the new image is unsigned" in out
    assert "Error: 1 entry could not be bumped (signed)" in err and "Traceback" not in err
    assert (registry / "signed" / "spec.yaml").read_text() == before
    # an image whose provenance failed is never started for a handshake
    log = _docker(tmp_path, monkeypatch, {"1.1.0": "stdio"})
    code, out, err = _run(world, registry, tmp_path, "--run-containers")
    assert code == 1 and "provenance of the new image is unsigned" in out
    assert not log.exists()
    assert (registry / "signed" / "spec.yaml").read_text() == before


def _verified_entry(world: World, registry_host: str, tmp_path: Path) -> tuple[str, str, Path]:
    """The image repository, the text of entry ``old`` at its verified 1.2.3, and a
    registry of that one entry."""
    image = f"{registry_host}/example/fetch"
    before = _with_provenance(world, _spec(f"{image}:1.2.3", "1.2.3"))
    return image, before, write_registry(tmp_path / "registry", old=before)


def _docker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, modes: dict[str, str]) -> Path:
    """The stand-in docker (no daemon runs here) first on PATH; returns its log."""
    log = docker_stand_in(tmp_path / "bin", modes)
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    return log


def test_run_containers_reruns_the_handshake_with_the_new_image(
    world: World,
    real_registry: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    image, before, registry = _verified_entry(world, real_registry, tmp_path)
    check(CheckRequest(registry, signals=frozenset({Signal.IMAGE}), cache_dir=None))
    log = _docker(tmp_path, monkeypatch, {"v1.12.0": "stdio", "1.2.3": "stdio"})
    code, out, err = _run(world, registry, tmp_path, "--run-containers")
    assert code == 0, out + err
    assert "provenance verified; handshake healthy" in out
    assert "health.json: the image signal and handshake of the bumped entries was checked" in out
    assert log.read_text().splitlines() == [f"run -i --rm {image}:v1.12.0"]  # once, the new one
    records = load_health(registry).entries["old"].records
    assert records[Signal.LIVE].state == "healthy"
    assert records[Signal.IMAGE].state == "current"
    # the demo server lists other tools than the entry's `fetch`: moved, and flagged for review
    assert records[Signal.DRIFT].state == "drifted"
    assert f"image: {image}:v1.12.0  #" in (registry / "old" / "spec.yaml").read_text()


def test_run_containers_refuses_a_new_image_that_is_not_a_healthy_server(
    world: World,
    real_registry: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    image, before, registry = _verified_entry(world, real_registry, tmp_path)
    _docker(tmp_path, monkeypatch, {"v1.12.0": "crash"})
    code, out, err = _run(world, registry, tmp_path, "--run-containers")
    assert code == 1
    assert "error: old (" in out and "the new image is unreachable" in out
    assert "Error: 1 entry could not be bumped (old)" in err and "Traceback" not in err
    assert (registry / "old" / "spec.yaml").read_text() == before
    assert not (registry / STATE_FILE).exists()  # nothing recorded for an image not taken


def test_run_containers_without_docker_is_a_clear_error(tmp_path: Path) -> None:
    registry = write_registry(tmp_path / "registry", old=_spec("ghcr.io/acme/fetch:1.0.0"))
    result = run_cli(
        ["--registry", str(registry), "refresh", "--bump", "--run-containers"],
        env={"PATH": str(tmp_path / "empty"), "GITHUB_TOKEN": None},
    )
    assert result.exit_code != 0
    assert "Error: --run-containers needs docker" in result.stderr, result.output
    assert "Traceback" not in result.stderr
    assert (registry / "old" / "spec.yaml").read_text() == _spec("ghcr.io/acme/fetch:1.0.0")


def test_unreachable_registry_changes_nothing_and_fails(tmp_path: Path) -> None:
    port = _free_port()
    before = _spec(f"127.0.0.1:{port}/example/fetch:1.2.3", "1.2.3")
    registry = write_registry(tmp_path / "registry", old=before)
    with make_world(tmp_path / "world") as world:
        code, out, err = _run(world, registry, tmp_path, "--timeout", "2", "--format", "github")
    assert code == 1
    assert "error: old (" in out
    assert f"the tags of 127.0.0.1:{port}/example/fetch: cannot reach" in out
    assert "Error: 1 entry could not be bumped (old)" in err and "Traceback" not in err
    assert "::error file=" in out and ",line=2,title=regup refresh --bump::the tags of" in out
    assert (registry / "old" / "spec.yaml").read_text() == before
