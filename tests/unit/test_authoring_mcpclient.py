"""regup.authoring.mcpclient against real MCP servers (the ``mcp`` SDK) on stdio and 127.0.0.1."""

from __future__ import annotations

import time

import pytest

from regup.authoring.mcpclient import HttpTarget, StdioTarget, list_tools
from regup.errors import McpServerError
from tests.mcpservers import PYTHON, SCRIPT, TOOL_NAMES, serve_mcp


def test_stdio_server_lists_sorted_tools_with_definitions() -> None:
    listing = list_tools(StdioTarget((PYTHON, SCRIPT, "stdio")), timeout=30)
    assert listing.names == TOOL_NAMES
    by_name = {d["name"]: d for d in listing.definitions}
    assert [d["name"] for d in listing.definitions] == TOOL_NAMES
    forecast = by_name["get_forecast"]
    assert forecast["description"] == "Forecast for a city, day by day."
    assert forecast["inputSchema"]["required"] == ["city"]
    assert forecast["inputSchema"]["properties"]["days"]["default"] == 3
    assert forecast["annotations"]["readOnlyHint"] is True
    assert by_name["get_conditions"]["title"] == "Current conditions"
    assert all("_meta" not in d for d in listing.definitions)


@pytest.mark.parametrize("transport", ["streamable-http", "sse"])
def test_http_server_lists_tools(transport: str) -> None:
    with serve_mcp(transport) as server:  # type: ignore[arg-type]
        listing = list_tools(HttpTarget(server.url, transport), timeout=20)  # type: ignore[arg-type]
    assert listing.names == TOOL_NAMES
    assert transport in listing.server


def test_headers_reach_the_server() -> None:
    with serve_mcp(require_header=("X-Api-Key", "s3cret")) as server:
        with pytest.raises(McpServerError, match="HTTP 401.*--header"):
            list_tools(HttpTarget(server.url), timeout=10)
        listing = list_tools(HttpTarget(server.url, headers={"X-Api-Key": "s3cret"}), timeout=10)
    assert listing.names == TOOL_NAMES


def test_server_that_exits_at_once_is_a_clear_error_with_its_stderr() -> None:
    with pytest.raises(McpServerError) as caught:
        list_tools(StdioTarget((PYTHON, SCRIPT, "crash")), timeout=20)
    message = str(caught.value)
    assert "closed the connection before listing its tools" in message
    assert "WEATHER_API_KEY is not set" in message


def test_server_that_never_answers_times_out() -> None:
    started = time.monotonic()
    with pytest.raises(McpServerError, match=r"did not answer within 1 seconds.*--env"):
        list_tools(StdioTarget((PYTHON, SCRIPT, "silent")), timeout=1)
    assert time.monotonic() - started < 15


def test_missing_command_and_unreachable_url() -> None:
    with pytest.raises(McpServerError, match="cannot start '/nonexistent/mcp-server'.*PATH"):
        list_tools(StdioTarget(("/nonexistent/mcp-server",)), timeout=5)
    with pytest.raises(McpServerError, match="cannot reach http://127.0.0.1:9/mcp"):
        list_tools(HttpTarget("http://127.0.0.1:9/mcp"), timeout=5)


def test_command_line_is_split_like_a_shell() -> None:
    target = StdioTarget.from_command_line("uvx 'my server' --flag", {"A": "1"})
    assert target.command == ("uvx", "my server", "--flag")
    assert target.env == {"A": "1"}
    with pytest.raises(McpServerError, match="empty"):
        StdioTarget.from_command_line("  ")
    with pytest.raises(McpServerError, match="cannot read the command"):
        StdioTarget.from_command_line("uvx 'unclosed")
