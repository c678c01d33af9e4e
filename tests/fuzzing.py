"""The registry fuzzer: hypothesis strategies that mutate real entries, and the property every
mutated registry must keep. Shared by ``tests/acceptance/test_fuzz.py`` (a fixed, derandomized
budget in the suite) and ``scripts/fuzz.py`` (the long run, ``--minutes N``).

Seeds are the real entries of this project's ``registry/`` (``spec.yaml`` and ``group.yaml``,
with a ``tools.json`` made from an entry's tool list, and a few skills as ``skill.yaml`` and
``skill.json``). An entry is mutated at two levels:

* the parsed document: values replaced, inserted or deleted with hostile ones (numbers of
  5,000 digits, NaN and infinities, 100,000-character words, control and bidi characters,
  wrong types, deep nesting, impossible ports, odd image references and names);
* the YAML (or JSON) text: byte flips, truncation, duplicated and deleted lines, impossible
  tags, aliases (billion laughs), tabs, CRLF, a BOM, invalid UTF-8, complex keys, several
  documents, deep flow nesting, a file over the size limit;

and sometimes its folder name, or its file is swapped for a symlink out of the registry, a
symlink loop, a FIFO or a folder.

The property (:func:`check_registry`): ``validate`` (text and JSON), ``build --no-site``,
``fmt --check``, ``list`` and ``info NAME`` exit 0, 1 or 2; never print "bug in regup" or a
traceback; each run ends within :data:`RUN_LIMIT_SECONDS`; every JSON diagnostic names a
file in the registry with a line and column; a registry that validates also builds.
"""

from __future__ import annotations

import contextlib
import copy
import enum
import json
import os
import re
import shutil
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import yaml
from hypothesis import strategies as st

from tests.helpers import REPO_ROOT, CliResult, run_cli

#: No single command may take longer than this on a fuzzed registry of 1 to 3 entries.
RUN_LIMIT_SECONDS = 20.0
#: Printed by a file an entry links to outside the registry: must never reach the output.
SECRET = "FUZZ_SECRET=do-not-print-me"

JsonValue = Any
Path_ = tuple[str | int, ...]


# --- seeds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    """One real file of ``registry/``: its folder name, file name, text and parsed document."""

    name: str
    file_name: str
    text: str
    document: JsonValue


def _load_seeds(root: Path) -> list[Seed]:
    seeds: list[Seed] = []
    for path in sorted(root.glob("*/*.yaml")):
        if path.name not in ("spec.yaml", "group.yaml"):
            continue
        text = path.read_text(encoding="utf-8")
        seeds.append(Seed(path.parent.name, path.name, text, yaml.safe_load(text)))
    # Skills, as skill.yaml and as skill.json (a few of each: they are alike).
    for index, path in enumerate(sorted(root.glob("skills/*/skill.yaml"))[:6]):
        text = path.read_text(encoding="utf-8")
        document = yaml.safe_load(text)
        if index % 2:
            text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
            seeds.append(Seed(path.parent.name, "skill.json", text, document))
        else:
            seeds.append(Seed(path.parent.name, "skill.yaml", text, document))
    return seeds


SEEDS: list[Seed] = _load_seeds(REPO_ROOT / "registry")
#: Keys worth inserting: every key the real entries use, at any depth, plus a few more.
KNOWN_KEYS: list[str] = sorted(
    {
        "name",
        "title",
        "overview",
        "version",
        "website_url",
        "icons",
        "license",
        "examples",
        "url",
        "image",
        "target_port",
        "docker_tags",
        "args",
        "headers",
        "oauth_config",
        "custom_metadata",
        "callback_port",
        "servers",
    }
)


