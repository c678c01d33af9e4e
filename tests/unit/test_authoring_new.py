"""regup new: from flags, from prompts (CliRunner input) and from a fake GitHub on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from regup.cli import cli
from regup.entryfile import OPTIONAL_FIELD_HINTS
from tests.helpers import run_cli
from tests.httpfake import FakeServer, Reply, Request, serve_http

REPO: dict[str, Any] = {
    "id": 1,
    "name": "weather-mcp",
    "full_name": "example/weather-mcp",
    "html_url": "https://github.com/example/weather-mcp",
    "description": "Weather forecasts and conditions for AI assistants.",
    "stargazers_count": 1234,
    "license": {"key": "apache-2.0", "name": "Apache License 2.0", "spdx_id": "Apache-2.0"},
    "homepage": "https://weather.example",
    "topics": ["mcp", "weather", "Forecast", "climate-data"],
    "pushed_at": "2026-01-02T03:04:05Z",
    "archived": False,
}


@pytest.fixture
def github() -> Iterator[FakeServer]:
    def repo(request: Request) -> Reply:
        return Reply.json(REPO)

    def private(request: Request) -> Reply:
        return Reply.json({"message": "Not Found"}, status=404)

    with serve_http({"/repos/example/weather-mcp": repo, "/repos/example/nope": private}) as s:
        yield s


def spec(root: Path, name: str = "weather") -> str:
    return (root / "registry" / name / "spec.yaml").read_text()


def test_from_flags_writes_a_valid_file_with_optional_field_hints(in_tmp: Path) -> None:
    result = run_cli(
        [
            "new", "weather", "--image", "ghcr.io/example/weather-mcp:1.2.0",
            "--description", "Looks up current conditions and forecasts for any city.",
            "--tool", "get_forecast", "--tool", "get_conditions", "--tag", "weather",
            "--env", "WEATHER_API_KEY:secret:required=API key of your weather account",
            "--env", "WEATHER_UNITS", "--allow-host", "api.weather.example",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = spec(in_tmp)
    assert text.startswith(
        "description: Looks up current conditions and forecasts for any city.\n"
        "tier: Community\nstatus: Active\ntransport: stdio\n"
        "image: ghcr.io/example/weather-mcp:1.2.0\ntags:\n  - weather\n"
        "tools:\n  - get_conditions\n  - get_forecast\n"
    )
    assert "    required: true\n    secret: true\n" in text
    assert "  - name: WEATHER_UNITS\n    description: Value of the WEATHER_UNITS" in text
    assert "      allow_host:\n        - api.weather.example\n      allow_port: [443]\n" in text
    assert "# Optional fields not set" in text
    for key in ("title", "overview", "license", "repository_url"):
        assert f"#   {key} " in text
    assert "#   tags" not in text and "#   env_vars" not in text
    assert set(OPTIONAL_FIELD_HINTS) >= {"title", "license"}
    assert run_cli(["validate", "weather", "--strict"]).exit_code == 0
    assert "namespace" not in result.stderr  # the registry has one


def test_new_in_a_registry_without_namespace_says_how_to_set_one(in_tmp: Path) -> None:
    (in_tmp / "regup.toml").unlink()
    result = run_cli(
        ["new", "weather", "--image", "ghcr.io/example/weather-mcp:1.2.0", "--no-input", "--tool", "get_forecast",
         "--description", "Looks up current conditions and forecasts for any city."]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (in_tmp / "registry" / "weather" / "spec.yaml").is_file()
    assert "warning: no regup.toml found" in result.stderr
    assert 'namespace = "io.github.your-org"' in result.stderr


def test_a_remote_or_latest_image_needs_a_version_and_none_is_invented(in_tmp: Path) -> None:
    base = ["--description", "Hosted tickets and projects of Example.", "--tool", "t"]
    for where in (["--url", "https://mcp.example.com/mcp"], ["--image", "ghcr.io/e/w:latest"]):
        refused = run_cli(["new", "hosted", *where, *base, "--no-input"])
        assert refused.exit_code == 2, refused.output
        assert "missing --version" in refused.stderr
    assert not (in_tmp / "registry" / "hosted").exists()
    tagged = run_cli(["new", "tagged", "--image", "ghcr.io/e/w:v1.2.0", *base, "--no-input"])
    assert tagged.exit_code == 0, tagged.output  # the tag is the version
    assert "\nversion:" not in spec(in_tmp, "tagged")


def test_remote_from_flags_with_headers(in_tmp: Path) -> None:
    result = run_cli(
        [
            "new", "hosted", "--url", "https://mcp.example.com/mcp", "--no-input",
            "--description", "Hosted tickets and projects of Example.", "--tier", "Official",
            "--tool", "search_tickets", "--header", "Authorization:secret:required=Bearer token",
            "--version", "2.3.0",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = spec(in_tmp, "hosted")
    assert "transport: streamable-http\nurl: https://mcp.example.com/mcp\n" in text
    assert "version: 2.3.0\n" in text
    assert "headers:\n  - name: Authorization\n" in text
    assert run_cli(["validate", "hosted", "--strict"]).exit_code == 0


def test_prompts_ask_again_until_each_value_is_valid(in_tmp: Path) -> None:
    answers = [
        "",  # no GitHub repository
        "container",
        "Not An Image!",  # rejected, asked again
        "ghcr.io/example/weather-mcp:1.2.0",
        "sse",
        "9000",
        "Too short",  # rejected
        "Looks up current conditions and forecasts for any city.",
        "Weather",
        "Official",
        "https://github.com/example/weather-mcp",
        "weather, Bad Tag",  # rejected
        "weather, forecasts",
        "",  # no tools: asked again
        "get_forecast, get_conditions",
        "WEATHER_API_KEY",
        "API key of your weather account",
        "y",
        "y",
        "",
    ]
    runner = CliRunner()
    result = runner.invoke(
        cli, ["--registry", "registry", "new", "weather"], input="".join(a + "\n" for a in answers)
    )
    assert result.exit_code == 0, result.output
    assert result.output.count("Error: ") == 3, result.output
    assert result.output.count("Tool names, comma-separated: ") == 2
    assert "is not an image reference" in result.output
    assert "10 to 100 characters" in result.output
    assert "fix Bad Tag" in result.output
    text = spec(in_tmp)
    assert "title: Weather\n" in text and "tier: Official\n" in text
    assert "transport: sse\n" in text and "target_port: 9000\n" in text
    assert "tags:\n  - weather\n  - forecasts\n" in text
    assert "    required: true\n    secret: true\n" in text
    assert run_cli(["validate", "weather", "--strict"]).exit_code == 0


def test_from_github_fills_facts_and_flags_win(in_tmp: Path, github: FakeServer) -> None:
    result = run_cli(
        [
            "new", "weather", "--from-github", "example/weather-mcp",
            "--github-api", github.base_url, "--image", "ghcr.io/example/weather-mcp:1.2.0",
            "--tool", "get_forecast", "--title", "Weather",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [r.path for r in github.requests] == ["/repos/example/weather-mcp"]
    text = spec(in_tmp)
    assert "description: Weather forecasts and conditions for AI assistants.\n" in text
    assert "repository_url: https://github.com/example/weather-mcp\n" in text
    assert "website_url: https://weather.example\n" in text
    assert "license: Apache-2.0\n" in text
    assert "tags:\n  - weather\n  - climate-data\n" in text  # mcp is noise, Forecast not a tag
    assert "metadata:\n  stars: 1234\n  last_updated: '2026-01-02T03:04:05Z'\n" in text
    assert "title: Weather\n" in text
    assert run_cli(["validate", "weather", "--strict"]).exit_code == 0


def test_from_github_unknown_repository_is_a_clear_error(in_tmp: Path, github: FakeServer) -> None:
    result = run_cli(
        ["new", "weather", "--from-github", "example/nope", "--github-api", github.base_url,
         "--image", "ghcr.io/example/w:1", "--tool", "t", "--no-input"]
    )  # fmt: skip
    assert result.exit_code == 1
    assert "has no repository example/nope" in result.stderr
    assert not (in_tmp / "registry" / "weather").exists()


def test_mistakes_are_clear_and_write_nothing(in_tmp: Path) -> None:
    missing = run_cli(["new", "weather", "--no-input", "--image", "ghcr.io/example/w:1"])
    assert missing.exit_code == 2
    assert "missing --description, --tool" in missing.stderr
    bad_name = run_cli(
        ["new", "Weather_1", "--image", "ghcr.io/e/w:1", "--description", "Some weather tool here.",
         "--tool", "t"]
    )  # fmt: skip
    assert bad_name.exit_code == 1 and "not a valid entry name" in bad_name.stderr
    both = run_cli(
        ["new", "weather", "--image", "ghcr.io/e/w:1", "--url", "https://x.example/mcp",
         "--description", "Some weather tool here.", "--tool", "t"]
    )  # fmt: skip
    assert both.exit_code == 1 and "exactly one of --image" in both.stderr
    bad_env = run_cli(["new", "weather", "--env", "WEATHER:maybe"])
    assert bad_env.exit_code == 2 and "unknown flag 'maybe'" in bad_env.stderr
    assert not (in_tmp / "registry").exists() or not any((in_tmp / "registry").iterdir())


def test_existing_entry_needs_overwrite(in_tmp: Path) -> None:
    args = ["new", "weather", "--image", "ghcr.io/e/w:1", "--description",
            "Some weather tool here.", "--tool", "t"]  # fmt: skip
    assert run_cli(args).exit_code == 0
    again = run_cli([*args[:-1], "other"])
    assert again.exit_code == 1 and "already exists" in again.stderr
    assert "  - t\n" in spec(in_tmp)
    assert run_cli([*args[:-1], "other", "--overwrite"]).exit_code == 0
    assert "  - other\n" in spec(in_tmp)


def test_dry_run_prints_and_writes_nothing(in_tmp: Path) -> None:
    result = run_cli(
        ["new", "weather", "--image", "ghcr.io/e/w:latest", "--description",
         "Some weather tool here.", "--tool", "t", "--dry-run", "--version", "0.4.1"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("description: Some weather tool here.\n")
    assert "[image-latest]" in result.stderr
    assert not (in_tmp / "registry" / "weather").exists()
