"""This repository's own registry: a real catalog of 100+ servers, strictly valid, in our words."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from regup.config import Config
from regup.load import load_registry
from regup.validate import validate_documents
from tests.helpers import REPO_ROOT, run_cli

REGISTRY = REPO_ROOT / "registry"


def test_registry_passes_validate_strict() -> None:
    result = run_cli(["--registry", str(REGISTRY), "validate", "--strict"])
    assert result.exit_code == 0, result.output
    assert "All " in result.stdout and " files valid." in result.stdout


def test_the_versions_ledger_records_every_current_version() -> None:
    """registry/versions.json is committed up to date (else `regup build --check` fails in
    CI): every server's and skill's current version, with its content as the files say it;
    and no server publishes an invented version."""
    from regup.ledger import load_ledger
    from regup.serverjson import entry_version

    registry = validate_documents(load_registry(REGISTRY)).registry
    entries = registry.entries
    skills = registry.skills
    ledger = load_ledger(REGISTRY)
    assert ledger.record(entries, "2099-01-01T00:00:00Z", skills) == ledger
    assert ledger.changed_entries(ledger.record(entries, "2099-01-01T00:00:00Z", skills)) == []
    assert sorted(ledger.entries) == sorted(
        [*(e.name for e in entries), *(f"skill:{s.name}" for s in skills)]
    )
    versions = [entry_version(e) for e in entries]
    assert None not in versions


def test_registry_is_formatted() -> None:
    result = run_cli(["--registry", str(REGISTRY), "fmt", "--check"])
    assert result.exit_code == 0, result.output


def test_list_shows_at_least_100_servers_and_groups_make_sense() -> None:
    listed = run_cli(["--registry", str(REGISTRY), "list", "--format", "json"])
    rows = json.loads(listed.stdout)
    assert len(rows) >= 100
    registry = validate_documents(load_registry(REGISTRY)).registry
    assert len(registry.groups) >= 3
    names = {e.name for e in registry.entries}
    for group in registry.groups:
        assert set(group.servers) <= names and len(group.servers) >= 3
    assert any(e.deprecated for e in registry.entries)
    assert any(e.headers and e.oauth_config for e in registry.remotes)
    assert any(e.transport == "streamable-http" and e.permissions for e in registry.containers)


def test_every_entry_carries_our_catalog_text() -> None:
    for entry in validate_documents(load_registry(REGISTRY)).registry.entries:
        assert entry.title, entry.name
        assert entry.overview and len(entry.overview) > len(entry.description), entry.name
        assert 10 <= len(entry.description) <= 100, entry.name


def _reference_servers(reference_dir: Path) -> dict[str, Any]:
    data = json.loads(next(reference_dir.glob("toolhive-registry-*.json")).read_text())
    return {**data["servers"], **data["remote_servers"]}


def test_every_reference_server_is_in_the_registry_with_its_facts(reference_dir: Path) -> None:
    """Facts (images, URLs, transports, tools, env var names and flags, permissions,
    provenance, tiers) come from ToolHive's catalog; the prose is our own. Tags are the
    reference's tags that are in our vocabulary (regup.toml), in their order; an entry left
    with none got tags of the vocabulary by hand."""
    vocabulary = set(Config.from_toml(REGISTRY.parent / "regup.toml").tags)
    assert len(vocabulary) >= 40
    ours = {e.name: e for e in validate_documents(load_registry(REGISTRY)).registry.entries}
    for name, ref in _reference_servers(reference_dir).items():
        entry = ours[name]
        assert (entry.image, entry.url) == (ref.get("image"), ref.get("url")), name
        assert entry.transport == ref["transport"] and entry.tier == ref["tier"], name
        assert list(entry.tools) == ref["tools"], name
        kept = [t for t in ref["tags"] if t in vocabulary]
        assert list(entry.tags)[: len(kept)] == kept and set(entry.tags) <= vocabulary, name
        assert kept or entry.tags, name
        assert entry.target_port == ref.get("target_port"), name
        ref_vars = {
            v["name"]: (v["required"], v.get("secret", False)) for v in ref.get("env_vars", [])
        }
        assert {v.name: (v.required, v.is_secret) for v in entry.env_vars} == ref_vars, name
        if "provenance" in ref:
            assert entry.provenance is not None
            assert entry.provenance.to_document() == ref["provenance"], name


def test_no_sentence_is_copied_from_the_reference(reference_dir: Path) -> None:
    ours = {e.name: e for e in validate_documents(load_registry(REGISTRY)).registry.entries}
    copied = []
    for name, ref in _reference_servers(reference_dir).items():
        entry = ours[name]
        if entry.description.strip().lower() == ref["description"].strip().lower():
            copied.append(f"{name}: description")
        theirs = {v["name"]: v["description"].strip().lower() for v in ref.get("env_vars", [])}
        for var in entry.env_vars:
            if var.description.strip().lower() == theirs.get(var.name):
                copied.append(f"{name}: {var.name}")
    assert copied == []


def _words(text: str) -> list[str]:
    return "".join(c.lower() if c.isalnum() else " " for c in text).split()


def test_at_least_30_skills_with_catalog_facts_and_our_own_words(reference_dir: Path) -> None:
    """Skills: names, versions, licences, repositories and packages are the catalog's
    facts; no description shares a run of six words with the catalog's."""
    skills = validate_documents(load_registry(REGISTRY)).registry.skills
    assert len(skills) >= 30
    for skill in skills:
        ref = json.loads(
            (reference_dir / "toolhive-catalog" / "skills" / skill.name / "skill.json").read_text()
        )
        assert skill.namespace is None, skill.name  # the registry's own namespace
        assert skill.version == ref["version"] and skill.license == ref.get("license"), skill.name
        assert skill.repository is not None and skill.repository.url == ref["repository"]["url"]
        assert [p.to_document() for p in skill.packages] == ref["packages"], skill.name
        ours, theirs = _words(skill.description), _words(ref["description"])
        runs = {tuple(theirs[i : i + 6]) for i in range(len(theirs) - 5)}
        shared = [ours[i : i + 6] for i in range(len(ours) - 5) if tuple(ours[i : i + 6]) in runs]
        assert shared == [], (skill.name, shared)


