"""``regup refresh --bump``: move an entry's image to the newest release of its repository.

:func:`bump` takes a :class:`BumpRequest` (the entries a refresh selected) and returns a
:class:`BumpResult` with one :class:`Bump` per container entry. The rules:

* The newest release is :func:`regup.health.image.newest_release` of the repository's OCI
  tag list (the same lookups as ``regup check``): ``1.2``, ``v1.3.0``; never a pre-release
  (``2.0.0-rc1``) or another tag. When the release has several tags (``1.3.0`` and
  ``v1.3.0``), the one written like the current tag is taken. An entry moves only to a *higher* release: never down.
* A floating tag (``latest``, ``main``…) is left alone unless the entry is named in
  ``floating`` (``--bump-floating``); a digest-pinned reference is never touched (the
  digest was chosen on purpose: change it by hand); a tag that is not a release version
  is left alone too. Each says why.
* The new tag must resolve to a digest, and its provenance is verified as ``regup verify``
  does (:func:`regup.provenance.run.verify_entries`). An entry that declares provenance is
  not moved when the new digest is not verified (mismatch, invalid, unsigned, or no
  answer): the bump fails and the file is kept.
* Only ``image`` and, when the entry has one, ``version`` are written
  (:func:`regup.writeback.update_fields`, comments and layout kept); the new digest's
  provenance result goes to ``provenance.json``, and when the registry has a
  ``health.json`` the image signal of the bumped entries is checked again
  (:func:`regup.health.run.check`), so it no longer says ``behind``. A fault (registry
  unreachable, no tag list) changes nothing for that entry and is reported as failed.
* With ``run_containers`` (``--bump --run-containers``, needs docker), the new image is
  started and the MCP handshake re-run with it (:func:`regup.health.live.check_live`, as
  ``regup check --run-containers`` does), after its provenance passed and before anything
  is written. An image that does not answer as a healthy MCP server (``not-mcp``,
  ``unreachable``, ``auth-required``, or docker could not start it) is not taken: the bump
  fails and the file is kept. The handshake (and the drift of its tools) of a written bump
  goes to ``health.json`` with the image signal, without starting the image again. Without
  it the handshake is not re-run: a remote server has no image to bump.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from regup.checks import Outcome
from regup.errors import HealthError, WriteBackError
from regup.health.image import ImageLookups, newest_release
from regup.health.live import LiveResult, check_live, require_docker
from regup.healthstate import HealthState, Signal, load_health
from regup.imageref import ImageRef, ImageRefError, release_key
from regup.model import Entry
from regup.provenance.oci import OciClient, OciError
from regup.provenance.run import Mode, VerifyRun, verify_entries
from regup.provenance.state import Result, load_state, save_state
from regup.writeback import update_fields


class BumpStatus(enum.Enum):
    """What ``--bump`` did to one entry."""

    BUMPED = "bumped"  # moved to a newer release (or would, in a dry run)
    CURRENT = "current"  # already on the newest release
    SKIPPED = "skipped"  # digest-pinned, floating, not a release tag: left as it is
    FAILED = "failed"  # a fault: nothing was changed


@dataclass(frozen=True)
class Bump:
    name: str
    path: str
    status: BumpStatus
    message: str
    old_image: str
    new_image: str | None = None
    old_version: str | None = None
    new_version: str | None = None
    digest: str | None = None
    provenance: str | None = None
    #: The state of the handshake with the new image (None: not run).
    live: str | None = None
    written: bool = False
    #: The line of ``image:`` in the entry file (for annotations).
    line: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "status": self.status.value,
            "message": self.message,
            "old_image": self.old_image,
            "new_image": self.new_image,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "digest": self.digest,
            "provenance": self.provenance,
            "live": self.live,
            "written": self.written,
        }


@dataclass(frozen=True)
class BumpResult:
    bumps: tuple[Bump, ...]
    dry_run: bool = False
    provenance: VerifyRun | None = None
    #: ``health.json`` was rewritten with the image signal of the bumped entries.
    health_written: bool = False
    #: The handshake was re-run with each new image (``run_containers``).
    handshakes: bool = False

    @property
    def bumped(self) -> tuple[Bump, ...]:
        return tuple(b for b in self.bumps if b.status is BumpStatus.BUMPED)

    @property
    def failed(self) -> tuple[Bump, ...]:
        return tuple(b for b in self.bumps if b.status is BumpStatus.FAILED)

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "entries": [b.to_json() for b in self.bumps],
            "health_written": self.health_written,
        }


@dataclass(frozen=True)
class BumpRequest:
    registry_dir: Path
    entries: Sequence[Entry]
    dry_run: bool = False
    #: Entries whose floating tag (``latest``, ``main``…) may be replaced by a release.
    floating: frozenset[str] = frozenset()
    trusted_root: Path | None = None
    #: The client of registry, Rekor and TUF requests (None: one from regup.net).
    http: httpx.Client | None = None
    #: Start each new image with docker and re-run the MCP handshake before writing it.
    run_containers: bool = False
    #: Longest handshake with a new image.
    timeout: float = 15.0


@dataclass(frozen=True)
class _Candidate:
    entry: Entry
    bump: Bump


def _path(entry: Entry, registry_dir: Path) -> tuple[Path, str]:
    path = entry.source.path if entry.source else registry_dir / entry.name / "spec.yaml"
    return path, entry.source.display if entry.source else str(path)


def _plan(entry: Entry, request: BumpRequest, lookups: ImageLookups) -> Bump:
    """What the entry would move to (BUMPED, not yet verified or written), or why not."""
    assert entry.image is not None
    path, display = _path(entry, request.registry_dir)
    line = 1
    if entry.source is not None and ("image",) in entry.source.positions.keys:
        line = entry.source.positions.key(("image",))[0]
    base = Bump(entry.name, display, BumpStatus.SKIPPED, "", entry.image, line=line)
    if path.name != "spec.yaml":
        return replace(base, message=f"authored as {path.name}: bump its packages by hand")
    try:
        ref = ImageRef.parse(entry.image)
    except ImageRefError as exc:
        return replace(base, status=BumpStatus.FAILED, message=f"image: {exc}")
    if ref.digest is not None:
        return replace(base, message=f"pinned by digest {ref.digest[:19]}…: change it by hand")
    if ref.floating and entry.name not in request.floating:
        return replace(
            base,
            message=f"floating tag {ref.tag or 'latest'}: not bumped (--bump-floating "
            f"{entry.name} moves it to the newest release)",
        )
    current = None if ref.floating else release_key(ref.tag or "")
    if not ref.floating and current is None:
        return replace(base, message=f"tag {ref.tag} is not a release version: not bumped")
    tags = lookups.tag_list(ref)
    if isinstance(tags, OciError):
        return replace(
            base, status=BumpStatus.FAILED, message=f"the tags of {ref.name}: {tags}; not bumped"
        )
    newest = newest_release(tags)
    if newest is None:
        return replace(base, status=BumpStatus.CURRENT, message=f"{ref.name} has no release tag")
    newest_key = release_key(newest)
    if current is not None and newest_key is not None and newest_key <= current:
        return replace(base, status=BumpStatus.CURRENT, message=f"{ref.tag} is the newest release")
    newest = _same_style(tags, newest, ref.tag)
    moved = replace(ref, tag=newest)
    digest = lookups.digest(moved)
    if isinstance(digest, OciError):
        return replace(base, status=BumpStatus.FAILED, message=f"{moved}: {digest}; not bumped")
    new_version = None
    if entry.version is not None:
        new_version = moved.version or newest
    return replace(
        base,
        status=BumpStatus.BUMPED,
        message=f"{ref.tag or 'latest'} -> {newest}",
        new_image=_spelled(entry.image, ref, newest),
        old_version=entry.version,
        new_version=new_version,
        digest=digest,
    )


def _same_style(tags: list[str], newest: str, current: str | None) -> str:
    """Of the tags naming the newest release (``1.4.0``, ``v1.4.0``, ``1.4``), the one written
    like the current tag (a ``v`` or not, as many parts), else :func:`newest_release`'s."""
    if current is None:
        return newest
    key = release_key(newest)
    same = [t for t in tags if release_key(t) == key]

    def style(tag: str) -> tuple[bool, int]:
        return tag.startswith("v"), tag.count(".")

    return next((t for t in sorted(same) if style(t) == style(current)), newest)


