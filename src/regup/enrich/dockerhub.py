"""Docker Hub: pull counts of container images.

Only Docker Hub publishes pull counts. An image is on Docker Hub when its reference has no
registry host, or ``docker.io`` (``index.docker.io``, ``registry-1.docker.io``); a
one-part name means ``library/<name>``. Every other host (ghcr.io, quay.io, mcr, gcr,
ecr...) gives :data:`UNAVAILABLE`: the count stays absent, never kept or made up.

Several wanted images in one namespace are read from the namespace's listing
(``/v2/repositories/<namespace>/?page_size=100``, one request per 100 repositories)
instead of one request each. Counts are rounded down to two significant digits
(:func:`round_pulls`) so that daily runs do not rewrite every file for a few pulls.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from regup.enrich.cache import ServiceCache
from regup.enrich.transport import (
    MAX_PULLS,
    Failure,
    Pacer,
    StopRefresh,
    Usage,
    exchange,
    plausible_count,
)
from regup.errors import NetworkError
from regup.imageref import ImageRef, ImageRefError
from regup.net import make_client

DOCKER_HUB_API = "https://hub.docker.com"
SERVICE = "Docker Hub"
PAGE_SIZE = 100
#: At least this many wanted images in a namespace: read its listing instead.
BULK_MIN = 2
MAX_PAGES = 20


@dataclass(frozen=True, order=True)
class HubRepo:
    """An image repository on Docker Hub."""

    namespace: str
    name: str

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


def hub_repository(image: str) -> HubRepo | None:
    """The Docker Hub repository of an image reference; None when it lives elsewhere.

    Raises :class:`ImageRefError` when ``image`` is not a valid reference.
    """
    ref = ImageRef.parse(image)
    if not ref.is_docker_hub:
        return None
    parts = ref.repository.split("/")
    if len(parts) != 2:  # Docker Hub has exactly namespace/name
        return None
    return HubRepo(parts[0], parts[1])


def image_host(image: str) -> str:
    try:
        return ImageRef.parse(image).registry
    except ImageRefError:
        return "?"


def round_pulls(count: int) -> int:
    """``count`` rounded down to two significant digits (never more than the real count).

    0–99 stay exact; 1,234 → 1,200; 56,789 → 56,000; 1,234,567 → 1,200,000.
    """
    if count < 100:
        return count
    step = 10 ** (len(str(count)) - 2)
    return int(count - count % step)


@dataclass(frozen=True)
class PullStats:
    """What Docker Hub says about one image repository."""

    repository: str
    pulls: int
    last_updated: str | None = None

    @classmethod
    def from_api(cls, doc: Any) -> PullStats:
        """Build from a ``/v2/repositories/...`` object; raises ValueError on another shape."""
        if not isinstance(doc, Mapping):
            raise ValueError("the repository answer is not an object")
        namespace, name, pulls = doc.get("namespace"), doc.get("name"), doc.get("pull_count")
        if not isinstance(namespace, str) or not isinstance(name, str):
            raise ValueError("the answer has no namespace/name")
        pulls = plausible_count(pulls, "pull count", MAX_PULLS)
        updated = doc.get("last_updated")
        return cls(f"{namespace}/{name}", pulls, updated if isinstance(updated, str) else None)

    @property
    def rounded(self) -> int:
        return round_pulls(self.pulls)

    def to_api(self) -> dict[str, Any]:
        namespace, name = self.repository.split("/", 1)
        return {
            "namespace": namespace,
            "name": name,
            "pull_count": self.pulls,
            "last_updated": self.last_updated,
        }


PullAnswer = PullStats | Failure


@dataclass
class HubAnswers:
    """Answers by repository; a repository missing from ``results`` was not looked up."""

    results: dict[HubRepo, PullAnswer] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    stopped: str | None = None
    resume_at: float | None = None


class DockerHub:
    """Reads pull counts from one Docker Hub API."""

    def __init__(
        self,
        cache: ServiceCache,
        pacer: Pacer,
        *,
        api_url: str = DOCKER_HUB_API,
        timeout: float = 30.0,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.cache = cache
        self.pacer = pacer
        self.timeout = timeout
        self.progress = progress or (lambda n: None)

    def fetch(self, repos: Sequence[HubRepo]) -> HubAnswers:
        """Look up ``repos``; never raises for one image (failures are answers)."""
        answers = HubAnswers()
        todo: dict[str, list[HubRepo]] = defaultdict(list)
        for repo in sorted(set(repos)):
            record = self.cache.fresh(repo.key)
            stats = _from_record(record.data) if record else None
            if stats is not None:
                answers.results[repo] = stats
                answers.usage.cached += 1
                self.progress(1)
            else:
                todo[repo.namespace].append(repo)
        if not todo:
            return answers
        timeout = httpx.Timeout(self.timeout, connect=min(10.0, self.timeout))
        try:
            with make_client(self.api_url, timeout=timeout) as client:
                for namespace, wanted in sorted(todo.items()):
                    if len(wanted) >= BULK_MIN:
                        self._listing(client, namespace, wanted, answers)
                    for repo in wanted:
                        if repo not in answers.results:
                            answers.results[repo] = self._one(client, repo, answers)
                            self.progress(1)
        except StopRefresh as stop:
            answers.stopped, answers.resume_at = stop.reason, stop.resume_at
        return answers

    def _get(self, client: httpx.Client, path: str, answers: HubAnswers, **params: Any) -> Any:
        """GET ``path`` as JSON, waiting out rate limits and retrying server errors.

        Returns None on 404; raises :class:`NetworkError` for other failures and
        :class:`StopRefresh` when a limit asks for too long a wait.
        """
        answer = exchange(
            client,
            "GET",
            path,
            SERVICE,
            self.pacer,
            answers.usage,
            json_on=frozenset({200}),
            params=params or None,
        )
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise NetworkError(f"Docker Hub answered {answer.status} for {path}")
        return answer.body

    def _listing(
        self, client: httpx.Client, namespace: str, wanted: list[HubRepo], answers: HubAnswers
    ) -> None:
        """Fill answers from the namespace's listing; what it lacks is looked up one by one."""
        names = {r.name: r for r in wanted}
        page = 1
        while page <= MAX_PAGES:
            try:
                doc = self._get(
                    client,
                    f"/v2/repositories/{namespace}/",
                    answers,
                    page_size=PAGE_SIZE,
                    page=page,
                )
            except NetworkError:
                return
            if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
                return
            for item in doc["results"]:
                try:
                    stats = PullStats.from_api(item)
                except ValueError:
                    continue
                repo = names.get(stats.repository.split("/", 1)[1])
                if repo is not None and repo not in answers.results:
                    answers.results[repo] = stats
                    self.cache.put(repo.key, stats.to_api())
                    self.progress(1)
            remaining = [r for r in wanted if r not in answers.results]
            count = doc.get("count")
            pages_left = (
                -(-(count - page * PAGE_SIZE) // PAGE_SIZE) if isinstance(count, int) else 0
            )
            # stop when done, at the end, or when single lookups would be cheaper
            if not remaining or not doc.get("next") or pages_left > len(remaining):
                return
            page += 1

    def _one(self, client: httpx.Client, repo: HubRepo, answers: HubAnswers) -> PullAnswer:
        try:
            doc = self._get(client, f"/v2/repositories/{repo.namespace}/{repo.name}/", answers)
        except NetworkError as exc:
            return Failure(str(exc))
        if doc is None:
            return Failure(f"image {repo.key} not found on Docker Hub; fix image", not_found=True)
        try:
            stats = PullStats.from_api(doc)
        except ValueError as exc:
            return Failure(f"Docker Hub's answer for {repo.key}: {exc}")
        self.cache.put(repo.key, stats.to_api())
        return stats


def _from_record(data: Mapping[str, Any]) -> PullStats | None:
    try:
        return PullStats.from_api(data)
    except ValueError:
        return None
