"""``regup.serve``: cached reads that see every change and never leave the folder, the skills
API, and the HTTP/1.1 connection (keep-alive, pipelining, refusals, idle timeout)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from regup.errors import ConfigError
from regup.serve import (
    App,
    DirectoryFiles,
    MemoryFiles,
    Output,
    PreviewApp,
    Response,
    Server,
    _accepts_gzip,
    etag_of,
    make_server,
)
from tests.helpers import TEST_NAMESPACE


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(b"one")
    files = DirectoryFiles(tmp_path)
    assert files.read("a.json") == b"one"
    (tmp_path / "a.json").write_bytes(b"two!")  # a rebuild: new size
    assert files.read("a.json") == b"two!"
    replacement = tmp_path / ".new"
    replacement.write_bytes(b"tri!")  # same size, new inode (atomic rename, as builds do)
    os.replace(replacement, tmp_path / "a.json")
    assert files.read("a.json") == b"tri!"


def test_a_file_swapped_for_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "a.json").write_bytes(b"inside")
    (tmp_path / "secret").write_bytes(b"outside")
    files = DirectoryFiles(root)
    assert files.read("a.json") == b"inside"
    (root / "a.json").unlink()
    (root / "a.json").symlink_to(tmp_path / "secret")
    assert files.read("a.json") is None


def test_folders_and_missing_files_are_none(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    files = DirectoryFiles(tmp_path)
    assert files.read("dir") is None
    assert files.read("nope.json") is None
    assert files.read("bad\x00name") is None


def test_etag_depends_on_the_bytes_only() -> None:
    assert etag_of(b"x" * 10) == etag_of(bytes(b"x" * 10))
    assert etag_of(b"x") != etag_of(b"y")


def test_accept_encoding_is_parsed_with_q_values() -> None:
    assert _accepts_gzip("gzip, deflate, br")
    assert _accepts_gzip("br;q=1.0, *;q=0.5")
    assert not _accepts_gzip("gzip;q=0")
    assert not _accepts_gzip("identity")
    assert not _accepts_gzip("")


# --- the skills extension, answered as the ToolHive Registry Server answers it ----------------


def skills_app(count: int = 7) -> PreviewApp:
    from regup.emit.api import emit_api
    from regup.emit.canonical import EmitContext
    from regup.model import Registry, Skill
    from tests.helpers import SKILL, TEST_CONFIG

    skills = tuple(
        Skill.from_document(
            f"skill-{i}",
            {
                **SKILL,
                "description": f"Skill number {i} for testing the pages.",
                "status": "deprecated" if i % 3 == 0 else "active",
            },
        )
        for i in range(count)
    )
    artifacts = emit_api(
        Registry(entries=(), skills=skills),
        EmitContext(config=TEST_CONFIG, timestamp="2025-07-01T00:00:00Z"),
    )
    return PreviewApp(MemoryFiles(artifacts))


def get(app: PreviewApp, target: str) -> tuple[int, Any]:
    response = app.handle("GET", target)
    return response.status, json.loads(response.body)


def test_skills_are_paged_with_limit_and_cursor_and_visited_once() -> None:
    app = skills_app()
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        status, body = get(app, f"/v0.1/x/dev.toolhive/skills?limit=3&cursor={cursor}")
        assert status == 200
        assert body["metadata"]["count"] == len(body["skills"]) <= 3
        seen += [s["name"] for s in body["skills"]]
        pages += 1
        cursor = body["metadata"].get("nextCursor", "")
        if not cursor:
            break
    assert pages == 3
    assert seen == [f"skill-{i}" for i in range(7)]


def test_the_default_page_is_50_and_the_limit_at_most_100() -> None:
    app = skills_app(60)
    status, body = get(app, "/v0.1/x/dev.toolhive/skills")
    assert status == 200 and body["metadata"]["count"] == 50
    assert body["metadata"]["nextCursor"] == f"{TEST_NAMESPACE}/skill-53"  # sorted as text
    assert get(app, "/v0.1/x/dev.toolhive/skills?limit=101")[0] == 400
    assert get(app, "/v0.1/x/dev.toolhive/skills?limit=0")[0] == 400
    assert get(app, "/v0.1/x/dev.toolhive/skills?cursor=nonsense")[0] == 400


def test_skills_search_and_status_filters() -> None:
    app = skills_app()
    _, body = get(app, "/v0.1/x/dev.toolhive/skills?search=NUMBER%204")
    assert [s["name"] for s in body["skills"]] == ["skill-4"]
    _, body = get(app, "/v0.1/x/dev.toolhive/skills?status=deprecated")
    assert [s["name"] for s in body["skills"]] == ["skill-0", "skill-3", "skill-6"]
    _, body = get(app, "/v0.1/x/dev.toolhive/skills?status=active,deprecated")
    assert body["metadata"]["count"] == 7


def test_one_skill_its_versions_and_one_version() -> None:
    app = skills_app()
    ns = TEST_NAMESPACE
    status, latest = get(app, f"/v0.1/x/dev.toolhive/skills/{ns}/skill-1")
    assert status == 200 and latest["name"] == "skill-1" and latest["version"] == "1.2.0"
    assert get(app, f"/v0.1/x/dev.toolhive/skills/{ns}/skill-1/versions/1.2.0") == (200, latest)
    assert get(app, f"/v0.1/x/dev.toolhive/skills/{ns}/skill-1/versions/latest") == (200, latest)
    assert get(app, f"/v0.1/x/dev.toolhive/skills/{ns}/skill-1/versions") == (
        200,
        {"skills": [latest], "metadata": {"count": 1}},
    )
    assert get(app, f"/v0.1/x/dev.toolhive/skills/{ns}/skill-1/versions/9.9.9")[0] == 404
    assert get(app, f"/v0.1/x/dev.toolhive/skills/{ns}/nope")[0] == 404
    assert get(app, "/v0.1/x/dev.toolhive/skills/only-namespace")[0] == 404


# --- the HTTP/1.1 connection: keep-alive, pipelining and what it refuses ----------------------


class EchoApp:
    """Answers every request with its method and target, so a test sees what arrived."""

    def handle(self, method: str, target: str, accept: str = "") -> Response:
        return Response(200, f"{method} {target}".encode(), "text/plain")


@contextlib.contextmanager
def running(app: App) -> Iterator[Server]:
    """``app`` served on a free port of 127.0.0.1 by a thread of its own."""
    server = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
    assert not thread.is_alive(), "shutdown did not stop the server"


@pytest.fixture
def http_server() -> Iterator[Server]:
    with running(EchoApp()) as server:
        yield server


def exchange(server: Server, data: bytes, *, timeout: float = 5.0) -> bytes:
    """Send ``data`` on one connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", server.server_port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def answers(raw: bytes, *, heads: Sequence[int] = ()) -> list[tuple[int, dict[str, str], bytes]]:
    """The responses in ``raw``, each as (status, lowercase headers, body); the answers
    numbered in ``heads`` are to HEAD requests (a length, no body)."""
    found: list[tuple[int, dict[str, str], bytes]] = []
    while raw:
        head, _, raw = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = dict(
            (name.lower(), value.strip())
            for name, _, value in (line.partition(":") for line in lines[1:])
        )
        length = 0 if len(found) in heads else int(headers.get("content-length", "0"))
        found.append((int(lines[0].split(" ")[1]), headers, raw[:length]))
        raw = raw[length:]
    return found


