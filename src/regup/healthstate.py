"""Health signals as data, and the committed state file that keeps them.

This is the offline half of ``regup check`` (:mod:`regup.health`), in the base layer: it
imports nothing that talks to the network, so ``regup build``, ``regup info``, ``regup
diff`` and the catalog can read the last results without checking anything. Writing the
file is :func:`regup.health.store.save_health`'s (only write-back writes into registry/).

The state file is ``registry/health.json`` (beside the entry folders, like
``provenance.json``)::

    {
      "version": 1,
      "entries": {
        "<entry name>": {
          "live": {                      # one record per signal: live, drift, repository, image
            "state": "healthy",          # see STATES
            "detail": "…",               # one sentence for people
            "since": "2026-11-02",       # the day the signal first had this state
            "checked_on": "2026-12-01",  # the day of the last check that gave an answer
            "good_on": "2026-12-01",     # the day the signal was last seen good
            "facts": {…},                # the evidence (see FACTS)
            "stale": false,              # true: the last check could not get an answer
            "error": null                # … and why
          }
        }
      }
    }

Dates are days, not instants, and ``checked_on`` / ``good_on`` of an unchanged signal are
moved on only when they are :data:`RESTAMP_DAYS` old: a daily scheduled check rewrites the
file when something changed, or once a week to say "still good", not every day. The file is
written with sorted keys, two-space indent and a final newline, and only when its content
changed. An entry or signal missing from the file has not been checked yet.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from regup.errors import HealthError
from regup.statefile import StateFile

STATE = StateFile(
    name="health.json",
    version=1,
    what="health state file",
    remedy="Delete it and run `regup check` to write it again.",
    error=HealthError,
)
STATE_FILE = STATE.name
#: An unchanged signal's dates move on once they are this old (a weekly "still good").
RESTAMP_DAYS = 7


class Level(enum.StrEnum):
    """How a state reads on the score card."""

    GOOD = "good"
    NOTICE = "notice"  # worth a look, not broken (a floating tag, a newer release)
    BAD = "bad"
    UNKNOWN = "unknown"  # the signal does not apply or could not be decided


class Signal(enum.StrEnum):
    LIVE = "live"
    DRIFT = "drift"
    REPOSITORY = "repository"
    IMAGE = "image"


#: Every state of every signal, with its level and what it means (the docs list these).
STATES: dict[Signal, dict[str, tuple[Level, str]]] = {
    Signal.LIVE: {
        "healthy": (Level.GOOD, "answered initialize and tools/list over its transport"),
        "auth-required": (
            Level.GOOD,
            "answered 401/403 with a WWW-Authenticate challenge or OAuth metadata: up, "
            "needs credentials to list its tools",
        ),
        "not-mcp": (Level.BAD, "answered HTTP, but not MCP (a web page, a 404, a wrong type)"),
        "unreachable": (Level.BAD, "gave no answer: refused, timed out, or no such host"),
        "not-run": (
            Level.UNKNOWN,
            "a container server: started only with `regup check --run-containers`",
        ),
    },
    Signal.DRIFT: {
        "unchanged": (Level.GOOD, "the server lists the tools the entry declares, unchanged"),
        "drifted": (
            Level.BAD,
            "tools added or removed against `tools`, or a description or input schema "
            "changed against tools.json or the last check (security-relevant)",
        ),
    },
    Signal.REPOSITORY: {
        "active": (Level.GOOD, "the repository exists and is not archived"),
        "archived": (Level.BAD, "the repository is archived (read-only)"),
        "not-found": (Level.BAD, "GitHub has no such repository"),
        "unavailable": (Level.UNKNOWN, "no repository_url, or one outside github.com"),
    },
    Signal.IMAGE: {
        "current": (Level.GOOD, "a pinned tag that exists, and no newer release tag"),
        "behind": (Level.NOTICE, "a newer release tag exists in the same repository"),
        "floating": (
            Level.NOTICE,
            "a tag that moves (latest, main…) or none: what runs can change under you",
        ),
        "missing": (Level.BAD, "the registry no longer has this tag or digest"),
    },
}

#: The evidence each signal keeps under ``facts``.
FACTS: dict[Signal, dict[str, str]] = {
    Signal.LIVE: {
        "transport": "the transport the handshake used",
        "protocol_version": "the MCP protocol version the server agreed to",
        "server": "the name and version the server gave in initialize",
        "status": "the HTTP status that decided a failed handshake",
        "tools": "per tool listed: the sha256 of its description and input schema",
    },
    Signal.DRIFT: {
        "added": "tools the server lists that `tools` does not",
        "removed": "tools in `tools` the server no longer lists",
        "changed": "tools whose description or input schema differs from tools.json "
        "(or from the last check, without tools.json)",
        "against": "what was compared: tools.json, or the last check",
    },
    Signal.REPOSITORY: {
        "repository": "owner/name as GitHub names it",
        "archived": "whether it is archived",
        "pushed_at": "the last push",
        "license": "the SPDX id GitHub detects (NOASSERTION: a license it cannot name)",
        "shares_stars_with": "other entries of the same repository: their stars are the same",
        "renamed_to": "the repository's new name, when repository_url is an old one",
    },
    Signal.IMAGE: {
        "image": "the image reference checked",
        "pinned": "whether the reference is a digest or a version tag",
        "digest": "the digest the tag points to now",
        "newest_tag": "the highest release tag of the same repository (semver order)",
        "provenance": "the outcome of the last `regup verify` (registry/provenance.json)",
    },
}


def level_of(signal: Signal, state: str) -> Level:
    known = STATES[signal].get(state)
    return known[0] if known else Level.UNKNOWN


@dataclass(frozen=True)
class Record:
    """The last result of one signal of one entry."""

    state: str
    detail: str
    facts: Mapping[str, Any] = field(default_factory=dict)
    since: str | None = None
    checked_on: str | None = None
    good_on: str | None = None
    stale: bool = False
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "state": self.state,
            "detail": self.detail,
            "facts": dict(self.facts),
            "since": self.since,
            "checked_on": self.checked_on,
            "good_on": self.good_on,
            "stale": self.stale,
            "error": self.error,
        }
        return {k: v for k, v in out.items() if v is not None and v != {}}

    @classmethod
    def from_json(cls, doc: Any) -> Record:
        """Raises ``ValueError`` / ``TypeError`` for a malformed record."""
        if not isinstance(doc, Mapping):
            raise TypeError("a signal record must be an object")
        facts = doc.get("facts") or {}
        if not isinstance(doc.get("state"), str) or not isinstance(facts, Mapping):
            raise ValueError("a signal record needs a state and facts that are an object")
        texts = ("since", "checked_on", "good_on", "error")
        for key in texts:
            if doc.get(key) is not None and not isinstance(doc[key], str):
                raise TypeError(f"{key} must be a string")
        return cls(
            state=doc["state"],
            detail=str(doc.get("detail", "")),
            facts=dict(facts),
            since=doc.get("since"),
            checked_on=doc.get("checked_on"),
            good_on=doc.get("good_on"),
            stale=bool(doc.get("stale", False)),
            error=doc.get("error"),
        )

    def as_stale(self, error: str) -> Record:
        """This (older) record, kept because a new check got no answer (``error``)."""
        return replace(self, stale=True, error=error)


@dataclass(frozen=True)
class Finding:
    """What one check found for one signal (before it is dated against the last record)."""

    state: str
    detail: str
    facts: Mapping[str, Any] = field(default_factory=dict)


def dated(finding: Finding, signal: Signal, previous: Record | None, today: date) -> Record:
    """The record of ``finding`` checked ``today``, dated against ``previous``.

    ``since`` stays while the state stays; ``checked_on`` and ``good_on`` of an unchanged
    signal move on only after :data:`RESTAMP_DAYS` (see the module docstring).
    """
    day = today.isoformat()
    good = level_of(signal, finding.state) is Level.GOOD
    same = (
        previous is not None
        and previous.state == finding.state
        and dict(previous.facts) == dict(finding.facts)
        and previous.detail == finding.detail
        and not previous.stale
    )
    if same and previous is not None and not _older(previous.checked_on, today):
        return previous
    since = previous.since if previous is not None and previous.state == finding.state else day
    good_on = day if good else (previous.good_on if previous is not None else None)
    return Record(
        finding.state, finding.detail, dict(finding.facts), since, day, good_on, False, None
    )


def _older(day: str | None, today: date) -> bool:
    if not day:
        return True
    try:
        return today - date.fromisoformat(day) >= timedelta(days=RESTAMP_DAYS)
    except ValueError:
        return True


@dataclass(frozen=True)
class EntryHealth:
    """The records of one entry, by signal (a signal missing: not checked yet)."""

    name: str
    records: Mapping[Signal, Record] = field(default_factory=dict)

    def get(self, signal: Signal) -> Record | None:
        return self.records.get(signal)

    def to_json(self) -> dict[str, Any]:
        return {s.value: self.records[s].to_json() for s in sorted(self.records)}


@dataclass(frozen=True)
class HealthState:
    """Every entry's last records, by entry name."""

    entries: Mapping[str, EntryHealth] = field(default_factory=dict)

    def get(self, name: str) -> EntryHealth | None:
        return self.entries.get(name)

    def record(self, name: str, signal: Signal) -> Record | None:
        found = self.entries.get(name)
        return found.get(signal) if found else None

    def merged(self, results: list[EntryHealth], keep: set[str] | None = None) -> HealthState:
        """This state with ``results`` replacing older ones; with ``keep`` (the names of all
        current entries) the records of entries that no longer exist are dropped."""
        merged = dict(self.entries)
        merged.update({r.name: r for r in results if r.records})
        if keep is not None:
            merged = {k: v for k, v in merged.items() if k in keep}
        return HealthState(merged)

    def dumps(self) -> bytes:
        return STATE.dumps({n: e.to_json() for n, e in self.entries.items()})

    @classmethod
    def loads(cls, data: bytes, where: str) -> HealthState:
        """Raises :class:`HealthError` naming ``where`` when the file is malformed."""
        return STATE.loads(data, where, cls._parse)

    @classmethod
    def _parse(cls, entries: dict[str, Any]) -> HealthState:
        out: dict[str, EntryHealth] = {}
        for name, signals in entries.items():
            if not isinstance(signals, dict):
                raise TypeError(f"{name}: expected an object of signals")
            records = {Signal(k): Record.from_json(v) for k, v in signals.items()}
            out[name] = EntryHealth(name, records)
        return cls(out)


def state_path(registry_dir: Path) -> Path:
    return STATE.path(registry_dir)


def load_health(registry_dir: Path) -> HealthState:
    """The committed records (empty when there is no state file yet).

    Raises :class:`HealthError` when the file exists but is malformed or unsafe.
    """
    return STATE.load(registry_dir, HealthState._parse) or HealthState()
