"""``regup verify`` against hostile registries: a bad answer fails its own entry only, the
others are verified and every result is written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from regup.provenance.state import STATE_FILE
from tests.conftest import RegistryFactory
from tests.helpers import container, run_cli
from tests.ocifake import FakeRegistry, serve_registry
from tests.provenance_world import World, make_world

REPO = "example/weather"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with make_world(tmp_path / "world") as w:
        yield w


def test_a_deep_manifest_and_a_redirect_loop_fail_their_entries_only(
    world: World, make_registry: RegistryFactory
) -> None:
    good_ref, good = world.image(REPO, "1.2.0")
    world.sign(REPO, good)
    deep_ref, deep = world.image("example/deep", "1.0")
    # its cosign signature manifest: nested 100,000 deep
    sig_tag = deep.replace(":", "-", 1) + ".sig"
    world.registry.push_raw_manifest("example/deep", b"[" * 100_000 + b"]" * 100_000, sig_tag)
    declared = world.identity.provenance()
    with serve_registry(FakeRegistry(redirect_loop=True)) as looping:
        registry_dir = make_registry(
            weather=container(image=good_ref, provenance=declared),
            deep=container(image=deep_ref, provenance=declared),
            loop=container(image=f"{looping.host}/example/loop:1.0", provenance=declared),
        )
        args = [
            "--registry",
            str(registry_dir),
            "verify",
            "--trusted-root",
            str(world.trusted_root),
        ]
        result = run_cli(args)
    assert result.exit_code == 1  # invalid fails the strict check
    assert "bug in regup" not in result.stderr and "Traceback" not in result.output, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "weather" in lines, result.output
    assert "verified" in lines["weather"]
    assert "deep" in lines, result.output
    assert "invalid" in lines["deep"] and "JSON nested too deeply" in lines["deep"]
    assert "error" in lines["loop"] and "redirects more than 5 times" in lines["loop"]
    state = json.loads((registry_dir / STATE_FILE).read_text())
    assert set(state["entries"]) == {"weather", "deep", "loop"}
    assert state["entries"]["weather"]["outcome"] == "verified"
