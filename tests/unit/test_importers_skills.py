"""``regup import`` of skills: envelope ``data.skills``, one skill.json, a catalog folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from regup.config import Config
from regup.emit.canonical import EmitContext
from regup.emit.upstream import upstream_registry
from regup.importers import ImportRequest, run_import
from regup.load import load_registry
from regup.model import Registry, Skill
from regup.validate import validate_documents
from tests.helpers import SKILL, container, run_cli

CTX = EmitContext(config=Config(namespace="io.github.acme"), timestamp="2025-07-01T00:00:00Z")


def _skills(folder: Path) -> tuple[Skill, ...]:
    result = validate_documents(load_registry(folder))
    assert result.diagnostics == []
    return result.registry.skills


def test_every_skill_of_the_catalog_folder_round_trips(reference_dir: Path, tmp_path: Path) -> None:
    """Import toolhive-catalog's skills/ folder, load the skill.yaml files written, and
    each skill gives its skill.json back (key order aside)."""
    source = tmp_path / "catalog"
    shutil.copytree(reference_dir / "toolhive-catalog" / "skills", source / "skills")
    result = run_import(ImportRequest(str(source), tmp_path / "registry"))
    originals = sorted((source / "skills").glob("*/skill.json"))
    assert len(result.written) == len(originals) >= 80
    assert result.skipped == [] and result.warnings == []
    assert result.written[0] == f"skills/{originals[0].parent.name}/skill.yaml"
    by_name = {s.name: s for s in _skills(tmp_path / "registry")}
    for path in originals:
        original = json.loads(path.read_text(encoding="utf-8"))
        assert by_name[path.parent.name].payload("unused") == original, path


def test_the_envelope_s_skills_are_imported_with_its_servers(tmp_path: Path) -> None:
    from regup.model import Entry

    registry = Registry(
        entries=(Entry.from_document("fetch", container()),),
        skills=(
            Skill.from_document("review", SKILL),
            Skill.from_document("triage", {**SKILL, "namespace": "io.github.other"}),
        ),
    )
    envelope = tmp_path / "registry.json"
    envelope.write_text(json.dumps(upstream_registry(registry, CTX)))
    result = run_import(ImportRequest(str(envelope), tmp_path / "registry"))
    assert result.written == [
        "fetch/spec.yaml",
        "skills/review/skill.yaml",
        "skills/triage/skill.yaml",
    ]
    skills = {s.name: s for s in _skills(tmp_path / "registry")}
    assert skills["review"].payload("x") == registry.skills[0].payload("io.github.acme")
    assert skills["triage"].namespace == "io.github.other"


def test_one_skill_json_and_only_and_existing(tmp_path: Path) -> None:
    source = tmp_path / "skill.json"
    source.write_text(json.dumps({"namespace": "io.github.acme", "name": "review", **SKILL}))
    target = tmp_path / "registry"
    assert run_import(ImportRequest(str(source), target, dry_run=True)).would_write.keys() == {
        "skills/review/skill.yaml"
    }
    assert run_import(ImportRequest(str(source), target)).written == ["skills/review/skill.yaml"]
    again = run_import(ImportRequest(str(source), target))
    assert again.written == [] and again.existing == ["skills/review"]
    text = (target / "skills" / "review" / "skill.yaml").read_text()
    assert text.startswith("namespace: io.github.acme\ntitle: Code Review\n")


def test_an_invalid_skill_is_reported_and_not_written(tmp_path: Path) -> None:
    source = tmp_path / "skill.json"
    bad = {**SKILL, "name": "review", "namespace": "io.github.acme", "status": "retired"}
    source.write_text(json.dumps(bad))
    result = run_import(ImportRequest(str(source), tmp_path / "registry"))
    assert result.written == []
    assert "[invalid-value]" in result.skipped[0].reason


def test_a_folder_without_skills_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_cli(["--registry", str(tmp_path / "registry"), "import", str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert "without <name>/skill.json files" in result.stderr
    assert "Traceback" not in result.output
