"""``regup refresh --provenance``: one scheduled run refreshes the numbers and checks signatures."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from regup.provenance.state import STATE_FILE
from tests.conftest import RegistryFactory
from tests.fakeservices import FakeDockerHub, FakeGitHub, FakeRepo, serve_services
from tests.helpers import container, run_cli
from tests.provenance_world import World, make_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with make_world(tmp_path / "world", referrers_api=False) as w:
        yield w


@pytest.fixture
def registry_dir(world: World, make_registry: RegistryFactory) -> Path:
    signed_ref, signed = world.image("example/weather", "1.2.0")
    world.sign("example/weather", signed)
    plain_ref, _ = world.image("example/plain", "1.0.0")
    declared = world.identity.provenance()
    repo = "https://github.com/acme/weather"
    return make_registry(
        weather=container(image=signed_ref, provenance=declared, repository_url=repo),
        plain=container(image=plain_ref, provenance=declared, repository_url=repo),
    )


def _run(world: World, registry_dir: Path, tmp_path: Path, *extra: str) -> tuple[int, str, str]:
    github = FakeGitHub([FakeRepo("acme", "weather", 77)])
    with serve_services(github, FakeDockerHub({})) as services:
        args = ["--registry", str(registry_dir), "refresh", *services.args()]
        args += ["--cache-dir", str(tmp_path / "cache"), "--trusted-root", str(world.trusted_root)]
        result = run_cli([*args, *extra], env={"GITHUB_TOKEN": None})
    return result.exit_code, result.stdout, result.stderr


def test_warn_reports_outcomes_and_stores_them(
    world: World, registry_dir: Path, tmp_path: Path
) -> None:
    code, out, err = _run(world, registry_dir, tmp_path, "--provenance", "warn")
    assert code == 0, out + err
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "verified" in rows["weather"] and "unsigned" in rows["plain"]
    state = json.loads((registry_dir / STATE_FILE).read_text())
    assert state["entries"]["weather"]["outcome"] == "verified"
    assert "stars: 77" in (registry_dir / "weather" / "spec.yaml").read_text()


def test_strict_fails_the_run_after_writing_the_numbers(
    world: World, registry_dir: Path, tmp_path: Path
) -> None:
    code, out, err = _run(world, registry_dir, tmp_path, "--provenance", "strict")
    assert code == 1
    assert "Error: provenance check failed for plain" in err and "Traceback" not in err
    assert "stars: 77" in (registry_dir / "plain" / "spec.yaml").read_text()


def test_json_is_one_document_and_off_does_not_verify(
    world: World, registry_dir: Path, tmp_path: Path
) -> None:
    code, out, _ = _run(world, registry_dir, tmp_path, "--provenance", "warn", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["provenance"]["results"]["weather"]["outcome"] == "verified"
    assert "entries" in data
    (registry_dir / STATE_FILE).unlink()
    lookups = len(world.rekor.requests)
    code, _, _ = _run(world, registry_dir, tmp_path)
    assert code == 0
    assert not (registry_dir / STATE_FILE).exists()
    assert len(world.rekor.requests) == lookups
