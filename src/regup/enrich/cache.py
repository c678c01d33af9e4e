"""The local cache of enrichment answers (``.regup-cache/`` unless configured elsewhere).

One JSON file per service and API base URL holds, per key (``owner/name`` of a
repository, ``namespace/name`` of an image, ``digest:REF`` and ``tags:NAME`` of an OCI
registry's answers to ``regup check``), the last answer, its ETag and when it was
fetched. An answer younger than the cache's ``ttl`` is used without any request; an older
one with an ETag is revalidated with ``If-None-Match`` (a 304 costs no rate limit). Files
are written atomically; a broken cache file is ignored (and rewritten), never fatal.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regup.errors import OutputError
from regup.files import write_atomic

DEFAULT_CACHE_DIR = Path(".regup-cache")
DEFAULT_TTL = 3600.0
_VERSION = 1


@dataclass(frozen=True)
class CacheRecord:
    """One remembered answer."""

    data: dict[str, Any]
    fetched_at: float
    etag: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"data": self.data, "fetched_at": self.fetched_at}
        if self.etag:
            out["etag"] = self.etag
        return out

    @classmethod
    def from_json(cls, value: Any) -> CacheRecord | None:
        if not isinstance(value, dict) or not isinstance(value.get("data"), dict):
            return None
        fetched = value.get("fetched_at")
        etag = value.get("etag")
        if not isinstance(fetched, int | float) or not (etag is None or isinstance(etag, str)):
            return None
        return cls(value["data"], float(fetched), etag)


class ServiceCache:
    """The records of one service at one API URL; ``save()`` writes them back."""

    def __init__(self, path: Path | None, ttl: float, clock: Callable[[], float]) -> None:
        self.path = path
        self.ttl = ttl
        self.clock = clock
        self.records: dict[str, CacheRecord] = {}
        self.dirty = False
        if path is not None:
            self._read(path)

    def _read(self, path: Path) -> None:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        if not isinstance(doc, dict) or doc.get("version") != _VERSION:
            return
        for key, value in (doc.get("records") or {}).items():
            record = CacheRecord.from_json(value)
            if record is not None:
                self.records[key] = record

    def get(self, key: str) -> CacheRecord | None:
        return self.records.get(key)

    def fresh(self, key: str) -> CacheRecord | None:
        """The record of ``key`` when it is younger than the TTL."""
        record = self.records.get(key)
        if record is None or self.clock() - record.fetched_at > self.ttl:
            return None
        return record

    def put(self, key: str, data: dict[str, Any], etag: str | None = None) -> None:
        self.records[key] = CacheRecord(data, self.clock(), etag)
        self.dirty = True

    def touch(self, key: str) -> None:
        """The answer of ``key`` was confirmed (304): it is fresh again."""
        record = self.records.get(key)
        if record is not None:
            self.put(key, record.data, record.etag)

    def save(self) -> None:
        """Write the records atomically; raises :class:`OutputError` when it cannot."""
        if self.path is None or not self.dirty:
            return
        doc = {
            "version": _VERSION,
            "records": {k: r.to_json() for k, r in sorted(self.records.items())},
        }
        try:
            _ensure_dir(self.path.parent)
            write_atomic(self.path, (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode())
        except OSError as exc:
            raise OutputError.from_os_error(self.path, exc) from None
        self.dirty = False


def _ensure_dir(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        # the cache is never committed, wherever it is put
        write_atomic(ignore, b"# created by regup: this folder is a local cache\n*\n")


class Cache:
    """All service caches below one folder (``None``: nothing is remembered)."""

    def __init__(
        self,
        folder: Path | None = DEFAULT_CACHE_DIR,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.folder = folder
        self.ttl = ttl
        self.clock = clock
        self._services: dict[str, ServiceCache] = {}

    def service(self, name: str, base_url: str) -> ServiceCache:
        slug = hashlib.sha256(base_url.rstrip("/").encode()).hexdigest()[:12]
        key = f"{name}-{slug}"
        if key not in self._services:
            path = self.folder / f"{key}.json" if self.folder is not None else None
            self._services[key] = ServiceCache(path, self.ttl, self.clock)
        return self._services[key]

    def save(self) -> None:
        """Write every changed service cache; raises :class:`OutputError`."""
        for service in self._services.values():
            service.save()
