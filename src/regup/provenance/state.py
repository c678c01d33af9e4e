"""Provenance results as data, and the committed state file that keeps them.

This module is the offline half of provenance: it imports nothing that talks to the network,
so ``regup build``, ``regup info`` and the catalog can read the results of the last
verification without verifying anything.

The state file is ``registry/provenance.json`` (beside the entry folders; the loader only
reads folders, so it is never mistaken for an entry)::

    {
      "version": 1,
      "entries": {
        "<entry name>": {
          "outcome": "verified",            # see Outcome
          "detail": "…",                    # one sentence for people
          "image": "ghcr.io/org/img:1.2",   # as declared when checked
          "digest": "sha256:…",             # what was verified
          "method": "sigstore-bundle",      # or cosign-signature
          "source": "referrer sha256:…",    # where the material was found
          "signer": {…},                    # from the verified certificate
          "log_index": 123, "signed_at": "2025-…Z",
          "predicate_type": "https://slsa.dev/provenance/v1",
          "mismatches": [{"field": "repository_uri", "wanted": "…", "got": "…"}],
          "checked_at": "2025-…Z",          # when the network check ran
          "stale": false,                   # true: the last re-check failed (see "error")
          "error": null,
          "key": "…"                        # cache key: digest + provenance fields + trust root
        }
      }
    }

It is written with sorted keys, two-space indent and a final newline, and only when its
content changed: the same results give the same bytes. ``checked_at`` changes only when an
entry is actually re-checked (see :data:`TTL` for how long a result is reused).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from regup.checks import FAILING, Outcome, ProvenanceCheck
from regup.errors import ProvenanceError
from regup.statefile import StateFile
from regup.timeutil import parse_timestamp

#: About 1 KiB per entry, four levels deep (mismatches inside a result inside ``entries``).
STATE = StateFile(
    name="provenance.json",
    version=1,
    what="provenance state file",
    remedy="Delete it and run `regup verify` to write it again.",
    error=ProvenanceError,
)
STATE_FILE = STATE.name


#: How long a result is reused for the same digest, provenance fields and trust root.
#: Errors are never reused: they are retried on every run.
TTL: Mapping[Outcome, timedelta] = {
    Outcome.VERIFIED: timedelta(days=7),
    Outcome.MISMATCH: timedelta(days=1),
    Outcome.INVALID: timedelta(days=1),
    Outcome.UNSIGNED: timedelta(days=1),
}


@dataclass(frozen=True)
class Mismatch:
    """One declared provenance field that the signature does not match."""

    field: str
    wanted: str
    got: str | None

    def to_json(self) -> dict[str, Any]:
        return {"field": self.field, "wanted": self.wanted, "got": self.got}

    def __str__(self) -> str:
        got = "nothing" if self.got is None else repr(self.got)
        return f"{self.field}: wanted {self.wanted!r}, got {got}"


@dataclass(frozen=True)
class Signer:
    """Who signed, as the verified certificate says (Fulcio's OIDC extensions)."""

    identity: str | None = None  # the certificate's SAN
    issuer: str | None = None
    repository_uri: str | None = None
    repository_ref: str | None = None
    runner_environment: str | None = None
    signer_identity: str | None = None  # ToolHive's form: SAN without repository and @ref

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Signer:
        return cls(**{k: doc.get(k) for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Result:
    """The provenance outcome of one entry, with everything needed to show it."""

    name: str
    outcome: Outcome
    detail: str
    image: str | None = None
    digest: str | None = None
    method: str | None = None
    source: str | None = None
    signer: Signer | None = None
    log_index: int | None = None
    signed_at: str | None = None
    predicate_type: str | None = None
    mismatches: tuple[Mismatch, ...] = ()
    checked_at: str | None = None
    stale: bool = False
    error: str | None = None
    key: str | None = field(default=None, compare=False)

    @property
    def fails_strict(self) -> bool:
        return self.outcome in FAILING

    def is_fresh(self, now: datetime) -> bool:
        """Whether this result may be reused at ``now`` (errors and stale ones never)."""
        ttl = TTL.get(self.outcome)
        if ttl is None or self.stale or not self.checked_at:
            return False
        try:
            return now - parse_timestamp(self.checked_at) < ttl
        except ValueError:
            return False

    def as_stale(self, error: str) -> Result:
        """This (older) result, kept because a re-check failed with ``error``."""
        return replace(self, stale=True, error=error)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "outcome": self.outcome.value,
            "detail": self.detail,
            "image": self.image,
            "digest": self.digest,
            "method": self.method,
            "source": self.source,
            "signer": self.signer.to_json() if self.signer else None,
            "log_index": self.log_index,
            "signed_at": self.signed_at,
            "predicate_type": self.predicate_type,
            "mismatches": [m.to_json() for m in self.mismatches],
            "checked_at": self.checked_at,
            "stale": self.stale,
            "error": self.error,
            "key": self.key,
        }
        return {k: v for k, v in out.items() if v is not None and v != []}

    @classmethod
    def from_json(cls, name: str, doc: Mapping[str, Any]) -> Result:
        """Raises ``ValueError``/``KeyError``/``TypeError`` for a malformed record."""
        signer = doc.get("signer")
        log_index = doc.get("log_index")
        if log_index is not None and not isinstance(log_index, int):
            raise TypeError("log_index must be an integer")
        return cls(
            name=name,
            outcome=Outcome(doc["outcome"]),
            detail=str(doc.get("detail", "")),
            image=doc.get("image"),
            digest=doc.get("digest"),
            method=doc.get("method"),
            source=doc.get("source"),
            signer=Signer.from_json(signer) if isinstance(signer, Mapping) else None,
            log_index=log_index,
            signed_at=doc.get("signed_at"),
            predicate_type=doc.get("predicate_type"),
            mismatches=tuple(
                Mismatch(str(m["field"]), str(m["wanted"]), m.get("got"))
                for m in doc.get("mismatches") or ()
            ),
            checked_at=doc.get("checked_at"),
            stale=bool(doc.get("stale", False)),
            error=doc.get("error"),
            key=doc.get("key"),
        )

    def published(self) -> ProvenanceCheck:
        """The check as the outputs show it (the catalog, upstream ``_meta``, ``regup info``)."""
        signer = self.signer
        return ProvenanceCheck(
            outcome=self.outcome,
            signer=(signer.identity or signer.signer_identity) if signer else None,
            issuer=signer.issuer if signer else None,
            repository=signer.repository_uri if signer else None,
            log_index=self.log_index,
            detail="; ".join(str(m) for m in self.mismatches) or self.error or None,
            checked_at=self.checked_at,
            digest=self.digest,
            method=self.method,
            signed_at=self.signed_at,
            stale=self.stale,
        )


@dataclass(frozen=True)
class ProvenanceState:
    """Every entry's last result, by entry name."""

    results: Mapping[str, Result] = field(default_factory=dict)

    def get(self, name: str) -> Result | None:
        return self.results.get(name)

    def merged(self, results: list[Result], keep: set[str] | None = None) -> ProvenanceState:
        """This state with ``results`` replacing older ones. With ``keep`` (the names of
        all current entries), records of entries that no longer exist are dropped."""
        merged = dict(self.results)
        merged.update({r.name: r for r in results})
        if keep is not None:
            merged = {k: v for k, v in merged.items() if k in keep}
        return ProvenanceState(merged)

    def dumps(self) -> bytes:
        return STATE.dumps({name: result.to_json() for name, result in self.results.items()})

    @classmethod
    def loads(cls, data: bytes, where: str) -> ProvenanceState:
        """Raises :class:`ProvenanceError` naming ``where`` when the file is malformed."""
        return STATE.loads(data, where, cls._parse)

    @classmethod
    def _parse(cls, entries: dict[str, Any]) -> ProvenanceState:
        return cls({name: Result.from_json(name, rec) for name, rec in entries.items()})


def state_path(registry_dir: Path) -> Path:
    return STATE.path(registry_dir)


def load_state(registry_dir: Path) -> ProvenanceState:
    """The committed results (empty when there is no state file yet).

    Raises :class:`ProvenanceError` when the file exists but is malformed or unsafe.
    """
    return STATE.load(registry_dir, ProvenanceState._parse) or ProvenanceState()


def save_state(registry_dir: Path, state: ProvenanceState) -> bool:
    """Write the state file atomically if its content changed; returns whether it did.

    Raises :class:`regup.errors.WriteBackError` when it cannot be written.
    """
    from regup.writeback import write_registry_file_if_changed

    return write_registry_file_if_changed(registry_dir, STATE_FILE, state.dumps())
