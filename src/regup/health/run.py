"""``regup check`` as a library call: gather every signal of the selected entries, date the
findings against ``registry/health.json``, write it back when something changed.

The rules:

* Each signal gives a finding (a state, a sentence, its evidence) or a *fault*: the source
  gave no answer (a timeout, GitHub's rate limit, a registry down). A fault never writes a
  value: the previous record is kept, marked stale; without one the signal stays "not
  checked yet".
* A remote server that cannot be reached is a finding (*unreachable*) only when something
  else in the run answered (another server, GitHub, a registry): when nothing answered at
  all, the machine is offline and every handshake is a fault.
* Drift is decided only from a healthy handshake; otherwise its last record stays as it is.
* Handshakes and image look-ups run a few at a time; GitHub look-ups go in one batch
  (:class:`regup.enrich.github.GitHub`), registry look-ups once per reference and
  repository (:class:`regup.health.image.ImageLookups`). Both keep their answers in the
  same cache (``cache_dir``, ``cache_ttl``): a second run within the TTL asks nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx

from regup.enrich.cache import DEFAULT_CACHE_DIR, DEFAULT_TTL, Cache
from regup.enrich.github import GITHUB_API, GitHub, RepoStats
from regup.enrich.transport import DEFAULT_DEADLINE, Deadline, Failure, Pacer, Usage
from regup.errors import NotFoundError
from regup.health.image import ImageCheck, ImageLookups, check_image
from regup.health.live import LiveResult, check_live
from regup.health.repo import answer_fault, plan_repository, repository_finding, shared_stars
from regup.health.store import save_health
from regup.healthstate import (
    EntryHealth,
    Finding,
    HealthState,
    Record,
    Signal,
    dated,
    load_health,
)
from regup.load import load_registry
from regup.model import Entry
from regup.provenance.oci import OciClient
from regup.provenance.state import load_state
from regup.validate import validate_documents

ALL_SIGNALS = frozenset(Signal)
#: Handshakes at the same time: each waits on a server, not on the CPU.
HANDSHAKE_WORKERS = 8
#: Image entries looked up at the same time (each waits on a registry).
IMAGE_WORKERS = 8
DEFAULT_HANDSHAKE_TIMEOUT = 15.0


@dataclass(frozen=True)
class CheckRequest:
    registry_dir: Path
    names: tuple[str, ...] = ()
    signals: frozenset[Signal] = ALL_SIGNALS
    timeout: float = DEFAULT_HANDSHAKE_TIMEOUT
    run_containers: bool = False
    write: bool = True
    github_token: str | None = None
    github_api: str = GITHUB_API
    cache_dir: Path | None = DEFAULT_CACHE_DIR
    cache_ttl: float = DEFAULT_TTL
    max_wait: float = 60.0
    retries: int = 2
    backoff: float = 1.0
    deadline: Deadline = field(
        default_factory=lambda: Deadline(DEFAULT_DEADLINE), compare=False, repr=False
    )
    #: The client of registry and OAuth metadata requests (None: one from regup.net).
    http: httpx.Client | None = field(default=None, compare=False, repr=False)
    #: Handshakes already made, by entry name (``refresh --bump --run-containers`` made
    #: them with the new image before writing it): recorded as they are, not made again.
    handshakes: Mapping[str, LiveResult] = field(default_factory=dict, compare=False)
    now: datetime | None = None
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class EntryCheck:
    """One entry after the run: its records as stored, and the signals that got no answer."""

    name: str
    kind: str
    records: dict[Signal, Record]
    faults: dict[Signal, str]
    checked: frozenset[Signal]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "signals": {s.value: r.to_json() for s, r in sorted(self.records.items())},
            "faults": {s.value: m for s, m in sorted(self.faults.items())},
        }


@dataclass(frozen=True)
class CheckResult:
    entries: tuple[EntryCheck, ...]
    github: Usage
    today: str
    written: bool = False
    offline: bool = False
    stopped: str | None = None
    skipped: int = 0

    @property
    def faults(self) -> int:
        return sum(len(e.faults) for e in self.entries)

    @property
    def checks(self) -> int:
        return sum(len(e.checked) for e in self.entries)

    @property
    def nothing_answered(self) -> bool:
        """Checks needed the network and every one of them had a fault."""
        return self.checks > 0 and self.faults >= self.checks

    def to_json(self) -> dict[str, Any]:
        return {
            "checked_on": self.today,
            "written": self.written,
            "offline": self.offline,
            "stopped": self.stopped,
            "github": self.github.to_json(),
            "entries": [e.to_json() for e in self.entries],
        }


def _select(request: CheckRequest) -> tuple[list[Entry], list[Entry], int]:
    """(selected entries, every valid entry, files left out as invalid)."""
    result = validate_documents(load_registry(request.registry_dir))
    every = list(result.registry.entries)
    by_name = {e.name: e for e in every}
    unknown = sorted(set(request.names) - set(by_name))
    if unknown:
        raise NotFoundError(
            f"no valid entry named {', '.join(unknown)} in {request.registry_dir}; run "
            "`regup list` to see the names (or `regup validate` if it is invalid)"
        )
    skipped = result.files - len(every) - len(result.registry.groups)
    chosen = [by_name[n] for n in sorted(set(request.names))] if request.names else every
    return chosen, every, skipped


def check(request: CheckRequest) -> CheckResult:
    """Check the selected entries; returns their records and what could not be checked.

    Raises :class:`NotFoundError` (unknown names), :class:`~regup.errors.LoadError` (no
    registry folder), :class:`~regup.errors.HealthError` (a malformed health.json, or
    ``run_containers`` without docker), :class:`~regup.errors.WriteBackError`.
    """
    entries, every, skipped = _select(request)
    previous = load_health(request.registry_dir)
    now = request.now or datetime.fromtimestamp(request.clock(), UTC)
    today = now.date()
    findings: dict[str, dict[Signal, Finding]] = {e.name: {} for e in entries}
    faults: dict[str, dict[Signal, str]] = {e.name: {} for e in entries}
    checked: dict[str, set[Signal]] = {e.name: set() for e in entries}
    answered = 0
    stopped: str | None = None
    usage = Usage()

    own_http = request.http is None
    http = request.http or _client()
    try:
        if Signal.LIVE in request.signals or Signal.DRIFT in request.signals:
            answered += _live(request, entries, previous, findings, faults, checked, http)
        if Signal.REPOSITORY in request.signals:
            got, usage, stopped = _repositories(request, entries, every, findings, faults, checked)
            answered += got
        if Signal.IMAGE in request.signals:
            answered += _images(request, entries, http, findings, faults, checked)
    finally:
        if own_http:
            http.close()

    offline = answered == 0
    if offline:  # nothing answered: an unreachable server says nothing about the server
        for name, found in findings.items():
            live = found.get(Signal.LIVE)
            if live is not None and live.state == "unreachable":
                del found[Signal.LIVE]
                faults[name][Signal.LIVE] = f"no network answer in this run: {live.detail}"

    results = [
        _entry_result(e, previous, findings[e.name], faults[e.name], checked[e.name], today)
        for e in entries
    ]
    state = previous.merged(
        [EntryHealth(r.name, r.records) for r in results],
        keep={e.name for e in every},
    )
    written = save_health(request.registry_dir, state) if request.write else False
    return CheckResult(tuple(results), usage, today.isoformat(), written, offline, stopped, skipped)


def _client() -> httpx.Client:
    from regup.net import make_client

    return make_client()


def _entry_result(
    entry: Entry,
    previous: HealthState,
    found: dict[Signal, Finding],
    faults: dict[Signal, str],
    checked: set[Signal],
    today: date,
) -> EntryCheck:
    old = previous.get(entry.name)
    records: dict[Signal, Record] = dict(old.records) if old else {}
    for signal, finding in found.items():
        records[signal] = dated(finding, signal, records.get(signal), today)
    for signal, why in faults.items():
        if signal in records:
            records[signal] = records[signal].as_stale(why)
    # a signal that no longer applies (a container that became remote) is dropped
    if entry.image is None:
        records.pop(Signal.IMAGE, None)
    kind = "remote" if entry.url else "container"
    return EntryCheck(entry.name, kind, records, dict(faults), frozenset(checked))


def _live(
    request: CheckRequest,
    entries: list[Entry],
    previous: HealthState,
    findings: dict[str, dict[Signal, Finding]],
    faults: dict[str, dict[Signal, str]],
    checked: dict[str, set[Signal]],
    http: httpx.Client,
) -> int:
    def one(entry: Entry) -> LiveResult:
        made = request.handshakes.get(entry.name)
        if made is not None:
            return made
        if request.deadline.passed:
            return LiveResult(None, fault=request.deadline.reason)
        return check_live(
            entry,
            timeout=_capped(request.timeout, request.deadline),
            run_containers=request.run_containers,
            previous_live=previous.record(entry.name, Signal.LIVE),
            http=http,
        )

    answered = 0
    with ThreadPoolExecutor(max_workers=HANDSHAKE_WORKERS) as pool:
        for entry, result in zip(entries, pool.map(one, entries), strict=True):
            if result.live is not None and result.live.state == "not-run":
                findings[entry.name][Signal.LIVE] = result.live
                continue
            checked[entry.name].add(Signal.LIVE)
            if result.live is None:
                faults[entry.name][Signal.LIVE] = result.fault or "not checked"
                continue
            findings[entry.name][Signal.LIVE] = result.live
            if result.live.state != "unreachable":
                answered += 1
            if result.drift is not None and Signal.DRIFT in request.signals:
                checked[entry.name].add(Signal.DRIFT)
                findings[entry.name][Signal.DRIFT] = result.drift
    if Signal.LIVE not in request.signals:
        for found in findings.values():
            found.pop(Signal.LIVE, None)
    return answered


def _capped(timeout: float, deadline: Deadline) -> float:
    left = deadline.remaining()
    return timeout if left is None else max(0.1, min(timeout, left))


def _repositories(
    request: CheckRequest,
    entries: list[Entry],
    every: list[Entry],
    findings: dict[str, dict[Signal, Finding]],
    faults: dict[str, dict[Signal, str]],
    checked: dict[str, set[Signal]],
) -> tuple[int, Usage, str | None]:
    plans = {e.name: plan_repository(e) for e in entries}
    refs = sorted({p.ref for p in plans.values() if p.ref is not None})
    cache = Cache(request.cache_dir, request.cache_ttl, request.clock)
    pacer = Pacer.of(request)
    github = GitHub(
        cache.service("github", request.github_api),
        pacer,
        api_url=request.github_api,
        token=request.github_token,
        timeout=request.timeout,
    )
    answers = github.fetch(refs)
    cache.save()
    shared = shared_stars(every)
    answered = 0
    for entry in entries:
        plan = plans[entry.name]
        if plan.offline is not None:
            findings[entry.name][Signal.REPOSITORY] = plan.offline
            continue
        assert plan.ref is not None
        checked[entry.name].add(Signal.REPOSITORY)
        answer = answers.results.get(plan.ref)
        finding = (
            repository_finding(plan.ref, answer, shared.get(entry.name, []))
            if isinstance(answer, RepoStats | Failure)
            else None
        )
        if finding is None:
            faults[entry.name][Signal.REPOSITORY] = answer_fault(
                answers.results, plan.ref, answers.stopped
            )
        else:
            findings[entry.name][Signal.REPOSITORY] = finding
    answered = sum(
        1
        for a in answers.results.values()
        if isinstance(a, RepoStats) or (isinstance(a, Failure) and a.not_found)
    )
    return answered, answers.usage, answers.stopped


def _images(
    request: CheckRequest,
    entries: list[Entry],
    http: httpx.Client,
    findings: dict[str, dict[Signal, Finding]],
    faults: dict[str, dict[Signal, str]],
    checked: dict[str, set[Signal]],
) -> int:
    provenance = load_state(request.registry_dir)
    cache = Cache(request.cache_dir, request.cache_ttl, request.clock)
    lookups = ImageLookups(OciClient(request.deadline.watch(http)), cache=cache)
    with_image = [e for e in entries if e.image is not None]

    def one(entry: Entry) -> ImageCheck:
        assert entry.image is not None
        if request.deadline.passed:
            return ImageCheck(None, request.deadline.reason)
        return check_image(entry.image, lookups, provenance.get(entry.name))

    with ThreadPoolExecutor(max_workers=IMAGE_WORKERS) as pool:
        for entry, result in zip(with_image, pool.map(one, with_image), strict=True):
            checked[entry.name].add(Signal.IMAGE)
            if result.finding is None:
                faults[entry.name][Signal.IMAGE] = result.fault or "not checked"
            else:
                findings[entry.name][Signal.IMAGE] = result.finding
    cache.save()
    return lookups.answered