def _collect_keys(value: JsonValue, into: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            into.add(str(key))
            _collect_keys(item, into)
    elif isinstance(value, list):
        for item in value:
            _collect_keys(item, into)


_keys: set[str] = set(KNOWN_KEYS)
for _seed in SEEDS:
    _collect_keys(_seed.document, _keys)
KNOWN_KEYS = sorted(_keys)


# --- hostile values ---------------------------------------------------------------------------


def _nested(depth: int, mapping: bool) -> JsonValue:
    value: JsonValue = "leaf"
    for _ in range(depth):
        value = {"a": value} if mapping else [value]
    return value


#: (label, value): the label goes into the recipe that describes a failing example.
HOSTILE: list[tuple[str, JsonValue]] = [
    ("empty string", ""),
    ("5000-digit int", 10**5000 - 1),
    ("negative 5000-digit int", -(10**4999) * 7),
    ("10**30", 10**30),
    ("2**64", 2**64),
    ("-1", -1),
    ("0", 0),
    ("port 70000", 70000),
    ("NaN", float("nan")),
    ("inf", float("inf")),
    ("-inf", float("-inf")),
    ("1e308", 1e308),
    ("float port", 8080.5),
    ("true", True),
    ("null", None),
    ("100k unbroken word", "W" * 100_000),
    ("100k words", "word " * 20_000),
    ("ESC sequences", "\x1b[2J\x1b]0;pwned\x07title"),
    ("BEL", "ring\x07"),
    ("NUL", "nul\x00byte"),
    ("C1 NEL", "next\x85line"),
    ("C1 CSI", "csi\x9b31mred"),
    ("bidi override", "abc\u202egnp.exe"),
    ("zero-width", "a\u200bb\u200dc\ufeff"),
    ("line separator", "a\u2028b\u2029c"),
    ("newlines", "a\n\nb\r\nc"),
    ("emoji", "\U0001f600" * 50),
    ("html", "<script>alert(1)</script>&amp;"),
    ("list for string", ["a", "b"]),
    ("empty list", []),
    ("mapping for list", {"a": "b"}),
    ("empty mapping", {}),
    ("list of mappings", [{"name": "X", "description": 1}]),
    ("nested lists 200", _nested(200, mapping=False)),
    ("nested mappings 200", _nested(200, mapping=True)),
    ("nested lists 30", _nested(30, mapping=False)),
    ("image with port 70000", "ghcr.io:70000/example/x:1"),
    ("image with 5000-digit port", "ghcr.io:" + "9" * 5000 + "/example/x:1"),
    ("image with port 0", "localhost:0/x:1"),
    ("image uppercase", "GHCR.IO/Example/X:Latest"),
    ("image bad digest", "ghcr.io/example/x@sha256:zz"),
    ("image traversal", "ghcr.io/../../etc/passwd"),
    ("image only colons", "::::"),
    ("image 300 chars", "ghcr.io/" + "x" * 300 + ":1"),
    ("image digest", "docker.io/library/ubuntu@sha256:" + "0" * 64),
    ("url javascript", "javascript:alert(1)"),
    ("url file", "file:///etc/passwd"),
    ("url broken ipv6", "https://[::1"),
    ("url huge host", "https://" + "a" * 10_000 + ".com/"),
    ("url with creds", "https://user:pass@example.com:99999/x"),
    ("name dotdot", "../../etc"),
    ("name slash", "a/b"),
    ("name dots", "a..b"),
    ("name 101 chars", "n" * 101),
    ("name 250 chars", "n" * 250),
    ("name upper", "Fetch"),
    ("timestamp month 13", "2025-13-45T99:99:99Z"),
    ("timestamp year 9999999", "9999999-01-01T00:00:00Z"),
    ("date only", "2025-06-01"),
    ("transport unknown", "carrier-pigeon"),
    ("tier lower", "official"),
]

#: Text that is often valid where it goes but hard on what prints or publishes it.
TEXTS: list[tuple[str, str]] = [
    (label, value)
    for label, value in HOSTILE
    if isinstance(value, str) and len(value) < 1000 and not label.startswith("name")
] + [
    ("unbroken 90", "W" * 90),
    ("unbroken 500", "W" * 500),
    ("markdown", "# Title\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)> `code`\n"),
    ("jinja", "{{ 7 * 7 }} {% raw %} ${x} %s {0}"),
    ("quotes", "\"'`\\ </script> ]]> -->"),
    ("right-to-left", "مرحبا بالعالم"),
    ("combining", "e\u0301\u0301\u0301\u0301"),
    ("private use", "\ue000\U000f0000"),
    ("noncharacter", "\ufffe\uffff"),
    ("trailing space", "text  "),
    ("only spaces", "   "),
    ("url-ish", "https://example.com/a?b=c&d=<e>#f"),
]

#: Folder names an entry may be moved to (no "/", no NUL, within the file system's limit).
NAMES: list[str] = [
    "ab",
    "a",
    "a..b",
    "...",
    ".hidden",
    "-x-",
    "Upper-Case",
    "a_b",
    "a b",
    "n" * 101,
    "n" * 200,
    "unicode-ünï",
    "new\nline",
    "esc\x1b[2J",
    "0-0",
]

scalars: st.SearchStrategy[JsonValue] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
)


