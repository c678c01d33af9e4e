"""``enrich.transport``: rate-limit headers, the waits they ask for, and the pacing rules,
with a fake clock (no real sleeps)."""

from __future__ import annotations

import contextlib
import socket
import time

import httpx
import pytest

from regup.enrich.transport import (
    MAX_PULLS,
    MAX_STARS,
    SECONDARY_LIMIT_WAIT,
    Deadline,
    DeadlinePassed,
    NetworkTimeout,
    Pacer,
    RateLimit,
    StopRefresh,
    Usage,
    exchange,
    json_body,
    limit_wait,
    plausible_count,
    send,
)
from regup.errors import NetworkError
from regup.resources import load_schema
from tests.httpfake import Request, serve_http


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


def test_json_nested_deeper_than_the_decoder_allows_is_malformed_not_a_crash() -> None:
    """Attack: an answer of 100,000 nested arrays raised RecursionError out of the refresh."""
    request = httpx.Request("GET", "http://127.0.0.1/x")
    deep = httpx.Response(200, content=b"[" * 100_000 + b"]" * 100_000, request=request)
    with pytest.raises(NetworkError, match="malformed JSON"):
        json_body(deep, "S")


@pytest.mark.parametrize("far", ["1e300", "99999999999999999999"])
def test_a_reset_or_retry_after_beyond_any_timestamp_is_no_resume_time(far: str) -> None:
    """Attack: x-ratelimit-reset: 1e300 became a resume time the JSON report could not show."""
    state = RateLimit.from_headers({"x-ratelimit-remaining": "0", "x-ratelimit-reset": far})
    assert state is not None and state.reset is None
    wait = limit_wait(429, {"retry-after": far}, "", now=1000.0)
    assert wait is not None and wait[2] is None and wait[0] > 60


def test_the_count_bounds_are_the_schemas() -> None:
    metadata = load_schema("spec.schema.json")["$defs"]["metadata"]["properties"]
    assert (MAX_STARS, MAX_PULLS) == (10_000_000, 100_000_000_000)
    assert (metadata["stars"]["maximum"], metadata["pulls"]["maximum"]) == (MAX_STARS, MAX_PULLS)


@pytest.mark.parametrize(
    "bogus",
    [10**30, 10**5000, MAX_STARS + 1, -1, 3.0, float("nan"), "300", True, None, [1]],
    ids=["1e30", "5000-digits", "max+1", "-1", "float", "nan", "string", "bool", "null", "list"],
)
def test_an_implausible_or_non_integer_count_is_refused(bogus: object) -> None:
    """Attack: a service answering stars 10**30 (or a float, a string) got it published."""
    with pytest.raises(ValueError, match="star count") as refused:
        plausible_count(bogus, "star count", MAX_STARS)
    assert len(str(refused.value)) < 200  # a 5,000-digit number is not quoted in full
    assert plausible_count(MAX_STARS, "star count", MAX_STARS) == MAX_STARS
    assert plausible_count(0, "star count", MAX_STARS) == 0


def test_a_deadline_on_a_fake_clock_stops_waits_and_shortens_timeouts() -> None:
    now = [0.0]
    deadline = Deadline(10.0, clock=lambda: now[0])
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(max_wait=60, sleep=sleep, clock=lambda: 0.0, deadline=deadline)
    assert deadline.timeout(httpx.Timeout(30.0, connect=5.0)).read == 10.0
    assert deadline.timeout(httpx.Timeout(3.0)).read == 3.0
    with pytest.raises(StopRefresh, match="would pass the run's deadline"):
        pacer.wait(20, "secondary rate limit")  # within --max-wait, not within the deadline
    assert slept == [] and deadline.hit
    now[0] = 9.5
    with pytest.raises(StopRefresh, match="deadline"):
        pacer.back_off(3)  # 8 s asked for, 0.5 s left: sleeps the 0.5 s, then stops
    assert slept == [0.5]
    assert Deadline(0).remaining() is None and not Deadline(None).passed


