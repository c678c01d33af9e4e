"""Enrichment: the only stage that talks to GitHub and Docker Hub.

:func:`refresh` (in :mod:`regup.enrich.refresh`) selects entries, looks up stars
(:mod:`regup.enrich.github`) and pulls (:mod:`regup.enrich.dockerhub`) through the cache
(:mod:`regup.enrich.cache`) and within rate limits (:mod:`regup.enrich.transport`), and
writes changed values back with :mod:`regup.writeback`.
"""

from __future__ import annotations

from regup.enrich.refresh import (
    EntryReport,
    Progress,
    RefreshRequest,
    RefreshResult,
    Source,
    Status,
    refresh,
)

__all__ = [
    "EntryReport",
    "Progress",
    "RefreshRequest",
    "RefreshResult",
    "Source",
    "Status",
    "refresh",
]
