"""``regup build``: load → validate → emit → write, as one library call.

The build refuses to write anything when the registry has errors, writes every file
atomically, and with ``check=True`` writes nothing and reports which committed outputs
are out of date.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from regup.config import Config
from regup.emit import EMITTERS, Artifacts, EmitContext
from regup.emit.canonical import build_timestamp, sha256sums
from regup.emit.hosting import S3_MANIFEST_PATH, published, s3_manifest
from regup.emit.upstream import check_config
from regup.errors import OutputError
from regup.files import (
    debris,
    remove_debris,
    replace_folder,
    stale_files,
    write_atomic,
    write_outputs,
)
from regup.ledger import Ledger, load_ledger, recording_time, save_ledger
from regup.load import load_registry
from regup.validate import ValidationResult, validate_documents

SUMS_PATH = "SHA256SUMS"
#: Every file the last build wrote into the output folder: the next build removes those it no
#: longer makes (a server taken out of the registry stops being published), and touches no
#: file that is not listed (``site/docs/`` from ``regup docs``, files of your own).
MANIFEST = ".regup-files"
#: The manifest of earlier versions, which listed the files under ``site/`` only.
OLD_SITE_MANIFEST = ".regup-site-files"


@dataclass(frozen=True)
class BuildRequest:
    registry_dir: Path
    out_dir: Path
    config: Config
    check: bool = False
    strict: bool = False
    outputs: Sequence[str] = tuple(EMITTERS)
    site: bool = True
    base_url: str | None = None
    #: When a version the ledger has not seen (or changed content) is recorded; None: now
    #: (``SOURCE_DATE_EPOCH`` when set, else the clock; see :func:`regup.ledger.recording_time`).
    now: str | None = None


@dataclass
class BuildResult:
    validation: ValidationResult
    out_dir: Path
    artifacts: Artifacts = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: Files an earlier build wrote that this build no longer makes (removed unless ``check``).
    leftover: list[str] = field(default_factory=list)
    #: Temporary files an interrupted build left (removed unless ``check``).
    debris: list[str] = field(default_factory=list)
    #: Entries whose versions ledger records this build changed (with ``check``: would
    #: change; registry/versions.json is then out of date and nothing is written).
    ledger_changed: list[str] = field(default_factory=list)
    #: Whether registry/versions.json was written.
    ledger_written: bool = False

    @property
    def ok(self) -> bool:
        return (
            self.validation.ok
            and not self.stale
            and not self.leftover
            and not self.debris
            and not (self.ledger_changed and not self.ledger_written)
        )


def current_ledger(validation: ValidationResult, request: BuildRequest) -> tuple[Ledger, Ledger]:
    """The committed versions ledger and the one this build publishes (the current version
    of every entry recorded; see :meth:`regup.ledger.Ledger.record`).

    Raises :class:`~regup.errors.LedgerError` when registry/versions.json is malformed.
    """
    committed = load_ledger(request.registry_dir)
    now = request.now or recording_time()
    registry = validation.registry
    return committed, committed.record(registry.entries, now, registry.skills)


def emit_context(
    validation: ValidationResult, request: BuildRequest, ledger: Ledger | None = None
) -> EmitContext:
    """What every emitter of this build shares (see :func:`render`, which raises the same)."""
    # The state module is provenance's offline half: reading it never touches the network.
    from regup.healthstate import load_health
    from regup.provenance.state import load_state

    # Every output names servers <namespace>/<entry>, the catalog included: refuse a
    # configuration without a usable namespace before anything is rendered.
    check_config(request.config)
    checks = load_state(request.registry_dir).results
    if ledger is None:
        ledger = current_ledger(validation, request)[1]
    return EmitContext(
        config=request.config,
        timestamp=build_timestamp(validation.registry),
        provenance={name: result.published() for name, result in checks.items()},
        health=load_health(request.registry_dir).entries,
        versions=ledger,
    )


def render(
    validation: ValidationResult, request: BuildRequest, ledger: Ledger | None = None
) -> Artifacts:
    """Every output file of a valid registry, in memory, with the versions of ``ledger``
    (by default the committed one brought up to date, as :func:`current_ledger` gives it).

    Raises :class:`~regup.errors.ConfigError` when the configuration has no usable namespace
    and :class:`~regup.errors.ProvenanceError` when registry/provenance.json is malformed
    (:class:`~regup.errors.HealthError` for registry/health.json).
    """
    ctx = emit_context(validation, request, ledger)
    artifacts: Artifacts = {}
    for name in request.outputs:
        artifacts.update(EMITTERS[name](validation.registry, ctx))
    # SHA256SUMS describes what is published (a copy sits in site/, where `sha256sum -c`
    # must pass), so not hosting/, which configures the host and stays out of site/.
    artifacts[SUMS_PATH] = sha256sums(published(artifacts))
    #: What a host publishes: the site when there is one, else the outputs themselves.
    public: list[str] = list(published(artifacts))
    if request.site:
        # Imported here: the site pulls in Jinja2, Markdown and Pagefind, which only it needs.
        from regup.site import INDEX_FOLDER, SITE_DIR, SiteOptions, build_site

        options = SiteOptions(
            base_url=request.base_url or "", previous_index=request.out_dir / INDEX_FOLDER
        )
        site = build_site(validation.registry, ctx, published(artifacts), options)
        artifacts.update({f"{SITE_DIR}/{rel}": data for rel, data in site.items()})
        public = list(site)
    if "hosting" in request.outputs:
        artifacts[S3_MANIFEST_PATH] = s3_manifest(public)
    return artifacts


def _read_manifest(out_dir: Path) -> list[str]:
    listed: list[str] = []
    for name in (MANIFEST, OLD_SITE_MANIFEST):
        try:
            listed += (out_dir / name).read_text(encoding="utf-8").splitlines()
        except OSError:
            continue
    return listed


def _leftovers(out_dir: Path, artifacts: Artifacts) -> list[str]:
    """Files the last build listed that this build does not make and that still exist.

    Only the top-level parts this build writes are considered (``--only toolhive`` leaves the
    files of the other outputs alone), and only safe relative paths.
    """
    produced = {rel.split("/", 1)[0] for rel in artifacts}
    out = set()
    for rel in _read_manifest(out_dir):
        parts = rel.split("/")
        if (
            not rel
            or rel in artifacts
            or rel.startswith("/")
            or any(part in ("", ".", "..") for part in parts)
            or parts[0] not in produced
        ):
            continue
        if (out_dir / rel).is_file():
            out.add(rel)
    return sorted(out)


def _prune(out_dir: Path, artifacts: Artifacts, leftover: list[str]) -> None:
    """Remove the leftover files and the folders they leave empty, then write the manifest
    of this build."""
    for rel in leftover:
        (out_dir / rel).unlink(missing_ok=True)
        folder = (out_dir / rel).parent
        while folder != out_dir and folder.is_relative_to(out_dir):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
            folder = folder.parent
    _write_manifest(out_dir, artifacts)
    (out_dir / OLD_SITE_MANIFEST).unlink(missing_ok=True)


def _index_prefix() -> str:
    """``site/pagefind/``: where the catalog's search index goes."""
    from regup.site import INDEX_FOLDER  # the site's modules load only for a site build

    return INDEX_FOLDER + "/"


