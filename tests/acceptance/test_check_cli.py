"""``regup check`` end to end: a registry folder, real MCP servers and the fake GitHub API."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from tests.conftest import RegistryFactory
from tests.fakeservices import FakeGitHub, FakeRepo, serve_services
from tests.helpers import container, remote, run_cli
from tests.mcpservers import TOOL_NAMES, serve_mcp


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def weather(url: str, **changes: object) -> dict[str, object]:
    fields: dict[str, object] = {"tools": TOOL_NAMES, "headers": None, "oauth_config": None}
    return remote(url=url, **{**fields, **changes})


def test_check_reports_writes_health_json_and_exits_0(make_registry: RegistryFactory) -> None:
    repos = [FakeRepo("org", "weather", stars=3, license="MIT")]
    with serve_services(FakeGitHub(repos)) as services, serve_mcp() as server:
        registry = make_registry(
            weather=weather(server.url, repository_url="https://github.com/org/weather"),
            gone=weather(f"http://127.0.0.1:{free_port()}/mcp"),
            fetch=container(),
        )
        args = ["--registry", str(registry), "check", "--github-api"]
        result = run_cli([*args, services.github_server.base_url, "--no-cache"])
    assert result.exit_code == 0, result.output
    rows = [line.split()[:3] for line in result.stdout.splitlines() if line.strip()]
    assert ["weather", "live", "healthy"] in rows
    assert ["weather", "drift", "unchanged"] in rows
    assert ["weather", "repository", "active"] in rows
    assert ["gone", "live", "unreachable"] in rows
    assert ["fetch", "live", "not-run"] in rows
    assert ["fetch", "image", "not"] in rows  # "not checked yet*": ghcr.io is out of reach
    assert "registry/health.json updated" in result.stdout
    doc = json.loads((registry / "health.json").read_text())
    assert doc["entries"]["weather"]["repository"]["facts"]["license"] == "MIT"
    assert "image" not in doc["entries"]["fetch"]  # ghcr.io is not reachable from a test


def test_json_output_and_no_write(make_registry: RegistryFactory) -> None:
    with serve_mcp("sse") as server:
        registry = make_registry(weather=weather(server.url, transport="sse"))
        result = run_cli(
            ["--registry", str(registry), "check", "--no-write", "--format", "json", "--no-cache"]
        )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["written"] is False
    (entry,) = report["entries"]
    assert entry["signals"]["live"]["state"] == "healthy"
    assert not (registry / "health.json").exists()


def test_nothing_answered_is_exit_1_and_writes_no_server_state(
    make_registry: RegistryFactory,
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    registry = make_registry(
        gone=weather(f"{dead}/mcp", repository_url="https://github.com/org/gone"),
    )
    result = run_cli(
        ["--registry", str(registry), "check", "--github-api", dead, "--no-cache", "--timeout", "2"]
    )
    assert result.exit_code == 1
    assert "Error: nothing could be checked" in result.stderr
    assert "not checked yet*  [no answer: no network answer in this run" in result.stdout
    assert not (registry / "health.json").exists()


def test_run_containers_without_docker_is_a_clear_error(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry(fetch=container())
    result = run_cli(
        ["--registry", str(registry), "check", "--run-containers", "--signal", "live"],
        env={"PATH": str(tmp_path / "nothing")},
    )
    assert result.exit_code == 1
    assert "Error: --run-containers needs docker" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_names_are_a_clear_error(make_registry: RegistryFactory) -> None:
    registry = make_registry(fetch=container())
    result = run_cli(["--registry", str(registry), "check", "nope"])
    assert result.exit_code == 1
    assert "no valid entry named nope" in result.stderr


def test_info_prints_the_score_card_of_the_last_check(make_registry: RegistryFactory) -> None:
    with serve_mcp() as server:
        registry = make_registry(weather=weather(server.url))
        before = run_cli(["--registry", str(registry), "info", "weather"])
        assert "Healthy: Not checked yet: regup check has no result for it yet" in before.stdout
        assert (
            run_cli(
                ["--registry", str(registry), "check", "--signal", "live", "--signal", "drift"]
            ).exit_code
            == 0
        )
    shown = run_cli(["--registry", str(registry), "info", "weather", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    card = {row["label"]: row for row in json.loads(shown.stdout)["score_card"]}
    assert card["Healthy"]["verdict"] == "Healthy"
    assert card["Healthy"]["level"] == "good"
    assert card["Healthy"]["date"].startswith("as of ")
    assert card["Tools unchanged"]["verdict"] == "Unchanged"
    assert "Pinned" not in card
    text = run_cli(["--registry", str(registry), "info", "weather"]).stdout
    assert "score_card:" in text and "  Healthy: Healthy (as of " in text
