"""What every enrichment client shares: sending, rate limits, waiting and retrying.

:func:`send` is the one place where httpx errors become :class:`~regup.errors.NetworkError`.
:class:`RateLimit` is read from a service's ``x-ratelimit-*`` headers;
:func:`limit_wait` says how long a 403/429 answer asks us to wait (``retry-after``, an
exhausted primary limit, a secondary limit). :class:`Pacer` waits when the wait is short
and raises :class:`StopRefresh` when it is longer than allowed, so the run stops cleanly
and reports what it could not refresh instead of guessing. :class:`Deadline` bounds a whole
run (``--deadline``): no request is sent and no wait runs past it, and each request gets at
most the time left. :class:`Breaker` stops asking a service that did not answer
:data:`BREAKER_THRESHOLD` times in a row, so a dead service costs a few timeouts, not a
timeout per retry per entry. Every answer is read whole within its request's timeout and
:data:`MAX_ANSWER_BYTES` (:func:`regup.net.read_answer`): a server that sends one byte a
second is a timeout too. :func:`plausible_count` is the one bound on the counts services give.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from regup.errors import NetworkError
from regup.net import AnswerTooLarge, AnswerTooSlow, deadline, read_answer
from regup.resources import load_schema

#: GitHub's advice when a secondary limit gives no ``retry-after``: wait at least a minute.
SECONDARY_LIMIT_WAIT = 60.0
#: The default ``--deadline`` of ``regup refresh`` and ``regup verify``: half the scheduled
#: refresh workflow's 60-minute job limit, so a service that never answers still leaves the
#: job time to write its report and open the pull request.
DEFAULT_DEADLINE = 1800.0
#: Timeouts and connection failures in a row after which a service is not asked again
#: for the rest of the run (:class:`Breaker`).
BREAKER_THRESHOLD = 3
#: The largest answer a service may send: GitHub's GraphQL answer for 100 repositories is
#: about 20 KB, a Docker Hub listing of 100 repositories a few hundred KB.
MAX_ANSWER_BYTES = 16 * 1024 * 1024
#: Headers that describe the body as it came over the wire, not as it was read (decoded).
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
#: Seconds since the epoch of 9999-12-31T23:59:59Z: a reset or resume time beyond it cannot
#: be shown as a timestamp (and is no real time a service would ask us to wait for).
_LAST_INSTANT = 253402300799.0

_METADATA: dict[str, Any] = load_schema("spec.schema.json")["$defs"]["metadata"]
#: The largest star and pull counts an entry may hold (``schemas/spec.schema.json``, which
#: says why): a larger number from a service is its error, not a count.
MAX_STARS: int = _METADATA["properties"]["stars"]["maximum"]
MAX_PULLS: int = _METADATA["properties"]["pulls"]["maximum"]


def plausible_count(value: Any, what: str, maximum: int) -> int:
    """``value`` when it is an integer from 0 to ``maximum``; raises ValueError otherwise
    (a float, a string, a boolean, a negative or an implausibly large number)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"the answer has no valid {what} ({_short(value)})")
    if value < 0 or value > maximum:
        raise ValueError(
            f"the answer's {what} {_short(value)} is not plausible (0 to {maximum:,}); "
            "the value in the file was kept"
        )
    return value


def _short(value: Any) -> str:
    """``repr`` of a value from a service, cut short (a 4,000-digit number stays readable)."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**40 else "a huge number"
    return text if len(text) <= 60 else text[:57] + "..."


def _instant(value: float | None) -> float | None:
    """A time (seconds since the epoch) a timestamp can show, else None."""
    if value is None or not math.isfinite(value) or not 0 <= value <= _LAST_INSTANT:
        return None
    return value


class NoAnswer(NetworkError):
    """A service gave no answer: it could not be reached or did not answer in time (what
    :class:`Breaker` counts; an answer, even a 500 or malformed JSON, is an answer)."""


class NetworkTimeout(NoAnswer):
    """A service did not answer in time (a large GraphQL query shrinks on this)."""


@dataclass(frozen=True)
class Failure:
    """Why one lookup gave no value; ``not_found`` when the service says it does not exist."""

    reason: str
    not_found: bool = False


class StopRefresh(Exception):
    """A service asked us to wait longer than allowed: stop and report what is left."""

    def __init__(self, reason: str, resume_at: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.resume_at = resume_at


@dataclass(frozen=True)
class RateLimit:
    """A service's primary rate limit as its last answer told it."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None
    resource: str | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, Any]) -> RateLimit | None:
        """The limit in ``x-ratelimit-*`` headers, or None when the answer has none."""
        lower = {str(k).lower(): str(v) for k, v in headers.items()}

        def number(name: str) -> float | None:
            try:
                value = float(lower[name])
            except (KeyError, ValueError):
                return None
            return value if math.isfinite(value) and value >= 0 else None  # NaN, inf: not numbers

        remaining = number("x-ratelimit-remaining")
        if remaining is None:
            return None
        limit, reset = number("x-ratelimit-limit"), number("x-ratelimit-reset")
        return cls(
            limit=int(limit) if limit is not None else None,
            remaining=int(remaining),
            reset=_instant(reset),
            resource=lower.get("x-ratelimit-resource"),
        )