def _write_index(
    out_dir: Path, artifacts: Artifacts, prefix: str, stale: list[str], leftover: list[str]
) -> list[str]:
    """Swap in the search index (the files under ``prefix``) whole when any file of it
    changed or is left over: the index and its filters must come from one build, a mix
    breaks search. Returns the files written. Files there that no build listed are kept."""
    changed = [rel for rel in stale if rel.startswith(prefix)]
    if changed or any(rel.startswith(prefix) for rel in leftover):
        ours = set(_read_manifest(out_dir))
        files = {
            rel.removeprefix(prefix): data
            for rel, data in artifacts.items()
            if rel.startswith(prefix)
        }
        replace_folder(
            out_dir / prefix.rstrip("/"), files, keep=lambda rel: prefix + rel not in ours
        )
    return changed


def _write_manifest(out_dir: Path, artifacts: Artifacts, also: Sequence[str] = ()) -> None:
    """List this build's files, the files of outputs not built this time, and ``also``."""
    produced = {rel.split("/", 1)[0] for rel in artifacts}
    kept = {rel for rel in _read_manifest(out_dir) if rel and rel.split("/", 1)[0] not in produced}
    listing = "".join(f"{rel}\n" for rel in sorted(kept | set(artifacts) | set(also))).encode()
    write_atomic(out_dir / MANIFEST, listing)


