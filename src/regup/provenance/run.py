"""The one library call behind ``regup verify`` and ``regup refresh --provenance``.

:func:`verify_entries` verifies the container entries it is given (concurrently), reuses
fresh results from the state file, keeps an older result marked stale when a re-check
fails transiently, writes the state file (only if it changed) and returns a
:class:`VerifyRun` whose :attr:`VerifyRun.failures` says what fails the run in its
:class:`Mode`::

    from regup.provenance.run import Mode, verify_entries
    run = verify_entries(registry.entries, registry_dir=Path("registry"), mode=Mode.STRICT)
    if run.failures: ...   # mismatch, invalid, unsigned (strict only)
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from regup.checks import Outcome
from regup.model import SKILL_STATE_PREFIX, Entry, Provenance, Skill
from regup.net import make_client
from regup.provenance.oci import OciClient
from regup.provenance.state import Result, load_state, save_state
from regup.provenance.verify import EntryVerifier, TrustRoot, TrustRoots


class Mode(enum.StrEnum):
    """How provenance outcomes affect a run."""

    OFF = "off"  # do not verify
    WARN = "warn"  # verify and report; nothing fails the run
    STRICT = "strict"  # mismatch, invalid and unsigned (where declared) fail the run


@dataclass(frozen=True)
class VerifyRun:
    """The results of one verification run, sorted by entry name."""

    mode: Mode
    results: tuple[Result, ...] = ()
    state_written: bool = False
    paths: dict[str, str] = field(default_factory=dict)

    @property
    def failures(self) -> tuple[Result, ...]:
        if self.mode is not Mode.STRICT:
            return ()
        return tuple(r for r in self.results if r.fails_strict)

    @property
    def counts(self) -> dict[str, int]:
        """Number of entries per outcome, in :class:`Outcome` order, zeros left out."""
        counted = Counter(r.outcome for r in self.results)
        return {o.value: counted[o] for o in Outcome if counted[o]}


def skill_key(skill: Skill, namespace: str) -> str:
    """Where a skill's result is stored (:meth:`~regup.model.Skill.state_key`)."""
    return skill.state_key(namespace)


@dataclass(frozen=True)
class _Subject:
    """One OCI artifact to verify: a container's image or a skill's oci package."""

    name: str
    image: str
    provenance: Provenance | None
    path: str


def _subjects(
    entries: Sequence[Entry], skills: Sequence[Skill], namespace: str, registry_dir: Path
) -> list[_Subject]:
    found = [
        _Subject(
            e.name,
            e.image,
            e.provenance,
            e.source.display if e.source else f"{registry_dir}/{e.name}/spec.yaml",
        )
        for e in entries
        if e.image
    ]
    for skill in skills:
        package = next((p for p in skill.oci_packages if p.identifier), None)
        if package is None or package.identifier is None:
            continue  # git-only skills have nothing signed to check
        declared = dict(skill.provenance)
        provenance = Provenance.from_document(declared) if declared else None
        where = skill.source.display if skill.source else f"{registry_dir}/{skill.name}"
        found.append(_Subject(skill_key(skill, namespace), package.identifier, provenance, where))
    return sorted(found, key=lambda s: s.name)


def verify_entries(
    entries: Sequence[Entry],
    *,
    registry_dir: Path,
    skills: Sequence[Skill] = (),
    namespace: str = "",
    mode: Mode = Mode.STRICT,
    trusted_root: Path | None = None,
    use_cache: bool = True,
    write: bool = True,
    all_names: set[str] | None = None,
    http: httpx.Client | None = None,
    now: Callable[[], datetime] | None = None,
    public_good: Callable[[], TrustRoot] | None = None,
    workers: int = 8,
) -> VerifyRun:
    """Verify the container entries of ``entries`` (remote entries have no image) and the
    oci packages of ``skills`` (stored as ``skill:<namespace>/<name>``, ``namespace`` the
    registry's).

    ``all_names`` (every entry of the registry) lets the state file drop records of
    removed entries; without it other records are kept. ``use_cache=False`` re-checks
    fresh results too. ``http`` and ``public_good`` are for tests and embedding.

    Raises :class:`~regup.errors.ProvenanceError` when ``trusted_root`` cannot be used or
    the state file is malformed, :class:`~regup.errors.WriteBackError` when the state file
    cannot be written. Problems of single entries are results, never exceptions.
    """
    if mode is Mode.OFF:
        return VerifyRun(mode)
    override = TrustRoot.from_file(trusted_root) if trusted_root is not None else None
    trust = TrustRoots(override, public_good) if public_good else TrustRoots(override)
    state = load_state(registry_dir)
    subjects = _subjects(entries, skills, namespace, registry_dir)
    own_client = http is None
    client = http if http is not None else make_client()
    try:
        verifier = EntryVerifier(
            OciClient(client), client, trust, now or (lambda: datetime.now(UTC))
        )

        def one(subject: _Subject) -> Result:
            previous = state.get(subject.name)
            return verifier.verify_image(
                subject.name, subject.image, subject.provenance, previous, reuse=use_cache
            )

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            results = tuple(pool.map(one, subjects))
    finally:
        if own_client:
            client.close()
    written = False
    if write:
        keep = all_names
        if keep is not None and not skills:  # a run of entries only keeps the skills' records
            keep = keep | {k for k in state.results if k.startswith(SKILL_STATE_PREFIX)}
        written = save_state(registry_dir, state.merged(list(results), keep=keep))
    return VerifyRun(mode, results, written, {s.name: s.path for s in subjects})
