"""The search index: one Pagefind record per server, built through Pagefind's Python API.

Records are small HTML documents written for the index only (not the published pages), so
the index holds exactly the searchable text (name, title, description, overview, tags, tool
names), the filters (tier, status, transport, kind, tag, secrets, provenance, and the score
card's verified, healthy and maintained) and the sort keys (stars, updated, name).

Pagefind writes some files in an order that changes between runs;
:mod:`regup.site.pagefind_canon` rewrites them canonically, so the same records give the
same bytes. :func:`reused_index` returns the previous build's index unchanged when its
records digest is the same, which skips Pagefind entirely on a rebuild.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gzip
import hashlib
import json
import os
import re
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from regup.checks import ProvenanceCheck
from regup.emit.canonical import Artifacts
from regup.errors import OutputError
from regup.files import remove_stale_scratch, scratch_prefix, write_outputs
from regup.jsonio import dump_json
from regup.model import Entry, Registry, Skill
from regup.site import paths, wording
from regup.site.pagefind_canon import canonical_index

#: Folder of the index inside the site.
INDEX_DIR = "pagefind"
#: File (inside the index folder) that records which records the index was built from.
DIGEST_FILE = "regup-records.sha256"
#: Files no page loads: Pagefind's own UIs (the catalog ships its own small search script),
#: and the search code for pages of unknown language (the index is English, so
#: ``pagefind.js`` loads ``wasm.en.pagefind``; Pagefind also writes that file last, sometimes
#: after it says it is done, which the kill tests caught as an empty or short file).
_UNUSED_PREFIXES = (
    "pagefind-ui",
    "pagefind-modular-ui",
    "pagefind-component-ui",
    "pagefind-highlight",
    "wasm.unknown.",
)
#: The endings of the files Pagefind writes gzip-compressed.
_COMPRESSED = (".pagefind", ".pf_fragment", ".pf_index", ".pf_filter", ".pf_meta")
LANGUAGE = "en"


#: Pagefind weights (1 is ordinary text): a match in a name or title counts most, then a
#: tool name, so "file contents" ranks a server with ``get_file_contents`` above one that
#: mentions files in its description.
NAME_WEIGHT = 10
TOOL_WEIGHT = 5


@dataclass(frozen=True)
class Record:
    """What the index knows of one server: ``names`` (name and title) and ``tools`` are
    indexed with more weight than ``content``."""

    url: str
    content: str
    meta: dict[str, str]
    filters: dict[str, list[str]]
    sort: dict[str, str] = field(default_factory=dict)
    names: str = ""
    tools: str = ""


#: A Markdown link or image, ``[text](target)``: only the text is worth searching.
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def _plain(markdown: str) -> str:
    """The words of ``markdown``: link text without its target, no emphasis or code marks."""
    text = _LINK.sub(r"\1", markdown)
    return " ".join(text.replace("`", " ").replace("*", " ").split())


def record(
    entry: Entry,
    status: ProvenanceCheck | None = None,
    card_filters: Mapping[str, str] | None = None,
) -> Record:
    """The search record of ``entry``; ``card_filters`` are its score card's filter values
    (:meth:`~regup.scorecard.ScoreCard.filters`): a signal without an answer is in none."""
    # Names and tool names go in once: Pagefind indexes a word joined by "_" or "-" as a
    # whole and as its parts, so "pull request" finds create_pull_request already.
    content = " ".join(
        part
        for part in (entry.description, _plain(entry.overview or ""), " ".join(entry.tags))
        if part
    )
    names = entry.name if entry.display_name == entry.name else f"{entry.name} {entry.display_name}"
    return Record(
        url=paths.server_path(entry.name),
        content=content,
        names=names,
        tools=" ".join(entry.tools),
        meta={
            "title": entry.display_name,
            "name": entry.name,
            "description": entry.description,
            "tools": str(len(entry.tools)),
            # the page shows which tools matched the query
            "toolnames": " ".join(entry.tools),
            "stars": wording.number(entry.stars, "–"),
            "updated": wording.day(entry.last_updated),
        },
        filters={
            "tier": [entry.tier],
            "status": [entry.status_label],
            "transport": [entry.transport],
            "kind": [entry.kind.value],
            "tag": list(entry.tags),
            "secrets": ["needs secrets" if wording.needs_secrets(entry) else "no secrets"],
            "provenance": [wording.provenance_key(entry, status)],
            **{key: [value] for key, value in (card_filters or {}).items()},
        },
        sort={
            "stars": str(entry.stars or 0),
            "updated": entry.last_updated or "0000",
            "name": entry.name,
        },
    )


def skill_record(skill: Skill, namespace: str) -> Record:
    """The search record of a skill: ``kind`` is ``skill``, its status is capitalised as the
    servers' are, so the kind and status filters cover both."""
    own = skill.namespace in (None, namespace)
    names = skill.name if skill.display_name == skill.name else f"{skill.name} {skill.display_name}"
    return Record(
        url=paths.skill_path(skill.name, None if own else skill.namespace),
        content=" ".join(p for p in (skill.description, skill.compatibility or "") if p),
        names=names,
        tools=" ".join(skill.allowed_tools),
        meta={
            "title": skill.display_name,
            "name": skill.name,
            "description": skill.description,
            "version": skill.version,
            "toolnames": "",
        },
        filters={
            "kind": ["skill"],
            "status": [skill.effective_status.capitalize()],
        },
        sort={"stars": "0", "updated": "0000", "name": skill.name},
    )


