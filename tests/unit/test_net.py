"""``net``: clients from ``make_client`` keep a whole exchange, headers included, within
the current ``deadline``; without one they behave as plain httpx clients."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import httpcore
import httpx
import pytest

from regup.enrich.transport import NetworkTimeout, send
from regup.net import _BoundedBackend, deadline, make_client


@contextlib.contextmanager
def header_trickler(pause: float = 0.2) -> Iterator[str]:
    """A raw TCP server on 127.0.0.1 that sends a status line and then one header byte
    every ``pause`` seconds, for ever: httpx's per-read timeout never fires."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            while not stop.is_set():
                conn.sendall(b"X")
                time.sleep(pause)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


def test_every_client_gets_the_bounded_backend() -> None:
    """Fails if httpx or httpcore move the attributes make_client patches."""
    with make_client() as client:
        transport = client._transport
        assert isinstance(transport, httpx.HTTPTransport)
        assert isinstance(transport._pool, httpcore.ConnectionPool)
        assert isinstance(transport._pool._network_backend, _BoundedBackend)


def test_headers_sent_a_byte_at_a_time_end_at_the_deadline() -> None:
    with header_trickler() as url, make_client(timeout=httpx.Timeout(1.0)) as client:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout), deadline(started + 1.0):
            client.get(url)
        assert time.monotonic() - started < 2.0


def test_without_a_deadline_the_trickle_is_only_bounded_per_read() -> None:
    """The attack the deadline exists for: with no deadline the same request runs on."""
    with header_trickler() as url, make_client(timeout=httpx.Timeout(1.0)) as client:
        finished = threading.Event()

        def get() -> None:
            with contextlib.suppress(httpx.HTTPError):
                client.get(url)
            finished.set()

        threading.Thread(target=get, daemon=True).start()
        assert not finished.wait(2.5)  # still receiving header bytes


def test_a_deadline_already_past_fails_at_once() -> None:
    with header_trickler() as url, make_client() as client:
        started = time.monotonic()
        with pytest.raises(httpx.ConnectTimeout), deadline(started - 1):
            client.get(url)
        assert time.monotonic() - started < 0.5


def test_nested_deadlines_keep_the_earlier() -> None:
    with header_trickler() as url, make_client(timeout=httpx.Timeout(5.0)) as client:
        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout), deadline(started + 0.8), deadline(started + 60):
            client.get(url)
        assert time.monotonic() - started < 1.8


def test_refresh_requests_are_bounded_headers_included() -> None:
    """enrich.transport.send: --timeout 1 holds a request at most about a second."""
    with header_trickler() as url, make_client(timeout=httpx.Timeout(1.0)) as client:
        started = time.monotonic()
        with pytest.raises(NetworkTimeout, match="Slow did not answer in time"):
            send(client, "GET", url, "Slow")
        assert time.monotonic() - started < 2.0


def test_registry_requests_are_bounded_headers_included() -> None:
    from regup.provenance.oci import OciUnavailable, exchange

    with header_trickler() as url, make_client() as client:
        started = time.monotonic()
        with pytest.raises(OciUnavailable, match="timed out"):
            exchange(client, "GET", url, what="the registry", limit=1000, seconds=1.0)
        assert time.monotonic() - started < 2.0


def test_import_downloads_are_bounded_headers_included(monkeypatch: pytest.MonkeyPatch) -> None:
    from regup.errors import ImportSourceError
    from regup.importers import sources

    monkeypatch.setattr(sources, "MAX_RESPONSE_SECONDS", 1.0)
    with header_trickler() as url, make_client() as client:
        started = time.monotonic()
        with pytest.raises(ImportSourceError, match="took more than 1 s to send its answer"):
            sources.fetch_json(client, url)
        assert time.monotonic() - started < 2.0
