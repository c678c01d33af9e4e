"""Semantic rules: what the schema cannot say.

:data:`RULES` documents every rule id regup can report (schema-derived ones included);
the CLI reference and the tests are generated from / checked against it. Entry checks are
plain functions registered with :func:`entry_check`; each gets a :class:`Checker` that knows
where every value of the file was written.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from regup.diagnostics import Diagnostic, Severity
from regup.imageref import ImageRef, ImageRefError
from regup.model import Entry, EnvVar, Group, Header, Kind, Source
from regup.names import ENTRY_NAME, ENTRY_NAME_MAX, UPSTREAM_DESCRIPTION_LIMIT
from regup.serverjson import entry_version
from regup.timeutil import parse_timestamp
from regup.yamlio import SourceMap, YamlPath, format_path

_HOSTNAME = re.compile(
    r"^\.?(?=.{1,253}$)[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"
)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str


E, W = Severity.ERROR, Severity.WARNING

#: Every rule id, its default severity and what it checks.
RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("yaml-syntax", E, "The file is valid YAML with a single document."),
        Rule("yaml-duplicate-key", E, "No mapping key appears twice."),
        Rule("yaml-tag", E, "No YAML tags other than the core ones (!!str, !!int, …)."),
        Rule("yaml-key", E, "Mapping keys are plain text."),
        Rule("yaml-alias-expansion", E, "Anchors and aliases expand to a bounded size."),
        Rule("yaml-too-deep", E, "Nesting stays within 64 levels."),
        Rule("number-too-long", E, "Whole numbers have at most 100 digits."),
        Rule(
            "control-character",
            E,
            "Text holds no control characters (C0, DEL, C1, such as ESC or BEL); newline and "
            "tab only in multi-line text (overview, tool definitions, custom_metadata, the "
            "descriptions of env vars and headers).",
        ),
        Rule("file-unreadable", E, "The file can be read."),
        Rule("file-too-large", E, "The file is at most 1 MB."),
        Rule("file-not-regular", E, "The file is a regular file, not a device, FIFO or socket."),
        Rule(
            "symlink-outside", E, "Entry files are in the registry folder, not symlinks out of it."
        ),
        Rule("file-encoding", E, "The file is UTF-8."),
        Rule("empty-file", E, "The file is not empty."),
        Rule(
            "folder-layout",
            E,
            "Each folder holds one spec.yaml or group.yaml, and at most one skill.yaml or "
            "skill.json.",
        ),
        Rule("unknown-key", E, "Only documented keys (anything goes under custom_metadata)."),
        Rule("wrong-type", E, "Each value has the documented type (no true where text is due)."),
        Rule("empty-value", E, "No empty text, list or null value; omit the key instead."),
        Rule("missing-field", E, "Required keys are present."),
        Rule("invalid-value", E, "Enumerated values (tier, status, transport) are known ones."),
        Rule("invalid-length", E, "Text lengths are within bounds."),
        Rule("invalid-format", E, "Values match their documented pattern."),
        Rule("out-of-range", E, "Numbers are within bounds."),
        Rule("duplicate-item", E, "Lists that must be unique have no repeated item."),
        Rule("schema", E, "Any other schema violation."),
        Rule(
            "entry-name",
            E,
            f"Folder names are lowercase letters, digits and '-', 3 to {ENTRY_NAME_MAX} "
            "characters, not starting or ending with '-'.",
        ),
        Rule("name-mismatch", E, "A name: field equals the folder name."),
        Rule(
            "duplicate-name",
            E,
            "No two entries or groups share a name, nor two skills of one namespace.",
        ),
        Rule("image-or-url", E, "An entry has exactly one of image (container) and url (remote)."),
        Rule("remote-transport", E, "Remote servers use sse or streamable-http, never stdio."),
        Rule("kind-field", E, "Container-only and remote-only fields are not mixed."),
        Rule(
            "remote-permissions",
            W,
            "A remote server's permissions are published but not applied: ToolHive reads them "
            "for containers only.",
        ),
        Rule("port-range", E, "Ports are integers from 1 to 65535."),
        Rule("target-port-missing", W, "Container sse / streamable-http servers set target_port."),
        Rule("target-port-unused", W, "stdio servers have no target_port."),
        Rule("env-var-name", E, "Env var names match ^[A-Za-z_][A-Za-z0-9_]*$."),
        Rule("header-name", E, "Header names match ^[A-Za-z0-9][A-Za-z0-9-]*$."),
        Rule("duplicate-env-var", E, "No env var is listed twice."),
        Rule(
            "duplicate-header", E, "No header is listed twice (names compare case-insensitively)."
        ),
        Rule(
            "duplicate-mount",
            E,
            "No two mounts share a name or a target folder (docker refuses a target twice).",
        ),
        Rule("default-on-required", W, "Only optional env vars and headers have a default."),
        Rule("secret-default", W, "Secrets have no default value."),
        Rule("header-choices", E, "A header's default is one of its choices."),
        Rule("allow-host", E, "allow_host items are bare hostnames or .domain suffixes."),
        Rule("allow-host-parent", W, ".example.com is listed together with example.com."),
        Rule("duplicate-port", E, "allow_port lists each port once."),
        Rule("image-ref", E, "The image reference parses (host[:port]/path[:tag][@digest])."),
        Rule("image-latest", W, "The image is pinned to a version tag, not latest."),
        Rule(
            "version-missing",
            E,
            "A server has a version: its image tag when the tag is a version, else `version:` "
            "(remote servers, :latest or untagged images). regup never invents one.",
        ),
        Rule(
            "image-digest",
            E,
            "The image has no @sha256 digest: ToolHive's registry format cannot hold one.",
        ),
        Rule("url-scheme", E, "URLs are absolute http(s) URLs with a host."),
        Rule("tag-format", E, "Tags match ^[a-z0-9][a-z0-9_-]*[a-z0-9]$."),
        Rule(
            "tag-unknown",
            W,
            "Tags come from the registry's vocabulary (`tags` in regup.toml), when it has one.",
        ),
        Rule("tool-name", E, "Tool names match ^[\\w-]+$."),
        Rule(
            "tools-missing",
            W,
            "An entry lists its tools. ToolHive's current format allows none; registry.json "
            "(the older format) requires them, so an entry without tools is left out of it.",
        ),
        Rule(
            "tool-definitions",
            E,
            "tools.json is a JSON array of tool objects with unique names, and spec.yaml has no "
            "tool_definitions of its own.",
        ),
        Rule(
            "tool-definitions-match",
            W,
            "The tools of tools.json are the tools listed in spec.yaml.",
        ),
        Rule(
            "description-length",
            E,
            "description is 10 to 500 characters (a skill's: 1 to 1024, as ToolHive's schema).",
        ),
        Rule(
            "description-long",
            W,
            "A description over 100 characters (the upstream limit) has a title or overview.",
        ),
        Rule(
            "oauth-endpoints", E, "oauth_config has an issuer, or both authorize_url and token_url."
        ),
        Rule("group-member", E, "Groups list existing entries."),
        Rule("json-syntax", E, "A JSON file (server.json, skill.json) is valid JSON."),
        Rule(
            "icon-file",
            E,
            "An entry's icon file (icon.svg, icon.png, icon.webp or icon.jpg, one per folder, "
            "at most 256 kB) is an image of its type; an SVG has no scripts, event handlers, "
            "<foreignObject>, DOCTYPE or references to other files.",
        ),
        Rule(
            "server-json-shape",
            E,
            "A server.json source has one OCI package or a remote, and one io.github.stacklok "
            "block keyed by its image or URL.",
        ),
        Rule(
            "server-json-unsupported",
            E,
            "A server.json source has no field a build would drop (runtimeArguments, other "
            "publishers' blocks, packages besides its OCI one, remotes besides the first, …).",
        ),
        Rule(
            "server-json-ignored",
            W,
            "A server.json source has no field that ToolHive ignores (transport in the "
            "extension block, the registry's own _meta, a package transport URL other than "
            "http://localhost[:port] with or without the transport's path).",
        ),
        Rule(
            "skill-name",
            E,
            "Skill folder names are lowercase letters, digits and '-', 2 to 64 characters "
            "(ToolHive's skill name pattern).",
        ),
        Rule("skill-namespace", E, "A skill's namespace is a reverse-DNS name."),
        Rule(
            "skill-package",
            E,
            "An oci package has an identifier, a git package a url, and neither has the "
            "other's fields.",
        ),
        Rule("skill-no-package", W, "A skill has at least one package to install it from."),
    )
}


class PlacedReporter:
    """Collects the diagnostics of one file, each placed where its value was written (line
    1, column 1 for a file read without positions)."""

    def __init__(self, name: str, source: Source | None) -> None:
        self.display = source.display if source else name
        self.positions = source.positions if source else None
        self.found: list[Diagnostic] = []

    def report(self, rule: str, path: YamlPath, message: str, *, key: bool = False) -> None:
        line, col = (1, 1)
        if self.positions is not None:
            line, col = self.positions.key(path) if key else self.positions.value(path)
        self.found.append(Diagnostic(self.display, line, col, RULES[rule].severity, rule, message))


class Checker(PlacedReporter):
    """Produces diagnostics for one entry, placed at the right line and column."""

    def __init__(self, entry: Entry | Group) -> None:
        super().__init__(entry.name, entry.source)
        self.entry = entry


EntryCheck = Callable[[Entry, Checker], None]
ENTRY_CHECKS: list[EntryCheck] = []


def entry_check(func: EntryCheck) -> EntryCheck:
    ENTRY_CHECKS.append(func)
    return func


def is_http_url(text: str) -> bool:
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket: not a URL at all
        return False
    return parts.scheme in {"http", "https"} and bool(host) and " " not in text


@entry_check
def _name(entry: Entry, c: Checker) -> None:
    if not ENTRY_NAME.match(entry.name):
        c.report(
            "entry-name",
            (),
            f"folder name {entry.name!r} must be lowercase letters, digits and '-' "
            f"(3 to {ENTRY_NAME_MAX} characters, not starting or ending with '-')",
        )


@entry_check
def _kind(entry: Entry, c: Checker) -> None:
    if entry.image is not None and entry.url is not None:
        c.report(
            "image-or-url",
            ("url",),
            "give either image (container) or url (remote), not both",
            key=True,
        )
        return
    if entry.image is None and entry.url is None:
        c.report("image-or-url", (), "give image (a container server) or url (a remote server)")
        return
    if entry.kind is Kind.REMOTE:
        if entry.transport == "stdio":
            c.report(
                "remote-transport",
                ("transport",),
                "a remote server cannot use stdio; use streamable-http or sse",
            )
        if entry.permissions is not None:
            c.report(
                "remote-permissions",
                ("permissions",),
                "permissions of a remote server are published as written, but ToolHive "
                "applies permissions to containers only",
                key=True,
            )
        for key in ("provenance", "args", "docker_tags", "target_port", "mounts"):
            if getattr(entry, key) not in (None, ()):
                c.report(
                    "kind-field",
                    (key,),
                    f"{key} applies to container servers only (this one has url)",
                    key=True,
                )
    else:
        for key in ("headers", "oauth_config"):
            if getattr(entry, key) not in (None, ()):
                c.report(
                    "kind-field",
                    (key,),
                    f"{key} applies to remote servers only (this one has image)",
                    key=True,
                )


@entry_check
def _tools_listed(entry: Entry, c: Checker) -> None:
    if not entry.tools:
        c.report(
            "tools-missing",
            (),
            "no tools listed: registry.json (ToolHive's older format, which requires them) "
            "leaves this entry out; list them, or run `regup tools` to ask the server",
        )


@entry_check
def _ports(entry: Entry, c: Checker) -> None:
    if entry.kind is not Kind.CONTAINER or entry.image is None:
        return
    if entry.transport in {"sse", "streamable-http"} and entry.target_port is None:
        c.report(
            "target-port-missing",
            ("transport",),
            f"{entry.transport} container without target_port: ToolHive will pick a port; "
            "set the port the server listens on",
        )
    if entry.transport == "stdio" and entry.target_port is not None:
        c.report(
            "target-port-unused",
            ("target_port",),
            "target_port has no effect on a stdio server",
            key=True,
        )


#: The name validation gives a broken env var or header (stand-in ``f"{prefix}{index}"``)
#: so that the checks across items still run: no real variable has it, and no message shows it.
STAND_IN_NAME = "\0invalid-"


def _item_label(field: str, index: int, item: EnvVar | Header) -> str:
    return f"{field}[{index}]" if item.name.startswith(STAND_IN_NAME) else item.name


@entry_check
def _variables(entry: Entry, c: Checker) -> None:
    lists: tuple[tuple[str, tuple[EnvVar | Header, ...], bool], ...] = (
        ("env_vars", entry.env_vars, False),
        ("headers", entry.headers, True),
    )
    for field, items, fold in lists:
        seen: set[str] = set()
        for i, item in enumerate(items):
            key = item.name.lower() if fold else item.name
            name = _item_label(field, i, item)
            if key in seen:
                rule = "duplicate-header" if fold else "duplicate-env-var"
                c.report(rule, (field, i, "name"), f"{name} is listed more than once in {field}")
            seen.add(key)
            if item.default is not None and item.required:
                c.report(
                    "default-on-required",
                    (field, i, "default"),
                    f"{name} is required, so its default is never used; drop one of them",
                    key=True,
                )
            if item.default is not None and item.is_secret:
                c.report(
                    "secret-default",
                    (field, i, "default"),
                    f"{name} is a secret with a default value",
                    key=True,
                )
    for i, header in enumerate(entry.headers):
        if header.default is not None and header.choices and header.default not in header.choices:
            c.report(
                "header-choices",
                ("headers", i, "default"),
                f"default {header.default!r} of {_item_label('headers', i, header)} "
                "is not one of its choices",
            )


@entry_check
def _mounts(entry: Entry, c: Checker) -> None:
    names: set[str] = set()
    targets: set[str] = set()
    for i, mount in enumerate(entry.mounts):
        target = mount.target.rstrip("/") or "/"
        if mount.name in names:
            c.report("duplicate-mount", ("mounts", i, "name"), f"{mount.name} is listed twice")
        if target in targets:
            c.report(
                "duplicate-mount",
                ("mounts", i, "target"),
                f"{mount.target} is the target of two mounts; give each folder its own",
            )
        names.add(mount.name)
        targets.add(target)


@entry_check
def _network(entry: Entry, c: Checker) -> None:
    outbound = entry.permissions.outbound if entry.permissions else None
    if outbound is None:
        return
    base: YamlPath = ("permissions", "network", "outbound")
    hosts = set(outbound.allow_host)
    for i, host in enumerate(outbound.allow_host):
        if (
            not isinstance(host, str)
            or "://" in host
            or "/" in host
            or ":" in host
            or not _HOSTNAME.match(host)
        ):
            c.report(
                "allow-host",
                (*base, "allow_host", i),
                f"{host!r} is not a bare hostname or .domain suffix (no scheme, path or port)",
            )
        elif host.startswith(".") and host[1:] not in hosts:
            c.report(
                "allow-host-parent",
                (*base, "allow_host", i),
                f"{host} allows subdomains of {host[1:]} but not {host[1:]} itself; "
                "add it if needed",
            )
    seen: set[int] = set()
    for i, port in enumerate(outbound.allow_port):
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            c.report(
                "port-range", (*base, "allow_port", i), f"port {port!r} must be from 1 to 65535"
            )
        elif port in seen:
            c.report(
                "duplicate-port", (*base, "allow_port", i), f"port {port} is listed more than once"
            )
        else:
            seen.add(port)


@entry_check
def _image(entry: Entry, c: Checker) -> None:
    if entry.image is None:
        return
    try:
        ref = ImageRef.parse(entry.image)
    except ImageRefError as exc:
        c.report("image-ref", ("image",), f"image {entry.image!r} is not a valid reference: {exc}")
        return
    if ref.digest is not None:
        c.report(
            "image-digest",
            ("image",),
            f"image {entry.image} is pinned by digest, which ToolHive's registry.json cannot "
            "hold; use the version tag (regup verify binds the tag to its signed digest)",
        )
    elif ref.is_latest_or_untagged:
        what = "uses :latest" if ref.tag == "latest" else "has no tag"
        c.report("image-latest", ("image",), f"image {entry.image} {what}; pin a version tag")


@entry_check
def _version(entry: Entry, c: Checker) -> None:
    if entry_version(entry) is not None:
        return
    if entry.image is not None:
        try:
            if ImageRef.parse(entry.image).digest is not None:
                return  # image-digest already says to use the version tag
        except ImageRefError:
            return  # image-ref already reports the reference
        c.report(
            "version-missing",
            ("image",),
            f"image {entry.image} gives no version (its tag is not one): pin a version tag "
            "(…:1.4.0) or add `version: 1.4.0`, the server's release, to the entry; the MCP "
            "registry API and ToolHive pick and cache servers by version",
        )
    elif entry.url is not None:
        c.report(
            "version-missing",
            ("url",),
            "a remote server has no image tag to take a version from: add `version: 1.4.0` "
            "(the release of the server behind the URL, or the date of its API as 2025.06.18) "
            "to the entry; the MCP registry API and ToolHive pick and cache servers by version",
        )


@entry_check
def _urls(entry: Entry, c: Checker) -> None:
    candidates: list[tuple[YamlPath, str | None]] = [
        (("url",), entry.url),
        (("repository_url",), entry.repository_url),
        (("website_url",), entry.website_url),
    ]
    candidates += [(("icons", i, "src"), icon.src) for i, icon in enumerate(entry.icons)]
    if entry.oauth_config:
        for key in ("issuer", "authorize_url", "token_url"):
            candidates.append((("oauth_config", key), getattr(entry.oauth_config, key)))
    if entry.provenance:
        candidates.append((("provenance", "repository_uri"), entry.provenance.repository_uri))
        candidates.append((("provenance", "cert_issuer"), entry.provenance.cert_issuer))
    for path, value in candidates:
        if value is not None and not is_http_url(value):
            c.report("url-scheme", path, f"{format_path(path)} {value!r} must be an http(s) URL")


@entry_check
def _description(entry: Entry, c: Checker) -> None:
    if len(entry.description) > UPSTREAM_DESCRIPTION_LIMIT and not (entry.title or entry.overview):
        c.report(
            "description-long",
            ("description",),
            f"description is {len(entry.description)} characters; the upstream format allows "
            f"{UPSTREAM_DESCRIPTION_LIMIT}. Shorten it and move the detail into overview",
        )


def _non_finite(value: object, path: YamlPath) -> Iterator[YamlPath]:
    if isinstance(value, float) and not math.isfinite(value):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _non_finite(item, (*path, key))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _non_finite(item, (*path, i))


@entry_check
def _json_numbers(entry: Entry, c: Checker) -> None:
    # Free-form places take any YAML value, but JSON has no .inf or .nan.
    free: list[tuple[YamlPath, object]] = [
        (("custom_metadata",), entry.custom_metadata),
        (("tool_definitions",), list(entry.tool_definitions)),
    ]
    if entry.provenance and entry.provenance.attestation:
        free.append(
            (("provenance", "attestation", "predicate"), entry.provenance.attestation.predicate)
        )
    for base, value in free:
        for path in _non_finite(value, base):
            c.report(
                "wrong-type",
                path,
                f"{'.'.join(map(str, path))} is not a finite number (.inf or .nan), which JSON "
                "cannot hold; quote it to keep it as text",
            )


@entry_check
def _timestamps(entry: Entry, c: Checker) -> None:
    # The schema pattern only checks the shape; ToolHive reads it as an RFC 3339 date-time.
    stamp = entry.last_updated
    if stamp is None:
        return
    try:
        parse_timestamp(stamp)
    except ValueError:
        c.report(
            "invalid-format",
            ("metadata", "last_updated"),
            f"metadata.last_updated {stamp!r} is not a real date and time "
            "(RFC 3339, e.g. 2025-01-31T12:00:00Z)",
        )


@entry_check
def _oauth(entry: Entry, c: Checker) -> None:
    oauth = entry.oauth_config
    if oauth is None:
        return
    if not oauth.issuer and not (oauth.authorize_url and oauth.token_url):
        c.report(
            "oauth-endpoints",
            ("oauth_config",),
            "oauth_config needs issuer (OIDC discovery) or both authorize_url and token_url",
        )


#: Control characters (Unicode category Cc: C0, DEL and C1). ESC and the C1 CSI start
#: terminal sequences (clear the screen, set the window title, fake a prompt), and XML 1.0
#: cannot carry most C0 ones at all (one of them makes the Atom feed unreadable).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: The same without newline and tab, for multi-line text.
_CONTROL_MULTI_LINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SHOWN = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}

#: Where a spec.yaml holds multi-line text: Markdown and the free-form JSON places.
_MULTI_LINE_ROOTS = frozenset({"overview", "custom_metadata", "tool_definitions"})

TextPlace = Callable[[YamlPath], bool]


def multi_line_in_entry(path: YamlPath) -> bool:
    """Whether the text at ``path`` of a spec.yaml may span lines: multi-line parts, and the
    descriptions of env vars, headers and the like (ToolHive's schema lets them span lines;
    the entry's own one-line ``description`` is the card's text)."""
    return bool(path) and (
        path[0] in _MULTI_LINE_ROOTS
        or path[:3] == ("provenance", "attestation", "predicate")
        or (len(path) > 1 and path[-1] == "description")
    )


def multi_line_in_tools_file(path: YamlPath) -> bool:
    """Whether the text at ``path`` of a tools.json may span lines (all but tool names)."""
    return not (len(path) == 2 and path[1] == "name")


def _escaped(chars: Iterable[str]) -> str:
    """Control characters as escapes (``\\x1b``), never raw, in order of appearance."""
    shown = dict.fromkeys(_SHOWN.get(c, f"\\x{ord(c):02x}") for c in chars)
    return ", ".join(list(shown)[:5]) + (", …" if len(shown) > 5 else "")


def _suspects(data: Any, multi_line: TextPlace) -> list[tuple[YamlPath, Any]]:
    """The top-level parts of ``data`` that may hold a control character, to walk exactly.

    Walking every value in Python costs about as much as all other semantic rules. But
    ``repr()`` (in C) escapes every control character with a backslash, and finding a
    backslash is a ``memchr``: only the parts whose ``repr()`` holds one (a real backslash,
    another escaped character, a control character) are walked. Top-level text is searched
    directly.
    """
    if isinstance(data, dict):
        if _CONTROL.search("".join(data)) is not None:  # a key: walk it all
            return [((), data)]
        items: list[tuple[YamlPath, Any]] = [((key,), value) for key, value in data.items()]
    elif isinstance(data, list):
        items = [((i,), value) for i, value in enumerate(data)]
    else:
        items = [((), data)]
    found: list[tuple[YamlPath, Any]] = []
    nested: list[tuple[YamlPath, Any]] = []
    for path, value in items:
        if isinstance(value, str):
            pattern = _CONTROL_MULTI_LINE if multi_line(path) else _CONTROL
            if pattern.search(value) is not None:
                found.append((path, value))
        elif isinstance(value, (dict, list)):
            nested.append((path, value))
    if nested and "\\" in repr([value for _, value in nested]):
        found += [(path, value) for path, value in nested if "\\" in repr(value)]
    return found


def _what(chars: list[str]) -> str:
    if len(set(chars)) == 1:
        return f"the control character {_escaped(chars)}; remove it"
    return f"the control characters {_escaped(chars)}; remove them"


def check_control_characters(
    data: Any, display: str, positions: SourceMap, multi_line: TextPlace
) -> list[Diagnostic]:
    """A ``control-character`` error for each text (and mapping key) of ``data`` holding one.

    Runs on the document as read, so every text field is covered, whatever the model makes
    of it. ``multi_line`` says where newline and tab are allowed.
    """
    found: list[Diagnostic] = []
    severity = RULES["control-character"].severity
    stack: list[tuple[YamlPath, Any]] = _suspects(data, multi_line)
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            pattern = _CONTROL_MULTI_LINE if multi_line(path) else _CONTROL
            if pattern.search(value) is None:
                continue
            chars = pattern.findall(value)
            line, col = positions.value(path)
            if all(c in "\n\t" for c in chars):
                message = (
                    f"{format_path(path)} holds a line break or tab ({_escaped(chars)}); it "
                    "must be one line (longer text goes in overview)"
                )
            else:
                message = (
                    f"{format_path(path)} holds {_what(chars)}: control characters can "
                    "rewrite a terminal, and XML cannot carry them"
                )
            found.append(Diagnostic(display, line, col, severity, "control-character", message))
        elif isinstance(value, dict):
            for key, item in value.items():
                child = (*path, key)
                if _CONTROL.search(key) is not None:
                    line, col = positions.key(child)
                    where = f" in {format_path(path)}" if path else ""
                    found.append(
                        Diagnostic(
                            display,
                            line,
                            col,
                            severity,
                            "control-character",
                            f"a key{where} holds {_what(_CONTROL.findall(key))}",
                        )
                    )
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend(((*path, i), item) for i, item in enumerate(value))
    return sorted(found, key=lambda d: (d.line, d.col))


def check_entry(entry: Entry) -> list[Diagnostic]:
    checker = Checker(entry)
    for check in ENTRY_CHECKS:
        check(entry, checker)
    return checker.found


def check_tags(entry: Entry, vocabulary: Collection[str]) -> list[Diagnostic]:
    """``tag-unknown`` for each tag of ``entry`` outside a declared ``vocabulary``."""
    checker = Checker(entry)
    if vocabulary:
        for i, tag in enumerate(entry.tags):
            if tag not in vocabulary:
                close = difflib.get_close_matches(tag, list(vocabulary), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                checker.report(
                    "tag-unknown",
                    ("tags", i),
                    f"tag {tag!r} is not in the registry's vocabulary (tags in regup.toml){hint}",
                )
    return checker.found


def check_group(group: Group, entry_names: set[str]) -> list[Diagnostic]:
    checker = Checker(group)
    if not ENTRY_NAME.match(group.name):
        checker.report("entry-name", (), f"folder name {group.name!r} is not a valid group name")
    for i, member in enumerate(group.servers):
        if member and member not in entry_names:
            checker.report(
                "group-member",
                ("servers", i),
                f"group lists {member!r}, which is not an entry of the registry",
            )
    return checker.found
