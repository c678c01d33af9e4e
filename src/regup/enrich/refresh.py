"""``regup refresh`` as a library call: select entries, look them up, write back, report.

:func:`refresh` takes a :class:`RefreshRequest` and returns a :class:`RefreshResult`
(one :class:`EntryReport` per selected entry plus what each service cost). The rules:

* ``stars`` comes from the GitHub repository of ``repository_url``; ``pulls`` from Docker
  Hub (rounded, see :func:`~regup.enrich.dockerhub.round_pulls`). A value the source does
  not publish (a repository outside github.com, an image on another registry, a remote
  server without image) is *unavailable*: the key is removed, never kept or made up.
* A lookup that failed, or was not made because a rate limit stopped the run, keeps the
  value the file has: never a zero, never a guess.
* ``last_updated`` becomes the time of the run when ``stars`` or ``pulls`` changed, or when
  the refresh is forced (``force``) and every lookup of the entry succeeded. Otherwise it
  stays, so ``--oldest`` picks the entries whose values have not moved for longest.
* Only entries whose values changed are written (:func:`regup.writeback.update_metadata`).
* A count a service gives that is not a plausible integer (a float, a string, a negative or
  a larger number than the schema allows) fails that lookup: it is reported, never written.
* The run ends at its ``deadline``: lookups not made by then are *not refreshed*
  (:attr:`RefreshResult.deadline_passed`), like those a rate limit stopped.
* A service that gives no answer (timeouts, connection failures) three times in a row is
  not asked again in this run (:class:`~regup.enrich.transport.Breaker`): its remaining
  lookups are *not refreshed* and :attr:`RefreshResult.stopped` says why; the other
  service goes on.
"""

from __future__ import annotations

import enum
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from regup.enrich.cache import DEFAULT_CACHE_DIR, DEFAULT_TTL, Cache
from regup.enrich.dockerhub import (
    DOCKER_HUB_API,
    DockerHub,
    HubRepo,
    PullStats,
    hub_repository,
    image_host,
)
from regup.enrich.github import (
    DEFAULT_BATCH,
    GITHUB_API,
    GRAPHQL_MIN,
    GitHub,
    RepoStats,
)
from regup.enrich.transport import DEFAULT_DEADLINE, Deadline, Failure, Pacer, Usage
from regup.errors import ConfigError, NotFoundError, WriteBackError
from regup.files import remove_debris
from regup.imageref import ImageRefError
from regup.load import load_registry
from regup.model import Entry, Metadata
from regup.repository import NotARepositoryError, RepoRef, parse_repository_url
from regup.timeutil import format_timestamp
from regup.validate import validate_documents
from regup.writeback import MetadataValue, update_metadata


class Status(enum.Enum):
    """What happened to one entry."""

    REFRESHED = "refreshed"  # a value changed (or a forced refresh stamped it)
    UNCHANGED = "unchanged"
    FAILED = "failed"  # a lookup failed; the values it would give were kept
    NOT_REFRESHED = "not-refreshed"  # a limit, the deadline or a dead service stopped its lookups


class Source(enum.Enum):
    """What one source (GitHub stars, Docker Hub pulls) gave for one entry."""

    OK = "ok"
    UNAVAILABLE = "unavailable"  # the source publishes no such number for this entry
    FAILED = "failed"
    NOT_REFRESHED = "not-refreshed"


@dataclass(frozen=True)
class SourceOutcome:
    source: Source
    value: int | None = None
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"status": self.source.value, "value": self.value, "message": self.message}


@dataclass(frozen=True)
class EntryReport:
    """The refresh of one entry: what was there, what is there now, and why."""

    name: str
    path: str
    line: int
    status: Status
    stars: SourceOutcome
    pulls: SourceOutcome
    before: Metadata
    after: Metadata
    repository: str | None = None
    image: str | None = None
    renamed_to: str | None = None
    archived: bool | None = None
    pushed_at: str | None = None
    written: bool = False
    file: Path | None = field(default=None, compare=False, repr=False)

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "status": self.status.value,
            "stars": self.stars.to_json(),
            "pulls": self.pulls.to_json(),
            "before": self.before.to_document(),
            "after": self.after.to_document(),
            "repository": self.repository,
            "image": self.image,
            "renamed_to": self.renamed_to,
            "archived": self.archived,
            "pushed_at": self.pushed_at,
            "written": self.written,
        }


