"""Fake GitHub (REST + GraphQL) and Docker Hub servers on 127.0.0.1, for refresh tests.

They answer the way the real services do, for the calls regup makes:

* GitHub REST ``GET /repos/{owner}/{name}`` as regup calls it (``ETag``, ``If-None-Match``
  → 304 that costs nothing, a renamed repository → 301 to ``/repositories/{id}``), GraphQL
  ``POST /graphql`` with aliased ``repository(owner:, name:)`` lookups (``NOT_FOUND`` errors
  with a ``path``, ``rateLimit { cost }``); ``x-ratelimit-*`` headers that count down, a 403
  when the limit is used up;
* Docker Hub ``/v2/repositories/{namespace}/{name}/`` and the paged namespace listing.

``script`` queues replies (a 500, a secondary limit with ``retry-after``, malformed JSON,
a pause longer than the client's timeout) that are served before the normal answers.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tests.httpfake import FakeServer, Reply, Request, serve_http

Scripted = Callable[[Request], Reply | None] | Reply


@dataclass
class FakeRepo:
    owner: str
    name: str
    stars: Any  # an int from the real service; anything else to model a broken one
    archived: bool = False
    pushed_at: str = "2026-01-15T10:00:00Z"
    old_names: tuple[str, ...] = ()  # "owner/name" the repository was renamed from
    id: int = 0
    license: str | None = "MIT"  # the SPDX id GitHub detects (None: no license found)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def etag(self) -> str:
        digest = hashlib.sha1(
            f"{self.stars}|{self.archived}|{self.pushed_at}|{self.license}".encode()
        )
        return f'W/"{digest.hexdigest()}"'


@dataclass
class FakeGitHub:
    repos: list[FakeRepo]
    limit: int = 5000
    reset_in: float = 3600.0
    latency: float = 0.0
    max_batch: int | None = None  # larger GraphQL queries get a 502
    cost: Any = 1  # the GraphQL answer's rateLimit.cost (NaN, a string... for broken ones)
    script: list[Scripted] = field(default_factory=list)
    remaining: int = 0
    reset: float = 0.0
    points: int = 0
    batches: list[int] = field(default_factory=list)
    rest_calls: list[str] = field(default_factory=list)
    base_url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.remaining = self.limit
        self.reset = time.time() + self.reset_in
        for i, repo in enumerate(self.repos, start=1):
            repo.id = repo.id or i

    def find(self, full_name: str) -> FakeRepo | None:
        key = full_name.lower()
        for repo in self.repos:
            if repo.full_name.lower() == key or key in (n.lower() for n in repo.old_names):
                return repo
        return None

    def roll(self) -> None:
        """A new rate-limit window once the reset time has passed."""
        if time.time() >= self.reset:
            self.remaining = self.limit
            self.reset = time.time() + self.reset_in

    def headers(self, resource: str) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-reset": str(int(self.reset)),
            "x-ratelimit-used": str(self.limit - self.remaining),
            "x-ratelimit-resource": resource,
        }

    def charge(self, cost: int = 1) -> None:
        self.points += cost
        self.remaining = max(0, self.remaining - cost)

    def exhausted(self, resource: str) -> Reply:
        return Reply.json(
            {"message": "API rate limit exceeded for user ID 1.", "documentation_url": "x"},
            403,
            self.headers(resource),
        )

    def scripted(self, request: Request) -> Reply | None | bool:
        with self._lock:
            if not self.script:
                return False
            item = self.script.pop(0)
        return item(request) if callable(item) else item  # outside the lock: it may pause

    def rest(self, request: Request) -> Reply | None:
        time.sleep(self.latency)
        scripted = self.scripted(request)
        if scripted is not False:
            self.rest_calls.append(request.path)
            return scripted  # type: ignore[return-value]
        with self._lock:
            self.rest_calls.append(request.path)
            self.roll()
            if self.remaining <= 0:
                return self.exhausted("core")
            match = re.fullmatch(r"/repos/([^/]+)/([^/]+)", request.path)
            by_id = re.fullmatch(r"/repositories/(\d+)", request.path)
            repo: FakeRepo | None = None
            if match:
                repo = self.find(f"{match[1]}/{match[2]}")
                if repo is not None and repo.full_name.lower() != f"{match[1]}/{match[2]}".lower():
                    self.charge()
                    location = f"{self.base_url}/repositories/{repo.id}"
                    return Reply.json(
                        {"message": "Moved Permanently", "url": location},
                        301,
                        {"Location": location, **self.headers("core")},
                    )
            elif by_id:
                repo = next((r for r in self.repos if r.id == int(by_id[1])), None)
            if repo is None:
                self.charge()
                return Reply.json({"message": "Not Found"}, 404, self.headers("core"))
            etag = repo.etag()
            if request.headers.get("If-None-Match") == etag:
                return Reply(304, b"", {"ETag": etag, **self.headers("core")})
            self.charge()
            body = {
                "id": repo.id,
                "name": repo.name,
                "full_name": repo.full_name,
                "owner": {"login": repo.owner},
                "url": f"{self.base_url}/repos/{repo.full_name}",
                "stargazers_count": repo.stars,
                "archived": repo.archived,
                "pushed_at": repo.pushed_at,
                "license": {"spdx_id": repo.license} if repo.license else None,
            }
            return Reply.json(body, 200, {"ETag": etag, **self.headers("core")})

    def graphql(self, request: Request) -> Reply | None:
        time.sleep(self.latency)
        if not request.headers.get("Authorization", "").lower().startswith("bearer "):
            return Reply.json({"message": "This endpoint requires you to be authenticated."}, 401)
        scripted = self.scripted(request)
        if scripted is not False:
            return scripted  # type: ignore[return-value]
        with self._lock:
            self.roll()
            payload = json.loads(request.body)
            query, variables = payload["query"], payload.get("variables") or {}
            lookups = re.findall(r"(\w+): repository\(owner: \$(\w+), name: \$(\w+)\)", query)
            self.batches.append(len(lookups))
            if self.max_batch is not None and len(lookups) > self.max_batch:
                return Reply(502, b"<html>502 Bad Gateway</html>", {"Content-Type": "text/html"})
            if self.remaining <= 0:
                return Reply.json(
                    {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]},
                    200,
                    self.headers("graphql"),
                )
            self.charge(1)
            data: dict[str, Any] = {
                "rateLimit": {
                    "cost": self.cost,
                    "remaining": self.remaining,
                    "limit": self.limit,
                    "resetAt": "2030-01-01T00:00:00Z",
                }
            }
            errors = []
            for alias, owner_var, name_var in lookups:
                wanted = f"{variables[owner_var]}/{variables[name_var]}"
                repo = self.find(wanted)
                if repo is None:
                    data[alias] = None
                    errors.append(
                        {
                            "type": "NOT_FOUND",
                            "path": [alias],
                            "message": f"Could not resolve to a Repository with the name '{wanted}'.",
                        }
                    )
                else:
                    data[alias] = {
                        "nameWithOwner": repo.full_name,
                        "stargazerCount": repo.stars,
                        "isArchived": repo.archived,
                        "pushedAt": repo.pushed_at,
                        "licenseInfo": {"spdxId": repo.license} if repo.license else None,
                    }
            body: dict[str, Any] = {"data": data}
            if errors:
                body["errors"] = errors
            return Reply.json(body, 200, self.headers("graphql"))


@dataclass
class FakeDockerHub:
    repos: dict[str, Any]  # "namespace/name" -> pull count (an int, unless broken on purpose)
    latency: float = 0.0
    script: list[Scripted] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)

    def item(self, key: str) -> dict[str, Any]:
        namespace, name = key.split("/")
        return {
            "namespace": namespace,
            "name": name,
            "pull_count": self.repos[key],
            "last_updated": "2026-01-10T00:00:00Z",
        }

    def handle(self, request: Request) -> Reply | None:
        time.sleep(self.latency)
        self.calls.append(request.path)
        if self.script:
            item = self.script.pop(0)
            return item(request) if callable(item) else item
        one = re.fullmatch(r"/v2/repositories/([^/]+)/([^/]+)/?", request.path)
        listing = re.fullmatch(r"/v2/repositories/([^/]+)/?", request.path)
        if one:
            key = f"{one[1]}/{one[2]}"
            if key not in self.repos:
                return Reply.json({"message": "object not found", "errinfo": {}}, 404)
            return Reply.json(self.item(key))
        if listing:
            namespace = listing[1]
            keys = sorted(k for k in self.repos if k.split("/")[0] == namespace)
            if not keys:
                return Reply.json({"message": "object not found"}, 404)
            size = int(request.query.get("page_size", "10"))
            page = int(request.query.get("page", "1"))
            chunk = keys[(page - 1) * size : page * size]
            more = page * size < len(keys)
            return Reply.json(
                {
                    "count": len(keys),
                    "next": f"https://hub.docker.com/v2/repositories/{namespace}/?page={page + 1}"
                    if more
                    else None,
                    "previous": None,
                    "results": [self.item(k) for k in chunk],
                }
            )
        return Reply.json({"message": "not found"}, 404)


@dataclass
class Services:
    github: FakeGitHub
    hub: FakeDockerHub
    github_server: FakeServer
    hub_server: FakeServer

    def args(self) -> list[str]:
        """CLI options that point ``regup refresh`` at these servers."""
        return [
            "--github-api",
            self.github_server.base_url,
            "--docker-hub-api",
            self.hub_server.base_url,
        ]

    @property
    def requests(self) -> int:
        return len(self.github_server.requests) + len(self.hub_server.requests)


@contextmanager
def serve_services(github: FakeGitHub, hub: FakeDockerHub | None = None) -> Iterator[Services]:
    hub = hub or FakeDockerHub({})
    with (
        serve_http({"/graphql": github.graphql}, fallback=github.rest) as gh_server,
        serve_http({}, fallback=hub.handle) as hub_server,
    ):
        github.base_url = gh_server.base_url
        yield Services(github, hub, gh_server, hub_server)


def pause(seconds: float) -> Callable[[Request], Reply | None]:
    """A scripted reply that answers only after ``seconds`` (past a client's timeout)."""

    def reply(request: Request) -> Reply:
        time.sleep(seconds)
        return Reply.json({"message": "late"}, 200)

    return reply