#: Room a file name needs beyond its own length: ``write_outputs`` writes each file through
#: ``.<name>.<pid>.tmp`` beside it.
TMP_NAME_ROOM = 32


def _name_limit(out_dir: Path) -> int:
    """The longest file name (bytes) the file system of ``out_dir`` allows (255 if unknown)."""
    folder = out_dir.absolute()
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError):
        return 255


def check_names(out_dir: Path, artifacts: Artifacts, limit: int | None = None) -> None:
    """Raises :class:`OutputError` before anything is written when a file or folder name of
    ``artifacts`` is too long for the file system (the build would stop half-way, with some
    outputs already replaced)."""
    limit = _name_limit(out_dir) if limit is None else limit
    for rel in artifacts:
        *folders, name = rel.split("/")
        parts = [(f, len(os.fsencode(f))) for f in folders]
        parts.append((name, len(os.fsencode(name)) + TMP_NAME_ROOM))
        for part, size in parts:
            if size > limit:
                shown = part if len(part) <= 60 else part[:57] + "..."
                raise OutputError(
                    f"cannot write {out_dir / rel}: the name {shown!r} is too long for the file "
                    f"system ({limit} bytes at most, with room for a temporary name); nothing "
                    "was written. Shorten the entry name or version it comes from."
                )


def build(request: BuildRequest) -> BuildResult:
    """Build the registry's outputs.

    Records new versions and changed content in registry/versions.json (unless ``check``,
    which reports them in ``ledger_changed`` and writes nothing).

    Raises :class:`~regup.errors.LoadError` when the registry folder is missing,
    :class:`~regup.errors.LedgerError` when registry/versions.json is malformed,
    :class:`~regup.errors.WriteBackError` when it cannot be written and
    :class:`~regup.errors.OutputError` when a file cannot be written. An invalid registry is
    not an exception: the result carries its diagnostics and nothing is written.
    """
    validation = validate_documents(
        load_registry(request.registry_dir), strict=request.strict, tags=request.config.tags
    )
    result = BuildResult(validation=validation, out_dir=request.out_dir)
    if not validation.ok:
        return result
    committed, ledger = current_ledger(validation, request)
    result.ledger_changed = committed.changed_entries(ledger)
    result.artifacts = render(validation, request, ledger)
    result.stale = stale_files(request.out_dir, result.artifacts)
    result.leftover = _leftovers(request.out_dir, result.artifacts)
    result.debris = [p.relative_to(request.out_dir).as_posix() for p in debris(request.out_dir)]
    if request.check:
        return result
    check_names(request.out_dir, result.artifacts)
    # The ledger goes first: if writing the outputs fails, the next build publishes the
    # same times instead of recording new ones.
    if result.ledger_changed:
        result.ledger_written = save_ledger(request.registry_dir, ledger)
    try:
        remove_debris(request.out_dir)
        if result.stale:
            # Listed before they are written: when this build is killed or runs out of disk
            # half-way, the next build still knows every file it may have left.
            _write_manifest(request.out_dir, result.artifacts, result.leftover)
        # The search index goes in last and whole (see _write_index); everything else file
        # by file, each file whole.
        prefix = _index_prefix() if request.site else None
        others = [rel for rel in result.stale if not (prefix and rel.startswith(prefix))]
        for rel in write_outputs(request.out_dir, result.artifacts, others):
            result.written.append(rel)
        if prefix:
            result.written += _write_index(
                request.out_dir, result.artifacts, prefix, result.stale, result.leftover
            )
        _prune(request.out_dir, result.artifacts, result.leftover)
    except OSError as exc:
        raise OutputError.from_os_error(Path(exc.filename or request.out_dir), exc) from None
    result.removed, result.leftover = result.leftover, []
    result.stale = []
    return result