@st.composite
def hostile_values(draw: st.DrawFn) -> tuple[str, JsonValue]:
    if draw(st.integers(0, 4)) == 0:
        value = draw(scalars)
        return f"random {type(value).__name__}", value
    label, value = draw(st.sampled_from(HOSTILE))
    return label, copy.deepcopy(value)


# --- document mutations -----------------------------------------------------------------------


def _paths(value: JsonValue, at: Path_ = (), depth: int = 0) -> Iterator[Path_]:
    yield at
    if depth > 40:
        return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*at, key), depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*at, index), depth + 1)


def _get(root: JsonValue, at: Path_) -> JsonValue:
    for step in at:
        root = root[step]
    return root


def _retyped(value: JsonValue) -> JsonValue:
    """The same content in the wrong shape."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        with _any_int_digits():  # a 5,000-digit number an earlier step put here
            return str(value)
    if isinstance(value, list):
        return {"items": value}
    if isinstance(value, dict):
        return list(value.values())
    return {"value": value}


@st.composite
def mutated_document(draw: st.DrawFn, document: JsonValue) -> tuple[JsonValue, list[str]]:
    """A deep copy of ``document`` with 1 to 3 values replaced, inserted, retyped or deleted."""
    doc = copy.deepcopy(document)
    recipe: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.sampled_from(list(_paths(doc))))
        op = draw(st.sampled_from(["replace", "insert", "retype", "delete", "text"]))
        target = _get(doc, at)
        if op == "text":  # often still valid: what the later stages see
            strings = [p for p in _paths(doc) if p and isinstance(_get(doc, p), str)]
            if strings:
                at = draw(st.sampled_from(strings))
                label, value = draw(st.sampled_from(TEXTS))
                old = _get(doc, at)
                value = draw(st.sampled_from([value, old + value, value + old]))
                _get(doc, at[:-1])[at[-1]] = value
                recipe.append(f"doc: {'/'.join(map(str, at))} text with {label}")
            continue
        where = "/".join(map(str, at)) or "<root>"
        if op == "insert" and isinstance(target, dict | list):
            label, value = draw(hostile_values())
            if isinstance(target, dict):
                key = draw(
                    st.one_of(
                        st.sampled_from(KNOWN_KEYS),
                        st.sampled_from(["", "x" * 1000, "\x1b[31m", "a.b", "1", "true"]),
                    )
                )
                target[key] = value
                recipe.append(f"doc: set {where}/{key!r} to {label}")
            else:
                index = draw(st.integers(0, len(target)))
                target.insert(index, value)
                recipe.append(f"doc: insert {label} into {where} at {index}")
            continue
        if op == "delete" and at:
            parent = _get(doc, at[:-1])
            del parent[at[-1]]
            recipe.append(f"doc: delete {where}")
            continue
        if op == "retype":
            value = _retyped(target)
            label = f"{type(target).__name__} as {type(value).__name__}"
        else:
            label, value = draw(hostile_values())
        if at:
            _get(doc, at[:-1])[at[-1]] = value
        else:
            doc = value
        recipe.append(f"doc: {where} -> {label}")
    return doc, recipe


@contextlib.contextmanager
def _any_int_digits() -> Iterator[None]:
    """Let ``str()`` write the 5,000-digit numbers (only while dumping them)."""
    previous = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(previous)


def dump_document(document: JsonValue, file_name: str) -> bytes:
    with _any_int_digits():
        return _dump(document, file_name)


def _dump(document: JsonValue, file_name: str) -> bytes:
    if file_name.endswith(".json"):
        return json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8")
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=4096)
    return text.encode("utf-8")


# --- text mutations ---------------------------------------------------------------------------


def _laughs(levels: int, width: int) -> bytes:
    lines = ["lol0: &a0 lol"]
    for level in range(1, levels + 1):
        refs = ", ".join([f"*a{level - 1}"] * width)
        lines.append(f"lol{level}: &a{level} [{refs}]")
    lines.append(f"description: *a{levels}")
    return ("\n".join(lines) + "\n").encode()


#: Lines inserted into the text as they are.
SNIPPETS: list[bytes] = [
    b"x: !!int x",
    b"target_port: !!int x",
    b"stars: !!float abc",
    b"required: !!bool 3",
    b"description: !!python/object:os.system ls",
    b"description: !!python/object/apply:os.system [ls]",
    b"description: !!binary '!!!'",
    b"last_updated: !!timestamp 2025-99-99",
    b"tags: !!set {a, b}",
    b"tools: !!omap [a, b]",
    b"description: !custom value",
    b"? {a: 1}\n: complex key",
    b"? [a, b]\n: list key",
    b"{a: b}: flow mapping key",
    b"[x]: flow list key",
    b"anchor: &a [1, 2]\nalias: *a",
    b"merge: &m {a: 1}\nother:\n  <<: *m",
    b"undefined: *nope",
    b"---\nsecond: document",
    b"...",
    b"%YAML 1.1\n---",
    b"%TAG ! tag:example.com,2000:\n---",
    b"\tdescription: tab-indented",
    b'description: "\\x1b[2J\\u202e\\0"',
    b"description: 'unterminated",
    b'description: "\\uD800"',
    b"description: " + b"9" * 5000,
    b"target_port: 0x" + b"F" * 4000,
    b"target_port: .nan",
    b"target_port: -.inf",
    b"stars: 1_000_000_000_000_000_000_000",
    b"description: 0o777",
    b"description: 1e99999",
    b"name: ../../etc/passwd",
    b"<<: {description: merged}",
]


@st.composite
def mutated_text(draw: st.DrawFn, data: bytes) -> tuple[bytes, list[str]]:
    """``data`` with 1 to 3 byte- or line-level mutations."""
    recipe: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        op = draw(
            st.sampled_from(
                [
                    "snippet",
                    "flip",
                    "truncate",
                    "duplicate line",
                    "delete line",
                    "retag",
                    "tabs",
                    "crlf",
                    "bom",
                    "invalid utf-8",
                    "laughs",
                    "deep",
                    "documents",
                    "utf-16",
                    "replace",
                    "oversize",
                ]
            )
        )
        lines = data.split(b"\n")
        line = draw(st.integers(0, max(0, len(lines) - 1)))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "snippet":
            snippet = draw(st.sampled_from(SNIPPETS))
            lines.insert(line, snippet)
            data = b"\n".join(lines)
            recipe.append(f"text: insert {snippet[:40]!r} at line {line + 1}")
        elif op == "flip" and data:
            byte = draw(st.integers(0, 255))
            data = data[:pos] + bytes([byte]) + data[pos + 1 :]
            recipe.append(f"text: byte {pos} -> {byte:#04x}")
        elif op == "truncate":
            data = data[:pos]
            recipe.append(f"text: truncate at {pos}")
        elif op == "duplicate line":
            lines.insert(line, lines[line])
            data = b"\n".join(lines)
            recipe.append(f"text: duplicate line {line + 1}")
        elif op == "delete line":
            del lines[line]
            data = b"\n".join(lines)
            recipe.append(f"text: delete line {line + 1}")
        elif op == "retag":
            tag = draw(st.sampled_from([b"!!int", b"!!float", b"!!bool", b"!!null", b"!!str"]))
            candidates = [i for i, text in enumerate(lines) if b": " in text]
            if candidates:
                i = draw(st.sampled_from(candidates))
                lines[i] = lines[i].replace(b": ", b": " + tag + b" ", 1)
                data = b"\n".join(lines)
                recipe.append(f"text: tag line {i + 1} with {tag.decode()}")
        elif op == "tabs":
            data = b"\n".join(
                b"\t" + text.lstrip(b" ") if text.startswith(b"  ") else text for text in lines
            )
            recipe.append("text: indentation as tabs")
        elif op == "crlf":
            data = data.replace(b"\n", b"\r\n")
            recipe.append("text: CRLF")
        elif op == "bom":
            data = b"\xef\xbb\xbf" + data
            recipe.append("text: BOM")
        elif op == "invalid utf-8":
            bad = draw(
                st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x80", b"\xf4\x90"])
            )
            data = data[:pos] + bad + data[pos:]
            recipe.append(f"text: {bad!r} at {pos}")
        elif op == "laughs":
            levels, width = draw(st.integers(1, 9)), draw(st.integers(2, 9))
            data = _laughs(levels, width) + data
            recipe.append(f"text: billion laughs {levels}x{width}")
        elif op == "deep":
            depth = draw(st.sampled_from([100, 1000, 10_000, 100_000]))
            opener, closer = draw(st.sampled_from([(b"[", b"]"), (b"{a: ", b"}")]))
            data = data + b"\ndeep: " + opener * depth + closer * depth + b"\n"
            recipe.append(f"text: flow nesting {depth} deep")
        elif op == "documents":
            data = data + b"\n---\n" + data
            recipe.append("text: two documents")
        elif op == "utf-16":
            data = data.decode("utf-8", "replace").encode("utf-16")
            recipe.append("text: UTF-16")
        elif op == "replace":
            whole = draw(
                st.sampled_from([b"", b"   \n", b"~", b"[]", b"- a", b"42", b"{}", b"\x00"])
            )
            data = whole
            recipe.append(f"text: whole file {whole!r}")
        elif op == "oversize":
            data = data + b"\n#" + b"x" * 1_000_001 + b"\n"
            recipe.append("text: over 1 MB")
    return data, recipe


# --- entries and registries -------------------------------------------------------------------


class Special(enum.Enum):
    """A file that is not a plain file with content."""

    SYMLINK_OUT = "symlink to a file outside the registry"
    SYMLINK_LOOP = "symlink loop"
    FIFO = "FIFO"
    DIRECTORY = "folder"


FileContent = bytes | Special


@dataclass(frozen=True)
class FuzzEntry:
    """One folder of a fuzzed registry: its name, its files and how they were made."""

    name: str
    files: dict[str, FileContent]
    recipe: tuple[str, ...]

    def __repr__(self) -> str:  # content can be megabytes: show the recipe instead
        sizes = {k: (len(v) if isinstance(v, bytes) else v.value) for k, v in self.files.items()}
        return f"FuzzEntry({self.name!r}, files={sizes}, recipe={list(self.recipe)})"


def _tools_document(document: JsonValue) -> JsonValue:
    tools = document.get("tools") if isinstance(document, dict) else None
    names = tools if isinstance(tools, list) and tools else ["tool"]
    return [
        {
            "name": str(name),
            "description": f"The {name} tool.",
            "inputSchema": {"type": "object", "properties": {"q": {"type": "string"}}},
        }
        for name in names
    ]


@st.composite
def mutated_file(
    draw: st.DrawFn, document: JsonValue, text: bytes, file_name: str
) -> tuple[FileContent, list[str]]:
    how = draw(st.sampled_from(["as is", "document", "text", "both", "special"]))
    if how == "as is":
        return text, []
    if how == "special":
        special = draw(st.sampled_from(list(Special)))
        return special, [f"{file_name}: {special.value}"]
    recipe: list[str] = []
    data = text
    if how in ("document", "both"):
        doc, steps = draw(mutated_document(document))
        data = dump_document(doc, file_name)
        recipe += steps
    if how in ("text", "both"):
        data, steps = draw(mutated_text(data))
        recipe += steps
    return data, [f"{file_name}: {step}" for step in recipe]


@st.composite
def fuzz_entries(draw: st.DrawFn) -> FuzzEntry:
    seed = draw(st.sampled_from(SEEDS))
    recipe: list[str] = [f"seed {seed.name}/{seed.file_name}"]
    name = seed.name
    if draw(st.integers(0, 9)) == 0:
        name = draw(st.sampled_from(NAMES))
        recipe.append(f"folder {name!r}")
    content, steps = draw(mutated_file(seed.document, seed.text.encode("utf-8"), seed.file_name))
    files: dict[str, FileContent] = {seed.file_name: content}
    recipe += steps
    if seed.file_name == "spec.yaml" and draw(st.integers(0, 4)) == 0:
        tools = _tools_document(seed.document)
        tools_content, steps = draw(
            mutated_file(tools, dump_document(tools, ".json"), "tools.json")
        )
        files["tools.json"] = tools_content
        recipe += steps or ["tools.json: as is"]
    return FuzzEntry(name, files, tuple(recipe))


def registries() -> st.SearchStrategy[list[FuzzEntry]]:
    """1 to 3 entries, folder names unique."""
    return st.lists(fuzz_entries(), min_size=1, max_size=3, unique_by=lambda e: e.name)


def write_fuzz_registry(root: Path, entries: Sequence[FuzzEntry]) -> None:
    """Write the entries under ``root`` (created); a secret file lies beside it."""
    root.mkdir(parents=True)
    secret = root.parent / "outside-secret"
    secret.write_text(SECRET + "\n")
    for entry in entries:
        folder = root / entry.name
        folder.mkdir()
        for file_name, content in entry.files.items():
            target = folder / file_name
            if isinstance(content, bytes):
                target.write_bytes(content)
            elif content is Special.SYMLINK_OUT:
                target.symlink_to(secret)
            elif content is Special.SYMLINK_LOOP:
                target.symlink_to(target)
            elif content is Special.FIFO:
                os.mkfifo(target)
            else:
                target.mkdir()
                (target / "inner.yaml").write_text("description: inside a folder\n")


# --- the property -----------------------------------------------------------------------------


class RunTimedOut(BaseException):
    """Raised by the alarm inside a run that took too long: a BaseException, so that the
    CLI's last line of defence (``except Exception``) does not turn it into an error."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (main thread only; elsewhere it only measures)."""
    try:
        previous = signal.getsignal(signal.SIGALRM)

        def expire(signum: int, frame: FrameType | None) -> None:
            raise RunTimedOut

        signal.signal(signal.SIGALRM, expire)
    except ValueError:  # not the main thread
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Stats:
    """What a fuzz run did: examples, runs and exit codes per command, the slowest run."""

    examples: int = 0
    runs: Counter[str] = field(default_factory=Counter)
    exit_codes: Counter[tuple[str, int]] = field(default_factory=Counter)
    slowest: tuple[float, str, str] = (0.0, "", "")

    def record(self, command: str, code: int, seconds: float, entries: Sequence[FuzzEntry]) -> None:
        self.runs[command] += 1
        self.exit_codes[(command, code)] += 1
        if seconds > self.slowest[0]:
            self.slowest = (seconds, command, "; ".join(repr(e) for e in entries))