_WORD = re.compile(r"[^\W_]+")


def vocabulary(registry: Registry) -> bytes:
    """:data:`~regup.site.paths.WORDS_FILE`: the names, the tags, and every word of names, titles, tags
    and tool names (lower case, split at ``_``, ``-`` and spaces), each list sorted."""
    names = sorted({e.name for e in registry.entries} | {s.name for s in registry.skills})
    tags = sorted({t for e in registry.entries for t in e.tags})
    words: set[str] = set()
    for entry in registry.entries:
        for text in (entry.name, entry.display_name, *entry.tags, *entry.tools):
            words.update(w for w in _WORD.findall(text.lower()) if len(w) > 1)
    for skill in registry.skills:
        for text in (skill.name, skill.display_name):
            words.update(w for w in _WORD.findall(text.lower()) if len(w) > 1)
    return dump_json({"names": names, "tags": tags, "words": sorted(words)}, compact=True)


def records(
    registry: Registry,
    provenance: Mapping[str, ProvenanceCheck],
    namespace: str = "",
    card_filters: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Record]:
    """Every server's record, then every skill's (``namespace``: the registry's own;
    ``card_filters``: each entry's score-card filter values, by name)."""
    cards = card_filters or {}
    found = [record(e, provenance.get(e.name), cards.get(e.name)) for e in registry.entries]
    return found + [skill_record(s, namespace) for s in registry.skills]