def test_exchange_sends_nothing_after_the_deadline() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    transport = httpx.MockTransport(answer)
    deadline = Deadline(0.05)
    time.sleep(0.06)
    with httpx.Client(transport=transport, base_url="http://127.0.0.1") as client:
        with pytest.raises(StopRefresh, match="deadline"):
            exchange(client, "GET", "/x", "S", Pacer(deadline=deadline), Usage())
        watched = Deadline(0.05).watch(client)
        assert watched.get("/y").status_code == 200
        time.sleep(0.06)
        with pytest.raises(DeadlinePassed):
            watched.get("/z")
    assert [r.url.path for r in sent] == ["/y"]


def test_a_server_that_never_answers_costs_the_deadline_not_the_timeout() -> None:
    with socket.socket() as silent:  # accepts, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/x"
        pacer = Pacer(backoff=0.01, deadline=Deadline(0.5))
        started = time.monotonic()
        with httpx.Client(timeout=30) as client:
            with pytest.raises(StopRefresh, match="deadline"):
                exchange(client, "GET", url, "S", pacer, Usage())
        assert time.monotonic() - started < 2


def _flaky(replies: list[int | None]) -> tuple[httpx.Client, list[str]]:
    """A client whose answers are ``replies`` in turn (None: the connection is refused)."""
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.host)
        status = replies.pop(0) if request.url.host == "dead.test" else 200
        if status is None:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(status)

    return httpx.Client(transport=httpx.MockTransport(answer)), asked


def test_a_service_that_does_not_answer_3_times_in_a_row_is_not_asked_again() -> None:
    """Attack: a dead service cost a timeout per retry per entry (15 entries: 217 s)."""
    client, asked = _flaky([None] * 10)
    pacer = Pacer(backoff=0.0, sleep=lambda seconds: None)
    with client:
        with pytest.raises(NetworkError, match="cannot reach Dead"):  # 3 attempts, then fails
            exchange(client, "GET", "http://dead.test/a", "Dead", pacer, Usage())
        with pytest.raises(StopRefresh, match="^Dead did not answer 3 times in a row; stopped"):
            exchange(client, "GET", "http://dead.test/b", "Dead", pacer, Usage())
        # another service of the same run is asked as usual
        assert exchange(client, "GET", "http://alive.test/", "Alive", pacer, Usage()).status == 200
    assert asked == ["dead.test"] * 3 + ["alive.test"]


def test_any_answer_starts_the_count_of_failures_again() -> None:
    client, asked = _flaky([None, None, 500, None, None, 200, None, None, None, 200])
    pacer = Pacer(retries=0, sleep=lambda seconds: None)
    statuses: list[int | str] = []
    with client:
        for _ in range(10):
            try:
                statuses.append(
                    exchange(client, "GET", "http://dead.test/", "Dead", pacer, Usage()).status
                )
            except StopRefresh:
                statuses.append("stopped")
            except NetworkError:
                statuses.append("failed")
    assert statuses[:6] == ["failed", "failed", 500, "failed", "failed", 200]
    assert statuses[6:] == ["failed"] * 3 + ["stopped"]
    assert len(asked) == 9  # the 10th request was never sent


def test_an_answer_sent_one_byte_at_a_time_is_a_timeout() -> None:
    """Attack: httpx's read timeout is per read, so a server sending a byte every 50 ms held
    a request with --timeout 0.5 for as long as it liked."""

    def drip(request: Request) -> None:
        handler = request.handler
        handler.send_response(200)
        handler.send_header("Content-Length", "10000")
        handler.end_headers()
        with contextlib.suppress(OSError):
            for _ in range(10000):
                handler.wfile.write(b" ")
                time.sleep(0.05)

    with serve_http({"/slow": drip}) as server:
        with httpx.Client(base_url=server.base_url, timeout=0.5) as client:
            started = time.monotonic()
            with pytest.raises(NetworkTimeout, match="Slow did not answer in time"):
                send(client, "GET", "/slow", "Slow")
            assert time.monotonic() - started < 1.5
