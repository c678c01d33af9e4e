"""The upstream format, both ways: entries as official MCP ``server.json`` documents and back.

This module owns the mapping between regup's :class:`~regup.model.Entry` and the official
2025-12-11 ``server.json`` schema, as ToolHive converts it (toolhive-core
``registry/converters``), and the outputs built on it: ToolHive's upstream registry
envelope (``upstream/registry.json``, servers only: the format has no groups), the plain array the official registry seeds from
(``upstream/servers.json``) and one document per server (``upstream/servers/<entry>.json``).

Where each field goes:

- ``name`` is ``<namespace>/<entry>``; ``version`` is the entry's ``version``, else the image
  tag when it is a version, else ``1.0.0``; ``title``, ``websiteUrl``, ``icons``;
  ``repository {url, source}`` only for hosts whose source is known (github, gitlab).
- a container is exactly one OCI package (image, transport, environment variables); a remote
  server exactly one ``remotes[]`` item (type, url, headers).
- everything else ToolHive knows sits in its extension block,
  ``_meta[<publisher-provided>]["io.github.stacklok"][<image or url>]``.
- what ToolHive does not carry (the full description when it is longer than 100 characters, a
  repository on another host, ``license``, ``examples``, ``metadata.pulls``) sits under regup's
  own publisher key, so converting back gives the same entry.

The reverse conversion (:func:`from_upstream`) is what ``regup import`` uses; it normalises
two things that have one meaning: ``secret: false`` comes back absent, and a ``version``
equal to the one regup would derive anyway comes back absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from regup.checks import ProvenanceCheck
from regup.config import Config
from regup.emit.canonical import Artifacts, EmitContext
from regup.errors import ConfigError, ImportSourceError
from regup.imageref import ImageRef, ImageRefError
from regup.jsonio import dump_json
from regup.model import Entry, Group, JsonDict, Kind, Registry
from regup.names import entry_name_from_upstream, short_description, upstream_name

SERVER_SCHEMA_URL = "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json"
UPSTREAM_REGISTRY_SCHEMA_URL = (
    "https://raw.githubusercontent.com/stacklok/toolhive-core/main/registry/types/data/"
    "upstream-registry.schema.json"
)
PUBLISHER_PROVIDED = "io.modelcontextprotocol.registry/publisher-provided"
TOOLHIVE_PUBLISHER = "io.github.stacklok"
DEFAULT_VERSION = "1.0.0"

REGISTRY_PATH = "upstream/registry.json"
SERVERS_PATH = "upstream/servers.json"
SERVER_DIR = "upstream/servers"

#: Repository hosts whose ``repository.source`` is known; other hosts are never guessed.
REPOSITORY_SOURCES: dict[str, str] = {
    "github.com": "github",
    "www.github.com": "github",
    "gitlab.com": "gitlab",
    "www.gitlab.com": "gitlab",
}

_NAMESPACE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9.-]*[a-zA-Z0-9]$")

#: Fields of ToolHive's extension block shared by both kinds, in the order ToolHive writes them.
_SHARED_EXTENSIONS = (
    "tier",
    "tools",
    "tags",
    "overview",
    "custom_metadata",
    "proxy_port",
    "tool_definitions",
)
_CONTAINER_EXTENSIONS = ("permissions", "args", "provenance", "docker_tags")
_REMOTE_EXTENSIONS = ("oauth_config", "env_vars")
#: ``metadata`` keys ToolHive carries; ``pulls`` goes under regup's own key.
_TOOLHIVE_METADATA = ("stars", "last_updated")


# --- names, versions and other single values -------------------------------------------


def check_config(config: Config) -> None:
    """Raise :class:`ConfigError` when the namespace or publisher key cannot be used."""
    where = str(config.path) if config.path else "regup.toml"
    if not _NAMESPACE.match(config.namespace):
        raise ConfigError(
            f"{where}: namespace {config.namespace!r} is not a reverse-DNS name such as "
            "io.github.my-org (letters, digits, '.' and '-')"
        )
    if not config.publisher_key or config.publisher_key == TOOLHIVE_PUBLISHER:
        raise ConfigError(
            f"{where}: publisher_key {config.publisher_key!r} must be a key of your own, "
            f"such as io.github.my-org.regup (not {TOOLHIVE_PUBLISHER}, which is ToolHive's)"
        )


def derived_version(image: str | None) -> str:
    """The version regup uses when an entry gives none: the image tag's, else ``1.0.0``."""
    if image:
        try:
            return ImageRef.parse(image).version or DEFAULT_VERSION
        except ImageRefError:
            return DEFAULT_VERSION
    return DEFAULT_VERSION


