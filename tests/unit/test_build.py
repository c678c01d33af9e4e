"""``regup build``: deterministic bytes, timestamps, refusal on errors, --check, conformance."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from regup.build import BuildRequest, build
from regup.errors import OutputError
from regup.files import write_outputs
from regup.resources import schemas_dir
from tests.conftest import RegistryFactory
from tests.helpers import CASES_DIR, TEST_CONFIG, container, dead_pid, group, remote, run_cli

FULL = CASES_DIR / "valid" / "full" / "registry"


def dist_files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def build_into(registry: Path, out: Path) -> None:
    result = build(BuildRequest(registry, out, TEST_CONFIG))
    assert result.validation.ok, result.validation.diagnostics
    assert result.written


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def validator(schema_path: Path) -> Draft202012Validator:
    schema = load_json(schema_path)
    Draft202012Validator.check_schema(schema)
    # The schemas' $refs are all local (#/$defs/...): nothing is fetched from the network.
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_format_checker_knows_the_formats_toolhive_uses() -> None:
    """Without these the format keywords would pass silently (install the dev extras)."""
    assert {"date-time", "uri", "hostname"} <= set(Draft202012Validator.FORMAT_CHECKER.checkers)


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    build_into(FULL, tmp_path / "one")
    build_into(FULL, tmp_path / "two")
    one, two = dist_files(tmp_path / "one"), dist_files(tmp_path / "two")
    assert "registry.json" in one
    assert one == two


def test_build_does_not_depend_on_file_order_or_location(tmp_path: Path) -> None:
    build_into(FULL, tmp_path / "one")
    moved = tmp_path / "elsewhere" / "reg"
    shutil.copytree(FULL, moved)
    for spec in moved.rglob("*.yaml"):  # new mtimes, new inode order
        os.utime(spec, (0, 0))
    build_into(moved, tmp_path / "two")
    assert dist_files(tmp_path / "one") == dist_files(tmp_path / "two")


def test_registry_json_is_canonical(tmp_path: Path) -> None:
    build_into(FULL, tmp_path / "dist")
    raw = (tmp_path / "dist" / "registry.json").read_text(encoding="utf-8")
    doc = load_json(tmp_path / "dist" / "registry.json")
    assert raw.endswith("}\n") and not raw.endswith("\n\n")
    assert raw == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert list(doc["servers"]) == sorted(doc["servers"])
    assert set(doc) >= {"$schema", "version", "last_updated", "servers", "remote_servers", "groups"}
    assert list(doc["remote_servers"]) == ["tracker"]
    assert [g["name"] for g in doc["groups"]] == ["web-kit"]
    assert "version" not in doc["servers"]["fetch"]  # regup-only keys stay out


def test_last_updated_is_the_newest_entry_timestamp(tmp_path: Path) -> None:
    build_into(FULL, tmp_path / "dist")
    doc = load_json(tmp_path / "dist" / "registry.json")
    # tracker: 2025-10-15T08:30:00+02:00 is the newest, written in UTC
    assert doc["last_updated"] == "2025-10-15T06:30:00Z"


def test_last_updated_without_timestamps_is_the_epoch(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry(fetch=container(metadata=None))
    build_into(registry, tmp_path / "dist")
    assert load_json(tmp_path / "dist" / "registry.json")["last_updated"] == "1970-01-01T00:00:00Z"


def test_source_date_epoch_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    build_into(FULL, tmp_path / "dist")
    assert load_json(tmp_path / "dist" / "registry.json")["last_updated"] == "2026-01-01T00:00:00Z"


def test_invalid_registry_writes_nothing(make_registry: RegistryFactory, tmp_path: Path) -> None:
    registry = make_registry(fetch=container(), broken=container(tier="community"))
    out = tmp_path / "dist"
    out.mkdir()
    old = out / "registry.json"
    old.write_bytes(b'{"old": true}\n')
    os.utime(old, (1_000_000, 1_000_000))
    result = build(BuildRequest(registry, out, TEST_CONFIG))
    assert not result.validation.ok
    assert [d.rule for d in result.validation.diagnostics] == ["invalid-value"]
    assert result.written == [] and result.artifacts == {}
    assert old.read_bytes() == b'{"old": true}\n'
    assert old.stat().st_mtime == 1_000_000
    assert sorted(p.name for p in out.iterdir()) == ["registry.json"]


def test_cli_build_refuses_invalid_registry(make_registry: RegistryFactory, in_tmp: Path) -> None:
    make_registry(broken=container(tools=[]))
    result = run_cli(["--registry", "registry", "build"])
    assert result.exit_code == 1
    assert "registry/broken/spec.yaml:" in result.stderr and "[empty-value]" in result.stderr
    assert "Error: the registry has 1 error; nothing was written." in result.stderr
    assert not (in_tmp / "dist").exists()


def test_build_check(make_registry: RegistryFactory, in_tmp: Path) -> None:
    make_registry(fetch=container(), tracker=remote())
    stale = run_cli(["--registry", "registry", "build", "--check"])
    assert stale.exit_code == 1
    assert "is out of date" in stale.stderr and "registry.json" in stale.stderr
    assert not (in_tmp / "dist").exists()  # --check writes nothing

    assert run_cli(["--registry", "registry", "build"]).exit_code == 0
    fresh = run_cli(["--registry", "registry", "build", "--check"])
    assert fresh.exit_code == 0, fresh.stderr
    assert "up to date" in fresh.stdout

    make_registry(fetch=container(description="Fetches web pages, now faster than before."))
    again = run_cli(["--registry", "registry", "build", "--check"])
    assert again.exit_code == 1 and "registry.json" in again.stderr
    assert "registry/versions.json does not record fetch yet" in again.stderr
    assert "tracker" not in again.stderr.split(";")[0]  # unchanged: recorded already


def test_rebuild_rewrites_only_changed_files(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry(fetch=container())
    first = build(BuildRequest(registry, tmp_path / "dist", TEST_CONFIG))
    second = build(BuildRequest(registry, tmp_path / "dist", TEST_CONFIG))
    assert "registry.json" in first.written
    assert second.written == [] and second.stale == []


@pytest.mark.parametrize("case", ["minimal", "full", "yaml-edges"])
def test_output_matches_our_schema(case: str, tmp_path: Path) -> None:
    build_into(CASES_DIR / "valid" / case / "registry", tmp_path / "dist")
    doc = load_json(tmp_path / "dist" / "registry.json")
    errors = [e.message for e in validator(schemas_dir() / "registry.schema.json").iter_errors(doc)]
    assert errors == []


@pytest.mark.parametrize("case", ["minimal", "full", "yaml-edges"])
def test_output_matches_toolhive_schema(case: str, tmp_path: Path, reference_dir: Path) -> None:
    build_into(CASES_DIR / "valid" / case / "registry", tmp_path / "dist")
    doc = load_json(tmp_path / "dist" / "registry.json")
    schema = reference_dir / "schemas" / "toolhive-legacy-registry.schema.json"
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator(schema).iter_errors(doc)]
    assert errors == []


def test_toolhive_schema_catches_a_broken_output(reference_dir: Path) -> None:
    """The conformance check itself has teeth (formats included)."""
    schema = reference_dir / "schemas" / "toolhive-legacy-registry.schema.json"
    bad = {"version": "1.0.0", "last_updated": "yesterday", "servers": {}}
    assert [e.validator for e in validator(schema).iter_errors(bad)] == ["format"]


def test_digest_pinned_image_is_refused_so_output_stays_toolhive_valid(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    # ToolHive's image pattern has no room for @sha256:…; a build must not write such a file.
    registry = make_registry(fetch=container(image="ghcr.io/example/fetch@sha256:" + "a" * 64))
    result = run_cli(["--registry", str(registry), "build", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert "[image-digest]" in result.stderr
    assert not (tmp_path / "dist" / "registry.json").exists()


def test_groups_carry_their_members(make_registry: RegistryFactory, tmp_path: Path) -> None:
    registry = make_registry(
        fetch=container(),
        tracker=remote(),
        kit=group("Servers for the web and issues.", "fetch", "tracker"),
    )
    build_into(registry, tmp_path / "dist")
    (kit,) = load_json(tmp_path / "dist" / "registry.json")["groups"]
    assert kit["name"] == "kit"
    assert list(kit["servers"]) == ["fetch"] and list(kit["remote_servers"]) == ["tracker"]


def test_only_writes_the_chosen_outputs(make_registry: RegistryFactory, tmp_path: Path) -> None:
    registry = make_registry(fetch=container(), tracker=remote())
    out = tmp_path / "dist"
    result = run_cli(
        ["--registry", str(registry), "build", "--out", str(out), "--only", "toolhive"]
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    # the manifest, and registry.json with the schema its $schema names
    assert files == [".regup-files", "SHA256SUMS", "registry.json", "schema/registry.schema.json"]
    both = ["--only", "toolhive", "--only", "upstream"]
    result = run_cli(["--registry", str(registry), "build", "--out", str(tmp_path / "two"), *both])
    assert (tmp_path / "two" / "upstream" / "registry.json").is_file()
    assert not (tmp_path / "two" / "site").exists() and not (tmp_path / "two" / "v0.1").exists()
    assert run_cli(["--registry", str(registry), "build", "--only", "nope"]).exit_code == 2


def test_temporary_files_of_a_killed_build_are_reported_then_removed(
    make_registry: RegistryFactory, in_tmp: Path
) -> None:
    make_registry(fetch=container())
    assert run_cli(["--registry", "registry", "--quiet", "build", "--no-site"]).exit_code == 0
    left = in_tmp / "dist" / "upstream" / f".registry.json.{dead_pid()}.tmp"
    left.write_bytes(b'{"half": ')
    check = run_cli(["--registry", "registry", "build", "--no-site", "--check"])
    assert check.exit_code == 1
    assert "temporary file of an interrupted run" in check.stderr
    rebuilt = run_cli(["--registry", "registry", "build", "--no-site"])
    assert rebuilt.exit_code == 0, rebuilt.stderr
    assert "1 left by an interrupted run removed" in rebuilt.stdout
    assert not left.exists()
    assert run_cli(["--registry", "registry", "build", "--no-site", "--check"]).exit_code == 0


def test_files_a_failed_build_wrote_are_removed_by_the_next(
    make_registry: RegistryFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The manifest lists a build's files before it writes them: a build that fails half-way
    (out of disk, killed) cannot leave a file that no later build knows to remove."""
    import regup.build as build_module

    registry = make_registry(fetch=container(), tracker=remote())
    out = tmp_path / "dist"

    def fail_at_the_last_file(out_dir: Path, artifacts: Any, paths: list[str]) -> Any:
        yield from write_outputs(out_dir, artifacts, paths[:-1])
        raise OSError(28, "No space left on device", str(out_dir / paths[-1]))

    monkeypatch.setattr(build_module, "write_outputs", fail_at_the_last_file)
    with pytest.raises(OutputError):
        build(BuildRequest(registry, out, TEST_CONFIG, site=False))
    monkeypatch.undo()
    shutil.rmtree(registry / "tracker")
    build(BuildRequest(registry, out, TEST_CONFIG, site=False))
    clean = tmp_path / "clean"
    build(BuildRequest(registry, clean, TEST_CONFIG, site=False))
    assert dist_files(out) == dist_files(clean)


