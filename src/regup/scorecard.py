"""The score card: an entry's health records in plain words, with evidence and dates.

One pure function of the entry, its records in ``registry/health.json`` and its stored
provenance check, so that ``regup info`` and the catalog say the same thing. A signal
without a record reads "Not checked yet": nothing is guessed. Offline: imports nothing
that talks to the network.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from regup.checks import Outcome, ProvenanceCheck
from regup.healthstate import EntryHealth, Level, Record, Signal, level_of
from regup.model import Entry

NOT_CHECKED = "Not checked yet"
#: The state of a signal without a result, in the published card (:meth:`ScoreCard.to_meta`).
NOT_CHECKED_STATE = "not-checked"
#: Evidence longer than this is cut (with "…") in the published card, so that the card stays
#: small next to the 4 KB the official registry allows all publisher-provided data.
META_EVIDENCE_CHARS = 120
#: A repository with a push within this many days of the check reads "maintained".
MAINTAINED_DAYS = 365

_TONES = {Level.GOOD: "good", Level.NOTICE: "warn", Level.BAD: "bad", Level.UNKNOWN: "neutral"}

_LIVE = {
    "healthy": "Healthy",
    "auth-required": "Up, asks for credentials",
    "not-mcp": "Does not answer MCP",
    "unreachable": "Unreachable",
    "not-run": "Not run (container server)",
}
_DRIFT = {"unchanged": "Unchanged", "drifted": "Changed: review before use"}
_REPOSITORY = {
    "archived": "Archived",
    "not-found": "Repository not found",
    "unavailable": "Not checked: no GitHub repository",
}
_IMAGE = {
    "current": "Pinned, newest release",
    "behind": "Pinned, a newer release exists",
    "floating": "Floating tag",
    "missing": "Tag no longer in the registry",
}
_PROVENANCE = {
    Outcome.VERIFIED: ("Signature verified", Level.GOOD),
    Outcome.MISMATCH: ("Signed by someone else than declared", Level.BAD),
    Outcome.INVALID: ("Signature invalid", Level.BAD),
    Outcome.UNSIGNED: ("No signature found", Level.NOTICE),
    Outcome.NOT_DECLARED: ("No provenance declared", Level.UNKNOWN),
    Outcome.UNSUPPORTED: ("Cannot be checked", Level.UNKNOWN),
    Outcome.ERROR: ("Last check failed", Level.UNKNOWN),
}


@dataclass(frozen=True)
class CardRow:
    """One line of the card: what is asked, the answer, why, and when it was seen."""

    label: str
    verdict: str
    level: Level
    evidence: str
    date: str | None = None
    stale: bool = False
    #: The machine-readable side, published by :meth:`ScoreCard.to_meta`: the state (a
    #: word such as ``healthy`` or ``not-checked``), the day the evidence was seen, the day
    #: the state began, and for the license its SPDX id.
    state: str = NOT_CHECKED_STATE
    seen: str | None = None
    since: str | None = None
    value: str | None = None

    @property
    def key(self) -> str:
        """The row's key in the published card and the catalog's filters (``healthy``…)."""
        return META_KEYS[self.label]

    @property
    def tone(self) -> str:
        """The badge class of the answer (good, warn, bad, neutral)."""
        return _TONES[self.level]

    def to_json(self) -> dict[str, Any]:
        out = {
            "label": self.label,
            "verdict": self.verdict,
            "level": self.level.value,
            "evidence": self.evidence,
            "date": self.date,
            "stale": self.stale,
        }
        return {k: v for k, v in out.items() if v is not None and v is not False}

    def to_meta(self, evidence: bool = True) -> dict[str, Any]:
        """The compact form: state, level, evidence (cut to :data:`META_EVIDENCE_CHARS`),
        the day it was seen (``date``), ``since``, ``spdx`` and ``stale`` when they apply."""
        out: dict[str, Any] = {"state": self.state, "level": self.level.value}
        if self.state == NOT_CHECKED_STATE:  # most rows of a registry never checked
            return out
        if evidence:
            text = self.evidence
            if len(text) > META_EVIDENCE_CHARS:
                text = text[: META_EVIDENCE_CHARS - 1].rstrip() + "…"
            out["evidence"] = text
        for key, value in (("date", self.seen), ("since", self.since), ("spdx", self.value)):
            if value is not None:
                out[key] = value
        if self.stale:
            out["stale"] = True
        return out


#: The key of each row in the published card, by label.
META_KEYS = {
    "Healthy": "healthy",
    "Tools unchanged": "tools_unchanged",
    "Maintained": "maintained",
    "License": "license",
    "Pinned": "pinned",
    "Verified": "verified",
}


#: The catalog's filters on the card, key → title (browse and search pages). An entry is in
#: a filter only when its signal has an answer: "yes" when it reads good, "no" when it
#: reads as a problem or a notice; not checked yet, or not applying, puts it in neither.
FILTERS = {"verified": "Verified", "healthy": "Healthy", "maintained": "Maintained"}
YES, NO = "yes", "no"


@dataclass(frozen=True)
class ScoreCard:
    """Every row that applies to the entry (no image rows for a remote server)."""

    rows: tuple[CardRow, ...]

    @property
    def checked(self) -> bool:
        """Whether any row has been checked at all."""
        return any(r.verdict != NOT_CHECKED for r in self.rows)

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.rows]

    def filters(self) -> dict[str, str]:
        """The card's values for :data:`FILTERS`: key → ``yes`` or ``no``, in that order,
        only for signals with an answer."""
        by_key = {r.key: r for r in self.rows}
        out = {}
        for key in FILTERS:
            row = by_key.get(key)
            if row is not None and row.level is not Level.UNKNOWN:
                out[key] = YES if row.level is Level.GOOD else NO
        return out

    def to_meta(self, evidence: bool = True) -> dict[str, dict[str, Any]]:
        """The card as published under regup's ``_meta`` key: signal key → compact row
        (:meth:`CardRow.to_meta`); without ``evidence``, only states and dates."""
        return {r.key: r.to_meta(evidence) for r in self.rows}


def score_card(
    entry: Entry, health: EntryHealth | None, provenance: ProvenanceCheck | None = None
) -> ScoreCard:
    records = health.records if health is not None else {}
    rows = [
        _live(records.get(Signal.LIVE)),
        _drift(records.get(Signal.DRIFT)),
        _maintained(records.get(Signal.REPOSITORY)),
        _license(entry, records.get(Signal.REPOSITORY)),
    ]
    if entry.image is not None:
        rows.append(_pinned(records.get(Signal.IMAGE)))
        rows.append(_verified(provenance))
    return ScoreCard(tuple(rows))


def _unchecked(label: str) -> CardRow:
    return CardRow(label, NOT_CHECKED, Level.UNKNOWN, "regup check has no result for it yet")


def _stale_note(record: Record) -> str:
    return (
        f" The last check got no answer ({record.error}); this is the earlier result."
        if (record.stale)
        else ""
    )


def _row(label: str, signal: Signal, record: Record, verdict: str, evidence: str) -> CardRow:
    level = level_of(signal, record.state)
    if level is Level.GOOD:
        when = f"as of {record.good_on}" if record.good_on else None
    elif record.good_on:
        when = f"since {record.since}; last good {record.good_on}"
    else:
        when = f"since {record.since}" if record.since else None
    return CardRow(
        label,
        verdict,
        level,
        evidence + _stale_note(record),
        when,
        record.stale,
        state=record.state,
        seen=record.checked_on,
        since=record.since,
    )


def _live(record: Record | None) -> CardRow:
    if record is None:
        return _unchecked("Healthy")
    verdict = _LIVE.get(record.state, record.state)
    return _row("Healthy", Signal.LIVE, record, verdict, record.detail)


def _drift(record: Record | None) -> CardRow:
    if record is None:
        return _unchecked("Tools unchanged")
    verdict = _DRIFT.get(record.state, record.state)
    row = _row("Tools unchanged", Signal.DRIFT, record, verdict, record.detail)
    if record.state == "unchanged" and record.since:
        return replace(row, date=f"since {record.since}")
    return row


def _maintained(record: Record | None) -> CardRow:
    if record is None:
        return _unchecked("Maintained")
    if record.state != "active":
        verdict = _REPOSITORY.get(record.state, record.state)
        return _row("Maintained", Signal.REPOSITORY, record, verdict, record.detail)
    pushed = str(record.facts.get("pushed_at") or "")[:10]
    row = _row("Maintained", Signal.REPOSITORY, record, "Maintained", f"last push {pushed}")
    days = _days_between(pushed, record.checked_on)
    if days is None:
        return replace(
            row, verdict="No push recorded", level=Level.NOTICE, stale=False, state="no-push"
        )
    if days > MAINTAINED_DAYS:
        verdict = f"No push for {days} days"
        return replace(row, verdict=verdict, level=Level.NOTICE, state="inactive")
    return replace(row, state="maintained")


def _days_between(first: str, second: str | None) -> int | None:
    try:
        return (date.fromisoformat(second or "") - date.fromisoformat(first)).days
    except ValueError:
        return None


def _license(entry: Entry, record: Record | None) -> CardRow:
    detected = record.facts.get("license") if record is not None else None
    if record is None or record.state not in ("active", "archived"):
        if entry.license:
            return CardRow(
                "License",
                entry.license,
                Level.UNKNOWN,
                "as the entry declares it",
                state="declared",
                value=entry.license,
            )
        return _unchecked("License")
    if not detected:
        return CardRow(
            "License",
            entry.license or "None detected",
            Level.NOTICE,
            "GitHub detects no license in the repository",
            record.checked_on,
            state="none-detected",
            seen=record.checked_on,
        )
    if detected == "NOASSERTION":
        return CardRow(
            "License",
            entry.license or "Unrecognised license",
            Level.NOTICE,
            "GitHub finds a license it cannot name",
            record.checked_on,
            state="unrecognised",
            seen=record.checked_on,
        )
    evidence = "detected by GitHub in the repository"
    if entry.license and entry.license != detected:
        evidence += f"; the entry declares {entry.license}"
    return CardRow(
        "License",
        str(detected),
        Level.GOOD,
        evidence,
        record.checked_on,
        state="detected",
        seen=record.checked_on,
        value=str(detected),
    )


def _pinned(record: Record | None) -> CardRow:
    if record is None:
        return _unchecked("Pinned")
    verdict = _IMAGE.get(record.state, record.state)
    return _row("Pinned", Signal.IMAGE, record, verdict, record.detail)


def _verified(check: ProvenanceCheck | None) -> CardRow:
    if check is None:
        return CardRow("Verified", NOT_CHECKED, Level.UNKNOWN, "regup verify has no result yet")
    verdict, level = _PROVENANCE[check.outcome]
    evidence = check.detail or (f"signed by {check.signer}" if check.signer else verdict)
    when = check.checked_at[:10] if check.checked_at else None
    return CardRow(
        "Verified",
        verdict,
        level,
        evidence,
        when,
        check.stale,
        state=check.outcome.value,
        seen=when,
    )
