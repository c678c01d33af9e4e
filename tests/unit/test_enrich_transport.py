"""``enrich.transport``: rate-limit headers, the waits they ask for, and the pacing rules,
with a fake clock (no real sleeps)."""

from __future__ import annotations

import socket

import httpx
import pytest

from regup.enrich.transport import (
    SECONDARY_LIMIT_WAIT,
    NetworkTimeout,
    Pacer,
    RateLimit,
    StopRefresh,
    json_body,
    limit_wait,
    send,
)
from regup.errors import NetworkError


def test_rate_limit_headers() -> None:
    state = RateLimit.from_headers(
        {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "100"}
    )
    assert state == RateLimit(limit=5000, remaining=0, reset=100.0, resource=None)
    assert RateLimit.from_headers({}) is None


@pytest.mark.parametrize("bogus", ["nan", "inf", "-inf", "1e400", "-3", "lots"])
def test_bogus_numbers_in_headers_are_ignored_not_a_crash(bogus: str) -> None:
    """Attack: NaN or infinity in x-ratelimit-* headers ended the refresh with a traceback."""
    assert RateLimit.from_headers({"x-ratelimit-remaining": bogus}) is None
    state = RateLimit.from_headers({"x-ratelimit-remaining": "3", "x-ratelimit-reset": bogus})
    assert state is not None and state.remaining == 3 and state.reset is None
    wait = limit_wait(429, {"retry-after": bogus}, "", now=1000.0)
    assert wait is not None and wait[0] == SECONDARY_LIMIT_WAIT and wait[2] == 1000.0 + wait[0]


def test_limit_wait_reads_each_kind_of_limit() -> None:
    assert limit_wait(200, {}, "", now=0) is None
    assert limit_wait(403, {}, "forbidden", now=0) is None
    assert limit_wait(403, {"retry-after": "30"}, "", now=10)[:1] == (30.0,)  # type: ignore[index]
    used_up = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "110"}
    assert limit_wait(403, used_up, "", now=100) == (11.0, "primary rate limit used up", 110.0)
    assert limit_wait(403, {}, "You have exceeded a secondary rate limit", now=0) is not None


def test_pacer_waits_within_bounds_on_a_fake_clock() -> None:
    slept: list[float] = []
    pacer = Pacer(max_wait=60, sleep=slept.append, clock=lambda: 100.0)
    pacer.before(RateLimit(remaining=0, reset=130.0))
    pacer.before(RateLimit(remaining=5, reset=130.0))  # requests left: no wait
    pacer.back_off(0)
    pacer.back_off(2)
    assert slept == [31.0, 1.0, 4.0]
    with pytest.raises(StopRefresh) as stop:
        pacer.wait(61, "too long", resume_at=200.0)
    assert stop.value.reason == "too long" and stop.value.resume_at == 200.0


def test_pacer_gives_up_after_many_limits() -> None:
    pacer = Pacer(sleep=lambda _: None)
    for _ in range(20):
        pacer.wait(1, "limit")
    with pytest.raises(StopRefresh):
        pacer.wait(1, "limit")


def test_send_turns_httpx_errors_into_network_errors() -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with httpx.Client(timeout=2) as client:
        with pytest.raises(NetworkError, match="cannot reach GitHub"):
            send(client, "GET", f"http://127.0.0.1:{port}/x", "GitHub")
    with socket.socket() as silent:  # accepts, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/x"
        with httpx.Client(timeout=0.3) as client:
            with pytest.raises(NetworkTimeout, match="did not answer in time"):
                send(client, "GET", url, "GitHub")


def test_json_body_refuses_malformed_json() -> None:
    request = httpx.Request("GET", "http://127.0.0.1/x")
    assert json_body(httpx.Response(200, content=b'{"a": 1}', request=request), "S") == {"a": 1}
    with pytest.raises(NetworkError, match="malformed JSON"):
        json_body(httpx.Response(200, content=b"<html>", request=request), "S")
