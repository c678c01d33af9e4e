"""The catalog: ``dist/site/``, a static site of every server, with search.

:func:`build_site` is the build step ``regup build`` runs after the emitters: it renders
the pages (:mod:`regup.site.render`) from page contexts (:mod:`regup.site.contexts`), builds
the Pagefind index (:mod:`regup.site.search`), and mirrors the other emitters' files
(``registry.json``, ``upstream/``, ``v0.1/``…) so that the site folder alone is a complete
registry to publish.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import multiprocessing
import os
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from regup.emit.canonical import Artifacts, EmitContext
from regup.model import Registry
from regup.site import paths, render, search
from regup.site.contexts import SiteContext

#: The site's folder inside the output folder.
SITE_DIR = "site"
#: The search index's folder inside the output folder.
INDEX_FOLDER = f"{SITE_DIR}/{search.INDEX_DIR}"


@dataclass(frozen=True)
class SiteOptions:
    """Settings of the catalog build beside the registry's configuration."""

    base_url: str = ""
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
    site = SiteContext(
        registry, ctx.config, ctx.provenance, base_url, frozenset(files), health=ctx.health
    )
    records = search.records(registry, ctx.provenance, ctx.config.namespace, site.card_filters)
    search.remove_stale_scratch_folders()
    index_files = search.reused_index(records, options.previous_index)
    if index_files is not None:
        pages = render.render_pages(site, ctx.timestamp, files)
    else:
        # Index while the pages render: Pagefind is a process of its own, and for a large
        # registry its Python side (writing the records, talking to Pagefind) gets a process
        # too, so it does not wait for the pages' turn at the interpreter lock. Reading the
        # index back is left to this process, which is done with the pages by then.
        scratch = search.scratch_folder()
        try:
            with _indexer(len(records)) as pool:
                index = pool.submit(search.run_pagefind, records, scratch.name)
                pages = render.render_pages(site, ctx.timestamp, files)
                index.result()
            index_files = search.collected_index(records, scratch.name)
        finally:
            # Deleting Pagefind's 20,000 scratch files takes a few tenths of a second that
            # the build need not wait for (the interpreter waits for the thread at exit).
            threading.Thread(target=scratch.cleanup, name="regup-pagefind-cleanup").start()
    return {**files, **pages, paths.WORDS_FILE: search.vocabulary(registry), **index_files}


#: From this many servers on, the index is built in a separate Python process; below it,
#: starting one costs more than it saves.
PROCESS_THRESHOLD = 1000


def _indexer(count: int) -> concurrent.futures.Executor:
    if count < PROCESS_THRESHOLD:
        return concurrent.futures.ThreadPoolExecutor(max_workers=1)
    # A forked child starts at once with the records in memory; forking is only safe while
    # this process runs no other thread (a lock held by one would stay locked in the child),
    # so a caller with threads gets a fresh interpreter instead (about 0.5 s more).
    method = "fork" if _can_fork() else "spawn"
    context = multiprocessing.get_context(method)
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=_die_with, initargs=(os.getpid(),)
    )


#: ``prctl`` option: the signal this process gets when its parent ends (Linux).
_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """Make the indexer process end when the build does: a build killed with SIGKILL
    would otherwise leave it indexing into a scratch folder nobody reads (Pagefind, its
    child, ends by itself once its input closes)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the build ended before the line above took effect
        os._exit(1)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


__all__ = ["INDEX_FOLDER", "SITE_DIR", "SiteOptions", "build_site"]