@dataclass(frozen=True)
class RefreshResult:
    entries: tuple[EntryReport, ...]
    github: Usage
    docker_hub: Usage
    github_method: str = "none"
    stopped: str | None = None
    resume_at: float | None = None
    dry_run: bool = False
    timestamp: str = ""
    #: The valid entries this run looked at, as loaded (``--provenance`` verifies these).
    checked: tuple[Entry, ...] = ()
    #: Every valid entry of the registry.
    valid_names: frozenset[str] = frozenset()
    #: Lookups the run needed (repositories and images, each once) and how many gave a value.
    lookups: int = 0
    answered: int = 0
    #: The run's deadline passed before every lookup was made.
    deadline_passed: bool = False

    @property
    def nothing_answered(self) -> bool:
        """The run needed lookups and none gave a value (all failed, or a limit, the
        deadline or the network stopped them all): a run that refreshed nothing."""
        return self.lookups > 0 and self.answered == 0

    def count(self, status: Status) -> int:
        return sum(1 for e in self.entries if e.status is status)

    @property
    def failed(self) -> int:
        return self.count(Status.FAILED)

    @property
    def unavailable(self) -> int:
        return sum(
            1
            for e in self.entries
            if Source.UNAVAILABLE in (e.stars.source, e.pulls.source)
            and e.status is not Status.FAILED
        )

    @property
    def written(self) -> tuple[EntryReport, ...]:
        return tuple(e for e in self.entries if e.written)

    def counts(self) -> dict[str, int]:
        return {
            "selected": len(self.entries),
            "refreshed": self.count(Status.REFRESHED),
            "unchanged": self.count(Status.UNCHANGED),
            "unavailable": self.unavailable,
            "failed": self.failed,
            "not_refreshed": self.count(Status.NOT_REFRESHED),
            "written": len(self.written),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "timestamp": self.timestamp,
            "dry_run": self.dry_run,
            "summary": self.counts(),
            "stopped": self.stopped,
            "deadline_passed": self.deadline_passed,
            "lookups": {"needed": self.lookups, "answered": self.answered},
            "resume_at": (
                format_timestamp(datetime.fromtimestamp(self.resume_at, UTC))
                if self.resume_at
                else None
            ),
            "github": {"method": self.github_method, **self.github.to_json()},
            "docker_hub": self.docker_hub.to_json(),
            "entries": [e.to_json() for e in self.entries],
        }


@dataclass(frozen=True)
class Progress:
    """Lookups done so far out of all the run needs (GitHub and Docker Hub together)."""

    done: int
    total: int


@dataclass(frozen=True)
class RefreshRequest:
    registry_dir: Path
    names: tuple[str, ...] = ()
    oldest: int | None = None
    changed_since: str | None = None
    dry_run: bool = False
    force: bool = False
    github_token: str | None = None
    github_api: str = GITHUB_API
    docker_hub_api: str = DOCKER_HUB_API
    cache_dir: Path | None = DEFAULT_CACHE_DIR
    cache_ttl: float = DEFAULT_TTL
    max_wait: float = 60.0
    timeout: float = 30.0
    retries: int = 2
    backoff: float = 1.0
    batch_size: int = DEFAULT_BATCH
    graphql_min: int = GRAPHQL_MIN
    #: The end of the whole run (it starts counting when the request is made).
    deadline: Deadline = field(
        default_factory=lambda: Deadline(DEFAULT_DEADLINE), compare=False, repr=False
    )
    now: datetime | None = None
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    progress: Callable[[Progress], None] | None = field(default=None, compare=False)


# -- selection -----------------------------------------------------------------------------


def changed_entry_names(registry_dir: Path, ref: str) -> set[str]:
    """Names of the entries whose folder differs from git revision ``ref`` (or is new).

    Raises :class:`ConfigError` when git is missing, the folder is not in a repository or
    ``ref`` is unknown.
    """
    folder = registry_dir.resolve()

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", "-C", str(folder), *args],
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise ConfigError(f"--changed-since needs git, which could not run ({exc})") from None
        if done.returncode != 0:
            why = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"
            raise ConfigError(
                f"--changed-since {ref}: git says: {why}. Give a branch, tag or commit of "
                f"the repository that holds {registry_dir}."
            )
        return done.stdout

    git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    changed = git("diff", "--name-only", "--relative", "-z", ref, "--", ".")
    untracked = git("ls-files", "--others", "--exclude-standard", "-z", "--", ".")
    names = set()
    for path in (changed + untracked).split("\0"):
        if path and "/" in path:
            names.add(path.split("/", 1)[0])
    return names


@dataclass(frozen=True)
class _Selected:
    entries: list[Entry]
    invalid: list[tuple[str, str]]  # (name, display path) of entries with errors
    valid_names: frozenset[str] = frozenset()  # every valid entry of the registry