def upstream_version(entry: Entry) -> str:
    return entry.version or derived_version(entry.image)


def repository_source(url: str) -> str | None:
    """``github`` or ``gitlab`` from the URL's host; None for any other host."""
    host = (urlsplit(url).hostname or "").lower()
    return REPOSITORY_SOURCES.get(host)


def official_status(status: str) -> str:
    """The official registry's lowercase status (``active``, ``deprecated``)."""
    return status.lower()


# --- entry → server.json ------------------------------------------------------------------


def _without_false(item: JsonDict) -> JsonDict:
    """Drop false booleans and empty strings, as ToolHive's ``omitempty`` does."""
    return {k: v for k, v in item.items() if v is not False and v != "" and v is not None}


def _package(entry: Entry, image: str) -> JsonDict:
    transport: JsonDict = {"type": entry.transport}
    if entry.transport in {"sse", "streamable-http"}:
        port = f":{entry.target_port}" if entry.target_port else ""
        transport["url"] = f"http://localhost{port}"
    package: JsonDict = {"registryType": "oci", "identifier": image, "transport": transport}
    env = [
        _without_false(
            {
                "name": var.name,
                "description": var.description,
                "isRequired": var.required,
                "isSecret": var.is_secret,
                "default": var.default,
            }
        )
        for var in entry.env_vars
    ]
    if env:
        package["environmentVariables"] = env
    return package


def _remote(entry: Entry, url: str) -> JsonDict:
    remote: JsonDict = {"type": entry.transport, "url": url}
    headers = []
    for header in entry.headers:
        item = _without_false(
            {
                "name": header.name,
                "description": header.description,
                "isRequired": header.required,
                "isSecret": header.is_secret,
                "default": header.default,
            }
        )
        if header.choices:
            item["choices"] = list(header.choices)
        headers.append(item)
    if headers:
        remote["headers"] = headers
    return remote


def toolhive_extensions(entry: Entry) -> JsonDict:
    """The block under ``io.github.stacklok[<image or url>]``: ToolHive's own fields."""
    doc = entry.to_document(include_name=False)
    block: JsonDict = {"status": entry.status}
    kind_keys = _CONTAINER_EXTENSIONS if entry.kind is Kind.CONTAINER else _REMOTE_EXTENSIONS
    for key in (*_SHARED_EXTENSIONS, *kind_keys):
        if key in doc:
            block[key] = doc[key]
    metadata = {k: v for k, v in doc.get("metadata", {}).items() if k in _TOOLHIVE_METADATA}
    if metadata:
        block["metadata"] = metadata
    return block


def regup_extensions(entry: Entry, check: ProvenanceCheck | None = None) -> JsonDict:
    """The block under regup's publisher key: what ToolHive's format has no place for,
    and the last provenance ``check`` of the image (``regup verify``), when there is one."""
    block: JsonDict = {}
    if short_description(entry.description) != entry.description:
        block["description"] = entry.description
    if entry.repository_url and repository_source(entry.repository_url) is None:
        block["repository_url"] = entry.repository_url
    if entry.license:
        block["license"] = entry.license
    if entry.examples:
        block["examples"] = list(entry.examples)
    if entry.pulls is not None:
        block["pulls"] = entry.pulls
    if check is not None:
        block["provenance_check"] = check.to_meta()
    return block


