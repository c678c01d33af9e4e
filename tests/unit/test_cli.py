"""The command line: help, version, exit codes, error messages, output formats, browsing."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import click
import pytest

from regup import __version__
from regup.cli import LAZY_COMMANDS, cli
from tests.conftest import RegistryFactory
from tests.helpers import container, remote, run_cli, write_config

COMMANDS = cli.list_commands(click.Context(cli))


def test_lazy_command_map_matches_the_modules() -> None:
    """Every module named in LAZY_COMMANDS defines exactly the commands mapped to it."""
    import importlib

    by_module: dict[str, set[str]] = {}
    for name, module in LAZY_COMMANDS.items():
        by_module.setdefault(module, set()).add(name)
    for module, names in by_module.items():
        defined = {c.name for c in importlib.import_module(f"regup.cli.{module}").COMMANDS}
        assert defined == names, module


def test_validate_does_not_import_heavy_modules() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from regup.cli import cli; cli.get_command(None, 'validate'); "
        "print(sorted(m for m in ('sigstore', 'mcp', 'jinja2', 'github') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_version() -> None:
    result = run_cli(["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"regup, version {__version__}"


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)], ids=["regup", *COMMANDS])
def test_help_everywhere(command: list[str]) -> None:
    for flag in ("--help", "-h"):
        result = run_cli([*command, flag])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("Usage: regup")
        assert "--help" in result.stdout


def test_foundation_commands_exist() -> None:
    assert {"validate", "build", "list", "info", "search"} <= set(COMMANDS)


@pytest.mark.parametrize(
    "args",
    [
        ["--no-such-option"],
        ["validate", "--no-such-option"],
        ["validate", "--format", "xml"],
        ["list", "--format", "yaml"],
        ["no-such-command"],
        ["info"],
        ["search"],
    ],
)
def test_usage_errors_exit_2(args: list[str], make_registry: RegistryFactory, in_tmp: Path) -> None:
    make_registry(fetch=container())
    result = run_cli(args)
    assert result.exit_code == 2, result.output
    assert "Error:" in result.stderr and "Usage:" in result.stderr
    assert "Traceback" not in result.output


def test_missing_registry_folder(in_tmp: Path) -> None:
    for command in (["validate"], ["build"], ["list"], ["search", "x"], ["info", "x"]):
        result = run_cli(["--registry", "nowhere", *command])
        assert result.exit_code == 1, command
        assert result.stderr.startswith("Error: registry folder nowhere does not exist.")
        assert "--registry" in result.stderr  # says how to fix it
        assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["build", "build-toolhive", "validate", "serve"])
def test_no_namespace_says_how_to_set_one(
    command: str, make_registry: RegistryFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no regup.toml at all: regup has no default namespace to fall back on
    make_registry(fetch=container())
    monkeypatch.chdir(tmp_path)
    args = {
        "serve": ["serve", "--build", "--port", "0"],
        "build-toolhive": ["build", "--only", "toolhive"],  # the catalog names servers too
    }.get(command, [command])
    result = run_cli(args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: no regup.toml found")
    assert '[registry]\n    namespace = "io.github.your-org"' in result.stderr
    assert "--config" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        ("[registry\nname = 'x'", "not valid TOML"),
        ("[registry]\nnmae = 'x'\n", "unknown key(s) nmae"),
        ("[registry]\nname = 3\n", "registry.name must be a string"),
        ("[other]\nname = 'x'\n", "unknown table(s) other"),
        ("[registry]\nnamespace = 'not a namespace'\n", "is not a reverse-DNS name"),
        (
            "[registry]\nnamespace = 'io.github.x'\npublisher_key = 'io.github.stacklok'\n",
            "must be a key of your own",
        ),
        ("[registry]\nname = 'x'\n", "no namespace is set"),
    ],
)
@pytest.mark.parametrize("command", ["build", "validate"])
def test_bad_config_file(
    toml: str, fragment: str, command: str, make_registry: RegistryFactory, in_tmp: Path
) -> None:
    # validate reads the configuration too: a pull request that breaks regup.toml fails
    # its check, not the next build
    make_registry(fetch=container())
    (in_tmp / "regup.toml").write_text(toml, encoding="utf-8")
    result = run_cli([command])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "regup.toml: " in result.stderr
    assert fragment in result.stderr
    assert "Traceback" not in result.output
    assert not (in_tmp / "dist").exists()


def test_missing_explicit_config(make_registry: RegistryFactory, in_tmp: Path) -> None:
    make_registry(fetch=container())
    result = run_cli(["--config", "missing.toml", "build"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: config file missing.toml does not exist")


def test_validate_exit_codes(make_registry: RegistryFactory, in_tmp: Path) -> None:
    make_registry(fetch=container())
    ok = run_cli(["validate"])
    assert (ok.exit_code, ok.stdout) == (0, "All 1 file valid.\n")
    spec = make_registry(broken=container(title=True)) / "broken" / "spec.yaml"
    line = spec.read_text().splitlines().index("title: true") + 1
    bad = run_cli(["validate"])
    assert bad.exit_code == 1
    assert bad.stdout.splitlines() == [
        f"registry/broken/spec.yaml:{line}:8: error: title must be text, not true or false (true)"
        " [wrong-type]",
        "1 error, 0 warnings in 2 files.",
    ]


def test_validate_names_and_paths(make_registry: RegistryFactory, in_tmp: Path) -> None:
    make_registry(fetch=container(), broken=container(tools=["a b"]))
    only_good = run_cli(["validate", "fetch"])
    assert (only_good.exit_code, only_good.stdout) == (0, "All 1 file valid.\n")
    by_path = run_cli(["validate", "registry/broken/spec.yaml"])
    assert by_path.exit_code == 1 and "[tool-name]" in by_path.stdout
    unknown = run_cli(["validate", "nope"])
    assert unknown.exit_code == 1 and unknown.stderr.startswith("Error: 'nope' is neither")


def test_warnings_exit_0_unless_strict(make_registry: RegistryFactory, in_tmp: Path) -> None:
    make_registry(fetch=container(image="ghcr.io/example/fetch:latest", version="2.0.0"))
    relaxed = run_cli(["validate"])
    assert relaxed.exit_code == 0 and "warning:" in relaxed.stdout
    strict = run_cli(["validate", "--strict"])
    assert strict.exit_code == 1 and "error:" in strict.stdout and "[image-latest]" in strict.stdout
    assert run_cli(["build", "--strict"]).exit_code == 1
    assert run_cli(["build"]).exit_code == 0


def test_validate_json(make_registry: RegistryFactory, in_tmp: Path) -> None:
    make_registry(
        fetch=container(), broken=container(tier="gold", image="x:latest", version="1.0.0")
    )
    result = run_cli(["validate", "--format", "json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["ok"] is False
    assert (payload["files"], payload["errors"], payload["warnings"]) == (2, 1, 1)
    assert [(d["rule"], d["severity"], d["line"], d["col"]) for d in payload["diagnostics"]] == [
        ("invalid-value", "error", 2, 7),
        ("image-latest", "warning", 5, 8),
    ]
    assert payload["diagnostics"][0]["path"] == "registry/broken/spec.yaml"


def test_validate_github(make_registry: RegistryFactory, in_tmp: Path) -> None:
    make_registry(
        broken=container(tier="gold", env_vars=[{"name": "A", "description": "50%, a: b\nc"}])
    )
    result = run_cli(["validate", "--format", "github"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "::error file=registry/broken/spec.yaml,line=2,col=7,title=invalid-value::"
        "tier is 'gold'; it must be one of Official, Community"
    )
    assert lines[-1] == "1 error, 0 warnings in 1 file."


def test_github_escapes_properties_and_data(make_registry: RegistryFactory, in_tmp: Path) -> None:
    make_registry(**{"a,b": container()})
    result = run_cli(["validate", "--format", "github"])
    (line, _) = result.stdout.splitlines()
    assert line.startswith("::error file=registry/a%2Cb/spec.yaml,line=1,col=1,title=entry-name::")


def test_quiet_drops_the_summary(make_registry: RegistryFactory, in_tmp: Path) -> None:
    make_registry(fetch=container())
    assert run_cli(["-q", "validate"]).stdout == ""
    assert run_cli(["-q", "build"]).stdout == ""


def run_in_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> bytes:
    """Run ``python -m regup`` with a pseudo-terminal as stdout, as a person would."""
    main, secondary = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "regup", *args],
            cwd=cwd,
            env=env,
            stdout=secondary,
            stderr=subprocess.DEVNULL,
            timeout=60,
            check=False,
        )
        os.close(secondary)
        secondary = -1
        out = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            out += chunk
        assert proc.returncode in (0, 1)
        return out
    finally:
        if secondary != -1:
            os.close(secondary)
        os.close(main)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_no_color(make_registry: RegistryFactory, tmp_path: Path) -> None:
    make_registry(broken=container(tier="gold"), fetch=container())
    write_config(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in {"NO_COLOR", "FORCE_COLOR"}}
    env["TERM"] = "xterm-256color"
    coloured = run_in_terminal(["--registry", "registry", "validate"], tmp_path, env)
    assert b"\x1b[" in coloured and b"[invalid-value]" in coloured
    plain = run_in_terminal(
        ["--registry", "registry", "validate"], tmp_path, {**env, "NO_COLOR": "1"}
    )
    assert b"\x1b[" not in plain and b"error: tier is 'gold'" in plain
    listed = run_in_terminal(["--registry", "registry", "list"], tmp_path, {**env, "NO_COLOR": "1"})
    assert b"\x1b[" not in listed and b"fetch" in listed


@pytest.fixture
def catalog(make_registry: RegistryFactory, in_tmp: Path) -> Path:
    return make_registry(
        fetch=container(),
        **{
            "fetch-plus": container(
                description="Downloads pages, more options than fetch.", tools=["download"]
            ),
            "page-reader": container(
                description="Reads documents from disk for the assistant.",
                tools=["fetch", "read"],
                metadata={"stars": 5000},
            ),
            "tracker": remote(),
            "broken": container(tier="nope"),
        },
    )


def test_list_json(catalog: Path) -> None:
    result = run_cli(["list", "--format", "json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == ["fetch", "fetch-plus", "page-reader", "tracker"]
    assert rows[3] == {
        "name": "tracker",
        "kind": "remote",
        "tier": "Official",
        "status": "Active",
        "transport": "streamable-http",
        "stars": 7,
        "description": "Searches the issue tracker of a hosted service.",
    }
    assert "1 invalid file(s) left out" in result.stderr


def test_list_table(catalog: Path) -> None:
    result = run_cli(["list"])
    assert result.exit_code == 0
    header, *rows = result.stdout.splitlines()
    assert header.split()[:6] == ["NAME", "KIND", "TIER", "STATUS", "TRANSPORT", "STARS"]
    assert rows[0].split()[:6] == ["fetch", "container", "Community", "Active", "stdio", "42"]
    assert "4 servers" in result.stdout


def test_info_json(catalog: Path) -> None:
    result = run_cli(["info", "tracker", "--format", "json"])
    assert result.exit_code == 0
    info = json.loads(result.stdout)
    assert (info["name"], info["kind"], info["url"]) == (
        "tracker",
        "remote",
        "https://mcp.example.com/mcp",
    )
    assert info["headers"][0]["name"] == "X-Api-Key"
    assert info["oauth_config"]["issuer"] == "https://auth.example.com"


def test_info_text_shows_every_field(catalog: Path) -> None:
    result = run_cli(["info", "fetch"])
    assert result.exit_code == 0
    for fragment in (
        "name: fetch",
        "image: ghcr.io/example/fetch:1.2.3",
        "tools: fetch",
        "FETCH_TIMEOUT",
    ):
        assert fragment in result.stdout


def test_info_unknown_suggests(catalog: Path) -> None:
    result = run_cli(["info", "fetc"])
    assert result.exit_code == 1
    assert "\nError: no server or skill named 'fetc' in registry." in result.stderr
    assert "Did you mean: fetch" in result.stderr
    assert "Traceback" not in result.output


def test_search_ranks_exact_name_and_tool_first(catalog: Path) -> None:
    hits = json.loads(run_cli(["search", "fetch", "--format", "json"]).stdout)
    names = [h["name"] for h in hits]
    assert names[0] == "fetch"  # exact name (and tool)
    assert names.index("page-reader") < names.index("fetch-plus")  # exact tool beats partial name
    assert hits[0]["score"] > hits[1]["score"]
    assert "name" in hits[0]["matched"] and "tool" in hits[0]["matched"]


def test_search_matches_tags_tools_and_description(catalog: Path) -> None:
    def names(query: str) -> list[str]:
        return [
            h["name"] for h in json.loads(run_cli(["search", query, "--format", "json"]).stdout)
        ]

    assert names("issues") == ["tracker"]  # tag
    assert names("get_issue") == ["tracker"]  # tool
    assert names("documents") == ["page-reader"]  # description
    assert names("markdown fetch") == ["fetch", "fetch-plus", "page-reader"][:1] + [
        n for n in names("markdown fetch") if n != "fetch"
    ]
    assert names("nothing-like-this") == []


def test_search_text_says_when_nothing_matches(catalog: Path) -> None:
    result = run_cli(["search", "zzz"])
    assert (result.exit_code, result.stdout) == (0, "No server or skill matches 'zzz'.\n")


def test_info_shows_the_stored_provenance_check(make_registry: RegistryFactory) -> None:
    from regup.checks import Outcome
    from regup.provenance.state import ProvenanceState, Result, Signer, state_path

    registry = make_registry(fetch=container())
    result = Result(
        name="fetch",
        outcome=Outcome.VERIFIED,
        detail="cosign signature verified",
        digest="sha256:" + "ab" * 32,
        method="cosign-sig",
        signer=Signer(identity="https://github.com/example/fetch/.github/workflows/build.yml"),
        log_index=42,
        checked_at="2026-11-01T00:00:00Z",
    )
    state_path(registry).write_bytes(ProvenanceState({"fetch": result}).dumps())
    shown = run_cli(["--registry", str(registry), "info", "fetch", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    check = json.loads(shown.stdout)["provenance_check"]
    assert check["status"] == "verified" and check["log_index"] == 42
    text = run_cli(["--registry", str(registry), "info", "fetch"])
    assert "provenance_check:" in text.stdout and "status: verified" in text.stdout


HOSTILE_TEXT = "Clears \x1b[2J\x1b]0;owned\x07 the \x9b31m screen \u202e[/x] [bold]"


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["list", "--format", "json"],
        ["info", "hostile"],
        ["info", "hostile", "--format", "json"],
        ["search", "clears"],
        ["search", "clears", "--format", "json"],
    ],
)
def test_control_characters_never_reach_the_terminal(
    args: list[str], make_registry: RegistryFactory
) -> None:
    make_registry(hostile=container(description=HOSTILE_TEXT, title="T\x1b[31mitle"))
    result = run_cli(args)
    assert result.exit_code in (0, 1), result.stderr
    for text in (result.stdout, result.stderr):
        assert not any(ch in text for ch in "\x1b\x07\x9b\u202e"), repr(text)
    if args[0] in ("list", "info") and "json" in args and result.stdout.strip():
        json.loads(result.stdout)  # still JSON, with the characters escaped


@pytest.fixture
def with_skills(make_registry: RegistryFactory, in_tmp: Path) -> Path:
    from tests.helpers import Files, skill, to_yaml

    return make_registry(
        fetch=Files({"spec.yaml": to_yaml(container()), "skill.yaml": skill()["skill.yaml"]}),
        review=skill(status="deprecated", license=None),
    )


def test_list_skills_and_the_servers_footer_counts_them(with_skills: Path) -> None:
    servers = run_cli(["list"])
    assert servers.exit_code == 0
    assert "1 servers (and 2 skills: regup list --skills)" in servers.stdout
    listed = run_cli(["list", "--skills", "--format", "json"])
    rows = json.loads(listed.stdout)
    assert [(r["name"], r["status"], r["license"]) for r in rows] == [
        ("fetch", "active", "Apache-2.0"),
        ("review", "deprecated", None),
    ]
    table = run_cli(["list", "--skills"])
    assert "ghcr" not in table.stdout and "oci, git" in table.stdout
    assert "2 skills" in table.stdout


def test_info_of_a_skill_and_of_a_skill_sharing_a_server_s_name(with_skills: Path) -> None:
    review = json.loads(run_cli(["info", "review", "--format", "json"]).stdout)
    assert (review["kind"], review["version"]) == ("skill", "1.2.0")
    assert review["packages"][0]["identifier"] == "ghcr.io/example/skills/code-review:1.2.0"
    assert json.loads(run_cli(["info", "fetch", "--format", "json"]).stdout)["kind"] == "container"
    skill = run_cli(["info", "fetch", "--skill"])
    assert skill.exit_code == 0 and "kind: skill" in skill.stdout
    missing = run_cli(["info", "nothing", "--skill"])
    assert missing.exit_code == 1 and "no skill named 'nothing'" in missing.stderr


def test_search_lists_skills_with_their_kind(with_skills: Path) -> None:
    hits = json.loads(run_cli(["search", "pull", "request", "--format", "json"]).stdout)
    assert [(h["name"], h["kind"]) for h in hits] == [("fetch", "skill"), ("review", "skill")]


def test_the_console_entry_point_collects_garbage_less_often() -> None:
    """A regup process walks its heap less often than Python's default (700, 10, 10): a
    build holds hundreds of thousands of objects (scripts/bench_build.py measures it)."""
    import gc

    from regup.cli import GC_THRESHOLDS, main

    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)  # Python's defaults (another test may have run main)
        main(["--version"])
        assert gc.get_threshold() == GC_THRESHOLDS
        assert GC_THRESHOLDS[0] > 700
    finally:
        gc.set_threshold(*before)
