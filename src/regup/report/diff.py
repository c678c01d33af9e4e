"""A ``regup diff`` result (:class:`~regup.diff.types.RegistryDiff`) as text, Markdown or
JSON (:data:`FORMATS`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import click

from regup.diff.types import ARROW, Change, RegistryDiff, plural
from regup.terminal import printable

#: Longest value shown in text and Markdown; JSON always has the whole value.
MAX_SHOWN = 100


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _safe(text: str) -> str:
    """Entry text as it may be printed: the two sides of a diff are not validated (an old
    ref, a proposed change), so a control character is shown as an escape, never sent."""
    return printable(text, lines=False)


def _summary_words(result: RegistryDiff) -> list[str]:
    s = result.summary
    words = [f"{s['added']} added", f"{s['removed']} removed"]
    if s["deprecated"]:
        words.append(f"{s['deprecated']} deprecated")
    words.append(f"{s['changed']} changed")
    if s["metadata_only"]:
        words.append(f"{s['metadata_only']} with new metadata only")
    if s["groups"]:
        words.append(plural(s["groups"], "group") + " changed")
    if s["skills"]:
        words.append(plural(s["skills"], "skill") + " changed")
    return words


def change_text(change: Change, quote: Callable[[str], str] = _safe) -> str:
    """One change as a line: ``label: items`` or ``label: old → new``."""
    if change.items:
        return f"{change.label}: {', '.join(quote(_clip(i)) for i in change.items)}"
    if change.old is not None and change.new is not None:
        if max(len(change.old), len(change.new)) > MAX_SHOWN:
            return f"{change.label} changed"
        return f"{change.label}: {quote(change.old)} {ARROW} {quote(change.new)}"
    if change.new is not None:
        return f"{change.label}: {quote(_clip(change.new))}"
    if change.old is not None:
        return f"{change.label} removed (was {quote(_clip(change.old))})"
    return change.label


def render_text(result: RegistryDiff, *, color: bool = False) -> str:
    def style(text: str, **kw: Any) -> str:
        return click.style(text, **kw) if color else text

    lines = [
        f"regup diff {_safe(result.old)} {ARROW} {_safe(result.new)}: {', '.join(_summary_words(result))}"
    ]
    security = len(result.security_changes)
    if security:
        lines.append(
            style(f"{plural(security, 'security-relevant change')} (marked !)", fg="red", bold=True)
        )
    marks = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow")}
    for server in result.servers:
        mark, fg = marks[server.status]
        lines.append(style(f"{mark} {_safe(server.name)}", fg=fg, bold=True))
        for c in server.changes:
            prefix = style("  ! ", fg="red", bold=True) if c.security else "    "
            lines.append(prefix + change_text(c))
    if result.groups:
        lines.append("groups:")
        for g in result.groups:
            mark, _ = marks[g.status]
            lines.append(
                f"{mark} {_safe(g.name)} {g.status}"
                + "".join(f"; {change_text(c)}" for c in g.changes if c.kind != "group-removed")
            )
    if result.skills:
        lines.append("skills:")
        for skill in result.skills:
            mark, fg = marks[skill.status]
            lines.append(style(f"{mark} {_safe(skill.name)}", fg=fg, bold=True))
            for c in skill.changes:
                if c.kind == "skill-removed":
                    continue
                prefix = style("  ! ", fg="red", bold=True) if c.security else "    "
                lines.append(prefix + change_text(c))
    if result.empty:
        lines.append("No changes to servers or groups.")
    lines += [f"note: {_safe(n)}" for n in result.notes]
    return "\n".join(lines) + "\n"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|@~])")


def _escape(text: str) -> str:
    """Plain text that Markdown shows as written: no formatting, links or mentions."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _safe(" ".join(text.split())))


def code(text: str) -> str:
    """``text`` as a Markdown code span that no backtick or pipe inside can break."""
    text = _safe(" ".join(text.split())).replace("|", "\\|")
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _md_change(change: Change) -> str:
    return ("⚠️ " if change.security else "") + change_text(change, code)


def render_markdown(result: RegistryDiff, *, color: bool = False) -> str:
    """Markdown for pull-request comments and release notes.

    Every value taken from an entry is a code span, so entry text can neither format the
    comment nor mention anyone.
    """
    out = [f"### Registry changes: {code(result.old)} {ARROW} {code(result.new)}", ""]
    if result.empty:
        out += ["No changes to servers or groups.", ""]
    else:
        out += ["**" + " · ".join(_summary_words(result)) + "**", ""]
    security = result.security_changes
    if security:
        out += [
            "> [!WARNING]",
            f"> **{plural(len(security), 'security-relevant change')}**: review before merging.",
            ">",
        ]
        out += [f"> - {code(name)}: {change_text(c, code)}" for name, c in security]
        out.append("")
    by_status = {
        status: [s for s in result.servers if s.status == status and not s.metadata_only]
        for status in ("added", "removed", "changed")
    }
    for status, heading in (("added", "Added"), ("removed", "Removed")):
        if by_status[status]:
            out += [f"#### {heading}", ""]
            out += [
                f"- {code(s.name)}: " + "; ".join(_md_change(c) for c in s.changes)
                for s in by_status[status]
            ]
            out.append("")
    if by_status["changed"]:
        out += ["#### Changed", ""]
        for s in by_status["changed"]:
            out.append(f"- {code(s.name)}")
            out += [f"  - {_md_change(c)}" for c in s.changes]
        out.append("")
    meta = [s for s in result.servers if s.metadata_only]
    if meta:
        out += [
            "<details>",
            f"<summary>New metadata only: {plural(len(meta), 'server')}</summary>",
            "",
        ]
        out += [
            f"- {code(s.name)}: " + "; ".join(change_text(c, code) for c in s.changes) for s in meta
        ]
        out += ["", "</details>", ""]
    if result.groups:
        out += ["#### Groups", ""]
        for g in result.groups:
            details = [change_text(c, code) for c in g.changes if c.kind != "group-removed"]
            out.append(
                f"- {code(g.name)} {g.status}" + (": " + "; ".join(details) if details else "")
            )
        out.append("")
    if result.skills:
        out += ["#### Skills", ""]
        for skill in result.skills:
            details = [_md_change(c) for c in skill.changes if c.kind != "skill-removed"]
            out.append(
                f"- {code(skill.name)} {skill.status}"
                + (": " + "; ".join(details) if details else "")
            )
        out.append("")
    if result.notes:
        out += [f"> {_escape(n)}" for n in result.notes]
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def render_json(result: RegistryDiff, *, color: bool = False) -> str:
    return json.dumps(result.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


#: Output formats of ``regup diff --format``.
FORMATS: dict[str, Callable[..., str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}