def digest(items: Sequence[Record]) -> str:
    # Plain lists rather than dataclasses.asdict, which deep-copies every value (4x slower).
    rows = [[r.url, r.names, r.tools, r.content, r.meta, r.filters, r.sort] for r in items]
    data = json.dumps(rows, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def record_html(item: Record) -> str:
    """``item`` as the small HTML document Pagefind indexes (never published).

    Everything is escaped: the values are data. Metadata and filters sit in elements that
    are ignored for the text, so they are searchable only through the content we chose.
    """
    meta = "".join(
        f'<span data-pagefind-meta="{escape(key)}">{escape(value)}</span>'
        for key, value in item.meta.items()
    )
    filters = "".join(
        f'<span data-pagefind-filter="{escape(key)}">{escape(value)}</span>'
        for key, values in item.filters.items()
        for value in values
    )
    # One element per sort key: an element can carry the attribute only once.
    sorts = "".join(
        f'<span data-pagefind-sort="{escape(key)}">{escape(value)}</span>'
        for key, value in item.sort.items()
    )
    return (
        f'<!doctype html><html lang="{LANGUAGE}"><head><meta charset="utf-8"></head>'
        f'<body data-pagefind-body><p data-pagefind-weight="{NAME_WEIGHT}">{escape(item.names)}</p>'
        f'<p data-pagefind-weight="{TOOL_WEIGHT}">{escape(item.tools)}</p>'
        f"<p>{escape(item.content)}</p>"
        f"<div data-pagefind-ignore>{meta}{filters}{sorts}</div></body></html>"
    )


async def _index(folder: Path, out: Path) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    config: IndexConfig = {"force_language": LANGUAGE, "output_path": str(out)}
    async with PagefindIndex(config=config) as index:
        # One request for the whole folder: Pagefind's Python service answers one request
        # per 0.1 s, so a request per record would take minutes for a large registry.
        await index.add_directory(str(folder))
        # Pagefind answers "written" before its last writes reach the files (tokio hands
        # them to background threads and never flushes), and leaving this block writes the
        # files again and then terminates it: files came out empty or short (caught by
        # the kill tests). So: write, wait until the files are whole, then close without a
        # second write.
        await index.write_files()
        await _settled(str(out))
        service = index._service
        await index.delete_index()  # __aexit__ now neither writes nor closes
        if service is not None:
            await service.close()


async def _settled(out: str) -> None:
    """Return once every file in ``out`` is whole and no size changed for 0.1 s."""
    before: dict[str, int] | None = None
    for _ in range(int(_SETTLE_SECONDS / 0.05)):
        now = {}
        whole = True
        for rel, data in _read_tree(out):
            now[rel] = len(data)
            whole = whole and _whole(rel, data)
        if whole and now == before:
            return
        before = now if whole else None
        await asyncio.sleep(0.05)


def _run(items: Sequence[Record], out: Path) -> None:
    """Write the records as HTML and index them, on an event loop and a thread of their own
    (the caller may be inside an event loop already: a notebook, Playwright's sync API)."""
    folder = out.parent / "records"
    pages = {f"{item.url}index.html": record_html(item).encode() for item in items}
    for _ in write_outputs(folder, pages, pages):
        pass
    if threading.current_thread() is not threading.main_thread():
        asyncio.run(_index(folder, out))  # a worker thread has no event loop of its own
        return
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _index(folder, out)).result()


def _scratch() -> str | None:
    """Where Pagefind's records and raw output go: memory (``/dev/shm``) when there is one.

    Pagefind reads one small file per record and writes one per fragment; on disk, creating
    20,000 files costs seconds, in memory a fraction of that. None: the usual temp folder.
    """
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else None


def reused_index(items: Sequence[Record], previous: Path | None) -> Artifacts | None:
    """The index in ``previous`` (the last build's ``pagefind/`` folder) when it was built
    from the same records and every file it lists is still whole, else None.

    The digest file lists each file of the index with its sha256: an index that a killed
    or failed build left half-written, or files that do not belong to it, are never reused.
    """
    if previous is None:
        return None
    try:
        lines = (previous / DIGEST_FILE).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None  # a first build, or one that never finished its index
    if not lines or lines[0] != digest(items):
        return None
    files: Artifacts = {}
    for line in lines[1:]:
        expected, _, rel = line.partition("  ")
        if not rel or rel.startswith("/") or ".." in rel.split("/"):
            return None
        try:
            data = (previous / rel).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(data).hexdigest() != expected:
            return None
        files[f"{INDEX_DIR}/{rel}"] = data
    files[f"{INDEX_DIR}/{DIGEST_FILE}"] = _digest_file(items, files)
    return files


def _digest_file(items: Sequence[Record], files: Artifacts) -> bytes:
    """The digest of the records, then ``sha256  path`` of each index file."""
    listing = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {rel.removeprefix(INDEX_DIR + '/')}\n"
        for rel, data in sorted(files.items())
    )
    return f"{digest(items)}\n{listing}".encode()