class FuzzFailure(AssertionError):
    """The property does not hold for a registry."""


def _commands(name: str, out: Path) -> list[tuple[str, list[str]]]:
    return [
        ("validate", ["validate"]),
        ("validate --format json", ["validate", "--format", "json"]),
        ("validate --format github", ["validate", "--format", "github"]),
        ("build --no-site", ["build", "--no-site", "--out", str(out)]),
        ("fmt --check", ["fmt", "--check"]),
        ("list", ["list"]),
        ("info", ["info", name]),
    ]


def _check_json_diagnostics(stdout: str, registry: Path) -> None:
    try:
        payload = json.loads(stdout)
    except ValueError as exc:
        raise FuzzFailure(
            f"validate --format json printed no JSON ({exc}): {stdout[:500]!r}"
        ) from None
    root = os.path.abspath(registry)
    for d in payload["diagnostics"]:
        path = d.get("path")
        if not isinstance(path, str) or not path:
            raise FuzzFailure(f"diagnostic without a file: {d!r}")
        where = os.path.abspath(path)
        if where != root and not where.startswith(root + os.sep):
            raise FuzzFailure(f"diagnostic names a file outside the registry: {d!r}")
        if not (isinstance(d["line"], int) and d["line"] >= 1 and d["col"] >= 1):
            raise FuzzFailure(f"diagnostic without a line and column: {d!r}")


