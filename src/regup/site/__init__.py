"""The catalog: ``dist/site/``, a static site of every server, with search.

:func:`build_site` is the build step ``regup build`` runs after the emitters: it renders
the pages (:mod:`regup.site.render`) from page contexts (:mod:`regup.site.contexts`), builds
the Pagefind index (:mod:`regup.site.search`), and mirrors the other emitters' files
(``registry.json``, ``upstream/``, ``v0.1/``…) so that the site folder alone is a complete
registry to publish.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from regup.emit.canonical import Artifacts, EmitContext
from regup.model import Registry
from regup.site import render, search
from regup.site.contexts import Outcome, ProvenanceStatus, SiteContext

#: The site's folder inside the output folder.
SITE_DIR = "site"


@dataclass(frozen=True)
class SiteOptions:
    """Settings of the catalog build beside the registry's configuration."""

    base_url: str = ""
    provenance: Mapping[str, ProvenanceStatus] = field(default_factory=dict)
    #: The previous build's ``pagefind/`` folder, reused when the records are the same.
    previous_index: Path | None = None


def build_site(
    registry: Registry, ctx: EmitContext, files: Mapping[str, bytes], options: SiteOptions
) -> Artifacts:
    """Every file of the catalog, relative to the site's folder.

    ``files`` are the other outputs of the build, mirrored into the site. Raises
    :class:`~regup.errors.OutputError` when the search index cannot be built.
    """
    base_url = (options.base_url or ctx.config.base_url).rstrip("/")
    site = SiteContext(registry, ctx.config, options.provenance, base_url, frozenset(files))
    records = search.records(registry, options.provenance)
    # Pagefind runs in a process of its own: index while the pages render.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        index = pool.submit(search.build_index, records, options.previous_index)
        pages = render.render_pages(site, ctx.timestamp, files)
        index_files = index.result()
    return {**files, **pages, **index_files}


__all__ = ["SITE_DIR", "Outcome", "ProvenanceStatus", "SiteOptions", "build_site"]
