"""regup tools: the tools list and tools.json brought up to date from a real MCP server."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from regup.authoring.tools import apply_tools
from regup.errors import WriteBackError
from tests.helpers import run_cli, write_registry
from tests.mcpservers import PYTHON, SCRIPT, TOOL_NAMES, serve_mcp

SPEC = """\
# The weather demo.
description: Looks up current conditions and forecasts for any city.
tier: Community
status: Active
transport: stdio
image: ghcr.io/example/weather-mcp:1.2.0
tools:
  - get_forecast   # the one people use
  # more tools to come
  - old_tool
# Env vars: ask the provider for a key.
env_vars:
  - name: WEATHER_API_KEY
    description: API key of your weather account
    required: false
"""


def command(mode: str = "stdio") -> str:
    return shlex.join([PYTHON, SCRIPT, mode])


@pytest.fixture
def registry(in_tmp: Path) -> Path:
    return write_registry(in_tmp / "registry", weather=SPEC)


def test_writes_sorted_names_keeping_comments_and_shows_the_diff(registry: Path) -> None:
    result = run_cli(["tools", "weather", "--command", command()])
    assert result.exit_code == 0, result.output
    assert "-  - old_tool" in result.stdout and "+  - list_cities" in result.stdout
    assert "added get_conditions, list_cities" in result.stdout
    assert "removed old_tool" in result.stdout
    text = (registry / "weather" / "spec.yaml").read_text()
    assert text == SPEC.replace(
        "tools:\n  - get_forecast   # the one people use\n  # more tools to come\n  - old_tool\n",
        "tools:\n  # more tools to come\n  - get_conditions\n  - get_forecast  # the one people use\n"
        "  - list_cities\n",
    )
    assert not (registry / "weather" / "tools.json").exists()
    assert run_cli(["validate", "weather"]).exit_code == 0
    again = run_cli(["tools", "weather", "--command", command(), "--check"])
    assert again.exit_code == 0 and "up to date (3 tools" in again.stdout


def test_definitions_file_is_written_and_used_by_the_outputs(registry: Path) -> None:
    result = run_cli(["tools", "weather", "--command", command(), "--definitions"])
    assert result.exit_code == 0, result.output
    definitions = json.loads((registry / "weather" / "tools.json").read_text())
    assert [d["name"] for d in definitions] == TOOL_NAMES
    assert definitions[1]["inputSchema"]["properties"]["city"]["type"] == "string"
    assert "+++ b/registry/weather/tools.json" in result.stdout
    built = run_cli(["build", "--out", "dist", "--no-site"])
    assert built.exit_code == 0, built.output
    toolhive = json.loads(Path("dist/registry.json").read_text())
    assert toolhive["servers"]["weather"]["tool_definitions"] == definitions
    upstream = json.loads(Path("dist/upstream/registry.json").read_text())
    meta = upstream["data"]["servers"][0]["_meta"]
    block = meta["io.modelcontextprotocol.registry/publisher-provided"]["io.github.stacklok"]
    assert block["ghcr.io/example/weather-mcp:1.2.0"]["tool_definitions"] == definitions


def test_check_exits_1_when_out_of_date_and_writes_nothing(registry: Path) -> None:
    before = (registry / "weather" / "spec.yaml").read_bytes()
    result = run_cli(["tools", "weather", "--command", command(), "--check", "--definitions"])
    assert result.exit_code == 1
    assert "out of date" in result.stderr and "+  - list_cities" in result.stdout
    assert (registry / "weather" / "spec.yaml").read_bytes() == before
    assert not (registry / "weather" / "tools.json").exists()


def test_an_existing_tools_json_is_refreshed_without_the_flag(registry: Path) -> None:
    assert run_cli(["tools", "weather", "--command", command(), "--definitions"]).exit_code == 0
    result = run_cli(["tools", "weather", "--command", command("stdio-extra"), "--check"])
    assert result.exit_code == 1
    assert '+    "name": "get_alerts"' in result.stdout


@pytest.mark.parametrize("mode", ["crash", "silent"])
def test_failing_servers_leave_every_file_untouched(registry: Path, mode: str) -> None:
    before = (registry / "weather" / "spec.yaml").read_bytes()
    args = ["tools", "weather", "--command", command(mode), "--definitions", "--timeout", "1"]
    result = run_cli(args)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    expected = "closed the connection" if mode == "crash" else "did not answer within 1 seconds"
    assert result.stderr.startswith("Error: ") and expected in result.stderr
    assert (registry / "weather" / "spec.yaml").read_bytes() == before
    assert not (registry / "weather" / "tools.json").exists()


def test_remote_entry_uses_its_own_url_and_headers(in_tmp: Path) -> None:
    with serve_mcp("streamable-http", require_header=("Authorization", "Bearer t0k")) as server:
        write_registry(
            in_tmp / "registry",
            hosted=(
                "description: Hosted weather forecasts for any city.\ntier: Official\n"
                f"status: Active\ntransport: streamable-http\nurl: {server.url}\ntools: [x]\n"
            ),
        )
        refused = run_cli(["tools", "hosted"])
        assert refused.exit_code == 1 and "HTTP 401" in refused.stderr
        result = run_cli(["tools", "hosted", "--header", "Authorization=Bearer t0k"])
    assert result.exit_code == 0, result.output
    spec = (in_tmp / "registry" / "hosted" / "spec.yaml").read_text()
    assert "tools: [get_conditions, get_forecast, list_cities]\n" in spec


def test_container_entry_without_command_says_what_to_give(registry: Path) -> None:
    result = run_cli(["tools", "weather"])
    assert result.exit_code == 1
    assert "docker run -i --rm ghcr.io/example/weather-mcp:1.2.0" in result.stderr
    assert run_cli(["tools", "nope", "--command", "x"]).stderr.startswith(
        "Error: no entry named 'nope'"
    )
    bad = run_cli(["tools", "weather", "--command", "x", "--env", "NOEQUALS"])
    assert bad.exit_code == 2 and "NAME=VALUE" in bad.stderr


def test_declared_env_vars_are_passed_from_the_environment(registry: Path) -> None:
    env_check = "import os, sys; sys.exit(0 if os.environ.get('WEATHER_API_KEY') == 'k1' else 4)"
    script = registry.parent / "env_server.py"
    script.write_text(
        f"{env_check.replace('sys.exit(0 if', 'ok = (').replace(' else 4)', ')')}\n"
        "import sys\n"
        f"sys.argv = [sys.argv[0], 'stdio' if ok else 'crash']\n"
        f"exec(open({SCRIPT!r}).read())\n"
    )
    result = run_cli(
        ["tools", "weather", "--command", shlex.join([PYTHON, str(script)])],
        env={"WEATHER_API_KEY": "k1"},
    )
    assert result.exit_code == 0, result.output


# --- apply_tools on its own ------------------------------------------------------------


def test_apply_tools_inserts_a_missing_list_before_later_keys() -> None:
    text = "description: x\n# about env\nenv_vars: []\n"
    assert apply_tools(text, ["a"]) == "description: x\ntools:\n  - a\n# about env\nenv_vars: []\n"


def test_apply_tools_quotes_names_yaml_would_misread() -> None:
    out = apply_tools("tools:\n  - a\n", ["yes", "123", "ok"])
    assert out == "tools:\n  - 'yes'\n  - '123'\n  - ok\n"


def test_apply_tools_refuses_a_file_it_cannot_read() -> None:
    with pytest.raises(WriteBackError, match="not a block mapping"):
        apply_tools("- a\n- b\n", ["x"])
