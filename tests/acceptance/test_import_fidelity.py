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
    # ToolHive's format has no versions: remotes and :latest images need one from the user
    refused = run_cli(["--registry", str(registry), "import", str(source), "--dry-run"])
    assert refused.exit_code == 0, refused.output
    assert "Not imported (37):" in refused.stdout
    assert refused.stdout.count("[version-missing]") == 37
    imported = run_cli(
        [
            "--registry",
            str(registry),
            "import",
            str(source),
            "--version-for-unversioned",
            "2026.2.18",
        ]
    )
    assert imported.exit_code == 0, imported.output
    assert "Not imported" not in imported.stdout
    assert "version: 2026.2.18\n" in (registry / "linear" / "spec.yaml").read_text()
    assert "\nversion:" not in (registry / "fetch" / "spec.yaml").read_text()  # its tag is one

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
