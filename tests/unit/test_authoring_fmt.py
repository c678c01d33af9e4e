"""regup fmt: canonical order and style, every value and comment kept, idempotent."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from regup.authoring.fmt import FormatError, comments_of, format_text
from regup.load import find_suppressions
from regup.model import ENTRY_KEYS
from regup.yamlio import load_yaml
from tests.helpers import CASES_DIR, REPO_ROOT, Files, dead_pid, run_cli, write_registry

COMMENTED = (CASES_DIR / "fmt" / "commented.yaml").read_text()


def test_heavily_commented_file_keeps_every_comment_and_value() -> None:
    out = format_text(COMMENTED)
    assert comments_of(out) == comments_of(COMMENTED)
    assert sum(comments_of(COMMENTED).values()) >= 15
    assert load_yaml(out).data == load_yaml(COMMENTED).data
    keys = list(load_yaml(out).data)
    assert keys == sorted(keys, key=ENTRY_KEYS.index)
    assert out.startswith("# Weather: a heavily commented entry.\n# Second header line.\n\ntitle:")
    assert out.endswith("\n# Footer comment one.\n# Footer comment two.\n")
    # The suppression comment still stands right above the image line.
    assert "# regup: ignore[image-latest]\nimage: ghcr.io/example/weather-mcp:latest\n" in out
    lines = out.splitlines()
    assert any("image-latest" in rules for line, rules in find_suppressions(out).items()
               if lines[line - 1].startswith("image:"))  # fmt: skip
    # README style: list items indented under their key.
    assert "tools:   # what it offers\n  - get_forecast" in out
    assert "      allow_host:\n        - api.weather.example\n" in out


def test_formatting_is_idempotent() -> None:
    once = format_text(COMMENTED)
    assert format_text(once) == once


def test_nested_mappings_without_comments_get_the_model_order() -> None:
    text = (
        "tools: [a]\ndescription: Some server here.\nenv_vars:\n"
        "  - required: true\n    description: The key.\n    name: KEY\n"
        "metadata:\n  last_updated: '2026-01-01T00:00:00Z'\n  stars: 1\n"
    )
    out = format_text(text)
    assert out == (
        "description: Some server here.\ntools: [a]\nenv_vars:\n"
        "  - name: KEY\n    description: The key.\n    required: true\n"
        "metadata:\n  stars: 1\n  last_updated: '2026-01-01T00:00:00Z'\n"
    )


def test_unknown_keys_go_last_in_their_order() -> None:
    assert format_text("zeta: 1\ntools: [a]\nalpha: 2\n") == "tools: [a]\nzeta: 1\nalpha: 2\n"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("a: 1\na: 2\n", "cannot read the YAML"),
        ("- a\n- b\n", "not a block mapping"),
        ("tools: [a\n", "cannot read the YAML"),
        ("", "empty"),
    ],
)
def test_files_that_cannot_be_formatted_are_reported(text: str, why: str) -> None:
    with pytest.raises(FormatError, match=why):
        format_text(text)


TIDY = "description: Already tidy here.\ntools:\n  - a\n"


@pytest.mark.parametrize(
    ("line", "at", "rule"),
    [
        ("target_port: !!int x", "4:14", "yaml-tag"),
        ("target_port: !!float abc", "4:14", "yaml-tag"),
        ("target_port: !!bool 3", "4:14", "yaml-tag"),
        ("target_port: !!int " + "9" * 5000, "4:14", "number-too-long"),
        ("target_port: " + "9" * 5000, "4:14", "number-too-long"),
        ("? {a: 1}\n: x", "4:3", "yaml-key"),
        ("custom_metadata:\n  ? {a: 1}\n  : x", "5:5", "yaml-key"),
        ("custom_metadata:\n  ? [a, b]\n  : x", "5:5", "yaml-key"),
        ("custom_metadata:\n  !!int x: 1", "5:3", "yaml-key"),
        ("custom_metadata: !!python/name:os.system x", "4:18", "yaml-tag"),
    ],
)
def test_impossible_tag_values_and_complex_keys_are_diagnostics_in_fmt(
    in_tmp: Path, line: str, at: str, rule: str
) -> None:
    registry = write_registry(in_tmp / "registry", broken=TIDY + line + "\n", tidy=TIDY)
    before = (registry / "broken" / "spec.yaml").read_bytes()
    result = run_cli(["fmt"])
    assert result.exit_code == 1
    assert "bug in regup" not in result.stdout + result.stderr
    assert f"registry/broken/spec.yaml:{at}: " in result.stderr
    assert f"[{rule}]" in result.stderr
    assert "1 left as they were" in result.stdout
    assert (registry / "broken" / "spec.yaml").read_bytes() == before


def test_a_value_ruamel_cannot_construct_is_a_format_error() -> None:
    """The backstop behind regup's reader: ruamel's own ValueError / KeyError never escape."""
    from regup.authoring.fmt import _restyle

    for text in ("a: !!int x\n", "a: !!bool 3\n", "a: !!float abc\n"):
        with pytest.raises(FormatError, match="cannot read the YAML"):
            _restyle(text, nested=True)


def test_cli_formats_checks_and_leaves_bad_files_alone(in_tmp: Path) -> None:
    registry = write_registry(
        in_tmp / "registry",
        weather=COMMENTED,
        tidy="description: Already tidy here.\ntools:\n  - a\n",
        broken="description: x\ndescription: y\n",
    )
    broken_before = (registry / "broken" / "spec.yaml").read_bytes()
    check = run_cli(["fmt", "--check", "weather", "tidy"])
    assert check.exit_code == 1
    assert "would reformat registry/weather/spec.yaml" in check.stdout
    assert (registry / "weather" / "spec.yaml").read_text() == COMMENTED
    result = run_cli(["fmt"])
    assert result.exit_code == 1
    assert "registry/broken/spec.yaml:2:1: cannot be formatted losslessly" in result.stderr
    assert "[yaml-duplicate-key]" in result.stderr
    assert "formatted registry/weather/spec.yaml" in result.stdout
    assert "1 file(s) formatted, 1 already formatted, 1 left as they were." in result.stdout
    assert (registry / "broken" / "spec.yaml").read_bytes() == broken_before
    assert run_cli(["fmt", "--check", "weather", "tidy"]).exit_code == 0
    assert run_cli(["fmt", "nope"]).stderr.startswith("Error: 'nope' is neither")


def test_a_server_json_entry_is_named_as_such_and_left_alone(in_tmp: Path) -> None:
    text = '{"name": "io.github.example/fetch"}\n'
    registry = write_registry(
        in_tmp / "registry",
        fetch=Files({"server.json": text}),
        servers=Files({"lookup/server.json": text}),
    )
    for name, where in (("fetch", "fetch"), ("lookup", "servers/lookup")):
        result = run_cli(["fmt", name])
        assert result.exit_code == 1
        assert f"'{name}' is authored as registry/{where}/server.json" in result.stderr
        assert "regup fmt leaves as it is" in result.stderr
    assert (registry / "fetch" / "server.json").read_text() == text


def test_group_files_are_ordered_too(in_tmp: Path) -> None:
    write_registry(in_tmp / "registry", tidy="description: Already tidy here.\ntools: [a]\n")
    group = in_tmp / "registry" / "bundle"
    group.mkdir()
    (group / "group.yaml").write_text("servers: [tidy]\ndescription: A bundle.  # why\n")
    assert run_cli(["fmt", "bundle"]).exit_code == 0
    assert (group / "group.yaml").read_text() == "description: A bundle.  # why\nservers: [tidy]\n"


def test_the_projects_registry_formats_losslessly(tmp_path: Path) -> None:
    copy = tmp_path / "registry"
    shutil.copytree(REPO_ROOT / "registry", copy)
    from regup.authoring.fmt import format_files

    result = format_files(copy)
    assert result.failed == []
    for spec in sorted(copy.glob("*/*.yaml")):
        original = (REPO_ROOT / "registry" / spec.parent.name / spec.name).read_text()
        formatted = spec.read_text()
        assert load_yaml(formatted).data == load_yaml(original).data, spec
        assert comments_of(formatted) == comments_of(original), spec


def test_fmt_keeps_the_mode_of_a_private_file(in_tmp: Path) -> None:
    registry = write_registry(in_tmp / "registry", weather=COMMENTED)
    spec = registry / "weather" / "spec.yaml"
    spec.chmod(0o600)
    assert run_cli(["fmt"]).exit_code == 0
    assert spec.read_text() != COMMENTED
    assert stat.S_IMODE(spec.stat().st_mode) == 0o600


def test_fmt_writes_through_a_symlink_inside_the_registry(in_tmp: Path) -> None:
    registry = write_registry(in_tmp / "registry", weather=COMMENTED)
    shared = registry / "weather" / "spec.yaml"
    alias = registry / "alias"
    alias.mkdir()
    (alias / "spec.yaml").symlink_to(Path("..") / "weather" / "spec.yaml")
    assert run_cli(["fmt", "alias"]).exit_code == 0
    assert (alias / "spec.yaml").is_symlink()
    assert shared.read_text() != COMMENTED  # the target was formatted


def test_fmt_neither_reads_nor_replaces_a_symlink_out_of_the_registry(in_tmp: Path) -> None:
    registry = write_registry(in_tmp / "registry", tidy="description: Already tidy here.\n")
    outside = in_tmp / "private.yaml"
    outside.write_text(COMMENTED)
    leak = registry / "leak"
    leak.mkdir()
    (leak / "spec.yaml").symlink_to(outside)
    result = run_cli(["fmt"])
    assert result.exit_code == 1
    assert "[symlink-outside]" in result.stderr
    assert "weather" not in result.output  # nothing of the target is quoted
    assert (leak / "spec.yaml").is_symlink() and outside.read_text() == COMMENTED


def test_fmt_refuses_a_fifo_or_device_instead_of_waiting_or_reading_forever(
    in_tmp: Path,
) -> None:
    registry = write_registry(in_tmp / "registry", tidy="description: Already tidy here.\n")
    for name in ("fifo", "zero"):
        (registry / name).mkdir()
    os.mkfifo(registry / "fifo" / "spec.yaml")  # open() of a FIFO blocks until a writer comes
    (registry / "zero" / "spec.yaml").symlink_to("/dev/zero")
    result = run_cli(["fmt"])
    assert result.exit_code == 1
    assert "registry/fifo/spec.yaml: cannot be formatted" in result.stderr
    assert "[file-not-regular]" in result.stderr
    assert "registry/zero/spec.yaml: cannot be formatted" in result.stderr
    assert "[symlink-outside]" in result.stderr


def test_fmt_removes_temporary_files_a_killed_run_left(in_tmp: Path) -> None:
    registry = write_registry(in_tmp / "registry", tidy="description: Already tidy here.\n")
    left = registry / "tidy" / f".spec.yaml.{dead_pid()}.tmp"
    left.write_bytes(b"description: Alrea")
    assert run_cli(["fmt"]).exit_code == 0
    assert not left.exists()


SKILL_TEXT = (
    "packages:\n"
    "- subfolder: skills/review\n"
    "  url: https://github.com/example/skills\n"
    "  registryType: git\n"
    "version: 1.0.0  # bumped with the upstream tag\n"
    "repository: {type: git, url: https://github.com/example/skills}\n"
    "description: Guides an agent through a careful review of a pull request.\n"
    "# the display name\n"
    "title: Code Review\n"
)


def test_skill_files_get_toolhive_s_key_order_at_every_level(in_tmp: Path) -> None:
    from tests.helpers import Files

    write_registry(
        in_tmp / "registry",
        review=Files({"skill.yaml": SKILL_TEXT}),
        skills=Files({"other/skill.yaml": SKILL_TEXT}),
    )
    checked = run_cli(["fmt", "--check"])
    assert checked.exit_code == 1
    assert "registry/review/skill.yaml" in checked.output
    assert "registry/skills/other/skill.yaml" in checked.output
    assert run_cli(["fmt", "other"]).exit_code == 0
    text = (in_tmp / "registry" / "skills" / "other" / "skill.yaml").read_text()
    assert text == (
        "# the display name\n"
        "title: Code Review\n"
        "description: Guides an agent through a careful review of a pull request.\n"
        "version: 1.0.0  # bumped with the upstream tag\n"
        "repository: {url: https://github.com/example/skills, type: git}\n"
        "packages:\n"
        "  - registryType: git\n"
        "    url: https://github.com/example/skills\n"
        "    subfolder: skills/review\n"
    )
    assert (in_tmp / "registry" / "review" / "skill.yaml").read_text() == SKILL_TEXT
    assert run_cli(["fmt"]).exit_code == 0
    assert run_cli(["fmt", "--check"]).exit_code == 0
    assert run_cli(["validate", "--strict"]).exit_code == 0