def limit_wait(
    status: int, headers: Mapping[str, Any], message: str, now: float
) -> tuple[float, str, float | None] | None:
    """``(seconds, reason, resume_at)`` when a 403/429 answer is a rate limit, else None."""
    if status not in (403, 429):
        return None
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    retry_after = lower.get("retry-after")
    if retry_after is not None:
        try:
            seconds = float(retry_after)
        except ValueError:
            seconds = SECONDARY_LIMIT_WAIT
        if not math.isfinite(seconds) or seconds < 0:  # "nan", "inf", "-5": not a wait
            seconds = SECONDARY_LIMIT_WAIT
        reason = f"secondary rate limit (retry-after {retry_after[:40]} s)"
        return seconds, reason, _instant(now + seconds)
    state = RateLimit.from_headers(headers)
    if state is not None and state.remaining == 0 and state.reset is not None:
        seconds = max(0.0, state.reset - now) + 1.0
        return seconds, "primary rate limit used up", state.reset
    if status == 429 or "rate limit" in message.lower():
        return SECONDARY_LIMIT_WAIT, "secondary rate limit", now + SECONDARY_LIMIT_WAIT
    return None


class DeadlinePassed(httpx.TimeoutException):
    """A request refused because the run's deadline passed (httpx's own kind of timeout, so
    every client already handles it as one)."""


