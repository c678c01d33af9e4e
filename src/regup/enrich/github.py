"""GitHub: repository URLs, and stars, archived flag, last push and license of many
repositories.

Repository URLs are parsed strictly (github.com only; ``.git``, trailing slashes,
``/tree/<ref>/<path>`` monorepo links and ``git@github.com:`` forms are understood).

Lookups take the cheapest road that fits:

* an answer in the cache younger than its TTL costs nothing;
* many repositories with a token: GraphQL queries of up to 100 aliased
  ``repository(owner, name)`` lookups, one query at a time; a 502/504 or a timeout halves
  the batch; a NOT_FOUND alias fails alone while the others are kept; a repository whose
  ``nameWithOwner`` differs from the URL is reported as renamed;
* a handful, or no token: REST (:func:`rest_client`), revalidating cached answers with
  their ETag (``If-None-Match``), so an unchanged repository costs no rate limit.

Every request goes through :func:`~regup.enrich.transport.exchange`: rate limits
(``x-ratelimit-*``, ``retry-after``, secondary limits) go through
:class:`~regup.enrich.transport.Pacer`: a short wait is waited, a long one stops the lookups
cleanly; what was not looked up is simply absent from the answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from regup.enrich.cache import ServiceCache
from regup.enrich.transport import (
    MAX_STARS,
    Failure,
    NetworkTimeout,
    Pacer,
    StopRefresh,
    Usage,
    exchange,
    plausible_count,
)
from regup.errors import NetworkError
from regup.net import DEFAULT_TIMEOUT, make_client
from regup.repository import RepoRef

GITHUB_API = "https://api.github.com"
SERVICE = "GitHub"
DEFAULT_BATCH = 100
#: Fewer repositories than this to look up: REST with ETags instead of GraphQL.
GRAPHQL_MIN = 10
#: The most rate-limit points one GraphQL query can cost (GitHub's hourly limit is 5,000
#: points, 10,000 for Enterprise Cloud): a larger ``rateLimit.cost`` is counted as 1.
MAX_QUERY_COST = 10_000


@dataclass(frozen=True)
class RepoStats:
    """What GitHub says about one repository."""

    full_name: str
    stars: int
    archived: bool = False
    pushed_at: str | None = None
    #: The SPDX id GitHub detects (``NOASSERTION`` for a license it cannot name), or None.
    license: str | None = None

    @classmethod
    def from_graphql(cls, node: Any) -> RepoStats:
        """Build from a GraphQL ``Repository`` node; raises ValueError on another shape."""
        if not isinstance(node, Mapping):
            raise ValueError("the repository answer is not an object")
        return cls._checked(
            node.get("nameWithOwner"),
            node.get("stargazerCount"),
            node.get("isArchived", False),
            node.get("pushedAt"),
            _spdx(node.get("licenseInfo"), "spdxId"),
        )

    @classmethod
    def from_rest(cls, data: Any) -> RepoStats:
        """Build from a REST ``/repos/{owner}/{repo}`` answer; raises ValueError."""
        if not isinstance(data, Mapping):
            raise ValueError("the repository answer is not an object")
        return cls._checked(
            data.get("full_name"),
            data.get("stargazers_count"),
            data.get("archived", False),
            data.get("pushed_at"),
            _spdx(data.get("license"), "spdx_id"),
        )

    @classmethod
    def _checked(
        cls, full_name: Any, stars: Any, archived: Any, pushed_at: Any, license: Any = None
    ) -> RepoStats:
        if not isinstance(full_name, str) or "/" not in full_name:
            raise ValueError("the answer has no owner/name")
        stars = plausible_count(stars, "star count", MAX_STARS)
        if not isinstance(archived, bool):
            raise ValueError(f"the archived flag is not true or false ({archived!r})")
        if pushed_at is not None and not isinstance(pushed_at, str):
            raise ValueError(f"the last push is not a timestamp ({pushed_at!r})")
        return cls(full_name, stars, archived, pushed_at, license)

    def to_rest(self, api_url: str) -> dict[str, Any]:
        """The REST shape (what the cache stores and revalidates with its ETag)."""
        return {
            "url": f"{api_url.rstrip('/')}/repos/{self.full_name}",
            "full_name": self.full_name,
            "stargazers_count": self.stars,
            "archived": self.archived,
            "pushed_at": self.pushed_at,
            "license": {"spdx_id": self.license} if self.license else None,
        }

    def renamed_from(self, ref: RepoRef) -> bool:
        return self.full_name.lower() != ref.key


RepoAnswer = RepoStats | Failure
Progress = Callable[[int], None]


@dataclass
class GitHubAnswers:
    """Answers by repository; a repository missing from ``results`` was not looked up."""

    results: dict[RepoRef, RepoAnswer] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    stopped: str | None = None
    resume_at: float | None = None
    method: str = "none"


class _TooLarge(Exception):
    """The GraphQL query timed out or got a 502/504: halve the batch."""


def graphql_url(api_url: str) -> str:
    """``…/graphql`` of an API URL (GitHub Enterprise: ``/api/v3`` → ``/api/graphql``)."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


