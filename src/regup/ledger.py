"""The versions ledger: when each version of each server was first published and when its
content last changed, committed beside the entries as ``registry/versions.json``.

The MCP Registry API carries ``publishedAt``, ``updatedAt`` and ``isLatest`` per version
(``_meta["io.modelcontextprotocol.registry/official"]``), and clients cache by version.
Neither the entries nor the clock can give those: ``metadata.last_updated`` moves with
every stars refresh, and the clock with every build. The ledger holds them::

    {
      "version": 1,
      "entries": {
        "<entry name>": {
          "<version>": {
            "published_at": "2026-…Z",   # when this version was first recorded
            "updated_at": "2026-…Z",     # when its content last changed
            "content": "sha256:…",       # hash of the entry without metadata
            "entry": {…}                 # the entry as authored, without metadata
          }
        }
      }
    }

Skills are kept the same way under ``skill:<name>`` (no entry name has a colon; the key
holds no namespace, so it does not change with the configuration), so a skill's earlier
versions stay under ``v0.1/x/dev.toolhive/skills/<namespace>/<name>/versions``.

The content is the entry as authored minus ``metadata`` (stars, pulls, last_updated), so
``regup refresh`` never changes a time. ``entry`` keeps each version's document, so a
version the entry has moved on from is still published (``v0.1/servers/<name>/versions``)
after its ``spec.yaml`` says otherwise. An entry that leaves the registry leaves the ledger.

:func:`record` is the one place a time is taken from the clock (or ``SOURCE_DATE_EPOCH``),
and only for a version it has not seen or content that changed; ``regup build`` calls it
and writes the file, ``regup build --check`` reports a ledger that would change.
The file is written with sorted keys, two-space indent and a final newline, atomically, and
only when its content changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from regup.errors import LedgerError
from regup.model import SKILL_STATE_PREFIX, Entry, JsonDict, Skill
from regup.serverjson import entry_version
from regup.statefile import StateFile
from regup.timeutil import format_timestamp, parse_timestamp

#: A few KiB per version (room for far more versions than any registry has); entry
#: documents nest a few levels (custom_metadata, tool definitions) below three.
STATE = StateFile(
    name="versions.json",
    version=1,
    what="versions ledger",
    remedy=(
        "Fix it from version control (git checkout -- registry/versions.json); deleting it "
        "makes the next build publish every version anew, at that moment"
    ),
    error=LedgerError,
    max_depth=80,
)
LEDGER_FILE = STATE.name


def entry_document(entry: Entry) -> JsonDict:
    """The entry as authored, without ``metadata``: what a version's content is."""
    doc = entry.to_document(include_name=False)
    doc.pop("metadata", None)
    return doc


def skill_key(skill: Skill) -> str:
    """Where the ledger keeps a skill's versions: ``skill:<name>``."""
    return f"{SKILL_STATE_PREFIX}{skill.name}"


def skill_document(skill: Skill) -> JsonDict:
    """The skill as authored, with its name, without ``metadata``."""
    doc = skill.to_document(include_name=True)
    doc.pop("metadata", None)
    return doc


