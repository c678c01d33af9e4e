"""``regup verify`` end to end: a registry folder, a local OCI registry, the virtual sigstore."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from regup.provenance.state import STATE_FILE
from tests.conftest import RegistryFactory
from tests.helpers import container, run_cli
from tests.provenance_world import World, make_world

REPO = "example/weather"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with make_world(tmp_path / "world", referrers_api=False) as w:
        yield w


@pytest.fixture
def registry_dir(world: World, make_registry: RegistryFactory) -> Path:
    good_ref, good = world.image(REPO, "1.2.0")
    world.sign(REPO, good)
    bad_ref, bad = world.image("example/fetch", "2.0.0")
    world.attest("example/fetch", bad)
    unsigned_ref, _ = world.image("example/plain", "1.0.0")
    declared = world.identity.provenance()
    return make_registry(
        weather=container(image=good_ref, provenance=declared),
        fetch=container(
            image=bad_ref,
            provenance={**declared, "repository_uri": "https://github.com/example/other"},
        ),
        plain=container(image=unsigned_ref, provenance=declared),
        remote=container(image=unsigned_ref),
    )


def test_verify_reports_writes_state_and_fails_strict(world: World, registry_dir: Path) -> None:
    args = ["--registry", str(registry_dir), "verify", "--trusted-root", str(world.trusted_root)]
    result = run_cli(args)
    assert result.exit_code == 1, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "verified" in lines["weather"]
    assert "mismatch" in lines["fetch"] and "repository_uri" in lines["fetch"]
    assert "unsigned" in lines["plain"]
    assert "not_declared" in lines["remote"]
    assert "4 checked" in result.stdout and "2 fail the strict check" in result.stdout
    state = json.loads((registry_dir / STATE_FILE).read_text())
    assert state["entries"]["weather"]["outcome"] == "verified"
    assert state["entries"]["fetch"]["mismatches"] == [
        {
            "field": "repository_uri",
            "wanted": "https://github.com/example/other",
            "got": world.identity.repository_uri,
        }
    ]
    # a second run reuses fresh results: the same bytes, no new log lookups
    before = (registry_dir / STATE_FILE).read_bytes()
    lookups = len(world.rekor.requests)
    assert run_cli(args).exit_code == 1
    assert (registry_dir / STATE_FILE).read_bytes() == before
    assert len(world.rekor.requests) == lookups


def test_warn_mode_json_and_named_entries(world: World, registry_dir: Path) -> None:
    result = run_cli(
        [
            "--registry",
            str(registry_dir),
            "verify",
            "weather",
            "fetch",
            "--trusted-root",
            str(world.trusted_root),
            "--mode",
            "warn",
            "--format",
            "json",
            "--no-write",
        ]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["counts"] == {"verified": 1, "mismatch": 1}
    assert payload["failures"] == []
    assert not (registry_dir / STATE_FILE).exists()


def test_github_annotations_point_at_the_spec_files(world: World, registry_dir: Path) -> None:
    result = run_cli(
        [
            "--registry",
            str(registry_dir),
            "verify",
            "--trusted-root",
            str(world.trusted_root),
            "--format",
            "github",
        ]
    )
    assert result.exit_code == 1
    errors = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 2
    assert any("fetch/spec.yaml" in line and "provenance mismatch" in line for line in errors)
    assert any("plain/spec.yaml" in line and "provenance unsigned" in line for line in errors)


def test_unknown_name_and_bad_trusted_root_are_clear_errors(
    world: World, registry_dir: Path, tmp_path: Path
) -> None:
    unknown = run_cli(["--registry", str(registry_dir), "verify", "nope"])
    assert unknown.exit_code == 1
    assert "Error: no valid entry or skill named nope" in unknown.stderr
    bad = tmp_path / "root.json"
    bad.write_text("not json")
    result = run_cli(["--registry", str(registry_dir), "verify", "--trusted-root", str(bad)])
    assert result.exit_code == 1
    assert "is not a sigstore trusted_root.json" in result.stderr
    assert "Traceback" not in result.output


def _unreachable(world: World, make_registry: RegistryFactory, port: int) -> Path:
    declared = world.identity.provenance()
    return make_registry(
        **{
            name: container(image=f"127.0.0.1:{port}/example/{name}:1.0", provenance=declared)
            for name in ("alpha", "beta", "gamma")
        },
        plain=container(image=f"127.0.0.1:{port}/example/plain:1.0"),  # nothing declared
    )


def test_verify_that_could_check_nothing_exits_1(
    world: World, make_registry: RegistryFactory
) -> None:
    """Attack: `regup verify` with no network reported "3 checked: 3 error" and exited 0."""
    with socket.socket() as closed:  # a port nobody listens on: no network to the registry
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    registry = _unreachable(world, make_registry, port)
    for mode in ("strict", "warn"):
        args = ["--registry", str(registry), "verify", "--trusted-root", str(world.trusted_root)]
        result = run_cli([*args, "--mode", mode])
        assert result.exit_code == 1, result.output
        assert "Error: no entry could be checked: all 3 check(s) failed (alpha, beta, gamma)" in (
            result.stderr
        )
        assert "Traceback" not in result.output


def test_a_registry_that_never_answers_is_cut_by_the_deadline(
    world: World, make_registry: RegistryFactory
) -> None:
    """Attack: an OCI registry that accepts connections and never answers held the run for
    the per-request timeout of every request of every entry."""
    with socket.socket() as silent:  # accepts, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(64)
        registry = _unreachable(world, make_registry, silent.getsockname()[1])
        args = ["--registry", str(registry), "verify", "--trusted-root", str(world.trusted_root)]
        started = time.monotonic()
        result = run_cli([*args, "--deadline", "1"])
        elapsed = time.monotonic() - started
    assert elapsed < 5, elapsed
    assert result.exit_code == 1, result.output
    assert "Error: the run's deadline (1 s, --deadline) passed before every entry" in result.stderr
    assert "3 not checked (alpha, beta, gamma)" in result.stderr
    assert "Traceback" not in result.output
