"""In-memory builds for ``regup serve --watch``: the whole registry, or only what an edit of a
few entries changes.

:func:`full_build` is ``regup build`` without writing: load, validate, render. It keeps what
the next edit needs (:class:`Built`). :func:`quick_build` redoes the part of it an edit of
existing entries' folders affects: those folders are loaded and validated again, and their
API documents (every version, ``latest`` included, and their place in the listing) and
their catalog pages are rendered again over the last build's other files. What depends on
every entry (the list pages, search, ``registry.json``, the upstream files, the feed) is
left as it was: the full build that follows catches up. Anything else (a new or removed
folder, a group, a skill, ``registry/*.json``, ``regup.toml``) needs the full build.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from regup.build import BuildRequest, current_ledger, emit_context, render
from regup.config import Config
from regup.diagnostics import Diagnostic, Severity
from regup.emit.api import entry_artifacts
from regup.emit.canonical import EmitContext, build_timestamp
from regup.emit.hosting import published
from regup.errors import ConfigError, RegupError
from regup.ledger import Ledger, recording_time
from regup.load import display_path, load_folder, load_registry
from regup.serve import MemoryFiles, PreviewApp
from regup.validate import ValidationResult, validate_documents

#: The catalog's folder among the build's files (the site mirrors the other outputs).
SITE_PREFIX = "site/"


@dataclass(frozen=True)
class Outcome:
    """What one build gave: the app answering from its files (None when the registry has
    errors) and its diagnostics (warnings included)."""

    app: PreviewApp | None
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True)
class Built:
    """A good build, kept so that the next edit can be built on it."""

    validation: ValidationResult
    request: BuildRequest
    ctx: EmitContext
    #: The committed versions ledger (registry/versions.json) as read by this build.
    committed: Ledger
    artifacts: Mapping[str, bytes]
    #: The other outputs' paths mirrored into the site (what the "use" page lists).
    mirrored: frozenset[str]
    app: PreviewApp


def _failed(exc: RegupError, registry_dir: Path) -> Outcome:
    where = "regup.toml" if isinstance(exc, ConfigError) else display_path(registry_dir)
    return Outcome(None, (Diagnostic(where, 1, 1, Severity.ERROR, "build", str(exc)),))


def full_build(registry_dir: Path, config: Callable[[], Config]) -> tuple[Outcome, Built | None]:
    """Load, validate and render the registry without writing anything; ``config`` reads
    the configuration afresh (an edit of regup.toml counts). Never raises for a bad
    registry or configuration: those become the outcome's diagnostics."""
    try:
        settings = config()
        request = BuildRequest(registry_dir, Path("dist"), settings)
        v = validate_documents(load_registry(registry_dir), tags=settings.tags)
        if not v.ok:
            return Outcome(None, tuple(v.diagnostics)), None
        committed, ledger = current_ledger(v, request)
        artifacts = render(v, request, ledger)
        files = MemoryFiles(artifacts)
        # The API index is read here, in the rebuilding thread, not by a request.
        app = PreviewApp(files)
        mirrored = frozenset(r for r in published(artifacts) if not r.startswith(SITE_PREFIX))
        ctx = emit_context(v, request, ledger)
    except RegupError as exc:
        return _failed(exc, registry_dir), None
    built = Built(v, request, ctx, committed, artifacts, mirrored, app)
    return Outcome(app, tuple(v.diagnostics)), built


def quick_build(last: Built, folders: Sequence[Path]) -> tuple[Outcome, Built | None] | None:
    """The last build with the entries of ``folders`` loaded, validated and rendered again;
    None when the edit needs a full build (a folder that is not one of the last build's
    entries). Invalid entries give an outcome with their diagnostics and no build."""
    registry = last.validation.registry
    known = {e.name for e in registry.entries}
    docs = []
    for folder in folders:
        found = load_folder(folder)
        if len(found) != 1 or found[0].kind != "entry" or found[0].name not in known:
            return None
        docs += found
    config = last.request.config
    try:
        v = validate_documents(docs, tags=config.tags)
        if not v.ok:
            return Outcome(None, tuple(v.diagnostics)), None
        edited = {e.name: e for e in v.registry.entries}
        if set(edited) != {d.name for d in docs}:
            return None
        registry = dataclasses.replace(
            registry, entries=tuple(edited.get(e.name, e) for e in registry.entries)
        )
        recorded = last.committed.record(edited.values(), recording_time()).entries
        ledger = Ledger({**last.ctx.versions.entries, **recorded})
        ctx = dataclasses.replace(last.ctx, versions=ledger, timestamp=build_timestamp(registry))
        files = dict(last.artifacts)
        names: list[str] = []
        for entry in edited.values():
            api_files, latest = entry_artifacts(entry, ctx)
            names += [str(r["server"]["name"]) for r in latest]
            for rel, data in api_files.items():
                files[rel] = data
                if SITE_PREFIX + rel in files:
                    files[SITE_PREFIX + rel] = data
        if any(rel.startswith(SITE_PREFIX) for rel in last.artifacts):
            # Imported here, as the build does: only a catalog build needs the site's modules.
            from regup.site import SITE_DIR
            from regup.site.contexts import SiteContext
            from regup.site.render import server_files

            base_url = (last.request.base_url or config.base_url).rstrip("/")
            site = SiteContext(
                registry, config, ctx.provenance, base_url, last.mirrored, health=ctx.health
            )
            for rel, data in server_files(site, edited.values()).items():
                files[f"{SITE_DIR}/{rel}"] = data
        memory = MemoryFiles(files)
        app = PreviewApp(memory, last.app.api.updated(memory, names))
    except RegupError as exc:
        return _failed(exc, last.request.registry_dir), None
    validation = ValidationResult(registry, list(v.diagnostics), last.validation.files)
    built = Built(validation, last.request, ctx, last.committed, files, last.mirrored, app)
    return Outcome(app, tuple(v.diagnostics)), built