def content_hash(document: Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the document's canonical JSON (sorted keys, no spaces)."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class VersionRecord:
    """One version of one server, as the ledger keeps it."""

    version: str
    published_at: str
    updated_at: str
    content: str
    document: JsonDict = field(compare=False)

    def to_json(self) -> JsonDict:
        return {
            "published_at": self.published_at,
            "updated_at": self.updated_at,
            "content": self.content,
            "entry": self.document,
        }

    @classmethod
    def from_json(cls, version: str, doc: Any) -> VersionRecord:
        """Raises ``ValueError`` for a malformed record."""
        if not isinstance(doc, Mapping):
            raise ValueError(f"version {version!r} must be an object")
        published, updated = doc.get("published_at"), doc.get("updated_at")
        content, entry = doc.get("content"), doc.get("entry")
        for key, value in (("published_at", published), ("updated_at", updated)):
            if not isinstance(value, str):
                raise ValueError(f"version {version!r}: {key} must be a timestamp")
            parse_timestamp(value)  # ValueError when it is not one
        if not isinstance(content, str) or not content.startswith("sha256:"):
            raise ValueError(f"version {version!r}: content must be sha256:<hex>")
        if not isinstance(entry, dict):
            raise ValueError(f"version {version!r}: entry must be an object")
        return cls(version, str(published), str(updated), content, entry)

    def entry(self, name: str) -> Entry:
        """This version's entry, rebuilt from the stored document.

        Raises :class:`LedgerError` when the document is no longer a valid entry.
        """
        try:
            return Entry.from_document(name, self.document)
        except (ValueError, KeyError, TypeError) as exc:
            raise self._unreadable(name, "an entry", exc) from None

    def skill(self, name: str) -> Skill:
        """This version of skill ``name``, rebuilt from the stored document.

        Raises :class:`LedgerError` when the document is no longer a valid skill.
        """
        try:
            return Skill.from_document(name, self.document)
        except (ValueError, KeyError, TypeError) as exc:
            raise self._unreadable(f"skill {name}", "a skill", exc) from None

    def _unreadable(self, name: str, what: str, exc: Exception) -> LedgerError:
        return LedgerError(
            f"{LEDGER_FILE}: version {self.version} of {name} cannot be read as {what} "
            f"({exc}); remove that version from the file"
        )


@dataclass(frozen=True)
class Ledger:
    """Every recorded version, by entry name and version."""

    entries: Mapping[str, Mapping[str, VersionRecord]] = field(default_factory=dict)

    def versions(self, name: str) -> tuple[VersionRecord, ...]:
        """The entry's versions, oldest first (by first publication, then version)."""
        records = self.entries.get(name, {}).values()
        return tuple(sorted(records, key=lambda r: (r.published_at, r.version)))

    def get(self, name: str, version: str) -> VersionRecord | None:
        return self.entries.get(name, {}).get(version)

    def record(self, entries: Iterable[Entry], now: str, skills: Iterable[Skill] = ()) -> Ledger:
        """This ledger with the current version of each of ``entries`` (and of ``skills``,
        under :func:`skill_key`) recorded: a new version is published at ``now``, changed
        content is updated at ``now``, anything else keeps its times. Entries and skills not
        given are dropped; their versions with them."""
        out: dict[str, dict[str, VersionRecord]] = {}
        for entry in entries:
            version = entry_version(entry)
            document = entry_document(entry) if version is not None else None
            out[entry.name] = self._recorded(entry.name, version, document, now)
        for skill in skills:
            key = skill_key(skill)
            out[key] = self._recorded(key, skill.version, skill_document(skill), now)
        return Ledger(out)

    def _recorded(
        self, key: str, version: str | None, document: JsonDict | None, now: str
    ) -> dict[str, VersionRecord]:
        """The versions of ``key`` with ``version`` (``document``) recorded at ``now``."""
        versions = dict(self.entries.get(key, {}))
        if version is not None and document is not None:
            digest = content_hash(document)
            known = versions.get(version)
            if known is None:
                versions[version] = VersionRecord(version, now, now, digest, document)
            elif known.content != digest:
                versions[version] = replace(
                    known, updated_at=now, content=digest, document=document
                )
        return versions

    def changed_entries(self, other: Ledger) -> list[str]:
        """Names whose records differ between this ledger and ``other``, sorted."""
        names = set(self.entries) | set(other.entries)
        return sorted(n for n in names if self._records(n) != other._records(n))

    def _records(self, name: str) -> dict[str, JsonDict]:
        return {v: r.to_json() for v, r in self.entries.get(name, {}).items()}

    def dumps(self) -> bytes:
        return STATE.dumps({name: self._records(name) for name in self.entries})

    @classmethod
    def loads(cls, data: bytes, where: str) -> Ledger:
        """Raises :class:`LedgerError` naming ``where`` when the file is malformed."""
        return STATE.loads(data, where, cls._parse)

    @classmethod
    def _parse(cls, entries: dict[str, Any]) -> Ledger:
        out: dict[str, dict[str, VersionRecord]] = {}
        for name, versions in entries.items():
            if not isinstance(versions, dict):
                raise ValueError(f"{name} must be an object of versions")
            out[name] = {v: VersionRecord.from_json(v, r) for v, r in versions.items()}
        return cls(out)


def ledger_path(registry_dir: Path) -> Path:
    return STATE.path(registry_dir)


def load_ledger(registry_dir: Path) -> Ledger:
    """The committed ledger (empty when there is none yet).

    Raises :class:`LedgerError` when the file exists but is malformed or unsafe.
    """
    return STATE.load(registry_dir, Ledger._parse) or Ledger()


def save_ledger(registry_dir: Path, ledger: Ledger) -> bool:
    """Write the ledger atomically if its content changed; returns whether it did.

    Raises :class:`regup.errors.WriteBackError` when it cannot be written.
    """
    from regup.writeback import write_registry_file_if_changed

    return write_registry_file_if_changed(registry_dir, LEDGER_FILE, ledger.dumps())


def recording_time(environ: Mapping[str, str] | None = None) -> str:
    """When a new version or a content change is recorded: ``SOURCE_DATE_EPOCH`` when set
    (a reproducible build records the commit's time), else the clock. The only use of the
    clock in a build, and only for what the ledger has not seen."""
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return format_timestamp(datetime.fromtimestamp(int(epoch), UTC))
        except (ValueError, OverflowError, OSError):
            pass
    return format_timestamp(datetime.now(UTC).replace(microsecond=0))