def _read_tree(root: str, prefix: str = "") -> Iterator[tuple[str, bytes]]:
    """Every file under ``root`` as (path relative to it, bytes), in sorted order."""
    with os.scandir(root) as listing:
        found = sorted(listing, key=lambda e: e.name)
    for item in found:
        rel = prefix + item.name
        if item.is_dir(follow_symlinks=False):
            yield from _read_tree(item.path, rel + "/")
        elif item.is_file(follow_symlinks=False):
            with open(item.path, "rb") as fh:
                yield rel, fh.read()


#: The name scratch folders start with (followed by the process id).
_SCRATCH_NAME = "regup-pagefind"


def remove_stale_scratch_folders() -> None:
    """Delete the scratch folders that killed builds left behind (tens of MB in memory)."""
    remove_stale_scratch(_scratch() or tempfile.gettempdir(), _SCRATCH_NAME)


def scratch_folder() -> tempfile.TemporaryDirectory[str]:
    """A temporary folder for :func:`run_pagefind` and :func:`collected_index`."""
    return tempfile.TemporaryDirectory(prefix=scratch_prefix(_SCRATCH_NAME), dir=_scratch())


def run_pagefind(items: Sequence[Record], scratch: str) -> None:
    """Index ``items`` with Pagefind, its raw output in ``scratch`` (see :func:`scratch_folder`).

    Raises :class:`~regup.errors.OutputError` when Pagefind cannot run.
    """
    try:
        _run(items, Path(scratch) / INDEX_DIR)
    except Exception as exc:  # Pagefind's service raises plain exceptions
        raise OutputError(
            f"Pagefind could not build the search index ({type(exc).__name__}: {exc}); "
            "reinstall regup (it needs the pagefind[bin] package) or build with --no-site"
        ) from None


def collected_index(items: Sequence[Record], scratch: str) -> Artifacts:
    """The index :func:`run_pagefind` left in ``scratch``, canonical, under ``pagefind/``,
    with the digest of the records it was built from."""
    raw = _finished_index(f"{scratch}/{INDEX_DIR}")
    files = {f"{INDEX_DIR}/{rel}": data for rel, data in canonical_index(raw).items()}
    files[f"{INDEX_DIR}/{DIGEST_FILE}"] = _digest_file(items, files)
    return files


#: How long to wait for Pagefind's last files to be complete on disk.
_SETTLE_SECONDS = 5.0


def _finished_index(out: str) -> dict[str, bytes]:
    """Pagefind's files in ``out``, each one whole.

    Pagefind's service can answer that it wrote the index while a file is still being
    written (seen under load: an empty, then a 4,096-byte ``wasm.unknown.pagefind`` of
    68,024). Every compressed file must decompress to its end; until then, the folder is
    read again, and after :data:`_SETTLE_SECONDS` the build fails rather than publish a
    broken index.
    """
    waited = 0.0
    while True:
        raw = {rel: data for rel, data in _read_tree(out) if not rel.startswith(_UNUSED_PREFIXES)}
        partial = [rel for rel, data in raw.items() if not _whole(rel, data)]
        if not partial:
            return raw
        if waited >= _SETTLE_SECONDS:
            raise OutputError(
                f"Pagefind left an incomplete search index file ({partial[0]}); build again"
            )
        time.sleep(0.05)
        waited += 0.05


def _whole(rel: str, data: bytes) -> bool:
    """False for a Pagefind file that is empty, a JSON file that does not parse, or a
    compressed file that ends before its end-of-stream marker."""
    if not data:
        return False
    if rel.endswith(".json"):
        try:
            json.loads(data)
        except ValueError:
            return False
    if rel.endswith(_COMPRESSED):
        try:
            gzip.decompress(data)
        except (EOFError, OSError, zlib.error):
            return False
    return True


def build_index(items: Sequence[Record]) -> Artifacts:
    """Pagefind's files for ``items``, under ``pagefind/``, with the records' digest.

    Raises :class:`~regup.errors.OutputError` when Pagefind cannot run.
    """
    with scratch_folder() as scratch:
        run_pagefind(items, scratch)
        return collected_index(items, scratch)
