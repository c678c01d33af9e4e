"""What every enrichment client shares: sending, rate limits, waiting and retrying.

:func:`send` is the one place where httpx errors become :class:`~regup.errors.NetworkError`.
:class:`RateLimit` is read from a service's ``x-ratelimit-*`` headers;
:func:`limit_wait` says how long a 403/429 answer asks us to wait (``retry-after``, an
exhausted primary limit, a secondary limit). :class:`Pacer` waits when the wait is short
and raises :class:`StopRefresh` when it is longer than allowed, so the run stops cleanly
and reports what it could not refresh instead of guessing.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from regup.errors import NetworkError

#: GitHub's advice when a secondary limit gives no ``retry-after``: wait at least a minute.
SECONDARY_LIMIT_WAIT = 60.0


class NetworkTimeout(NetworkError):
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
            reset=reset,
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
        return seconds, f"secondary rate limit (retry-after {retry_after} s)", now + seconds
    state = RateLimit.from_headers(headers)
    if state is not None and state.remaining == 0 and state.reset is not None:
        seconds = max(0.0, state.reset - now) + 1.0
        return seconds, "primary rate limit used up", state.reset
    if status == 429 or "rate limit" in message.lower():
        return SECONDARY_LIMIT_WAIT, "secondary rate limit", now + SECONDARY_LIMIT_WAIT
    return None


@dataclass
class Pacer:
    """Waits that a service asks for, within ``max_wait`` seconds each; retries with back-off.

    ``sleep`` and ``clock`` are injectable so that tests and benchmarks keep their time.
    """

    max_wait: float = 60.0
    retries: int = 2
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    limit_hits: int = 0

    def wait(self, seconds: float, reason: str, resume_at: float | None = None) -> None:
        """Sleep ``seconds``; raises :class:`StopRefresh` when that is more than allowed."""
        self.limit_hits += 1
        if seconds > self.max_wait or self.limit_hits > 20:
            raise StopRefresh(reason, resume_at)
        self.sleep(seconds)

    def before(self, state: RateLimit | None) -> None:
        """Wait for the reset when the last answer said no request is left."""
        if state is None or state.remaining is None or state.remaining > 0 or state.reset is None:
            return
        now = self.clock()
        if state.reset > now:
            self.wait(state.reset - now + 1.0, "primary rate limit used up", state.reset)

    def back_off(self, attempt: int) -> None:
        self.sleep(self.backoff * (2**attempt))


def send(
    client: httpx.Client, method: str, url: str, service: str, **kwargs: Any
) -> httpx.Response:
    """One HTTP request; raises :class:`NetworkError` (never an httpx error) when it fails."""
    try:
        return client.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise NetworkTimeout(
            f"{service} did not answer in time ({method} {url}); try again later or raise --timeout"
        ) from None
    except httpx.HTTPError as exc:
        raise NetworkError(
            f"cannot reach {service} ({method} {url}: {exc}); check your connection and the API URL"
        ) from None


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
    cannot be reached, :class:`StopRefresh` when a limit asks for too long a wait.
    """
    attempt = 0
    while True:
        pacer.before(usage.limit)
        try:
            response = send(client, method, url, service, **kwargs)
        except NetworkError:
            if not retry_network or attempt >= pacer.retries:
                raise
            pacer.back_off(attempt)
            attempt += 1
            continue
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
    except (ValueError, UnicodeDecodeError):
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