#: What a terminal would act on: C0 (but newline and tab), DEL and C1.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _run(
    label: str, args: list[str], entries: Sequence[FuzzEntry], stats: Stats | None
) -> CliResult:
    """One command, timed and checked for what no command may ever do."""
    started = time.perf_counter()
    try:
        with time_limit(RUN_LIMIT_SECONDS):
            result = run_cli(args)
    except RunTimedOut:
        raise FuzzFailure(f"{label} ran over {RUN_LIMIT_SECONDS:.0f} s") from None
    seconds = time.perf_counter() - started
    if stats is not None:
        stats.record(label, result.exit_code, seconds, entries)
    output = result.output
    shown = output[:2000]
    if result.exit_code not in (0, 1, 2):
        raise FuzzFailure(f"{label} exited {result.exit_code}:\n{shown}")
    if "bug in regup" in output or "Traceback" in output:
        raise FuzzFailure(f"{label} crashed:\n{shown}")
    if SECRET in output:
        raise FuzzFailure(f"{label} printed the content of a file outside the registry")
    if seconds > RUN_LIMIT_SECONDS:
        raise FuzzFailure(f"{label} took {seconds:.1f} s")
    control = _CONTROL.search(output)
    if control is not None:
        start = max(0, control.start() - 60)
        raise FuzzFailure(
            f"{label} printed a raw control character: {output[start : control.end() + 20]!r}"
        )
    return result


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _check_fmt_keeps_values(
    registry: Path, work: Path, entries: Sequence[FuzzEntry], stats: Stats | None
) -> None:
    """On a valid registry, ``fmt`` succeeds, is stable, and changes no output byte."""
    base = ["--registry", str(registry)]
    fmt = _run("fmt", [*base, "fmt"], entries, stats)
    if fmt.exit_code != 0:
        raise FuzzFailure(f"fmt failed on a valid registry:\n{fmt.output[:2000]}")
    again = _run("fmt --check", [*base, "fmt", "--check"], entries, stats)
    if again.exit_code != 0:
        raise FuzzFailure(f"fmt --check fails right after fmt:\n{again.output[:2000]}")
    out = work / "dist-after-fmt"
    build = _run(
        "build --no-site", [*base, "build", "--no-site", "--out", str(out)], entries, stats
    )
    if build.exit_code != 0:
        raise FuzzFailure(f"the registry fmt wrote does not build:\n{build.output[:2000]}")
    before, after = _tree(work / "dist"), _tree(out)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        raise FuzzFailure(f"fmt changed what the build publishes: {changed[:5]}")


