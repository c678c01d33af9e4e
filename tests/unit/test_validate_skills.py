"""Skills: loaded from every layout, validated as strictly as servers, the model round-trips."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from regup.diagnostics import Severity
from regup.load import load_registry
from regup.model import Skill
from regup.validate import validate_documents
from tests.helpers import SKILL, Files, container, skill, write_registry


def validate(root: Path) -> tuple[list[Skill], list[tuple[str, int, int, str]]]:
    result = validate_documents(load_registry(root))
    found = [(d.path, d.line, d.col, d.rule) for d in result.diagnostics]
    return list(result.registry.skills), found


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_skill_beside_a_server_and_one_alone_are_both_loaded(workdir: Path) -> None:
    write_registry(
        workdir / "registry",
        fetch=Files({"spec.yaml": json.dumps(container()), "skill.yaml": skill()["skill.yaml"]}),
        review=skill(),
    )
    result = validate_documents(load_registry(Path("registry")))
    assert result.diagnostics == []
    assert [e.name for e in result.registry.entries] == ["fetch"]
    assert [s.name for s in result.registry.skills] == ["fetch", "review"]
    review = result.registry.skills[1]
    assert review.namespace is None and review.version == "1.2.0"
    assert [p.registry_type for p in review.packages] == ["oci", "git"]
    assert review.packages[1].subfolder == "skills/code-review"


def test_catalog_layout_skills_folder_with_skill_json(workdir: Path) -> None:
    doc = {"namespace": "io.github.acme", "name": "review", **SKILL}
    write_registry(
        workdir / "registry", skills=Files({"review/skill.json": json.dumps(doc, indent=2)})
    )
    skills, found = validate(Path("registry"))
    assert found == []
    assert [(s.namespace, s.name) for s in skills] == [("io.github.acme", "review")]
    assert skills[0].source is not None
    assert skills[0].source.display == "registry/skills/review/skill.json"


def test_a_skills_folder_entry_without_a_skill_file_is_a_layout_error(workdir: Path) -> None:
    write_registry(workdir / "registry", skills=Files({"empty/README.md": "nothing"}))
    _, found = validate(Path("registry"))
    assert found == [("registry/skills/empty/", 1, 1, "folder-layout")]


def test_all_errors_of_a_skill_at_once_with_line_and_column(workdir: Path) -> None:
    text = (
        "description: " + "long " * 210 + "\n"  # 1: past ToolHive's 1024 characters
        "version: 1.0.0\n"
        "status: Active\n"  # 3: wrong case
        "allowedTools: [Read, Read]\n"  # 4: duplicate
        "packages:\n"
        "  - registryType: npm\n"  # 6: unknown registry type
        "repository:\n"
        "  url: https://github.com/example/skills\n"
        "  kind: git\n"  # 9: unknown key
    )
    write_registry(workdir / "registry", review=Files({"skill.yaml": text}))
    skills, found = validate(Path("registry"))
    assert skills == []
    path = "registry/review/skill.yaml"
    assert found == [
        (path, 1, 14, "description-length"),
        (path, 3, 9, "invalid-value"),
        (path, 4, 22, "duplicate-item"),
        (path, 6, 19, "invalid-value"),
        (path, 9, 3, "unknown-key"),
    ]


def test_lowercase_status_suggestion_for_a_capitalised_one(workdir: Path) -> None:
    write_registry(workdir / "registry", review=skill(status="Deprecated"))
    result = validate_documents(load_registry(Path("registry")))
    assert "did you mean 'deprecated'?" in result.diagnostics[0].message


def test_semantic_rules_of_packages(workdir: Path) -> None:
    packages = [
        {"registryType": "oci", "identifier": "ghcr.io/Example/Bad Ref"},
        {"registryType": "oci", "identifier": "ghcr.io/example/skills/x:latest"},
        {"registryType": "git", "url": "ftp://example.com/skills.git"},
        {"registryType": "git", "url": "https://github.com/example/skills", "digest": "x"},
    ]
    write_registry(workdir / "registry", review=skill(packages=packages))
    result = validate_documents(load_registry(Path("registry")))
    rules = sorted((d.line, d.rule, d.severity) for d in result.diagnostics)
    assert rules == [
        (10, "image-ref", Severity.ERROR),
        (12, "image-latest", Severity.WARNING),
        (14, "url-scheme", Severity.ERROR),
        (17, "skill-package", Severity.ERROR),  # a digest does not belong to a git package
    ]


def test_a_skill_and_a_server_may_share_a_name_but_two_skills_may_not(workdir: Path) -> None:
    write_registry(
        workdir / "registry",
        review=Files({"spec.yaml": json.dumps(container()), "skill.yaml": skill()["skill.yaml"]}),
        skills=Files({"review/skill.yaml": skill()["skill.yaml"]}),
    )
    _, found = validate(Path("registry"))
    assert found == [("registry/skills/review/skill.yaml", 1, 1, "duplicate-name")]


def test_the_same_name_in_two_namespaces_is_two_skills(workdir: Path) -> None:
    write_registry(
        workdir / "registry",
        review=skill(namespace="io.github.acme"),
        skills=Files({"review/skill.yaml": skill(namespace="io.github.other")["skill.yaml"]}),
    )
    skills, found = validate(Path("registry"))
    assert found == []
    assert [s.namespace for s in skills] == ["io.github.acme", "io.github.other"]


def test_the_authored_document_round_trips_and_the_payload_is_toolhive_s() -> None:
    doc = {"name": "review", **SKILL, "status": "deprecated", "allowedTools": ["Read"]}
    model = Skill.from_document("review", doc)
    assert model.to_document() == doc
    assert list(model.to_document()) == [
        "name",
        "title",
        "description",
        "version",
        "status",
        "license",
        "allowedTools",
        "repository",
        "packages",
    ]
    payload = Skill.from_document("review", SKILL).payload("io.github.acme")
    assert payload["namespace"] == "io.github.acme"
    assert payload["name"] == "review"
    assert payload["status"] == "active"  # ToolHive's default, written out
    assert "name" not in Skill.from_document("review", SKILL).to_document()


def test_every_skill_of_toolhive_s_catalog_loads_as_it_is(
    reference_dir: Path, workdir: Path
) -> None:
    """The reference catalog's skills/ folder is a valid registry of skills, and each
    skill's payload is its skill.json again (key order aside)."""
    folder = workdir / "catalog"
    shutil.copytree(reference_dir / "toolhive-catalog" / "skills", folder / "skills")
    skills, found = validate(folder)
    originals = sorted((folder / "skills").glob("*/skill.json"))
    assert found == []
    assert len(skills) == len(originals) >= 80
    by_name = {s.name: s for s in skills}
    for path in originals:
        original = json.loads(path.read_text(encoding="utf-8"))
        assert by_name[path.parent.name].payload("unused") == original, path