_FIELDS = "nameWithOwner stargazerCount isArchived pushedAt licenseInfo { spdxId }"


def build_query(refs: Sequence[RepoRef]) -> tuple[str, dict[str, str]]:
    """One GraphQL query with an aliased lookup per repository, values as variables."""
    params = ", ".join(f"$o{i}: String!, $n{i}: String!" for i in range(len(refs)))
    lookups = " ".join(
        f"r{i}: repository(owner: $o{i}, name: $n{i}) {{ ...F }}" for i in range(len(refs))
    )
    query = (
        f"query({params}) {{ rateLimit {{ cost remaining limit resetAt }} {lookups} }} "
        f"fragment F on Repository {{ {_FIELDS} }}"
    )
    variables: dict[str, str] = {}
    for i, ref in enumerate(refs):
        variables[f"o{i}"] = ref.owner
        variables[f"n{i}"] = ref.name
    return query, variables


class GitHub:
    """Looks up repositories on one GitHub API (github.com or an Enterprise server)."""

    def __init__(
        self,
        cache: ServiceCache,
        pacer: Pacer,
        *,
        api_url: str = GITHUB_API,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT.read or 30.0,
        batch_size: int = DEFAULT_BATCH,
        graphql_min: int = GRAPHQL_MIN,
        progress: Progress | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.cache = cache
        self.pacer = pacer
        self.token = token or None
        self.timeout = timeout
        self.batch_size = max(1, batch_size)
        self.graphql_min = graphql_min
        self.progress = progress or (lambda n: None)
        self.batches: list[int] = []

    def fetch(self, refs: Sequence[RepoRef]) -> GitHubAnswers:
        """Look up ``refs``; never raises for one repository (failures are answers)."""
        answers = GitHubAnswers()
        todo: list[RepoRef] = []
        for ref in sorted(set(refs)):
            record = self.cache.fresh(ref.key)
            stats = _from_record(record.data) if record else None
            if stats is not None:
                answers.results[ref] = stats
                answers.usage.cached += 1
                self.progress(1)
            else:
                todo.append(ref)
        if not todo:
            answers.method = "cache"
            return answers
        try:
            if self.token and len(todo) >= self.graphql_min:
                answers.method = "graphql"
                self._graphql(todo, answers)
            else:
                answers.method = "rest"
                self._rest(todo, answers)
        except StopRefresh as stop:
            answers.stopped, answers.resume_at = stop.reason, stop.resume_at
        return answers

    # -- GraphQL -------------------------------------------------------------------------

    def _graphql(self, refs: list[RepoRef], answers: GitHubAnswers) -> None:
        headers = {"Authorization": f"bearer {self.token}"}
        timeout = httpx.Timeout(self.timeout, connect=min(10.0, self.timeout))
        base = graphql_url(self.api_url).removesuffix("graphql")
        with make_client(base, headers=headers, timeout=timeout) as client:
            size, i = self.batch_size, 0
            while i < len(refs):
                chunk = refs[i : i + size]
                try:
                    self._query(client, chunk, answers)
                except _TooLarge as exc:
                    if len(chunk) > 1:
                        size = max(1, len(chunk) // 2)
                        continue
                    answers.results[chunk[0]] = Failure(str(exc))
                except NetworkError as exc:
                    for ref in chunk:
                        answers.results[ref] = Failure(str(exc))
                self.progress(len(chunk))
                i += len(chunk)

    def _query(self, client: httpx.Client, chunk: list[RepoRef], answers: GitHubAnswers) -> None:
        query, variables = build_query(chunk)
        while True:
            self.batches.append(len(chunk))
            try:
                answer = exchange(
                    client,
                    "POST",
                    "graphql",
                    SERVICE,
                    self.pacer,
                    answers.usage,
                    retry_network=False,
                    final=frozenset({502, 504}),
                    json_on=frozenset({200}),
                    json={"query": query, "variables": variables},
                )
            except NetworkTimeout as exc:
                raise _TooLarge(str(exc)) from None
            if answer.status in (502, 504):
                raise _TooLarge(
                    f"GitHub answered {answer.status} even for a single repository; try again later"
                )
            if answer.status == 401:
                raise NetworkError(
                    "GitHub refused the token (401); check --github-token / GITHUB_TOKEN"
                )
            if answer.status != 200:
                raise NetworkError(f"GitHub answered the GraphQL query with {answer.status}")
            if self._rate_limited(answer.body, answers):
                continue
            self._collect(answer.body, chunk, answers)
            return

    def _rate_limited(self, body: Any, answers: GitHubAnswers) -> bool:
        """True (after waiting) when the answer is GraphQL's RATE_LIMITED error."""
        errors = body.get("errors") if isinstance(body, dict) else None
        if not isinstance(errors, list):
            return False
        if not any(isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in errors):
            return False
        limit = answers.usage.limit
        now = self.pacer.clock()
        reset = limit.reset if limit and limit.reset else now + 60.0
        self.pacer.wait(max(0.0, reset - now) + 1.0, "GraphQL rate limit used up", reset)
        return True

    def _collect(self, body: Any, chunk: list[RepoRef], answers: GitHubAnswers) -> None:
        if not isinstance(body, dict):
            raise NetworkError(
                "GitHub answered the GraphQL query with something else than an object"
            )
        data = body.get("data")
        problems: dict[str, tuple[str, str]] = {}
        general: list[str] = []
        for error in body.get("errors") or ():
            if not isinstance(error, dict):
                continue
            path = error.get("path")
            message = str(error.get("message") or "unknown error")
            if isinstance(path, list) and path and isinstance(path[0], str):
                problems[path[0]] = (str(error.get("type") or ""), message)
            else:
                general.append(message)
        if not isinstance(data, dict):
            raise NetworkError(
                "GitHub answered the GraphQL query without data"
                + (f": {'; '.join(general)}" if general else "")
            )
        rate = data.get("rateLimit")
        cost = rate.get("cost") if isinstance(rate, dict) else None
        answers.usage.points += _query_cost(cost)
        for i, ref in enumerate(chunk):
            alias = f"r{i}"
            node = data.get(alias)
            if alias in problems and node is None:
                kind, message = problems[alias]
                if kind == "NOT_FOUND":
                    answers.results[ref] = Failure(
                        f"repository {ref.full_name} not found on GitHub; fix repository_url",
                        not_found=True,
                    )
                else:
                    answers.results[ref] = Failure(f"GitHub: {message}")
                continue
            try:
                stats = RepoStats.from_graphql(node)
            except ValueError as exc:
                answers.results[ref] = Failure(f"GitHub's answer for {ref.full_name}: {exc}")
                continue
            answers.results[ref] = stats
            self.cache.put(ref.key, stats.to_rest(self.api_url))

    # -- REST --------------------------------------------------------------------------

    def _rest(self, refs: list[RepoRef], answers: GitHubAnswers) -> None:
        with rest_client(self.api_url, self.token, self.timeout) as client:
            for ref in refs:
                answers.results[ref] = self._rest_one(client, ref, answers)
                self.progress(1)

    def _rest_one(self, client: httpx.Client, ref: RepoRef, answers: GitHubAnswers) -> RepoAnswer:
        """``GET /repos/OWNER/NAME``, revalidating a cached answer with its ETag (a 304 costs
        no rate limit). A renamed repository answers through GitHub's redirect."""
        record = self.cache.get(ref.key)
        cached = _from_record(record.data) if record is not None and record.etag else None
        headers = {"If-None-Match": record.etag} if cached and record and record.etag else {}
        # Revalidate at the name the cached answer has (where a rename already led).
        path = f"repos/{cached.full_name if cached else ref.full_name}"
        try:
            answer = exchange(
                client,
                "GET",
                path,
                SERVICE,
                self.pacer,
                answers.usage,
                json_on=frozenset({200}),
                headers=headers,
            )
        except NetworkError as exc:
            return Failure(f"GitHub ({ref.full_name}): {exc}")
        if answer.status == 304 and cached is not None:
            answers.usage.not_modified += 1
            self.cache.touch(ref.key)
            return cached
        answers.usage.points += 1
        if answer.status == 404:
            return Failure(
                f"repository {ref.full_name} not found on GitHub; fix repository_url",
                not_found=True,
            )
        if answer.status == 401:
            return Failure("GitHub refused the token (401); check --github-token")
        if answer.status != 200:
            message = _message(answer.response)
            return Failure(f"GitHub answered {answer.status} for {ref.full_name}: {message}")
        try:
            stats = RepoStats.from_rest(answer.body)
        except ValueError as exc:
            return Failure(f"GitHub's answer for {ref.full_name}: {exc}")
        self.cache.put(ref.key, stats.to_rest(self.api_url), answer.response.headers.get("ETag"))
        return stats


def rest_client(api_url: str, token: str | None, timeout: float) -> httpx.Client:
    """The one client of GitHub's REST API (``regup refresh`` and ``regup new``): net's
    client factory, so the same timeouts, proxies (the environment's) and user agent as
    every other request, with GitHub's media type and the token when there is one."""
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    limit = httpx.Timeout(timeout, connect=min(10.0, timeout))
    return make_client(api_url.rstrip("/") + "/", headers=headers, timeout=limit)


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def _query_cost(cost: Any) -> int:
    """``rateLimit.cost`` of a GraphQL answer; 1 when it is no plausible integer."""
    if isinstance(cost, int) and not isinstance(cost, bool) and 0 <= cost <= MAX_QUERY_COST:
        return cost
    return 1


def _spdx(license: Any, key: str) -> str | None:
    """The SPDX id of a license object (REST ``license.spdx_id``, GraphQL ``spdxId``)."""
    value = license.get(key) if isinstance(license, Mapping) else None
    return value[:100] if isinstance(value, str) and value else None


def _from_record(data: Mapping[str, Any]) -> RepoStats | None:
    if "license" not in data:  # cached before licenses were kept: ask again
        return None
    try:
        return RepoStats.from_rest(data)
    except ValueError:
        return None