def to_upstream(entry: Entry, config: Config, check: ProvenanceCheck | None = None) -> JsonDict:
    """The ``server.json`` document of one entry (valid against the 2025-12-11 schema).

    Raises :class:`ValueError` for an entry with neither image nor url (validation rejects
    those before any emitter runs).
    """
    doc: JsonDict = {
        "$schema": SERVER_SCHEMA_URL,
        "name": upstream_name(entry.name, config.namespace),
        "description": short_description(entry.description),
        "version": upstream_version(entry),
    }
    if entry.title:
        doc["title"] = entry.title
    if entry.website_url:
        doc["websiteUrl"] = entry.website_url
    if entry.icons:
        doc["icons"] = [
            _without_false(
                {
                    "src": icon.src,
                    "mimeType": icon.mime_type,
                    "sizes": list(icon.sizes) or None,
                    "theme": icon.theme,
                }
            )
            for icon in entry.icons
        ]
    if entry.repository_url:
        source = repository_source(entry.repository_url)
        if source is not None:
            doc["repository"] = {"url": entry.repository_url, "source": source}
    if entry.kind is Kind.REMOTE and entry.url is not None:
        key = entry.url
        doc["remotes"] = [_remote(entry, entry.url)]
    elif entry.image is not None:
        key = entry.image
        doc["packages"] = [_package(entry, entry.image)]
    else:
        raise ValueError(f"entry {entry.name} has neither image nor url")
    publishers: JsonDict = {TOOLHIVE_PUBLISHER: {key: toolhive_extensions(entry)}}
    ours = regup_extensions(entry, check)
    if ours:
        publishers[config.publisher_key] = ours
    doc["_meta"] = {PUBLISHER_PROVIDED: publishers}
    return doc


# --- server.json → entry ------------------------------------------------------------------


class UnrepresentableServer(ImportSourceError):
    """An upstream server that cannot become a regup entry; the message says why."""


def _fail(name: str, why: str) -> UnrepresentableServer:
    return UnrepresentableServer(f"upstream server {name}: {why}")