def select_entries(request: RefreshRequest) -> _Selected:
    """The entries a request names; raises :class:`NotFoundError` for unknown names."""
    docs = [d for d in load_registry(request.registry_dir) if d.kind == "entry"]
    validation = validate_documents(docs)
    valid = {e.name: e for e in validation.registry.entries}
    paths = {d.name: d.source.display for d in docs}
    wanted = set(paths)
    if request.names:
        unknown = sorted(set(request.names) - wanted)
        if unknown:
            raise NotFoundError(
                f"no entry named {', '.join(unknown)} in {request.registry_dir}; "
                "`regup list` shows the names"
            )
        wanted = set(request.names)
    if request.changed_since is not None:
        wanted &= changed_entry_names(request.registry_dir, request.changed_since)
    entries = [valid[n] for n in sorted(wanted) if n in valid]
    invalid = [(n, paths[n]) for n in sorted(wanted) if n not in valid]
    if request.oldest is not None:
        entries.sort(key=lambda e: (e.last_updated is not None, e.last_updated or "", e.name))
        entries = sorted(entries[: request.oldest], key=lambda e: e.name)
        invalid = []
    return _Selected(entries, invalid, frozenset(valid))


# -- the run -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    entry: Entry
    repo: RepoRef | None
    hub: HubRepo | None
    stars: SourceOutcome | None  # decided without a lookup
    pulls: SourceOutcome | None


def _plan(entry: Entry) -> _Plan:
    repo: RepoRef | None = None
    stars: SourceOutcome | None = None
    if not entry.repository_url:
        stars = SourceOutcome(Source.UNAVAILABLE, message="no repository_url: stars unavailable")
    else:
        try:
            repo = parse_repository_url(entry.repository_url)
        except NotARepositoryError as exc:
            stars = SourceOutcome(Source.FAILED, message=f"{exc}; fix repository_url")
        if repo is None and stars is None:
            stars = SourceOutcome(
                Source.UNAVAILABLE,
                message="repository is not on github.com: stars unavailable",
            )
    hub: HubRepo | None = None
    pulls: SourceOutcome | None = None
    if entry.image is None:
        pulls = SourceOutcome(Source.UNAVAILABLE, message=None)  # remote: no image, no pulls
    else:
        try:
            hub = hub_repository(entry.image)
        except ImageRefError as exc:
            pulls = SourceOutcome(Source.FAILED, message=f"image: {exc}")
        if hub is None and pulls is None:
            pulls = SourceOutcome(
                Source.UNAVAILABLE,
                message=f"{image_host(entry.image)} publishes no pull counts: pulls unavailable",
            )
    return _Plan(entry, repo, hub, stars, pulls)


def _outcome(answer: Any, stopped: str | None, value: Callable[[Any], int]) -> SourceOutcome:
    if answer is None:
        return SourceOutcome(
            Source.NOT_REFRESHED, message=f"not refreshed: {stopped or 'stopped early'}"
        )
    if isinstance(answer, Failure):
        return SourceOutcome(Source.FAILED, message=answer.reason)
    return SourceOutcome(Source.OK, value=value(answer))


def _new_value(outcome: SourceOutcome, old: int | None) -> int | None:
    if outcome.source is Source.OK:
        return outcome.value
    if outcome.source is Source.UNAVAILABLE:
        return None
    return old  # failed or not refreshed: keep what the file says


def _line(entry: Entry) -> int:
    if entry.source is None:
        return 1
    for key in ("metadata", "repository_url", "image"):
        if (key,) in entry.source.positions.keys:
            return entry.source.positions.key((key,))[0]
    return 1


