"""Importing ToolHive's real registry and building it gives back every server, field for field."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import run_cli


def test_reference_registry_round_trips_through_import_and_build(
    reference_dir: Path, tmp_path: Path
) -> None:
    source = next(reference_dir.glob("toolhive-registry-*.json"))
    registry, out = tmp_path / "registry", tmp_path / "dist"
    imported = run_cli(["--registry", str(registry), "import", str(source)])
    assert imported.exit_code == 0, imported.output
    assert "Not imported" not in imported.stdout

    validated = run_cli(["--registry", str(registry), "validate"])
    assert validated.exit_code == 0, validated.output

    built = run_cli(["--registry", str(registry), "build", "--out", str(out)])
    assert built.exit_code == 0, built.output

    original = json.loads(source.read_text(encoding="utf-8"))
    rebuilt = json.loads((out / "registry.json").read_text(encoding="utf-8"))
    for kind in ("servers", "remote_servers"):
        assert sorted(rebuilt[kind]) == sorted(original[kind])
        for name, server in original[kind].items():
            assert rebuilt[kind][name] == server, f"{kind}.{name} differs"
    assert len(rebuilt["servers"]) + len(rebuilt["remote_servers"]) >= 100