def test_a_too_long_entry_name_fails_build_with_nothing_in_dist_changed(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    """Attack: a 250-character entry name validated, then the build failed half-way with
    registry.json already replaced."""
    registry = make_registry(fetch=container())
    out = tmp_path / "dist"
    build_into(registry, out)
    before = dist_files(out)
    make_registry(**{"a" * 250: container(description="A server with a very long name.")})
    result = build(BuildRequest(registry, out, TEST_CONFIG))
    assert not result.validation.ok
    assert [d.rule for d in result.validation.diagnostics] == ["entry-name"]
    assert dist_files(out) == before


def test_a_name_too_long_for_the_file_system_is_refused_before_anything_is_written(
    make_registry: RegistryFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack: a file system with shorter names than 255 bytes (or a long version) made the
    build stop at the first long name, with the outputs before it already replaced."""
    registry = make_registry(fetch=container())
    out = tmp_path / "dist"
    build_into(registry, out)
    before = dist_files(out)
    make_registry(**{"b" * 100: container(description="A server with a long name.")})
    monkeypatch.setattr("regup.build._name_limit", lambda _: 120)
    with pytest.raises(OutputError, match="too long for the file system.*nothing was written"):
        build(BuildRequest(registry, out, TEST_CONFIG))
    assert dist_files(out) == before


def test_an_implausible_star_count_in_a_file_is_not_published(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    """Attack: `stars: 1000000000000000000000000000000` validated and was published."""
    registry = make_registry(fetch=container(metadata={"stars": 10**30, "pulls": 10**12}))
    result = build(BuildRequest(registry, tmp_path / "dist", TEST_CONFIG))
    assert not result.validation.ok and not (tmp_path / "dist").exists()
    messages = " ".join(d.message for d in result.validation.diagnostics)
    assert len(result.validation.diagnostics) == 2 and "metadata" in messages, messages


@pytest.mark.parametrize("case", ["minimal", "full", "yaml-edges"])
def test_the_valid_cases_commit_an_up_to_date_versions_ledger(case: str) -> None:
    """Tests build these registries in place: a stale ledger would be rewritten inside
    tests/cases by every run (regenerate with tests.helpers.write_ledger)."""
    from regup.ledger import load_ledger
    from regup.load import load_registry
    from regup.validate import validate_documents

    registry = CASES_DIR / "valid" / case / "registry"
    entries = validate_documents(load_registry(registry)).registry.entries
    ledger = load_ledger(registry)
    assert ledger.changed_entries(ledger.record(entries, "2099-01-01T00:00:00Z")) == []