def check_registry(entries: Sequence[FuzzEntry], work: Path, stats: Stats | None = None) -> None:
    """Write ``entries`` under ``work`` and run every command on them; raises
    :class:`FuzzFailure` when the property does not hold."""
    registry = work / "registry"
    write_fuzz_registry(registry, entries)
    codes: dict[str, int] = {}
    for label, args in _commands(entries[0].name, work / "dist"):
        result = _run(label, ["--registry", str(registry), *args], entries, stats)
        if label == "validate --format json" and result.stdout.strip():
            _check_json_diagnostics(result.stdout, registry)
        codes[label] = result.exit_code
    if codes["validate"] == 0 and codes["build --no-site"] != 0:
        raise FuzzFailure("validate passed but build failed")
    if codes["validate"] == 0:
        _check_fmt_keeps_values(registry, work, entries, stats)
    if codes["validate"] != codes["validate --format json"]:
        raise FuzzFailure(
            f"validate exited {codes['validate']} but validate --format json "
            f"{codes['validate --format json']}"
        )


def save_registry(entries: Sequence[FuzzEntry], folder: Path) -> None:
    """Write a failing registry where a person can rerun it (``folder`` is replaced)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    write_fuzz_registry(folder / "registry", entries)
    (folder / "recipe.txt").write_text("\n".join(repr(e) for e in entries) + "\n")