@pytest.mark.parametrize(
    ("text", "where", "rule"),
    [
        ('{"description": "Reviews pull requests.", "version": NaN}', (1, 54), "json-syntax"),
        (
            '{"description": "x",\n "description": "Reviews pull requests.",\n "version": "1"}',
            (2, 2),
            "yaml-duplicate-key",
        ),
        ("[" * 200 + "]" * 200, (1, 66), "yaml-too-deep"),
        ('{"description": "Reviews pull requests.", "version": 1}', (1, 54), "wrong-type"),
    ],
)
def test_hostile_skill_json_is_a_diagnostic_at_its_place(
    workdir: Path, text: str, where: tuple[int, int], rule: str
) -> None:
    write_registry(workdir / "registry", review=Files({"skill.json": text}))
    _, found = validate(Path("registry"))
    assert (*where, rule) in [(f[1], f[2], f[3]) for f in found]


def test_validate_a_skill_by_path_or_by_name(workdir: Path) -> None:
    from tests.helpers import config_toml, run_cli

    (workdir / "regup.toml").write_text(config_toml())
    write_registry(
        workdir / "registry",
        fetch=container(),
        skills=Files(
            {
                "review/skill.yaml": skill()["skill.yaml"],
                "broken/skill.yaml": skill(status="gone")["skill.yaml"],
            }
        ),
    )
    good = run_cli(["validate", "registry/skills/review/skill.yaml"])
    assert good.exit_code == 0, good.output
    by_name = run_cli(["validate", "broken", "--format", "json"])
    assert by_name.exit_code == 1
    found = json.loads(by_name.stdout)
    rows = found if isinstance(found, list) else found["diagnostics"]
    assert {(d["path"], d["rule"]) for d in rows} == {
        ("registry/skills/broken/skill.yaml", "invalid-value")
    }


def test_values_toolhive_s_skill_schema_accepts_are_never_refused(workdir: Path) -> None:
    """toolhive-core's bounds: a one-word description, any digest or commit text, a long
    version; only keys it does not know and empty values are refused."""
    packages = [
        {"registryType": "oci", "identifier": "ghcr.io/e/s:1", "digest": "sha512:" + "a" * 128},
        {"registryType": "git", "url": "https://github.com/e/s", "commit": "HEAD~1"},
    ]
    write_registry(
        workdir / "registry",
        review=skill(description="Reviews", version="v" * 300, packages=packages),
    )
    skills, found = validate(Path("registry"))
    assert found == [] and len(skills) == 1