def refresh(request: RefreshRequest) -> RefreshResult:
    """Refresh the selected entries; returns what happened to each.

    Raises :class:`NotFoundError` (unknown names), :class:`ConfigError` (bad
    ``--changed-since``), :class:`~regup.errors.LoadError` (no registry folder) and
    :class:`~regup.errors.OutputError` (cache not writable). Failures of single lookups
    or files are reported on their entry, never raised.
    """
    selected = select_entries(request)
    plans = [_plan(e) for e in selected.entries]
    repos = sorted({p.repo for p in plans if p.repo is not None and p.stars is None})
    hubs = sorted({p.hub for p in plans if p.hub is not None and p.pulls is None})
    total, done = len(repos) + len(hubs), 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if request.progress is not None:
            request.progress(Progress(min(done, total), total))

    if request.progress is not None:
        request.progress(Progress(0, total))
    cache = Cache(request.cache_dir, request.cache_ttl, request.clock)
    pacer = Pacer.of(request)
    github = GitHub(
        cache.service("github", request.github_api),
        pacer,
        api_url=request.github_api,
        token=request.github_token,
        timeout=request.timeout,
        batch_size=request.batch_size,
        graphql_min=request.graphql_min,
        progress=tick,
    )
    gh = github.fetch(repos)
    hub_client = DockerHub(
        cache.service("dockerhub", request.docker_hub_api),
        pacer,
        api_url=request.docker_hub_api,
        timeout=request.timeout,
        progress=tick,
    )
    # the services have separate limits: a stop at GitHub does not stop Docker Hub
    dh = hub_client.fetch(hubs)
    stops = [
        (a.stopped if a.stopped.startswith(name) else f"{name}: {a.stopped}", a.resume_at)
        for name, a in (("GitHub", gh), ("Docker Hub", dh))
        if a.stopped
    ]
    stopped = "; ".join(reason for reason, _ in stops) or None
    resume_at = max((at for _, at in stops if at is not None), default=None)
    cache.save()
    answered = sum(1 for r in repos if isinstance(gh.results.get(r), RepoStats))
    answered += sum(1 for h in hubs if isinstance(dh.results.get(h), PullStats))

    now = request.now or datetime.fromtimestamp(request.clock(), UTC)
    stamp = format_timestamp(now)
    reports = [_entry_report(p, gh.results, dh.results, stopped, stamp, request) for p in plans]
    if not request.dry_run:
        # Temporary files of a refresh that was killed while writing (never half a spec.yaml).
        remove_debris(request.registry_dir, depth=1)
        reports = _write_back(reports)
    reports += [
        EntryReport(
            name,
            path,
            1,
            Status.FAILED,
            SourceOutcome(Source.FAILED, message="the entry has errors; run `regup validate`"),
            SourceOutcome(Source.FAILED),
            Metadata(),
            Metadata(),
        )
        for name, path in selected.invalid
    ]
    reports.sort(key=lambda r: r.name)
    return RefreshResult(
        tuple(reports),
        gh.usage,
        dh.usage,
        gh.method,
        stopped,
        resume_at if stopped else None,
        request.dry_run,
        stamp,
        tuple(selected.entries),
        selected.valid_names,
        lookups=total,
        answered=answered,
        deadline_passed=request.deadline.hit,
    )


def _write(report: EntryReport) -> EntryReport:
    """Write one changed entry; a write-back failure fails the entry, its values kept."""
    if report.file is None or not report.changed:
        return report
    after = report.after
    wanted: dict[str, MetadataValue] = {
        "stars": after.stars,
        "pulls": after.pulls,
        "last_updated": after.last_updated,
    }
    try:
        return replace(report, written=update_metadata(report.file, wanted))
    except WriteBackError as exc:
        stars = SourceOutcome(Source.FAILED, report.stars.value, str(exc))
        return replace(report, status=Status.FAILED, stars=stars, after=report.before)


def _write_back(reports: list[EntryReport]) -> list[EntryReport]:
    """Write every changed entry; a few threads, as each file is synced to disk."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(_write, reports))


def _entry_report(
    plan: _Plan,
    stars_found: dict[RepoRef, Any],
    pulls_found: dict[HubRepo, Any],
    stopped: str | None,
    stamp: str,
    request: RefreshRequest,
) -> EntryReport:
    entry = plan.entry
    before = entry.metadata or Metadata()
    repo_answer = stars_found.get(plan.repo) if plan.repo else None
    stars = plan.stars or _outcome(repo_answer, stopped, lambda a: a.stars)
    hub_answer = pulls_found.get(plan.hub) if plan.hub else None
    pulls = plan.pulls or _outcome(hub_answer, stopped, lambda a: a.rounded)
    new_stars, new_pulls = _new_value(stars, before.stars), _new_value(pulls, before.pulls)
    sources = {stars.source, pulls.source}
    trouble = Source.FAILED in sources or Source.NOT_REFRESHED in sources
    moved = (new_stars, new_pulls) != (before.stars, before.pulls)
    stamped = moved or (request.force and not trouble)
    after = Metadata(new_stars, new_pulls, stamp if stamped else before.last_updated)
    if Source.FAILED in sources:
        status = Status.FAILED
    elif Source.NOT_REFRESHED in sources:
        status = Status.NOT_REFRESHED
    else:
        status = Status.REFRESHED if stamped else Status.UNCHANGED
    path = entry.source.path if entry.source else request.registry_dir / entry.name / "spec.yaml"
    display = entry.source.display if entry.source else str(path)
    renamed = archived = pushed = None
    if plan.repo is not None and repo_answer is not None and not isinstance(repo_answer, Failure):
        renamed = repo_answer.full_name if repo_answer.renamed_from(plan.repo) else None
        archived, pushed = repo_answer.archived, repo_answer.pushed_at
    return EntryReport(
        name=entry.name,
        path=display,
        line=_line(entry),
        status=status,
        stars=stars,
        pulls=pulls,
        before=before,
        after=after,
        repository=plan.repo.full_name if plan.repo else None,
        image=entry.image,
        renamed_to=renamed,
        archived=archived,
        pushed_at=pushed,
        file=path,
    )
