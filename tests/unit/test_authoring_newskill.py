"""``regup new NAME --skill``: a valid skills/NAME/skill.yaml from flags, or a clear refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from regup.authoring.newskill import GitSpec
from regup.load import load_registry
from regup.validate import validate_documents
from tests.helpers import run_cli

FLAGS = [
    "--description",
    "Teaches an agent to triage new issues.",
    "--version",
    "0.4.0",
    "--license",
    "MIT",
]


def test_a_skill_from_flags_validates_and_loads(in_tmp: Path) -> None:
    result = run_cli(
        [
            "new",
            "triage",
            "--skill",
            *FLAGS,
            "--oci",
            "ghcr.io/example/skills/triage:0.4.0",
            "--git",
            "https://github.com/example/skills@v0.4.0#skills/triage",
            "--no-input",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote registry/skills/triage/skill.yaml." in result.stdout
    skills = validate_documents(load_registry(Path("registry"))).registry.skills
    (skill,) = skills
    assert (skill.version, skill.license) == ("0.4.0", "MIT")
    assert [p.to_document() for p in skill.packages] == [
        {"registryType": "oci", "identifier": "ghcr.io/example/skills/triage:0.4.0"},
        {
            "registryType": "git",
            "url": "https://github.com/example/skills",
            "ref": "v0.4.0",
            "subfolder": "skills/triage",
        },
    ]
    assert skill.repository is not None
    assert skill.repository.url == "https://github.com/example/skills"
    again = run_cli(["new", "triage", "--skill", *FLAGS, "--oci", "ghcr.io/e/s:1", "--no-input"])
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_dry_run_prints_and_writes_nothing(in_tmp: Path) -> None:
    result = run_cli(
        ["new", "triage", "--skill", *FLAGS, "--oci", "ghcr.io/e/s:1", "--dry-run", "--no-input"]
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("description: Teaches an agent to triage new issues.\n")
    assert not Path("registry").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--skill", "--no-input", *FLAGS], "missing --oci or --git"),
        (["--skill", "--image", "ghcr.io/e/s:1", *FLAGS], "--image describe a server"),
        (["--oci", "ghcr.io/e/s:1"], "add --skill"),
        (["--skill", *FLAGS, "--oci", "ghcr.io/e/s:latest", "--no-input"], None),
        (["--skill", *FLAGS, "--oci", "Not A Ref", "--no-input"], "would not pass validation"),
        (["--skill", *FLAGS, "--git", "no-scheme", "--no-input"], "URL[@REF][#SUBFOLDER]"),
    ],
)
def test_refusals_are_clear(in_tmp: Path, args: list[str], message: str | None) -> None:
    result = run_cli(["new", "triage", *args])
    if message is None:  # a warning, not a refusal
        assert result.exit_code == 0 and "[image-latest]" in result.stderr
        return
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_git_spec_parses_url_ref_and_folder() -> None:
    assert GitSpec.parse("git://github.com/o/r@main#a/b/") == GitSpec(
        "git://github.com/o/r", "main", "a/b"
    )
    assert GitSpec.parse("https://github.com/o/r") == GitSpec("https://github.com/o/r")