class Deadline:
    """The end of a whole run: ``seconds`` from now by ``clock`` (None or 0: no end).

    :meth:`check` raises :class:`StopRefresh` once it has passed; :meth:`timeout` shortens a
    request's timeouts to the time left; :meth:`watch` makes a client refuse every request
    after the end and shorten the others (for clients regup does not drive itself, such as
    provenance verification's). :attr:`hit` says whether the end stopped anything.
    """

    def __init__(
        self, seconds: float | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds if seconds else None
        self._clock = clock
        self._end = clock() + seconds if seconds else None
        self.hit = False

    @property
    def reason(self) -> str:
        return f"the run's deadline ({self.seconds or 0:g} s, --deadline) passed"

    def remaining(self) -> float | None:
        """Seconds left (never negative), or None without a deadline."""
        return None if self._end is None else max(0.0, self._end - self._clock())

    @property
    def passed(self) -> bool:
        return self.remaining() == 0.0

    def check(self) -> None:
        """Raises :class:`StopRefresh` when the deadline has passed."""
        if self.passed:
            self.hit = True
            raise StopRefresh(self.reason)

    def timeout(self, timeout: httpx.Timeout) -> httpx.Timeout:
        """``timeout`` with every part at most the time left."""
        left = self.remaining()
        if left is None:
            return timeout
        left = max(left, 0.001)

        def cap(part: float | None) -> float:
            return left if part is None else min(part, left)

        return httpx.Timeout(
            connect=cap(timeout.connect),
            read=cap(timeout.read),
            write=cap(timeout.write),
            pool=cap(timeout.pool),
        )

    def watch(self, client: httpx.Client) -> httpx.Client:
        """``client``, refusing requests after the deadline and shortening the others."""
        if self._end is not None:
            hooks = client.event_hooks
            hooks["request"] = [*hooks.get("request", []), self._on_request]
            client.event_hooks = hooks
        return client

    def _on_request(self, request: httpx.Request) -> None:
        if self.passed:
            self.hit = True
            raise DeadlinePassed(self.reason, request=request)
        current = request.extensions.get("timeout")
        timeout = httpx.Timeout(**current) if isinstance(current, dict) else httpx.Timeout(None)
        request.extensions["timeout"] = self.timeout(timeout).as_dict()


@dataclass
class Breaker:
    """Stops asking a service that gave no answer ``threshold`` times in a row (timeouts,
    connection failures) for the rest of the run; any answer starts its count again.

    The request that reaches the threshold fails as it would anyway; :meth:`check` then
    raises :class:`StopRefresh` before every later request to that service, so what is left
    is reported *not refreshed*, as after a rate-limit stop.
    """

    threshold: int = BREAKER_THRESHOLD
    in_a_row: dict[str, int] = field(default_factory=dict)

    def reason(self, service: str) -> str:
        return f"{service} did not answer {self.threshold} times in a row; stopped asking"

    def is_open(self, service: str) -> bool:
        """Whether ``service`` is not asked any more."""
        return self.in_a_row.get(service, 0) >= self.threshold

    def check(self, service: str) -> None:
        """Raises :class:`StopRefresh` when ``service`` is not to be asked any more."""
        if self.is_open(service):
            raise StopRefresh(self.reason(service))

    def no_answer(self, service: str) -> None:
        self.in_a_row[service] = self.in_a_row.get(service, 0) + 1

    def answered(self, service: str) -> None:
        self.in_a_row[service] = 0


class PacedRun(Protocol):
    """The settings of a run that :meth:`Pacer.of` reads (RefreshRequest, CheckRequest)."""

    @property
    def max_wait(self) -> float: ...
    @property
    def retries(self) -> int: ...
    @property
    def backoff(self) -> float: ...
    @property
    def sleep(self) -> Callable[[float], None]: ...
    @property
    def clock(self) -> Callable[[], float]: ...
    @property
    def deadline(self) -> Deadline: ...


@dataclass
class Pacer:
    """Waits that a service asks for, within ``max_wait`` seconds each; retries with back-off;
    nothing past the ``deadline`` of the run.

    ``sleep`` and ``clock`` are injectable so that tests and benchmarks keep their time.
    """

    max_wait: float = 60.0
    retries: int = 2
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    limit_hits: int = 0
    deadline: Deadline = field(default_factory=Deadline)
    breaker: Breaker = field(default_factory=Breaker)

    @classmethod
    def of(cls, run: PacedRun) -> Pacer:
        """The pacer of one run's settings (a refresh or a check request)."""
        return cls(
            run.max_wait, run.retries, run.backoff, run.sleep, run.clock, deadline=run.deadline
        )

    def wait(self, seconds: float, reason: str, resume_at: float | None = None) -> None:
        """Sleep ``seconds``; raises :class:`StopRefresh` when that is more than allowed or
        would end after the deadline."""
        self.limit_hits += 1
        if seconds > self.max_wait or self.limit_hits > 20:
            raise StopRefresh(reason, resume_at)
        left = self.deadline.remaining()
        if left is not None and seconds >= left:
            self.deadline.hit = True
            end = self.deadline.reason.removesuffix(" passed")
            raise StopRefresh(f"{reason}, and waiting for it would pass {end}", resume_at)
        self.sleep(seconds)

    def before(self, state: RateLimit | None) -> None:
        """Wait for the reset when the last answer said no request is left."""
        if state is None or state.remaining is None or state.remaining > 0 or state.reset is None:
            return
        now = self.clock()
        if state.reset > now:
            self.wait(state.reset - now + 1.0, "primary rate limit used up", state.reset)

    def back_off(self, attempt: int) -> None:
        """Sleep before retry ``attempt``; raises :class:`StopRefresh` at the deadline."""
        seconds = self.backoff * (2**attempt)
        left = self.deadline.remaining()
        self.sleep(seconds if left is None else min(seconds, left))
        self.deadline.check()


def send(
    client: httpx.Client, method: str, url: str, service: str, **kwargs: Any
) -> httpx.Response:
    """One HTTP request and its whole answer, read within the request's read timeout from
    when it was sent (httpx's read timeout is per read: a server sending one byte a second
    would never reach it) and within :data:`MAX_ANSWER_BYTES`.

    Raises :class:`NetworkError`, never an httpx error: :class:`NetworkTimeout` when no
    whole answer came in time, :class:`NoAnswer` when the service cannot be reached.
    """
    started = time.monotonic()
    try:
        request = client.build_request(method, url, **kwargs)
        seconds = _read_timeout(request)
        with deadline(started + seconds):  # headers included, not just the body
            response = client.send(request, stream=True)
            try:
                body = read_answer(response, limit=MAX_ANSWER_BYTES, deadline=started + seconds)
            finally:
                response.close()
    except (httpx.TimeoutException, AnswerTooSlow):
        raise NetworkTimeout(
            f"{service} did not answer in time ({method} {url}); try again later or raise --timeout"
        ) from None
    except AnswerTooLarge as exc:
        raise NetworkError(
            f"{service} answered {method} {url} with more than {exc.limit:,} bytes; try again later"
        ) from None
    except httpx.TransportError as exc:
        raise NoAnswer(
            f"cannot reach {service} ({method} {url}: {exc}); check your connection and the API URL"
        ) from None
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        raise NetworkError(
            f"cannot read {service}'s answer ({method} {url}: {exc}); try again later"
        ) from None
    return _read_response(response, body)


def _read_timeout(request: httpx.Request) -> float:
    """The read timeout a request was built with (seconds; infinite when it has none)."""
    timeout = request.extensions.get("timeout")
    read = timeout.get("read") if isinstance(timeout, dict) else None
    return float(read) if isinstance(read, int | float) else math.inf


def _read_response(response: httpx.Response, body: bytes) -> httpx.Response:
    """``response`` with its body read: what httpx's own ``read()`` leaves, from the bytes
    :func:`read_answer` read (already decoded, so without the headers of the wire form)."""
    headers = [
        (key, value)
        for key, value in response.headers.multi_items()
        if key.lower() not in _WIRE_HEADERS
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=response.extensions,
        history=response.history,
    )


def exchange(
    client: httpx.Client,
    method: str,
    url: str,
    service: str,
    pacer: Pacer,
    usage: Usage,
    *,
    retry_network: bool = True,
    final: frozenset[int] = frozenset(),
    json_on: frozenset[int] = frozenset(),
    **kwargs: Any,
) -> Answer:
    """One request under the rules every service shares: the one retry and rate-limit loop.

    Waits first when the last answer said no request is left; sends; counts the request and
    reads the rate limit of the answer; waits out an answer that is a rate limit and asks
    again; retries server errors (5xx) and, with ``retry_network``, network faults with
    back-off, up to ``pacer.retries`` times. Statuses in ``final`` are returned at once. An
    answer whose status is in ``json_on`` is decoded, and asked again when it is not JSON.
    Returns the last answer, whatever its status; the caller reads it.

    Raises :class:`NetworkError` (:class:`NetworkTimeout` for a timeout) when the service
    cannot be reached, :class:`StopRefresh` when a limit asks for too long a wait or the
    run's deadline has passed (each request gets at most the time left), or when
    ``pacer.breaker`` stopped asking the service (it did not answer several times in a row;
    the request that reached that count raises its :class:`NetworkError`).
    """
    attempt = 0
    while True:
        pacer.before(usage.limit)
        pacer.deadline.check()
        pacer.breaker.check(service)
        try:
            timeout = pacer.deadline.timeout(client.timeout)
            response = send(client, method, url, service, **{**kwargs, "timeout": timeout})
        except NetworkError as exc:
            pacer.deadline.check()  # cut short by the deadline: not refreshed, not failed
            if isinstance(exc, NoAnswer):
                pacer.breaker.no_answer(service)
            if not retry_network or attempt >= pacer.retries or pacer.breaker.is_open(service):
                raise
            pacer.back_off(attempt)
            attempt += 1
            continue
        pacer.breaker.answered(service)
        usage.requests += 1
        usage.limit = RateLimit.from_headers(response.headers) or usage.limit
        if response.status_code in final:
            return Answer(response)
        wait = limit_wait(response.status_code, response.headers, response.text, pacer.clock())
        if wait is not None:
            pacer.wait(*wait)
            continue
        if response.status_code >= 500 and attempt < pacer.retries:
            pacer.back_off(attempt)
            attempt += 1
            continue
        if response.status_code not in json_on:
            return Answer(response)
        try:
            return Answer(response, json_body(response, service))
        except NetworkError:
            if attempt >= pacer.retries:
                raise
            pacer.back_off(attempt)
            attempt += 1


@dataclass(frozen=True)
class Answer:
    """The last answer of :func:`exchange`, and its JSON when it was asked to decode it."""

    response: httpx.Response
    body: Any = None

    @property
    def status(self) -> int:
        return self.response.status_code


def json_body(response: httpx.Response, service: str) -> Any:
    """The JSON of ``response``; raises :class:`NetworkError` when it is not JSON."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested too deep
        raise NetworkError(
            f"{service} answered {response.request.method} {response.request.url.path} with "
            "malformed JSON; try again later"
        ) from None


@dataclass
class Usage:
    """What one service cost in a run."""

    requests: int = 0
    points: int = 0
    not_modified: int = 0
    cached: int = 0
    limit: RateLimit | None = None

    def to_json(self) -> dict[str, Any]:
        limit = self.limit
        return {
            "requests": self.requests,
            "rate_limit_points": self.points,
            "not_modified": self.not_modified,
            "from_cache": self.cached,
            "rate_limit_remaining": limit.remaining if limit else None,
            "rate_limit_limit": limit.limit if limit else None,
            "rate_limit_reset": int(limit.reset) if limit and limit.reset else None,
        }
