"""``regup list``, ``regup info`` and ``regup search``: the registry as ToolHive users browse it."""

from __future__ import annotations

import difflib
import json
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from regup.browse import ListRow, SkillRow, entry_info, list_rows, search, skill_info, skill_rows
from regup.cli import AppState, format_option, pass_state
from regup.errors import NotFoundError
from regup.healthstate import load_health
from regup.load import load_registry
from regup.model import Registry
from regup.provenance.state import load_state
from regup.scorecard import score_card
from regup.terminal import printable, printable_json
from regup.validate import validate_documents

table_or_json = format_option(["table", "json"], "table", "table for people, json for tools.")


def _load(state: AppState) -> Registry:
    result = validate_documents(load_registry(state.registry_dir))
    registry = result.registry
    skipped = result.files - len(registry.entries) - len(registry.groups) - len(registry.skills)
    if skipped and not state.quiet:
        click.echo(
            f"Note: {skipped} invalid file(s) left out; run `regup validate` to see why.", err=True
        )
    return result.registry


def _console(state: AppState) -> Console:
    # color_system=None: no escape codes at all (no_color alone still writes bold).
    return Console(
        color_system="auto" if state.color else None,
        highlight=False,
        soft_wrap=False,
        width=160,
    )


def _echo_json(value: Any) -> None:
    click.echo(printable_json(json.dumps(value, indent=2, sort_keys=False, ensure_ascii=False)))


def _table(rows: list[ListRow], state: AppState, extra: list[str] | None = None) -> None:
    table = Table(box=None, pad_edge=False, header_style="bold")
    for column in ("NAME", "KIND", "TIER", "STATUS", "TRANSPORT", "STARS", "DESCRIPTION"):
        table.add_column(
            column,
            no_wrap=column != "DESCRIPTION",
            justify="right" if column == "STARS" else "left",
        )
    for i, row in enumerate(rows):
        cells = (
            row.name,
            row.kind,
            row.tier,
            row.status,
            row.transport,
            "" if row.stars is None else f"{row.stars:,}",
            row.description + (f"  [{extra[i]}]" if extra else ""),
        )
        # Text, not str: a description like "[/x]" is not rich markup.
        table.add_row(*(Text(printable(cell, lines=False)) for cell in cells))
    _console(state).print(table)


def _skill_table(rows: list[SkillRow], state: AppState) -> None:
    table = Table(box=None, pad_edge=False, header_style="bold")
    columns = ("NAME", "NAMESPACE", "VERSION", "STATUS", "LICENSE", "PACKAGES", "DESCRIPTION")
    for column in columns:
        table.add_column(column, no_wrap=column != "DESCRIPTION")
    for row in rows:
        cells = (
            row.name,
            row.namespace,
            row.version,
            row.status,
            row.license,
            row.packages,
            row.description,
        )
        table.add_row(*(Text(printable(cell, lines=False)) for cell in cells))
    _console(state).print(table)


@click.command("list")
@click.option("--skills", "skills", is_flag=True, help="List the skills instead of the servers.")
@table_or_json
@pass_state
def list_command(state: AppState, fmt: str, skills: bool) -> None:
    """List every server: name, kind, tier, status, transport and stars (or, with --skills,
    every skill: namespace, version, status, licence and packages)."""
    registry = _load(state)
    if skills:
        found = skill_rows(registry, state.config.namespace)
        if fmt == "json":
            _echo_json([r.to_json() for r in found])
        else:
            _skill_table(found, state)
            if not state.quiet:
                click.echo(f"\n{len(found)} skills")
        return
    rows = list_rows(registry)
    if fmt == "json":
        _echo_json([r.to_json() for r in rows])
    else:
        _table(rows, state)
        if not state.quiet:
            also = f" (and {len(registry.skills)} skills: regup list --skills)"
            click.echo(f"\n{len(rows)} servers{also if registry.skills else ''}")


def _render_value(value: Any, indent: int = 0) -> list[str]:
    pad = "  " * indent
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item and not _flat_list(item):
                lines.append(f"{pad}{printable(str(key), lines=False)}:")
                lines += _render_value(item, indent + 1)
            else:
                lines.append(f"{pad}{printable(str(key), lines=False)}: {_scalar(item)}")
        return lines
    if isinstance(value, list):
        lines = []
        for item in value:
            sub = _render_value(item, indent + 1)
            lines.append(f"{pad}- {sub[0].strip()}" if sub else f"{pad}-")
            lines += sub[1:]
        return lines
    return [f"{pad}{_scalar(value)}"]


def _flat_list(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value) or "(none)"
    if isinstance(value, dict):
        return "(none)"
    text = printable(str(value))
    return text.replace("\n", "\n    ") if "\n" in text else text


@click.command("info")
@click.argument("name")
@click.option(
    "--skill",
    "want_skill",
    is_flag=True,
    help="Show the skill of that name (or namespace/name), when a server has it too.",
)
@table_or_json
@pass_state
def info_command(state: AppState, name: str, fmt: str, want_skill: bool) -> None:
    """Show every field of one server, or of one skill."""
    registry = _load(state)
    entry = None if want_skill else registry.entry(name)
    if entry is None:
        skill = registry.skill(name)
        if skill is not None:
            info = skill_info(skill, state.config.namespace)
            if fmt == "json":
                _echo_json(info)
            else:
                click.echo("\n".join(_render_value(info)))
            return
        known = [e.name for e in registry.entries] + [s.name for s in registry.skills]
        close = difflib.get_close_matches(name, known, n=3)
        hint = f" Did you mean: {', '.join(close)}?" if close else " Run `regup search` to find it."
        what = "skill" if want_skill else "server or skill"
        raise NotFoundError(f"no {what} named {name!r} in {state.registry_dir}.{hint}")
    result = load_state(state.registry_dir).get(entry.name)
    published = result.published() if result is not None else None
    card = score_card(entry, load_health(state.registry_dir).get(entry.name), published)
    info = entry_info(entry, published.to_meta() if published else None, card.to_json())
    if fmt == "json":
        _echo_json(info)
    else:
        # one line per row: "Healthy: Unreachable (since …): cannot reach …"
        info["score_card"] = {
            row.label: f"{row.verdict}{f' ({row.date})' if row.date else ''}: {row.evidence}"
            for row in card.rows
        }
        click.echo("\n".join(_render_value(info)))


@click.command("search")
@click.argument("query", nargs=-1, required=True)
@table_or_json
@pass_state
def search_command(state: AppState, query: tuple[str, ...], fmt: str) -> None:
    """Find servers and skills by name, description, tag or tool name, best match first."""
    hits = search(_load(state), " ".join(query))
    if fmt == "json":
        _echo_json([h.to_json() for h in hits])
        return
    if not hits:
        click.echo(f"No server or skill matches {printable(' '.join(query), lines=False)!r}.")
        return
    _table([h.row for h in hits], state, [", ".join(h.matched) for h in hits])


COMMANDS = [list_command, info_command, search_command]
