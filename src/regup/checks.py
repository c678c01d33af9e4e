"""The provenance outcome of an entry, and the one shape in which outputs show it.

``regup verify`` decides an :class:`Outcome` and stores a full result in
``registry/provenance.json`` (``regup.provenance.state``); everything that shows it (the
catalog, the upstream ``_meta`` block, the v0.1 API, ``regup info``) gets the same
:class:`ProvenanceCheck`, so they cannot disagree. Offline stages use this module, never
the network half of ``regup.provenance``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Outcome(enum.StrEnum):
    """What verification says about one entry."""

    VERIFIED = "verified"  # signature valid, bound to the digest, identity matches
    MISMATCH = "mismatch"  # valid and bound, but signed by someone else than declared
    INVALID = "invalid"  # forged, tampered, untrusted, or a signature of another digest
    UNSIGNED = "unsigned"  # provenance declared, no signature material attached
    NOT_DECLARED = "not_declared"  # the entry has no provenance block
    UNSUPPORTED = "unsupported"  # a sigstore instance regup cannot verify against
    ERROR = "error"  # transient: registry, log or trust root unreachable


#: Outcomes that fail a strict run.
FAILING = frozenset({Outcome.MISMATCH, Outcome.INVALID, Outcome.UNSIGNED})


@dataclass(frozen=True)
class ProvenanceCheck:
    """The last stored check of one entry, as every output shows it.

    ``signer`` is the certificate's identity (its SAN), or ToolHive's short form of it when
    the certificate gave no SAN; ``detail`` says what did not match or what failed.
    """

    outcome: Outcome
    signer: str | None = None
    issuer: str | None = None
    repository: str | None = None
    log_index: int | None = None
    detail: str | None = None
    checked_at: str | None = None
    digest: str | None = None
    method: str | None = None
    signed_at: str | None = None
    stale: bool = False

    def to_meta(self) -> dict[str, Any]:
        """The short form published under regup's ``_meta`` key (and by ``regup info``)."""
        out = {
            "status": self.outcome.value,
            "digest": self.digest,
            "method": self.method,
            "checked_at": self.checked_at,
            "log_index": self.log_index,
            "signed_at": self.signed_at,
            "signer": self.signer,
            "stale": self.stale or None,
        }
        return {k: v for k, v in out.items() if v is not None}