def _spelled(image: str, ref: ImageRef, tag: str) -> str:
    """``image`` with its tag replaced, written as the entry wrote it (``nginx:1.2`` stays
    short, not ``docker.io/library/nginx``)."""
    if ref.tag is not None:
        return image[: -len(ref.tag)] + tag
    return f"{image}:{tag}"


def _provenance_fault(result: Result, entry: Entry) -> str | None:
    """Why the new digest may not replace the old one (None: it may)."""
    if entry.provenance is None or result.outcome in (Outcome.NOT_DECLARED, Outcome.UNSUPPORTED):
        return None
    if result.stale or result.outcome is not Outcome.VERIFIED:
        return f"provenance of the new image is {result.outcome.value}: {result.detail}"
    return None


def bump(request: BumpRequest) -> BumpResult:
    """Plan, verify and write the bumps of ``request.entries``; returns one :class:`Bump`
    per container entry, sorted by name.

    Raises :class:`~regup.errors.ProvenanceError` when ``trusted_root`` cannot be used or
    ``provenance.json`` is malformed, :class:`~regup.errors.HealthError` when
    ``run_containers`` is asked without docker (before anything is looked up), and
    :class:`~regup.errors.WriteBackError` when ``provenance.json`` cannot be written.
    Faults of single entries are results.
    """
    from regup.net import make_client

    live_before: HealthState | None = None
    if request.run_containers:
        require_docker()
        live_before = load_health(request.registry_dir)  # a malformed file stops it here

    containers = sorted((e for e in request.entries if e.image), key=lambda e: e.name)
    own_client = request.http is None
    http = request.http if request.http is not None else make_client()
    try:
        lookups = ImageLookups(OciClient(http))
        planned = [_Candidate(e, _plan(e, request, lookups)) for e in containers]
        moving = [c for c in planned if c.bump.status is BumpStatus.BUMPED]
        run: VerifyRun | None = None
        if moving:
            run = verify_entries(
                [replace(c.entry, image=c.bump.new_image) for c in moving],
                registry_dir=request.registry_dir,
                mode=Mode.WARN,
                trusted_root=request.trusted_root,
                write=False,
                http=http,
            )
    finally:
        if own_client:
            http.close()
    results = {r.name: r for r in run.results} if run else {}
    accepted: list[Result] = []
    bumps: list[Bump] = []
    handshakes: dict[str, LiveResult] = {}
    for candidate in planned:
        one = candidate.bump
        if one.status is BumpStatus.BUMPED:
            one = _finish(
                candidate.entry, one, results.get(one.name), request, (live_before, handshakes)
            )
            if one.status is BumpStatus.BUMPED and one.name in results:
                accepted.append(results[one.name])
        bumps.append(one)
    if accepted and not request.dry_run:
        state = load_state(request.registry_dir)
        save_state(request.registry_dir, state.merged(accepted))
    written = tuple(b.name for b in bumps if b.written)
    made = {n: handshakes[n] for n in written if n in handshakes}
    health = bool(written) and _recheck(request, written, made)
    return BumpResult(tuple(bumps), request.dry_run, run, health, request.run_containers)


