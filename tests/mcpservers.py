"""Real MCP servers for tests, written with the official ``mcp`` SDK.

``python tests/mcpservers.py [stdio|crash|silent]`` runs one over stdio (``crash`` exits at
once with a message on stderr, ``silent`` reads its input and never answers);
:func:`serve_mcp` runs the same server over streamable-http or sse on 127.0.0.1 in a
thread, on a port chosen by the operating system.
"""

from __future__ import annotations

import socket
import stat
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

PYTHON = sys.executable
SCRIPT = __file__

#: What the demo server lists, sorted: the names ``regup tools`` must write.
TOOL_NAMES = ["get_conditions", "get_forecast", "list_cities"]


def build_server(extra_tool: bool = False) -> Any:
    """The weather demo server: three tools with typed arguments and one annotated tool."""
    from mcp.server.mcpserver import MCPServer
    from mcp.types import ToolAnnotations

    app = MCPServer("weather-demo", log_level="WARNING")

    @app.tool(annotations=ToolAnnotations(read_only_hint=True))
    def get_forecast(city: str, days: int = 3) -> str:
        """Forecast for a city, day by day."""
        return f"{city}: sunny for {days} days"

    @app.tool(title="Current conditions")
    def get_conditions(city: str) -> str:
        """Current temperature and sky of a city."""
        return f"{city}: 20 degrees"

    @app.tool()
    def list_cities() -> list[str]:
        """Cities the server knows."""
        return ["Lisbon", "Oslo"]

    if extra_tool:

        @app.tool()
        def get_alerts(region: str) -> str:
            """Weather alerts of a region."""
            return f"no alerts in {region}"

    return app


def _silent() -> None:
    # Reads requests and never answers, like a server stuck waiting for something.
    for _line in sys.stdin:
        time.sleep(0.01)
    time.sleep(60)


@dataclass
class RunningServer:
    url: str
    requests: list[dict[str, str]]
    #: The SDK server itself: ``app.add_tool`` / ``app.remove_tool`` change what it lists.
    app: Any = None


@contextmanager
def serve_mcp(
    transport: Literal["streamable-http", "sse"] = "streamable-http",
    *,
    require_header: tuple[str, str] | None = None,
    challenge: str | None = None,
    oauth_metadata: bool = False,
) -> Iterator[RunningServer]:
    """Run the demo server over HTTP on 127.0.0.1; yields its endpoint URL.

    ``require_header`` makes it answer 401 to requests without that header, with
    ``challenge`` as its ``WWW-Authenticate`` header when given; ``oauth_metadata`` serves
    an RFC 9728 protected-resource document at ``/.well-known/oauth-protected-resource``.
    """
    import uvicorn

    app = build_server()
    asgi = app.streamable_http_app() if transport == "streamable-http" else app.sse_app()
    seen: list[dict[str, str]] = []

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            seen.append(headers)
            if oauth_metadata and scope["path"] == "/.well-known/oauth-protected-resource":
                body = b'{"resource": "http://127.0.0.1/mcp", "authorization_servers": []}'
                kind = [(b"content-type", b"application/json")]
                await send({"type": "http.response.start", "status": 200, "headers": kind})
                await send({"type": "http.response.body", "body": body})
                return
            if require_header and headers.get(require_header[0].lower()) != require_header[1]:
                extra = [(b"www-authenticate", challenge.encode())] if challenge else []
                await send({"type": "http.response.start", "status": 401, "headers": extra})
                await send({"type": "http.response.body", "body": b"unauthorized"})
                return
        await asgi(scope, receive, send)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(guarded, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the MCP test server did not start")
        time.sleep(0.01)
    path = "/mcp" if transport == "streamable-http" else "/sse"
    try:
        yield RunningServer(f"http://127.0.0.1:{port}{path}", seen, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def docker_stand_in(folder: Path, modes: Mapping[str, str]) -> Path:
    """A ``docker`` executable in ``folder`` (put it first on PATH) for ``docker run -i
    --rm IMAGE``, as ``regup check --run-containers`` starts a stdio image: it runs this
    module's real stdio server in ``modes[TAG]`` (``stdio``, ``stdio-extra``, ``crash``…)
    for IMAGE's tag, and exits 2 for anything else. Each call's arguments are appended to
    the returned log, one line per call. (Where no docker daemon runs, this is how a
    container handshake is tested: the server and the handshake are real, only the
    container around the process is not.)"""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "docker.log"
    cases = "".join(
        f'  *:{tag}) exec "{PYTHON}" "{SCRIPT}" {mode} ;;\n' for tag, mode in sorted(modes.items())
    )
    shim = folder / "docker"
    shim.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{log}"\n'
        '[ "$1 $2 $3" = "run -i --rm" ] || exit 2\n'
        f'case "$4" in\n{cases}esac\n'
        "exit 2\n"
    )
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return log


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "stdio"
    if mode == "crash":
        print("weather-demo: WEATHER_API_KEY is not set", file=sys.stderr)
        sys.exit(3)
    if mode == "silent":
        _silent()
    elif mode == "http":
        # python tests/mcpservers.py http <streamable-http|sse> <port>: a fixed port, as a
        # container publishing its target_port would.
        import uvicorn

        server = build_server()
        app = server.streamable_http_app() if sys.argv[2] == "streamable-http" else server.sse_app()
        uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[3]), log_level="warning")
    else:
        build_server(extra_tool=mode == "stdio-extra").run("stdio")
