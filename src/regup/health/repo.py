"""The repository signal: exists, archived, last push, license, stars shared with others.

The look-ups are :class:`regup.enrich.github.GitHub`'s (batched GraphQL with a token, REST
with ETags without one, the same cache and rate-limit pacing as ``regup refresh``); this
module only turns its answers into findings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from regup.enrich.github import RepoStats
from regup.enrich.transport import Failure
from regup.healthstate import Finding
from regup.model import Entry
from regup.repository import NotARepositoryError, RepoRef, parse_repository_url


@dataclass(frozen=True)
class RepoPlan:
    """What the repository check of one entry needs: a repository to look up, or a
    finding decided without the network."""

    ref: RepoRef | None
    offline: Finding | None


def plan_repository(entry: Entry) -> RepoPlan:
    if not entry.repository_url:
        return RepoPlan(None, Finding("unavailable", "the entry has no repository_url"))
    try:
        ref = parse_repository_url(entry.repository_url)
    except NotARepositoryError as exc:
        return RepoPlan(None, Finding("unavailable", f"{exc}; fix repository_url"))
    if ref is None:
        return RepoPlan(
            None, Finding("unavailable", "the repository is not on github.com: not checked")
        )
    return RepoPlan(ref, None)


def shared_stars(entries: Iterable[Entry]) -> dict[str, list[str]]:
    """Entry name → the other entries of the same GitHub repository (their stars are the
    repository's, so they are the same number for all of them)."""
    by_repo: dict[str, list[str]] = {}
    for entry in entries:
        plan = plan_repository(entry)
        if plan.ref is not None:
            by_repo.setdefault(plan.ref.key, []).append(entry.name)
    out: dict[str, list[str]] = {}
    for names in by_repo.values():
        for name in names:
            others = sorted(n for n in names if n != name)
            if others:
                out[name] = others
    return out


def repository_finding(
    ref: RepoRef, answer: RepoStats | Failure, shared: list[str]
) -> Finding | None:
    """The finding of a GitHub answer; None when the answer is a fault (no value)."""
    if isinstance(answer, Failure):
        if answer.not_found:
            return Finding("not-found", answer.reason, {"repository": ref.full_name})
        return None
    facts: dict[str, Any] = {
        "repository": answer.full_name,
        "archived": answer.archived,
        "pushed_at": answer.pushed_at,
        "license": answer.license,
    }
    if shared:
        facts["shares_stars_with"] = shared
    if answer.renamed_from(ref):
        facts["renamed_to"] = answer.full_name
    facts = {k: v for k, v in facts.items() if v is not None}
    license = f"license {answer.license}" if answer.license else "no license GitHub can detect"
    pushed = f"last push {answer.pushed_at[:10]}" if answer.pushed_at else "never pushed"
    if answer.archived:
        return Finding("archived", f"{answer.full_name} is archived; {pushed}; {license}", facts)
    return Finding("active", f"{answer.full_name}: {pushed}; {license}", facts)


def answer_fault(answer: Mapping[RepoRef, Any], ref: RepoRef, stopped: str | None) -> str:
    """Why the repository of ``ref`` has no finding (its look-up failed or was not made)."""
    found = answer.get(ref)
    if isinstance(found, Failure):
        return found.reason
    return f"not checked: {stopped or 'stopped early'}"
