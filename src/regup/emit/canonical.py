"""What every emitter shares: the emit context, the artifact map, the build timestamp and
the checksum listing. Same inputs, same bytes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from regup.checks import ProvenanceCheck
from regup.config import Config
from regup.healthstate import EntryHealth
from regup.ledger import Ledger
from regup.model import Registry
from regup.timeutil import format_timestamp, parse_timestamp

Artifacts = dict[str, bytes]


@dataclass(frozen=True)
class EmitContext:
    config: Config
    timestamp: str
    #: Stored provenance checks by entry name (from registry/provenance.json).
    provenance: Mapping[str, ProvenanceCheck] = field(default_factory=dict)
    #: Stored health records by entry name (from registry/health.json).
    health: Mapping[str, EntryHealth] = field(default_factory=dict)
    #: Every version of every entry, with its times (registry/versions.json, brought up to
    #: date by the build); without one, the current versions get the build timestamp.
    versions: Ledger = field(default_factory=Ledger)


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
