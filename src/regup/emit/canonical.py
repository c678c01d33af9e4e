"""Canonical bytes and atomic writes: the same inputs always give the same files."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from regup.config import Config
from regup.model import Registry

Artifacts = dict[str, bytes]


@dataclass(frozen=True)
class EmitContext:
    config: Config
    timestamp: str
    #: Stored provenance checks by entry name (``Result.to_meta()`` of registry/provenance.json).
    provenance: Mapping[str, dict[str, Any]] = field(default_factory=dict)


def dump_json(value: Any, *, compact: bool = False) -> bytes:
    """JSON with sorted keys, UTF-8 and a trailing newline; never NaN or Infinity.

    Files people read and diff (registry.json, server.json) get a two-space indent; API
    responses read by programs are ``compact``, which also lets the C encoder do the work
    (the indented encoder is pure Python and dominates a large build).
    """
    if compact:
        text = json.dumps(
            value, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":")
        )
    else:
        text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode()


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> datetime:
    """Parse an RFC 3339 timestamp; raises ValueError."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def build_timestamp(registry: Registry, environ: Mapping[str, str] | None = None) -> str:
    """``SOURCE_DATE_EPOCH`` when set, else the newest ``metadata.last_updated``, else 1970.

    Never the clock, so two builds of the same inputs are byte-identical.
    """
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return format_timestamp(datetime.fromtimestamp(int(epoch), UTC))
        except (ValueError, OverflowError, OSError):
            pass
    newest: datetime | None = None
    for entry in registry.entries:
        if entry.last_updated:
            try:
                moment = parse_timestamp(entry.last_updated)
            except ValueError:
                continue
            newest = moment if newest is None or moment > newest else newest
    return format_timestamp(newest or datetime.fromtimestamp(0, UTC))


def sha256sums(artifacts: Mapping[str, bytes]) -> bytes:
    """A ``sha256sum -c`` compatible listing of the artifacts, sorted by path."""
    lines = [
        f"{hashlib.sha256(data).hexdigest()}  {path}\n" for path, data in sorted(artifacts.items())
    ]
    return "".join(lines).encode()


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Readers see the old file or the new one, never a part. ``durable`` also flushes the
    file to disk before the rename (hand-written registry files); build outputs, which can
    be rebuilt, skip it because thousands of fsyncs dominate a large build.
    Raises OSError; the previous file stays intact on failure.
    """
    for _ in write_outputs(path.parent, {path.name: data}, [path.name], durable=durable):
        pass


def write_outputs(
    out_dir: Path, artifacts: Mapping[str, bytes], paths: Iterable[str], *, durable: bool = False
) -> Iterator[str]:
    """Write each of ``paths`` (keys of ``artifacts``) under ``out_dir`` as
    :func:`write_atomic` does (not ``durable`` unless asked: build outputs can be rebuilt);
    yields each path once its file is in place.

    Plain ``os`` calls, and every folder made once: for tens of thousands of files, Python's
    file objects and a ``stat`` of the folder per file cost more than the writing. Raises
    OSError with the file's path in ``filename``; that file keeps its previous content.
    """
    made: set[str] = set()
    suffix = f".{os.getpid()}.tmp"
    root = os.fspath(out_dir)
    for rel in paths:
        target = f"{root}/{rel}"
        folder, _, name = target.rpartition("/")
        tmp = f"{folder}/.{name}{suffix}"
        try:
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                view = memoryview(artifacts[rel])
                while view:
                    view = view[os.write(fd, view) :]
                if durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            if isinstance(exc, OSError):
                exc.filename = target
            raise
        yield rel


def stale_files(out_dir: Path, artifacts: Mapping[str, bytes]) -> list[str]:
    """Artifacts whose file in ``out_dir`` is missing or has other bytes."""
    stale = []
    for rel, data in sorted(artifacts.items()):
        target = out_dir / rel
        try:
            if target.read_bytes() != data:
                stale.append(rel)
        except OSError:
            stale.append(rel)
    return stale
