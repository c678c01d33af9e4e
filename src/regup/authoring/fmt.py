"""``regup fmt``: entries in the canonical key order and the README's style, nothing lost.

Formatting is two steps, both lossless by construction and checked afterwards:

1. **Order.** The top-level keys are put in the order of :data:`regup.model.ENTRY_KEYS`
   (``group.yaml``: name, title, description, servers; unknown keys keep their order,
   last). Each key moves as a block of lines together with the comment lines directly
   above it (so ``# regup: ignore[...]`` stays on the line above its value); comments
   before the first key stay at the top, comments after the last value stay at the end.
   Nested mappings (env vars, headers, permissions, OAuth, provenance, metadata, icons)
   are put in the model's order too, when they hold no comment.
2. **Style.** ruamel.yaml's round-trip loader and dumper re-indent the result the way the
   README's examples are written (two spaces, list dashes indented under their key,
   no line folding), keeping every comment, quote style and flow list.

The result is then checked: regup's own YAML reader must read the same values, the same
comments must be there (each exactly as often), every ``# regup: ignore[...]`` must
still stand before the same line, and formatting the result again must change nothing.
A file that fails any check is reported and left untouched.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regup.errors import LoadError
from regup.files import UnsafeFileError, read_input_file, remove_debris
from regup.load import (
    GROUP_FILE,
    MAX_FILE_BYTES,
    SERVER_FILE,
    SERVERS_FOLDER,
    SKILLS_FOLDER,
    SPEC_FILE,
    display_path,
    find_suppressions,
    registry_folders,
)
from regup.model import ENTRY_KEYS, NESTED_ORDER, SKILL_KEYS, SKILL_NESTED_ORDER
from regup.writeback import replace_registry_file
from regup.yamledit import YamlEditError, top_mapping
from regup.yamlio import YamlProblem, YamlSyntaxError, load_yaml

GROUP_KEYS: tuple[str, ...] = ("name", "title", "description", "servers")
#: The skill file ``regup fmt`` formats (``skill.json`` is left as it is written).
SKILL_YAML = "skill.yaml"

_COMMENT = re.compile(r"(?:^|(?<=\s))#.*$")


class FormatError(Exception):
    """The file cannot be formatted without losing something; the message says what.

    ``line``, ``col`` and ``rule`` say where and which validation rule, when the cause is
    something ``regup validate`` reports too (the YAML itself is broken).
    """

    def __init__(
        self, message: str, *, line: int | None = None, col: int = 1, rule: str | None = None
    ) -> None:
        super().__init__(message)
        self.line = line
        self.col = col
        self.rule = rule

    @classmethod
    def from_problem(cls, problem: YamlProblem, more: int = 0) -> FormatError:
        also = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        return cls(
            f"cannot read the YAML: {problem.message}{also}; run `regup validate`",
            line=problem.line,
            col=problem.col,
            rule=problem.rule,
        )

    def where(self, shown: str) -> str:
        """``shown`` (the file) with the line and column, when known."""
        return shown if self.line is None else f"{shown}:{self.line}:{self.col}"

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} [{self.rule}]" if self.rule else text


@dataclass
class FmtResult:
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


# --- step 1: order -------------------------------------------------------------------


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _reorder_lines(text: str, order: Sequence[str]) -> str:
    """Top-level keys in ``order`` by moving whole blocks of lines."""
    try:
        root = top_mapping(text)
    except YamlEditError as exc:
        raise FormatError(f"{exc}; run `regup validate`") from None
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    keys = [(str(k.value), k.start_mark.line, k.start_mark.column) for k, _ in root.value]
    if any(col != keys[0][2] for _, _, col in keys):
        raise FormatError("the top-level keys are not all at the same indentation")
    column = keys[0][2]
    starts = []
    for _, line, _ in keys:
        start = line
        while start > 0 and _is_comment(lines[start - 1]) and _indent(lines[start - 1]) <= column:
            start -= 1
        starts.append(start)
    footer = len(lines)
    while footer > keys[-1][1] + 1 and (
        not lines[footer - 1].strip()
        or (_is_comment(lines[footer - 1]) and _indent(lines[footer - 1]) <= column)
    ):
        footer -= 1
    header = lines[: starts[0]]
    blocks = []
    for i, (name, _, _) in enumerate(keys):
        end = starts[i + 1] if i + 1 < len(keys) else footer
        blocks.append((name, lines[starts[i] : end]))
    rank = {k: i for i, k in enumerate(order)}
    ordered = sorted(enumerate(blocks), key=lambda p: (rank.get(p[1][0], len(order)), p[0]))
    body = [line for _, (_, block) in ordered for line in block]
    tail = lines[footer:]
    while tail and not tail[-1].strip():
        tail.pop()
    return "".join(header + body + tail)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


# --- step 2: style -----------------------------------------------------------------


def _has_comments(node: Any) -> bool:
    ca = getattr(node, "ca", None)
    if ca is not None and (ca.comment or ca.items or getattr(ca, "end", None)):
        return True
    if isinstance(node, dict):
        return any(_has_comments(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_comments(v) for v in node)
    return False


NestedOrder = dict[tuple[str, ...], tuple[str, ...]]


def _order_nested(node: Any, path: tuple[str, ...], orders: NestedOrder = NESTED_ORDER) -> None:
    if isinstance(node, list):
        for item in node:
            _order_nested(item, (*path, "*"), orders)
        return
    if not isinstance(node, dict):
        return
    order = orders.get(path)
    move_to_end = getattr(node, "move_to_end", None)
    if order is not None and path and callable(move_to_end) and not _has_comments(node):
        rank = {k: i for i, k in enumerate(order)}
        keys = sorted(node, key=lambda k: (rank.get(k, len(order)), list(node).index(k)))
        for key in keys:
            move_to_end(key)
    for key, value in node.items():
        _order_nested(value, (*path, str(key)), orders)


def _restyle(text: str, nested: bool, orders: NestedOrder = NESTED_ORDER) -> str:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_duplicate_keys = False
    try:
        data = yaml.load(text)
    except (YAMLError, ValueError, KeyError, TypeError, RecursionError) as exc:
        # ruamel's constructors raise plain ValueError / KeyError on values that do not fit
        # their tag (``!!int x``); regup's reader reports those first, this is the backstop.
        raise FormatError(
            f"cannot read the YAML ({_one_line(exc)}); run `regup validate`"
        ) from None
    if nested:
        _order_nested(data, (), orders)
    yaml.explicit_start = text.lstrip().startswith("---")
    stream = io.StringIO()
    try:
        yaml.dump(data, stream)
    except (YAMLError, ValueError) as exc:  # pragma: no cover - what ruamel loads it can dump
        raise FormatError(f"cannot write the YAML back ({_one_line(exc)})") from None
    return stream.getvalue()


# --- the checks --------------------------------------------------------------------


def comments_of(text: str) -> Counter[str]:
    """Every ``# ...`` of the text, as often as it appears (text in block scalars included:
    it is kept as a value anyway)."""
    found: Counter[str] = Counter()
    for line in text.splitlines():
        if "#" in line:
            for match in _COMMENT.finditer(line):
                found[match.group(0).rstrip()] += 1
    return found


def _suppressions(text: str) -> Counter[tuple[frozenset[str], str]]:
    lines = text.splitlines()
    return Counter(
        (rules, lines[number - 1].strip() if number <= len(lines) else "")
        for number, rules in find_suppressions(text).items()
    )


def _readable(text: str) -> Any:
    """The values of ``text``, which regup's reader must read without a problem.

    A file it reports on (a syntax error, a duplicate or complex key, a tag or a number
    it refuses) is not formatted: its values are not what ruamel.yaml would read, so
    "nothing changed" could not be checked. Raises :class:`FormatError` with the first
    problem's position and rule id.
    """
    try:
        document = load_yaml(text)
    except YamlSyntaxError as exc:
        raise FormatError.from_problem(exc.problem) from None
    if document.problems:
        first = min(document.problems, key=lambda p: (p.line, p.col))
        raise FormatError.from_problem(first, len(document.problems) - 1)
    return document.data


def _values(text: str) -> Any:
    try:
        document = load_yaml(text)
    except YamlSyntaxError as exc:
        raise FormatError(f"the formatted text would not be valid YAML ({exc})") from None
    if document.problems:
        raise FormatError(
            f"the formatted text would not be valid YAML ({document.problems[0].message})"
        )
    return document.data


def _check(old: Any, before: str, after: str) -> None:
    """``after`` holds the values ``old`` (those of ``before``), comments and suppressions."""
    if _values(after) != old:
        raise FormatError("formatting would change a value")
    lost = comments_of(before) - comments_of(after)
    added = comments_of(after) - comments_of(before)
    if lost or added:
        which = next(iter(lost or added))
        raise FormatError(f"formatting would lose or change the comment {which!r}")
    if _suppressions(before) != _suppressions(after):
        raise FormatError("formatting would move a `# regup: ignore[...]` away from its line")


def format_text(
    text: str,
    order: Sequence[str] = ENTRY_KEYS,
    *,
    nested: bool = True,
    nested_order: NestedOrder = NESTED_ORDER,
) -> str:
    """``text`` in canonical order and style; raises :class:`FormatError` when that cannot be
    done without changing a value, losing a comment or moving a suppression.
    ``nested_order`` orders nested mappings (``SKILL_NESTED_ORDER`` for ``skill.yaml``)."""
    if not text.strip():
        raise FormatError("the file is empty")
    values = _readable(text)
    once = _restyle(_reorder_lines(text, order), nested, nested_order)
    _check(values, text, once)
    twice = _restyle(_reorder_lines(once, order), nested, nested_order)
    if twice != once:
        raise FormatError("formatting is not stable for this file (a second run changes it)")
    return once


# --- files ---------------------------------------------------------------------------


def _present(path: Path) -> bool:
    """Whether there is something at ``path`` to format, or to refuse (a device, a FIFO, a
    dangling or outward symlink): :func:`format_files` says which, never skips it silently."""
    return path.is_symlink() or (path.exists() and not path.is_dir())


def _targets(registry_dir: Path, names: Iterable[str]) -> list[Path]:
    """The entry and group files to format: named ones, or every one of the registry.

    Raises :class:`LoadError` for a name that is neither an entry nor a file.
    """
    wanted = list(names)
    if not wanted:
        found = []
        for folder in registry_folders(registry_dir):
            own = [folder / f for f in (SPEC_FILE, GROUP_FILE, SKILL_YAML) if _present(folder / f)]
            found += own
            if folder.name == SKILLS_FOLDER and not own:  # the catalog-style skills folder
                found += [
                    sub / SKILL_YAML
                    for sub in registry_folders(folder)
                    if _present(sub / SKILL_YAML)
                ]
        return found
    paths = []
    for name in wanted:
        path = Path(name)
        if path.is_dir():
            path = path / (GROUP_FILE if (path / GROUP_FILE).is_file() else SPEC_FILE)
        if not _present(path):
            folder = registry_dir / name
            path = folder / (GROUP_FILE if (folder / GROUP_FILE).is_file() else SPEC_FILE)
        for skill in (
            registry_dir / name / SKILL_YAML,
            registry_dir / SKILLS_FOLDER / name / SKILL_YAML,
        ):
            if not _present(path) and _present(skill):
                path = skill
        authored = [
            p / SERVER_FILE
            for p in (registry_dir / name, registry_dir / SERVERS_FOLDER / name)
            if _present(p / SERVER_FILE)
        ]
        if not _present(path) and authored:
            raise LoadError(
                f"{name!r} is authored as {authored[0]}, which regup fmt leaves as it is "
                "(it formats spec.yaml, group.yaml and skill.yaml files)"
            )
        if not _present(path):
            raise LoadError(
                f"{name!r} is neither an entry of {registry_dir} nor a file; give an entry "
                "name, a folder or a spec.yaml path"
            )
        paths.append(path)
    return paths


def format_files(
    registry_dir: Path, names: Iterable[str] = (), *, check: bool = False
) -> FmtResult:
    """Format entry files in place (``check``: only report which would change).

    A file that cannot be formatted losslessly is listed in ``failed`` and left as it
    was; the others are still formatted. Raises :class:`LoadError` for an unknown name
    and :class:`~regup.errors.WriteBackError` when a file cannot be written.
    """
    result = FmtResult()
    root = registry_dir.absolute()
    if not check and not names:
        remove_debris(registry_dir, depth=1)  # temporary files of a killed run
    for path in _targets(registry_dir, names):
        shown = display_path(path)
        # Read as validation reads: a regular file of bounded size, and inside the registry
        # only one that really lives there (a symlink out of it is neither read nor
        # written through; one to another entry file is formatted in place of its target).
        inside = registry_dir if path.absolute().is_relative_to(root) else None
        try:
            text = read_input_file(path, limit=MAX_FILE_BYTES, inside=inside).decode("utf-8")
        except UnsafeFileError as exc:
            result.failed.append((shown, f"{exc.message} [{exc.rule}]"))
            continue
        except UnicodeDecodeError as exc:
            result.failed.append((shown, f"the file is not UTF-8 text ({exc.reason})"))
            continue
        order = GROUP_KEYS if path.name == GROUP_FILE else ENTRY_KEYS
        nested_order = NESTED_ORDER
        if path.name == SKILL_YAML:
            order, nested_order = SKILL_KEYS, SKILL_NESTED_ORDER
        try:
            formatted = format_text(text.replace("\r\n", "\n"), order, nested_order=nested_order)
        except FormatError as exc:
            result.failed.append((exc.where(shown), str(exc)))
            continue
        if "\r\n" in text:
            formatted = formatted.replace("\n", "\r\n")
        if formatted == text:
            result.unchanged.append(shown)
            continue
        result.changed.append(shown)
        if not check:
            replace_registry_file(path, text, formatted)
    return result
