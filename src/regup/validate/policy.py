"""The registry's policy over the committed check results: ``regup validate --policy``.

:func:`evaluate_policy` is a pure function of the valid entries, the ``[policy]`` table
(:class:`~regup.policyconfig.Policy`), the records of ``registry/health.json`` and the
results of ``registry/provenance.json``: offline, it decides from what was recorded and
never checks anything itself. Each broken rule is a :class:`~regup.diagnostics.Diagnostic`
at the line of the entry's field it is about (``license``, ``repository_url``, ``image``,
``url``, ``provenance``, ``tools``), under the rule id ``policy-<rule>``. A rule that needs a
record the entry does not have yet is not failed: it is listed in one ``policy-unchecked``
diagnostic (a warning by default), because nothing is made up.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from regup.checks import Outcome
from regup.diagnostics import Diagnostic, Severity, sort_diagnostics
from regup.healthstate import HealthState, Level, Record, Signal, level_of
from regup.imageref import ImageRef
from regup.model import Entry
from regup.policyconfig import POLICY_RULES, Policy
from regup.yamlio import YamlPath

HEALTH_FILE = "registry/health.json"
PROVENANCE_FILE = "registry/provenance.json"


@dataclass(frozen=True)
class Verification:
    """The last stored ``regup verify`` result of one entry, as the policy reads it."""

    outcome: Outcome
    #: the image reference that was verified (None: not recorded)
    image: str | None = None
    detail: str | None = None


class _Entry:
    """Collects one entry's diagnostics, placed at the line of the field they are about."""

    def __init__(self, entry: Entry, policy: Policy) -> None:
        self.entry = entry
        self.policy = policy
        source = entry.source
        self.display = source.display if source else entry.name
        self.positions = source.positions if source else None
        self.found: list[Diagnostic] = []
        #: why a rule could not be decided -> the rule ids
        self.unchecked: dict[str, list[str]] = {}

    def fail(self, rule: str, path: YamlPath, message: str, *, key: bool = False) -> None:
        severity = self.policy.severity(rule)
        assert severity is not None
        line, col = 1, 1
        if self.positions is not None:
            line, col = self.positions.key(path) if key else self.positions.value(path)
        self.found.append(
            Diagnostic(self.display, line, col, severity, POLICY_RULES[rule].id, message)
        )

    def not_checked(self, rule: str, why: str) -> None:
        self.unchecked.setdefault(why, []).append(POLICY_RULES[rule].id)

    def finish(self) -> list[Diagnostic]:
        if self.unchecked and self.policy.severity("unchecked") is not None:
            parts = [f"{', '.join(ids)} ({why})" for why, ids in self.unchecked.items()]
            self.fail(
                "unchecked",
                (),
                f"not checked yet, so not decided: {'; '.join(parts)}",
            )
        return self.found


def _health_missing(name: str) -> str:
    return f"no record in {HEALTH_FILE}: run `regup check {name}`"


def _as_of(record: Record) -> str:
    when = f"as of the check of {record.checked_on}" if record.checked_on else "as last checked"
    if record.stale:
        when += ", the latest check got no answer"
    return when


def _repository_place(entry: Entry) -> YamlPath:
    return ("repository_url",) if entry.repository_url else ()


def _server_place(entry: Entry) -> YamlPath:
    return ("image",) if entry.image else ("url",) if entry.url else ()


def _license(e: _Entry, record: Record | None) -> None:
    entry = e.entry
    allow = e.policy.allow_licenses
    allowed = {a.casefold() for a in allow}
    listed = ", ".join(allow)
    if entry.license:
        if entry.license.casefold() not in allowed:
            e.fail(
                "license",
                ("license",),
                f"license {entry.license!r} is not on the policy's allow-list ({listed})",
            )
        return
    if record is None:
        e.not_checked("license", _health_missing(entry.name))
        return
    detected = record.facts.get("license") if record.state in ("active", "archived") else None
    if not isinstance(detected, str) or not detected or detected == "NOASSERTION":
        why = (
            "GitHub finds a license it cannot name"
            if detected == "NOASSERTION"
            else "GitHub detects no license"
            if record.state in ("active", "archived")
            else "the repository is not on GitHub, so no license is detected"
            if record.state == "unavailable"
            else "GitHub has no such repository"
        )
        e.fail(
            "license",
            _repository_place(entry),
            f"no license known ({why}); declare the server's SPDX license with `license:` "
            f"(the allow-list is {listed})",
        )
        return
    if detected.casefold() not in allowed:
        e.fail(
            "license",
            _repository_place(entry),
            f"the repository's license {detected!r} ({_as_of(record)}) is not on the "
            f"policy's allow-list ({listed})",
        )


def _archived(e: _Entry, record: Record | None) -> None:
    if record is None:
        e.not_checked("archived", _health_missing(e.entry.name))
    elif record.state in ("archived", "not-found"):
        what = "is archived (read-only)" if record.state == "archived" else "no longer exists"
        e.fail(
            "archived",
            _repository_place(e.entry),
            f"the repository {what} ({_as_of(record)}); the policy allows no archived or "
            "missing repositories",
        )


def _days_between(first: str, second: str | None) -> int | None:
    try:
        return (date.fromisoformat(second or "") - date.fromisoformat(first[:10])).days
    except ValueError:
        return None