def _recheck(request: BumpRequest, names: tuple[str, ...], made: dict[str, LiveResult]) -> bool:
    """The image signal of the bumped entries, again, and the handshakes made with their new
    images (live and drift), where ``health.json`` is kept."""
    from regup.health.run import CheckRequest, check
    from regup.healthstate import STATE

    if not STATE.path(request.registry_dir).exists():
        return False  # the registry keeps no health state: refresh does not start one
    signals = {Signal.IMAGE}
    if made:
        signals |= {Signal.LIVE, Signal.DRIFT}
    result = check(
        CheckRequest(
            request.registry_dir,
            names=names,
            signals=frozenset(signals),
            cache_dir=None,
            http=request.http,
            handshakes=made,
        )
    )
    return result.written


def _handshake(
    entry: Entry,
    one: Bump,
    request: BumpRequest,
    live: tuple[HealthState | None, dict[str, LiveResult]],
) -> Bump:
    """``one`` with the state of the handshake with its new image; FAILED unless healthy."""
    before, handshakes = live
    assert one.new_image is not None
    moved = replace(entry, image=one.new_image)
    previous = before.record(entry.name, Signal.LIVE) if before is not None else None
    try:
        shake = check_live(
            moved, timeout=request.timeout, run_containers=True, previous_live=previous
        )
    except HealthError as exc:
        return replace(one, status=BumpStatus.FAILED, message=f"{exc}; not bumped")
    if shake.live is None:
        why = shake.fault or "no answer"
        return replace(
            one,
            status=BumpStatus.FAILED,
            message=f"handshake with {moved.image}: {why}; not bumped",
        )
    one = replace(one, live=shake.live.state)
    if shake.live.state != "healthy":
        return replace(
            one,
            status=BumpStatus.FAILED,
            message=f"the new image is {shake.live.state} ({shake.live.detail}); not bumped",
        )
    handshakes[entry.name] = shake
    if shake.drift is not None and shake.drift.state == "drifted":
        one = replace(one, message=f"{one.message}; {shake.drift.detail}")
    return one


def _finish(
    entry: Entry,
    one: Bump,
    result: Result | None,
    request: BumpRequest,
    live: tuple[HealthState | None, dict[str, LiveResult]],
) -> Bump:
    """Check the new digest's provenance, then (with ``run_containers``) its handshake,
    then write the entry (unless a dry run)."""
    if result is not None:
        one = replace(one, provenance=result.outcome.value + (" (stale)" if result.stale else ""))
        fault = _provenance_fault(result, entry)
        if fault is not None:
            return replace(one, status=BumpStatus.FAILED, message=f"{fault}; not bumped")
    if request.run_containers:  # only an image whose provenance passed is started
        one = _handshake(entry, one, request, live)
        if one.status is not BumpStatus.BUMPED:
            return one
    if request.dry_run:
        return one
    assert one.new_image is not None
    wanted = {"image": one.new_image}
    expected = {"image": one.old_image}
    if one.new_version is not None and one.old_version is not None:
        wanted["version"], expected["version"] = one.new_version, one.old_version
    path, _ = _path(entry, request.registry_dir)
    try:
        return replace(one, written=update_fields(path, wanted, expected))
    except WriteBackError as exc:
        return replace(one, status=BumpStatus.FAILED, message=str(exc))