def test_pipelined_requests_are_answered_in_order_on_one_connection(http_server: Server) -> None:
    raw = exchange(
        http_server,
        b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
        b"HEAD /two HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    got = answers(raw, heads=[1])
    assert [(status, body) for status, _, body in got] == [
        (200, b"GET /one"),
        (200, b""),
        (200, b"GET /three"),
    ]
    assert got[1][1]["content-length"] == "9"  # HEAD: the length it would have, no body
    assert got[2][1]["connection"] == "close"


def test_http_1_0_closes_unless_it_asks_for_keep_alive(http_server: Server) -> None:
    got = answers(exchange(http_server, b"GET /a HTTP/1.0\r\n\r\nGET /b HTTP/1.0\r\n\r\n"))
    assert [body for _, _, body in got] == [b"GET /a"]  # the second request is never read
    got = answers(
        exchange(
            http_server,
            b"GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n",
        )
    )
    assert [body for _, _, body in got] == [b"GET /a", b"GET /b"]
    assert got[0][1]["connection"] == "keep-alive"


@pytest.mark.parametrize(
    ("request_head", "status"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /a HTTP/1.1 extra\r\n\r\n", 400),
        (b"GET /a HTTP/2.0\r\n\r\n", 505),
        (b"GET /a HTTP/1.1\r\nno colon here\r\n\r\n", 400),
        (b"GET ftp://host/a HTTP/1.1\r\n\r\n", 400),
        (b"GET /a HTTP/1.1\r\n" + b"X-A: b\r\n" * 101 + b"\r\n", 431),
        (b"GET /a HTTP/1.1\r\nX-Long: " + b"a" * 70_000, 431),  # never ends
    ],
)
def test_a_malformed_request_is_a_problem_answer_and_the_connection_closes(
    http_server: Server, request_head: bytes, status: int
) -> None:
    got = answers(exchange(http_server, request_head + b"GET /after HTTP/1.1\r\n\r\n"))
    assert len(got) == 1, "nothing after a bad request may be answered"
    got_status, headers, body = got[0]
    assert got_status == status
    assert headers["content-type"] == "application/problem+json"
    assert headers["connection"] == "close"
    assert json.loads(body)["status"] == status


def test_a_request_with_a_body_is_answered_and_the_connection_closed(http_server: Server) -> None:
    got = answers(
        exchange(
            http_server,
            b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\n\r\n",
        )
    )
    assert [(status, body) for status, _, body in got] == [(200, b"POST /a")]
    assert got[0][1]["connection"] == "close"


@pytest.mark.parametrize(
    ("target", "seen"),
    [
        (b"//evil.example/x", b"GET /evil.example/x"),  # never a network path
        (b"http://host:8080/v0.1/servers?limit=1", b"GET /v0.1/servers?limit=1"),
    ],
)
def test_request_targets_are_reduced_to_a_path(
    http_server: Server, target: bytes, seen: bytes
) -> None:
    got = answers(
        exchange(http_server, b"GET " + target + b" HTTP/1.1\r\nConnection: close\r\n\r\n")
    )
    assert got[0][2] == seen


def test_an_idle_connection_is_closed_after_the_idle_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("regup.serve.IDLE_TIMEOUT", 0.3)
    with (
        running(EchoApp()) as server,
        socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock,
    ):
        sock.sendall(b"GET /a HTTP/1.1\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
        started = time.monotonic()
        assert sock.recv(65536) == b"", "the server closes the idle connection"
        assert 0.2 < time.monotonic() - started < 3


def test_shutdown_does_not_wait_for_idle_keep_alive_clients(http_server: Server) -> None:
    sock = socket.create_connection(("127.0.0.1", http_server.server_port), timeout=5)
    sock.sendall(b"GET /a HTTP/1.1\r\n\r\n")
    assert sock.recv(65536).startswith(b"HTTP/1.1 200 ")
    started = time.monotonic()
    http_server.shutdown()
    assert sock.recv(65536) == b""  # closed by the server, not by a timeout
    assert time.monotonic() - started < 2
    sock.close()


def test_a_port_in_use_is_a_config_error() -> None:
    server = make_server(EchoApp(), "127.0.0.1", 0)
    try:
        with pytest.raises(ConfigError, match="pick another --port"):
            make_server(EchoApp(), "127.0.0.1", server.server_port)
    finally:
        server.server_close()


class StreamApp:
    """Answers with an event stream that sends one event, then waits to be released."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def handle(self, method: str, target: str, accept: str = "") -> Response:
        def stream(out: Output) -> None:
            out.write(b"data: hello\n\n")
            out.flush()
            self.release.wait(10)

        return Response(200, content_type="text/event-stream", stream=stream)


def test_a_streamed_answer_is_written_and_what_the_client_sends_meanwhile_is_dropped() -> None:
    app = StreamApp()
    with (
        running(app) as server,
        socket.create_connection(("127.0.0.1", server.server_port), timeout=5) as sock,
    ):
        try:
            sock.sendall(b"GET /events HTTP/1.1\r\n\r\n")
            received = b""
            while b"data: hello\n\n" not in received:
                received += sock.recv(65536)
            assert received.startswith(b"HTTP/1.1 200 OK\r\n")
            assert b"Content-Type: text/event-stream\r\n" in received
            sock.sendall(b"x" * 4_000_000)  # read and dropped, never buffered
            time.sleep(0.2)
            assert [len(c.buffer) for c in list(server.connections)] == [0]
            app.release.set()
            while sock.recv(65536):
                pass  # the stream ended: the server closes the connection
        finally:
            app.release.set()


class FailingApp:
    """Fails on ``/boom``, answers everything else."""

    def handle(self, method: str, target: str, accept: str = "") -> Response:
        if target == "/boom":
            raise RuntimeError("broken on purpose")
        return Response(200, b"fine", "text/plain")


def test_an_error_while_answering_is_a_500_and_the_connection_goes_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with running(FailingApp()) as server:
        raw = exchange(
            server, b"GET /boom HTTP/1.1\r\n\r\nGET /ok HTTP/1.1\r\nConnection: close\r\n\r\n"
        )
    got = answers(raw)
    assert [(status, h["content-type"]) for status, h, _ in got] == [
        (500, "application/problem+json"),
        (200, "text/plain"),
    ]
    assert "broken on purpose" not in got[0][2].decode()  # the log has it, not the client
    assert "internal error on '/boom'" in capsys.readouterr().err


class BigApp:
    """Answers with 16 MB: more than the kernel's socket buffers hold."""

    body = bytes(range(256)) * 65536

    def handle(self, method: str, target: str, accept: str = "") -> Response:
        return Response(200, self.body, "application/octet-stream")


def _slow_client(server: Server) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window
    sock.settimeout(10)
    sock.connect(("127.0.0.1", server.server_port))
    sock.sendall(b"GET /big HTTP/1.1\r\nConnection: close\r\n\r\n")
    return sock


def test_a_client_still_reading_a_long_answer_is_not_cut_off_as_idle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("regup.serve.IDLE_TIMEOUT", 0.5)
    with running(BigApp()) as server, _slow_client(server) as sock:
        received = bytearray()
        slow_until = time.monotonic() + 2.0  # four idle timeouts of reading slowly
        while chunk := sock.recv(1 << 20):
            received += chunk
            if time.monotonic() < slow_until:
                # under 1 MB a second: the kernel's send queue drains long before this
                # side may write again, so only that queue shows the client is reading
                time.sleep(0.005)
    assert received.endswith(BigApp.body)


def test_a_client_that_stops_reading_loses_its_answer_after_the_idle_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("regup.serve.IDLE_TIMEOUT", 0.3)
    with running(BigApp()) as server, _slow_client(server) as sock:
        time.sleep(0.3)
        deadline = time.monotonic() + 5
        while server.connections and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not server.connections, "the server let the connection go"
        received = bytearray()
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(1 << 20):
                received += chunk
    assert len(received) < len(BigApp.body)