def _stale(e: _Entry, record: Record | None) -> None:
    if record is None:
        e.not_checked("stale", _health_missing(e.entry.name))
        return
    if record.state not in ("active", "archived"):
        return  # no GitHub repository (or none any more: policy-archived's to say)
    pushed = str(record.facts.get("pushed_at") or "")
    days = _days_between(pushed, record.checked_on)
    if days is None:
        e.not_checked("stale", f"{HEALTH_FILE} records no last push")
    elif days > e.policy.max_days:
        e.fail(
            "stale",
            _repository_place(e.entry),
            f"the repository's last push was {pushed[:10]}, {days} days before the check of "
            f"{record.checked_on}; the policy allows at most {e.policy.max_days}",
        )


def _provenance(e: _Entry, result: Verification | None) -> None:
    entry = e.entry
    if entry.image is None or entry.tier not in e.policy.provenance_tiers:
        return
    required = f"the policy requires verified provenance of {entry.tier} container entries"
    if entry.provenance is None:
        e.fail("provenance", ("image",), f"no provenance declared; {required}")
        return
    verify = f"run `regup verify {entry.name}`"
    if result is None:
        e.not_checked("provenance", f"no result in {PROVENANCE_FILE}: {verify}")
    elif result.image is not None and result.image != entry.image:
        e.not_checked(
            "provenance",
            f"{PROVENANCE_FILE} has a result for {result.image}, not this image: {verify}",
        )
    elif result.outcome is Outcome.ERROR:
        e.not_checked("provenance", f"the last verification failed: {verify} again")
    elif result.outcome is not Outcome.VERIFIED:
        detail = f": {result.detail}" if result.detail else ""
        e.fail(
            "provenance",
            ("provenance",),
            f"the last verification says {result.outcome.value}{detail}; {required}",
            key=True,
        )


def _pinned(e: _Entry) -> None:
    if e.entry.image is None:
        return
    try:
        floating = ImageRef.parse(e.entry.image).floating
    except ValueError:
        return  # validation reports a reference it cannot read
    if floating:
        e.fail(
            "pinned",
            ("image",),
            f"image {e.entry.image!r} has a tag that moves (or none); the policy requires a "
            "version tag or a digest",
        )


def _not_run(entry: Entry, live: Record | None) -> bool:
    """A container server that ``regup check`` did not start: its handshake and tools are
    not judged (``regup check --run-containers`` starts it and records them)."""
    return entry.image is not None and (live is None or live.state == "not-run")


def _healthy(e: _Entry, record: Record | None) -> None:
    if _not_run(e.entry, record):
        return
    if record is None:
        e.not_checked("healthy", _health_missing(e.entry.name))
    elif level_of(Signal.LIVE, record.state) is not Level.GOOD:
        e.fail(
            "healthy",
            _server_place(e.entry),
            f"the server is {record.state} ({_as_of(record)}): {record.detail}",
        )


def _drift(e: _Entry, record: Record | None) -> None:
    if record is None:
        e.not_checked("drift", _health_missing(e.entry.name))
    elif record.state == "drifted":
        changes = [
            f"{what} {', '.join(str(t) for t in tools)}"
            for what in ("added", "removed", "changed")
            if isinstance(tools := record.facts.get(what), list) and tools
        ]
        listed = f" ({'; '.join(changes)})" if changes else ""
        e.fail(
            "drift",
            ("tools",),
            f"the server's tools changed{listed} ({_as_of(record)}); review them, then update "
            "tools (and tools.json) to what it serves",
            key=True,
        )


def check_entry_policy(
    entry: Entry, policy: Policy, health: HealthState, verification: Verification | None
) -> list[Diagnostic]:
    """The policy's diagnostics for one entry (see :func:`evaluate_policy`)."""
    e = _Entry(entry, policy)
    on = policy.severities
    record = health.get(entry.name)

    def signal(s: Signal) -> Record | None:
        return record.get(s) if record is not None else None

    if "license" in on:
        _license(e, signal(Signal.REPOSITORY))
    if "archived" in on:
        _archived(e, signal(Signal.REPOSITORY))
    if "stale" in on:
        _stale(e, signal(Signal.REPOSITORY))
    if "provenance" in on:
        _provenance(e, verification)
    if "pinned" in on:
        _pinned(e)
    if "healthy" in on:
        _healthy(e, signal(Signal.LIVE))
    if "drift" in on and not _not_run(entry, signal(Signal.LIVE)):
        _drift(e, signal(Signal.DRIFT))
    return e.finish()


def evaluate_policy(
    entries: Iterable[Entry],
    policy: Policy,
    health: HealthState,
    provenance: Mapping[str, Verification],
    suppressed: Mapping[str, Mapping[int, Collection[str]]] | None = None,
) -> list[Diagnostic]:
    """Every diagnostic of ``policy`` over ``entries``, in file, line and column order.

    ``health`` and ``provenance`` are the committed records (an entry missing from them has
    not been checked yet). Severities come from the policy; ``off`` rules say nothing.
    ``suppressed`` (file as displayed -> line -> rule ids, from ``# regup: ignore[...]``
    comments) silences warnings, as in validation; errors cannot be silenced.
    """
    found: list[Diagnostic] = []
    for entry in entries:
        found += check_entry_policy(entry, policy, health, provenance.get(entry.name))
    quiet = suppressed or {}
    return sort_diagnostics(
        d
        for d in found
        if d.severity is Severity.ERROR or d.rule not in quiet.get(d.path, {}).get(d.line, ())
    )