def test_this_registry_s_envelope_with_its_skills_passes_toolhive_s_schemas(
    reference_dir: Path, tmp_path: Path
) -> None:
    """The real build's upstream/registry.json against upstream-registry.schema.json, its
    server and skill schemas resolved locally (never over the network)."""
    import jsonschema
    from referencing import Registry as SchemaRegistry
    from referencing import Resource
    from referencing.jsonschema import DRAFT7, DRAFT202012

    # A copy: a build records new versions in registry/versions.json, which must stay as
    # committed (the ledger test above says whether it is current).
    shutil.copytree(REGISTRY, tmp_path / "registry")
    config = ["--config", str(REPO_ROOT / "regup.toml")]
    result = run_cli(
        ["--registry", str(tmp_path / "registry"), *config, "build", "--no-site"]
        + ["--out", str(tmp_path / "dist")]
    )
    assert result.exit_code == 0, result.output
    envelope = json.loads((tmp_path / "dist" / "upstream" / "registry.json").read_text())
    folder = reference_dir / "schemas"
    loaded = {
        name: json.loads((folder / name).read_text())
        for name in (
            "upstream-registry.schema.json",
            "server.schema.json",
            "toolhive-skill.schema.json",
            "publisher-provided.schema.json",
        )
    }
    resources = SchemaRegistry().with_resources(
        (
            schema["$id"],
            Resource.from_contents(
                schema,
                default_specification=DRAFT7 if name == "server.schema.json" else DRAFT202012,
            ),
        )
        for name, schema in loaded.items()
    )
    schema = loaded["upstream-registry.schema.json"]
    validator = jsonschema.Draft202012Validator(schema, registry=resources)
    assert [e.message for e in validator.iter_errors(envelope)] == []
    assert len(envelope["data"]["skills"]) >= 30
    api = json.loads(
        (tmp_path / "dist" / "v0.1" / "x" / "dev.toolhive" / "skills" / "index.html").read_text()
    )
    assert api["metadata"]["count"] == len(envelope["data"]["skills"])
