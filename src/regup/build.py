"""``regup build``: load → validate → emit → write, as one library call.

The build refuses to write anything when the registry has errors, writes every file
atomically, and with ``check=True`` writes nothing and reports which committed outputs
are out of date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from regup.config import Config
from regup.emit import EMITTERS, Artifacts, EmitContext
from regup.emit.canonical import build_timestamp, sha256sums
from regup.errors import OutputError
from regup.files import stale_files, write_atomic, write_outputs
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

    @property
    def ok(self) -> bool:
        return self.validation.ok and not self.stale and not self.leftover


def render(validation: ValidationResult, request: BuildRequest) -> Artifacts:
    """Every output file of a valid registry, in memory.

    Raises :class:`~regup.errors.ProvenanceError` when registry/provenance.json is malformed.
    """
    # The state module is provenance's offline half: reading it never touches the network.
    from regup.provenance.state import load_state

    checks = load_state(request.registry_dir).results
    ctx = EmitContext(
        config=request.config,
        timestamp=build_timestamp(validation.registry),
        provenance={name: result.published() for name, result in checks.items()},
    )
    artifacts: Artifacts = {}
    for name in request.outputs:
        artifacts.update(EMITTERS[name](validation.registry, ctx))
    artifacts[SUMS_PATH] = sha256sums(artifacts)
    if request.site:
        # Imported here: the site pulls in Jinja2, Markdown and Pagefind, which only it needs.
        from regup.site import SITE_DIR, SiteOptions, build_site

        options = SiteOptions(
            base_url=request.base_url or "",
            previous_index=request.out_dir / SITE_DIR / "pagefind",
        )
        site = build_site(validation.registry, ctx, artifacts, options)
        artifacts.update({f"{SITE_DIR}/{rel}": data for rel, data in site.items()})
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
    of this build (files of outputs not built this time stay listed)."""
    for rel in leftover:
        (out_dir / rel).unlink(missing_ok=True)
        folder = (out_dir / rel).parent
        while folder != out_dir and folder.is_relative_to(out_dir):
            try:
                folder.rmdir()  # only when empty
            except OSError:
                break
            folder = folder.parent
    produced = {rel.split("/", 1)[0] for rel in artifacts}
    kept = {rel for rel in _read_manifest(out_dir) if rel and rel.split("/", 1)[0] not in produced}
    listing = "".join(f"{rel}\n" for rel in sorted(kept | set(artifacts))).encode()
    write_atomic(out_dir / MANIFEST, listing)
    (out_dir / OLD_SITE_MANIFEST).unlink(missing_ok=True)


def build(request: BuildRequest) -> BuildResult:
    """Build the registry's outputs.

    Raises :class:`~regup.errors.LoadError` when the registry folder is missing and
    :class:`~regup.errors.OutputError` when a file cannot be written. An invalid registry is
    not an exception: the result carries its diagnostics and nothing is written.
    """
    validation = validate_documents(load_registry(request.registry_dir), strict=request.strict)
    result = BuildResult(validation=validation, out_dir=request.out_dir)
    if not validation.ok:
        return result
    result.artifacts = render(validation, request)
    result.stale = stale_files(request.out_dir, result.artifacts)
    result.leftover = _leftovers(request.out_dir, result.artifacts)
    if request.check:
        return result
    try:
        for rel in write_outputs(request.out_dir, result.artifacts, result.stale):
            result.written.append(rel)
    except OSError as exc:
        raise OutputError.from_os_error(Path(exc.filename or request.out_dir), exc) from None
    try:
        _prune(request.out_dir, result.artifacts, result.leftover)
    except OSError as exc:
        raise OutputError.from_os_error(Path(exc.filename or request.out_dir), exc) from None
    result.removed, result.leftover = result.leftover, []
    result.stale = []
    return result