def _mapping(value: Any, name: str, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _fail(name, f"{what} must be an object, not {type(value).__name__}")
    return value


def _list(value: Any, name: str, what: str) -> Sequence[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(name, f"{what} must be an array, not {type(value).__name__}")
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _port(url: str | None, name: str) -> int | None:
    if not url:
        return None
    try:
        return urlsplit(url).port
    except ValueError:
        raise _fail(name, f"transport URL {url!r} has an invalid port") from None


def _variable(item: Any, name: str, what: str, *, choices: bool) -> JsonDict:
    item = _mapping(item, name, what)
    if not _text(item.get("name")):
        raise _fail(name, f"{what} has no name")
    out: JsonDict = {
        "name": item["name"],
        "description": item.get("description") or "",
        "required": item.get("isRequired") is True,
    }
    if item.get("isSecret") is True:
        out["secret"] = True
    if _text(item.get("default")):
        out["default"] = item["default"]
    if choices and item.get("choices"):
        out["choices"] = list(_list(item["choices"], name, f"{what}.choices"))
    return out


def _flatten_arguments(arguments: Sequence[Any], name: str) -> list[str]:
    """``packageArguments`` as plain ``args`` (flag names and values, in order)."""
    out: list[str] = []
    for arg in arguments:
        arg = _mapping(arg, name, "packageArguments[]")
        for key in ("name", "value"):
            if _text(arg.get(key)):
                out.append(arg[key])
    return out


def _env_from_runtime_arguments(arguments: Sequence[Any], name: str) -> list[JsonDict]:
    """Docker-style ``-e KEY=value`` runtime arguments as environment variables."""
    out: list[JsonDict] = []
    for arg in arguments:
        arg = _mapping(arg, name, "runtimeArguments[]")
        if arg.get("type") != "named" or arg.get("name") not in ("-e", "--env"):
            continue
        value = arg.get("value")
        if not isinstance(value, str) or "=" not in value:
            continue
        key, _, rest = value.partition("=")
        var: JsonDict = {
            "name": key,
            "description": arg.get("description") or "",
            "required": arg.get("isRequired") is True,
        }
        if rest.startswith("{") and rest.endswith("}") and len(rest) > 2:
            variables = _mapping(arg.get("variables"), name, "runtimeArguments[].variables")
            ref = _mapping(variables.get(rest[1:-1]), name, "runtimeArguments[].variables[]")
            if ref.get("isSecret") is True:
                var["secret"] = True
            if _text(ref.get("default")):
                var["default"] = ref["default"]
        elif rest:
            var["default"] = rest
        out.append(var)
    return out


def _extension_blocks(
    doc: Mapping[str, Any], name: str, key: str | None, publisher: str
) -> tuple[JsonDict, JsonDict]:
    """ToolHive's block (the one for ``key``, else the first) and regup's own block."""
    meta = _mapping(doc.get("_meta"), name, "_meta")
    provided = _mapping(meta.get(PUBLISHER_PROVIDED), name, PUBLISHER_PROVIDED)
    toolhive = _mapping(provided.get(TOOLHIVE_PUBLISHER), name, TOOLHIVE_PUBLISHER)
    block: Any = toolhive.get(key) if key is not None else None
    if block is None:
        block = next((v for v in toolhive.values() if isinstance(v, Mapping)), None)
    ours = _mapping(provided.get(publisher), name, publisher)
    return dict(_mapping(block, name, "the io.github.stacklok block")), dict(ours)


def _status(value: Any) -> str:
    text = value if isinstance(value, str) and value else "Active"
    return {"active": "Active", "deprecated": "Deprecated", "deleted": "Deprecated"}.get(
        text.lower(), text
    )


def document_from_server(doc: Mapping[str, Any], config: Config | None = None) -> JsonDict:
    """The authored form (``spec.yaml`` content, no ``name``) of one ``server.json`` document.

    Container servers need exactly one OCI package; remote servers use the first remote.
    Raises :class:`UnrepresentableServer` saying what is wrong with the document.
    """
    return _entry_from_server(doc, config).to_document(include_name=False)


def from_upstream(doc: Mapping[str, Any], config: Config | None = None) -> Entry:
    """The entry of one ``server.json`` document, named after the part of its name after ``/``.

    Raises :class:`UnrepresentableServer` saying what is wrong with the document.
    """
    return _entry_from_server(doc, config)


def _entry_from_server(doc: Mapping[str, Any], config: Config | None) -> Entry:
    config = config or Config()
    if not isinstance(doc, Mapping):
        raise UnrepresentableServer("an upstream server must be a JSON object")
    raw_name = doc.get("name")
    if not isinstance(raw_name, str) or not raw_name:
        raise UnrepresentableServer("an upstream server has no name")
    name = raw_name
    entry_name = entry_name_from_upstream(name)
    if not entry_name:
        raise _fail(name, "gives no usable entry name (lowercase letters, digits and '-')")
    out = _authored(doc, name, config)
    try:
        return Entry.from_document(entry_name, out)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise _fail(name, f"cannot be read as an entry ({type(exc).__name__}: {exc})") from None


def _authored(doc: Mapping[str, Any], name: str, config: Config) -> JsonDict:
    out: JsonDict = {}
    packages = _list(doc.get("packages"), name, "packages")
    remotes = _list(doc.get("remotes"), name, "remotes")
    oci = [p for p in packages if isinstance(p, Mapping) and p.get("registryType") == "oci"]
    if oci:
        if len(oci) > 1:
            raise _fail(name, f"has {len(oci)} OCI packages; regup entries run exactly one image")
        package = oci[0]
        image = _text(package.get("identifier"))
        if image is None:
            raise _fail(name, "its OCI package has no identifier")
        transport = _mapping(package.get("transport"), name, "packages[].transport")
        out["image"] = image
        out["transport"] = _text(transport.get("type")) or "stdio"
        port = _port(_text(transport.get("url")), name)
        if port is not None:
            out["target_port"] = port
        env = [
            _variable(v, name, "environmentVariables[]", choices=False)
            for v in _list(package.get("environmentVariables"), name, "environmentVariables")
        ]
        env += _env_from_runtime_arguments(
            _list(package.get("runtimeArguments"), name, "runtimeArguments"), name
        )
        if env:
            out["env_vars"] = env
        args = _flatten_arguments(
            _list(package.get("packageArguments"), name, "packageArguments"), name
        )
        if args:
            out["args"] = args
        key: str | None = image
    elif remotes:
        remote = _mapping(remotes[0], name, "remotes[]")
        url = _text(remote.get("url"))
        if url is None:
            raise _fail(name, "its remote has no url")
        out["url"] = url
        out["transport"] = _text(remote.get("type")) or "streamable-http"
        headers = [
            _variable(h, name, "headers[]", choices=True)
            for h in _list(remote.get("headers"), name, "headers")
        ]
        if headers:
            out["headers"] = headers
        key = url
    else:
        kinds = sorted({str(p.get("registryType")) for p in packages if isinstance(p, Mapping)})
        found = f" (found {', '.join(kinds)} packages)" if kinds else ""
        raise _fail(
            name, f"has no OCI package and no remote{found}; regup entries run an image or a URL"
        )

    block, ours = _extension_blocks(doc, name, key, config.publisher_key)
    out["description"] = _text(ours.get("description")) or doc.get("description") or ""
    out["status"] = _status(block.get("status"))
    out["tier"] = _text(block.get("tier")) or "Community"
    for field in ("title",):
        if _text(doc.get(field)):
            out[field] = doc[field]
    if _text(doc.get("websiteUrl")):
        out["website_url"] = doc["websiteUrl"]
    icons = []
    for icon in _list(doc.get("icons"), name, "icons"):
        icon = _mapping(icon, name, "icons[]")
        item: JsonDict = {"src": icon.get("src") or ""}
        for theirs, mine in (("mimeType", "mime_type"), ("sizes", "sizes"), ("theme", "theme")):
            if icon.get(theirs):
                item[mine] = icon[theirs]
        icons.append(item)
    if icons:
        out["icons"] = icons
    repository = _mapping(doc.get("repository"), name, "repository")
    repo_url = _text(repository.get("url")) or _text(ours.get("repository_url"))
    if repo_url:
        out["repository_url"] = repo_url
    kind_keys = _CONTAINER_EXTENSIONS if "image" in out else _REMOTE_EXTENSIONS
    for field in (*_SHARED_EXTENSIONS, *kind_keys):
        if field in block and not (field == "args" and "args" in out):
            out[field] = block[field]
    metadata = {
        k: v
        for k, v in _mapping(block.get("metadata"), name, "metadata").items()
        if k in ("stars", "pulls", "last_updated")
    }
    if isinstance(ours.get("pulls"), int):
        metadata["pulls"] = ours["pulls"]
    if metadata:
        out["metadata"] = metadata
    for field in ("license", "examples"):
        if ours.get(field):
            out[field] = ours[field]
    version = _text(doc.get("version"))
    if version and version != derived_version(out.get("image")):
        out["version"] = version
    return out


# --- registry outputs ---------------------------------------------------------------------


def upstream_registry(registry: Registry, ctx: EmitContext) -> JsonDict:
    """ToolHive's upstream registry envelope (``upstream-registry.schema.json``).

    It carries no ``data.groups``: groups are gone from ToolHive and from toolhive-core's
    ``UpstreamData`` (servers, skills, plugins), so every consumer would drop them unread.
    Groups stay in ``registry.json`` and the catalog.
    """
    check_config(ctx.config)
    return {
        "$schema": UPSTREAM_REGISTRY_SCHEMA_URL,
        "version": ctx.config.registry_version,
        "meta": {"last_updated": ctx.timestamp},
        "data": {
            "servers": [
                to_upstream(e, ctx.config, ctx.provenance.get(e.name)) for e in registry.entries
            ],
        },
    }


@dataclass(frozen=True)
class UpstreamServer:
    """One server of an upstream source: its entry, or why it cannot be one."""

    name: str
    entry: Entry | None = None
    problem: str | None = None


@dataclass(frozen=True)
class UpstreamGroup:
    """A group of an envelope (``data.groups``, which regup wrote before groups left the
    upstream format; read on import, never written); members are upstream server names."""

    name: str
    description: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class UpstreamSource:
    servers: tuple[UpstreamServer, ...]
    groups: tuple[UpstreamGroup, ...] = ()


def _unwrap(item: Any) -> Any:
    """API responses wrap each server as ``{"server": {...}, "_meta": {...}}``."""
    if isinstance(item, Mapping) and isinstance(item.get("server"), Mapping):
        return item["server"]
    return item


def _is_server(value: Any) -> bool:
    return (
        isinstance(value, Mapping)
        and isinstance(value.get("name"), str)
        and ("packages" in value or "remotes" in value or "description" in value)
    )


def looks_like_upstream(data: Any) -> bool:
    """Whether ``data`` has one of the shapes :func:`read_upstream_source` reads."""
    if isinstance(data, list):
        return all(_is_server(_unwrap(item)) for item in data)
    if isinstance(data, Mapping):
        inner = data.get("data")
        return (
            (isinstance(inner, Mapping) and "servers" in inner)
            or _is_server(data)
            or "servers" in data
        )
    return False


def read_upstream_source(data: Any, config: Config | None = None) -> UpstreamSource:
    """The one reader of upstream data: ToolHive's envelope (``data.servers``, and the
    ``data.groups`` older regup versions wrote), ``{"servers": [...]}`` as the v0.1 API lists
    them, an array of ``server.json`` documents (wrapped or not), or one document.

    A server that cannot be an entry is returned with its problem, so callers decide
    whether that stops them. Raises :class:`ImportSourceError` for a source of another shape.
    """
    groups: Any = []
    if isinstance(data, list):
        servers: Any = data
    elif isinstance(data, Mapping) and isinstance(data.get("data"), Mapping):
        servers = data["data"].get("servers") or []
        groups = data["data"].get("groups") or []
    elif isinstance(data, Mapping) and "servers" in data:
        servers = data["servers"]
    elif _is_server(data):
        servers = [data]
    else:
        raise ImportSourceError(
            "not an upstream registry: expected {data: {servers: [...]}}, {servers: [...]}, "
            "an array of server.json or one server.json"
        )
    if not isinstance(servers, list) or not isinstance(groups, list):
        raise ImportSourceError("servers and groups must be arrays of objects")
    read: list[UpstreamServer] = []
    for item in map(_unwrap, servers):
        name = item.get("name") if isinstance(item, Mapping) else None
        if not isinstance(name, str) or not name:
            read.append(UpstreamServer("(unnamed)", problem="a server without a name"))
            continue
        try:
            read.append(UpstreamServer(name, entry=from_upstream(item, config)))
        except UnrepresentableServer as exc:
            read.append(UpstreamServer(name, problem=str(exc)))
    out_groups = []
    for group in groups:
        if not isinstance(group, Mapping) or not isinstance(group.get("name"), str):
            raise ImportSourceError("every group of data.groups needs a name")
        members = tuple(
            str(server["name"])
            for server in group.get("servers") or []
            if isinstance(server, Mapping) and isinstance(server.get("name"), str)
        )
        description = str(group.get("description") or "")
        out_groups.append(UpstreamGroup(group["name"], description, members))
    return UpstreamSource(tuple(read), tuple(out_groups))


def registry_from_upstream(doc: Any, config: Config | None = None) -> Registry:
    """Entries and groups of an upstream source (see :func:`read_upstream_source`).

    Raises :class:`~regup.errors.ImportSourceError` on the first unreadable server.
    """
    source = read_upstream_source(doc, config)
    entries = []
    for server in source.servers:
        if server.entry is None:
            raise UnrepresentableServer(server.problem or f"{server.name} cannot be read")
        entries.append(server.entry)
    groups = tuple(
        Group(
            name=g.name,
            description=g.description,
            servers=tuple(entry_name_from_upstream(m) for m in g.members),
        )
        for g in source.groups
    )
    return Registry(entries=tuple(entries), groups=groups)


def server_path(entry_name: str) -> str:
    return f"{SERVER_DIR}/{entry_name}.json"


def emit_upstream(registry: Registry, ctx: EmitContext) -> Artifacts:
    """``upstream/registry.json``, ``upstream/servers.json``, ``upstream/servers/<entry>.json``."""
    envelope = upstream_registry(registry, ctx)
    servers: list[JsonDict] = envelope["data"]["servers"]
    artifacts: Artifacts = {
        REGISTRY_PATH: dump_json(envelope),
        SERVERS_PATH: dump_json(servers),
    }
    for entry, server in zip(registry.entries, servers, strict=True):
        artifacts[server_path(entry.name)] = dump_json(server)
    return artifacts
