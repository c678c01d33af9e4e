"""``regup new``: a new ``registry/NAME/spec.yaml`` that passes ``regup validate``.

The CLI gathers a :class:`NewRequest` from flags and prompts (the ``check_*`` functions
here validate each value as it is typed); :func:`create_entry` turns it into the
authored document (GitHub facts first, flags over them), renders it with the
optional-fields comment of :mod:`regup.entryfile`, validates the text exactly as
``regup validate`` would, and only then writes it through :mod:`regup.writeback`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regup.authoring.github import RepoFacts
from regup.diagnostics import Severity
from regup.entryfile import render_entry
from regup.errors import ConfigError
from regup.imageref import ImageRef, ImageRefError
from regup.importers.base import Candidate, shorten_description
from regup.load import SPEC_FILE, RawDocument, display_path, parse_document
from regup.model import Source
from regup.names import DESCRIPTION_MIN, ENTRY_NAME, UPSTREAM_DESCRIPTION_LIMIT
from regup.serverjson import derived_version
from regup.validate import validate_documents
from regup.writeback import write_registry_files
from regup.yamlio import SourceMap

TIERS = ("Community", "Official")
CONTAINER_TRANSPORTS = ("stdio", "sse", "streamable-http")
REMOTE_TRANSPORTS = ("streamable-http", "sse")
DEFAULT_TARGET_PORT = 8080

_TAG = re.compile(r"^[a-z0-9][a-z0-9_-]*[a-z0-9]$")
_TOOL = re.compile(r"^[\w-]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
#: Topics that say nothing in a registry of MCP servers.
_NOISE_TOPICS = frozenset({"mcp", "mcp-server", "mcp-servers", "model-context-protocol"})


# --- one value at a time (prompts and flags) -----------------------------------------


def check_name(value: str) -> str:
    """Raises ValueError unless ``value`` can be a folder name of the registry."""
    value = value.strip()
    if not ENTRY_NAME.match(value):
        raise ValueError(
            f"{value!r} is not a valid entry name: lowercase letters, digits and '-', at least "
            "three characters, no '-' at either end"
        )
    return value


def needs_version(image: str | None) -> bool:
    """Whether an entry with this image (None: a remote server) must say its ``version``:
    regup takes it from the image tag when the tag is a version, and never invents one."""
    return derived_version(image) is None


def check_version(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 255 or any(ch.isspace() for ch in value):
        raise ValueError(f"{value!r} is not a version: one word such as 1.4.0 or 2025.6.18")
    return value


def check_image(value: str) -> str:
    value = value.strip()
    try:
        ImageRef.parse(value)
    except ImageRefError as exc:
        raise ValueError(f"{value!r} is not an image reference: {exc}") from None
    return value


def check_url(value: str) -> str:
    value = value.strip()
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


def check_description(value: str) -> str:
    value = " ".join(value.split())
    if not DESCRIPTION_MIN <= len(value) <= UPSTREAM_DESCRIPTION_LIMIT:
        raise ValueError(
            f"one sentence of {DESCRIPTION_MIN} to {UPSTREAM_DESCRIPTION_LIMIT} characters, "
            f"please (this one has {len(value)}); longer text belongs in overview"
        )
    return value


def check_tags(value: str) -> list[str]:
    tags = [t.strip() for t in value.split(",") if t.strip()]
    bad = [t for t in tags if not _TAG.match(t)]
    if bad:
        raise ValueError(f"tags are lowercase words with '-' or '_': fix {', '.join(bad)}")
    return tags


def check_tools(value: str) -> list[str]:
    tools = [t.strip() for t in value.split(",") if t.strip()]
    if not tools:
        raise ValueError("list at least one tool (regup tools NAME can correct the list later)")
    bad = [t for t in tools if not _TOOL.match(t)]
    if bad:
        raise ValueError(f"tool names are letters, digits, '_' and '-': fix {', '.join(bad)}")
    return tools


def check_var_name(value: str, *, header: bool = False) -> str:
    value = value.strip()
    pattern = _HEADER_NAME if header else _ENV_NAME
    if not pattern.match(value):
        what = (
            "header names are letters, digits and '-'"
            if header
            else ("env var names are letters, digits and '_', not starting with a digit")
        )
        raise ValueError(f"{value!r}: {what}")
    return value


def check_var_description(value: str) -> str:
    value = " ".join(value.split())
    if not 5 <= len(value) <= 200:
        raise ValueError("describe it in 5 to 200 characters")
    return value


@dataclass(frozen=True)
class VarSpec:
    """An env var (or header) as ``--env NAME[:secret][:required][=DESCRIPTION]`` gives it."""

    name: str
    description: str
    required: bool = False
    secret: bool = False

    @classmethod
    def parse(cls, text: str, *, header: bool = False) -> VarSpec:
        """Raises ValueError with what is wrong."""
        spec, _, description = text.partition("=")
        name, *flags = spec.split(":")
        unknown = [f for f in flags if f not in ("secret", "required")]
        if unknown:
            raise ValueError(
                f"{text!r}: unknown flag {unknown[0]!r}; write NAME[:secret][:required][=DESCRIPTION]"
            )
        name = check_var_name(name, header=header)
        what = "header" if header else "environment variable"
        description = description.strip() or f"Value of the {name} {what}."
        return cls(name, check_var_description(description), "required" in flags, "secret" in flags)

    def to_document(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "required": self.required,
        }
        if self.secret:
            out["secret"] = True
        return out


# --- the whole entry ---------------------------------------------------------------


@dataclass(frozen=True)
class NewRequest:
    registry_dir: Path
    name: str
    image: str | None = None
    url: str | None = None
    transport: str | None = None
    target_port: int | None = None
    version: str | None = None
    description: str | None = None
    title: str | None = None
    tier: str | None = None
    repository_url: str | None = None
    website_url: str | None = None
    license: str | None = None
    tags: Sequence[str] = ()
    tools: Sequence[str] = ()
    env_vars: Sequence[VarSpec] = ()
    headers: Sequence[VarSpec] = ()
    allow_hosts: Sequence[str] = ()
    allow_ports: Sequence[int] = ()
    github: RepoFacts | None = None
    overwrite: bool = False


@dataclass
class NewResult:
    path: Path
    text: str
    written: bool
    warnings: list[str] = field(default_factory=list)


def github_tags(facts: RepoFacts) -> list[str]:
    return [t for t in facts.topics if _TAG.match(t) and t not in _NOISE_TOPICS]


def entry_document(request: NewRequest) -> tuple[dict[str, Any], list[str]]:
    """The authored document of the request, and notes on what was adjusted.

    Raises :class:`ConfigError` for a request that cannot become an entry (no image or
    URL, both, or no tools).
    """
    if bool(request.image) == bool(request.url):
        raise ConfigError(
            "give exactly one of --image (a container server) or --url (a remote server)"
        )
    if not request.tools:
        raise ConfigError(
            "give at least one --tool NAME; `regup tools NAME` can replace the list with what "
            "the server reports"
        )
    facts = request.github
    doc: dict[str, Any] = {}
    notes: list[str] = []

    def put(key: str, value: Any) -> None:
        if value not in (None, "", [], ()):
            doc[key] = value

    put("title", request.title)
    put("description", request.description or (facts.description if facts else None))
    if "description" not in doc:
        raise ConfigError(
            f"give a --description (one sentence, {DESCRIPTION_MIN} to "
            f"{UPSTREAM_DESCRIPTION_LIMIT} characters)"
        )
    if request.version is None and needs_version(request.image):
        raise ConfigError(
            "give a --version (the server's release, e.g. 1.4.0): "
            + (
                "a remote server has no image tag to take it from"
                if request.url
                else f"the tag of {request.image} is not a version"
            )
        )
    put("version", request.version)
    put("tier", request.tier or "Community")
    put("status", "Active")
    remote = bool(request.url)
    transport = request.transport or ("streamable-http" if remote else "stdio")
    put("transport", transport)
    put("image", request.image)
    put("url", request.url)
    if not remote and transport != "stdio":
        put("target_port", request.target_port or DEFAULT_TARGET_PORT)
    put("repository_url", request.repository_url or (facts.html_url if facts else None))
    put("website_url", request.website_url or (facts.homepage if facts else None))
    put("license", request.license or (facts.license if facts else None))
    put("tags", list(dict.fromkeys(request.tags or (github_tags(facts) if facts else ()))))
    put("tools", sorted(dict.fromkeys(request.tools)))
    put("env_vars", [v.to_document() for v in request.env_vars])
    put("headers", [h.to_document() for h in request.headers])
    if request.allow_hosts or request.allow_ports:
        outbound: dict[str, Any] = {}
        put_out = {
            "allow_host": list(dict.fromkeys(request.allow_hosts)),
            "allow_port": list(dict.fromkeys(request.allow_ports or (443,))),
        }
        outbound.update({k: v for k, v in put_out.items() if v})
        doc["permissions"] = {"network": {"outbound": outbound}}
    if facts is not None:
        metadata: dict[str, Any] = {"stars": facts.stars}
        if facts.pushed_at:
            metadata["last_updated"] = facts.pushed_at
        doc["metadata"] = metadata
        if facts.archived:
            notes.append(f"{facts.full_name} is archived on GitHub; is the server still kept up?")
    candidate = Candidate(request.name, doc)
    shorten_description(candidate)
    return doc, notes + candidate.notes


def _validate(request: NewRequest, path: Path, text: str) -> list[str]:
    """Warnings of the text as ``regup validate`` sees it; raises :class:`ConfigError` on errors."""
    doc = RawDocument(request.name, "entry", Source(path, display_path(path), SourceMap()))
    result = validate_documents([parse_document(doc, text)])
    lines = [f"{d.path}:{d.line}:{d.col}: {d.message} [{d.rule}]" for d in result.diagnostics]
    if result.errors:
        problems = [
            line
            for line, d in zip(lines, result.diagnostics, strict=True)
            if d.severity is Severity.ERROR
        ]
        raise ConfigError(
            "the entry would not pass validation, so nothing was written:\n  "
            + "\n  ".join(problems)
        )
    return lines


def create_entry(request: NewRequest, *, dry_run: bool = False) -> NewResult:
    """Write ``registry/NAME/spec.yaml`` for ``request`` (``dry_run``: only render it).

    Raises :class:`ConfigError` for a bad name, an existing entry (without ``overwrite``)
    or an entry that would not validate, and :class:`~regup.errors.WriteBackError` when
    the file cannot be written.
    """
    try:
        name = check_name(request.name)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    folder = request.registry_dir / name
    path = folder / SPEC_FILE
    if folder.exists() and not request.overwrite:
        raise ConfigError(
            f"{display_path(folder)} already exists; pick another name, or pass --overwrite "
            "to replace its spec.yaml"
        )
    document, notes = entry_document(request)
    text = render_entry(document)
    warnings = notes + _validate(request, path, text)
    if not dry_run:
        write_registry_files(request.registry_dir, {f"{name}/{SPEC_FILE}": text})
    return NewResult(path, text, not dry_run, warnings)
