"""A real HTTP server on 127.0.0.1 for tests: routes are plain functions.

``with serve_http({"/path": handler}) as server: ...`` starts a threaded server on a free
port; a handler gets the request (method, path, query, headers, body) and returns a
:class:`Reply`, or writes the response itself (for streaming). GET, HEAD and POST are
served; a HEAD answer has the headers of the GET answer and no body. ``fallback`` handles
every path without a route (for servers with path parameters, like an OCI registry).
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    handler: BaseHTTPRequestHandler
    method: str = "GET"
    body: bytes = b""


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
        return cls(
            status,
            json.dumps(value).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )


Route = Callable[[Request], Reply | None]


@dataclass
class FakeServer:
    base_url: str
    requests: list[Request]


@contextmanager
def serve_http(routes: dict[str, Route], fallback: Route | None = None) -> Iterator[FakeServer]:
    seen: list[Request] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # As real services do: without it every answer on a kept-alive connection waits
            # about 40 ms for the client's delayed ACK (Nagle's algorithm).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(parts.path, query, dict(self.headers.items()), self, method, body)
            seen.append(request)
            route = routes.get(parts.path, fallback)
            reply = route(request) if route else Reply(404, b"not found")
            if reply is None:
                return
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if method != "HEAD":
                self.wfile.write(reply.body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._serve("GET")

        def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
            self._serve("HEAD")

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            self._serve("POST")

    server = _QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield FakeServer(f"http://127.0.0.1:{server.server_address[1]}", seen)
    finally:
        server.shutdown()
        server.server_close()


class _QuietServer(ThreadingHTTPServer):
    """A client closing a kept-alive connection is no error of the fake's (no traceback in
    the output of the command under test); anything else still prints."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)
