"""``server.json`` documents read into regup's authored form: the reverse of
:mod:`regup.emit.upstream`, in the base layer because both the loader (a registry entry
authored as ``server.json``) and ``regup import`` read it.

The mapping is ToolHive's (toolhive-core ``registry/converters``): one OCI package or one
remote, ToolHive's fields from its extension block
``_meta[<publisher-provided>]["io.github.stacklok"][<image or url>]``, regup's own from its
publisher key. It normalises two things that have one meaning: ``secret: false`` comes back
absent, and a ``version`` equal to the one regup would derive anyway comes back absent.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from regup.config import Config
from regup.errors import ImportSourceError
from regup.imageref import ImageRef, ImageRefError
from regup.install.model import HTTP_PATHS
from regup.model import Entry, JsonDict
from regup.names import entry_name_from_upstream
from regup.yamlio import SourceMap, YamlPath

PUBLISHER_PROVIDED = "io.modelcontextprotocol.registry/publisher-provided"
TOOLHIVE_PUBLISHER = "io.github.stacklok"

#: Fields of ToolHive's extension block shared by both kinds, in the order ToolHive writes them.
SHARED_EXTENSIONS = (
    "tier",
    "tools",
    "tags",
    "overview",
    "custom_metadata",
    "proxy_port",
    "stateless",
    "tool_definitions",
)
CONTAINER_EXTENSIONS = ("permissions", "args", "provenance", "docker_tags")
#: ``permissions`` of a remote server: ToolHive's converter neither reads nor writes them,
#: but its catalog has remote servers that state them, so they are carried as written.
REMOTE_EXTENSIONS = ("oauth_config", "env_vars", "permissions")
#: ``metadata`` keys ToolHive carries; ``pulls`` goes under regup's own key.
TOOLHIVE_METADATA = ("stars", "last_updated", "kubernetes")


def derived_version(image: str | None) -> str | None:
    """The version an image tag gives (``v1.2.3`` gives ``1.2.3``); None for ``:latest``,
    no tag, a tag that is not a version, or no image (remote servers)."""
    if image:
        try:
            return ImageRef.parse(image).version
        except ImageRefError:
            return None
    return None


def entry_version(entry: Entry) -> str | None:
    """The version an entry publishes: its ``version``, else its image tag's. None when it
    has neither; the ``version-missing`` rule refuses such entries, regup never invents one."""
    return entry.version or derived_version(entry.image)


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
) -> tuple[JsonDict, JsonDict, YamlPath, YamlPath]:
    """ToolHive's block (the one for ``key``, else the first) and regup's own block, with
    the paths they sit at."""
    meta = _mapping(doc.get("_meta"), name, "_meta")
    provided = _mapping(meta.get(PUBLISHER_PROVIDED), name, PUBLISHER_PROVIDED)
    toolhive = _mapping(provided.get(TOOLHIVE_PUBLISHER), name, TOOLHIVE_PUBLISHER)
    at: YamlPath = ("_meta", PUBLISHER_PROVIDED, TOOLHIVE_PUBLISHER)
    block: Any = toolhive.get(key) if key is not None else None
    if block is not None and key is not None:
        block_at: YamlPath = (*at, key)
    else:
        first = next(((k, v) for k, v in toolhive.items() if isinstance(v, Mapping)), None)
        block, block_at = (first[1], (*at, first[0])) if first else (None, at)
    ours = _mapping(provided.get(publisher), name, publisher)
    return (
        dict(_mapping(block, name, "the io.github.stacklok block")),
        dict(ours),
        block_at,
        ("_meta", PUBLISHER_PROVIDED, publisher),
    )


def _status(value: Any) -> str:
    """The status as written (ToolHive writes ``Active`` and ``active``); the official
    registry's ``deleted`` reads as deprecated, a missing one as active."""
    if not isinstance(value, str) or not value:
        return "Active"
    return "Deprecated" if value.lower() == "deleted" else value


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
    namespace = name.rpartition("/")[0]
    if namespace and namespace != config.namespace:
        out["namespace"] = namespace  # not the registry's own: kept, so the name stays
    try:
        return Entry.from_document(entry_name, out)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise _fail(name, f"cannot be read as an entry ({type(exc).__name__}: {exc})") from None


def _authored(
    doc: Mapping[str, Any],
    name: str,
    config: Config,
    origins: dict[YamlPath, YamlPath] | None = None,
    *,
    every_field: bool = False,
) -> JsonDict:
    """The authored form of ``doc``. ``origins``, when given, is filled with where each
    authored field came from (authored path → server.json path), for positions.
    ``every_field`` also takes the extension block's fields of the other kind of server
    (validation then reports them), except a container's ``env_vars``."""
    out: JsonDict = {}
    came: dict[YamlPath, YamlPath] = origins if origins is not None else {}
    packages = _list(doc.get("packages"), name, "packages")
    remotes = _list(doc.get("remotes"), name, "remotes")
    oci = [
        (i, p)
        for i, p in enumerate(packages)
        if isinstance(p, Mapping) and p.get("registryType") == "oci"
    ]
    if oci:
        if len(oci) > 1:
            raise _fail(name, f"has {len(oci)} OCI packages; regup entries run exactly one image")
        index, package = oci[0]
        at: YamlPath = ("packages", index)
        image = _text(package.get("identifier"))
        if image is None:
            raise _fail(name, "its OCI package has no identifier")
        transport = _mapping(package.get("transport"), name, "packages[].transport")
        out["image"] = image
        came[("image",)] = (*at, "identifier")
        out["transport"] = _text(transport.get("type")) or "stdio"
        came[("transport",)] = (*at, "transport", "type")
        port = _port(_text(transport.get("url")), name)
        if port is not None:
            out["target_port"] = port
            came[("target_port",)] = (*at, "transport", "url")
        env = [
            _variable(v, name, "environmentVariables[]", choices=False)
            for v in _list(package.get("environmentVariables"), name, "environmentVariables")
        ]
        _variable_origins(came, "env_vars", (*at, "environmentVariables"), len(env))
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
            came[("args",)] = (*at, "packageArguments")
        key: str | None = image
    elif remotes:
        remote = _mapping(remotes[0], name, "remotes[]")
        url = _text(remote.get("url"))
        if url is None:
            raise _fail(name, "its remote has no url")
        out["url"] = url
        came[("url",)] = ("remotes", 0, "url")
        out["transport"] = _text(remote.get("type")) or "streamable-http"
        came[("transport",)] = ("remotes", 0, "type")
        headers = [
            _variable(h, name, "headers[]", choices=True)
            for h in _list(remote.get("headers"), name, "headers")
        ]
        if headers:
            out["headers"] = headers
            _variable_origins(came, "headers", ("remotes", 0, "headers"), len(headers))
        key = url
    else:
        kinds = sorted({str(p.get("registryType")) for p in packages if isinstance(p, Mapping)})
        found = f" (found {', '.join(kinds)} packages)" if kinds else ""
        raise _fail(
            name, f"has no OCI package and no remote{found}; regup entries run an image or a URL"
        )

    block, ours, block_at, ours_at = _extension_blocks(doc, name, key, config.publisher_key)
    if _text(ours.get("description")):
        out["description"] = ours["description"]
        came[("description",)] = (*ours_at, "description")
    else:
        out["description"] = doc.get("description") or ""
        came[("description",)] = ("description",)
    out["status"] = _status(block.get("status"))
    came[("status",)] = (*block_at, "status")
    out["tier"] = _text(block.get("tier")) or "Community"
    came[("tier",)] = (*block_at, "tier")
    if _text(doc.get("title")):
        out["title"] = doc["title"]
        came[("title",)] = ("title",)
    if _text(doc.get("websiteUrl")):
        out["website_url"] = doc["websiteUrl"]
        came[("website_url",)] = ("websiteUrl",)
    icons = []
    for i, icon in enumerate(_list(doc.get("icons"), name, "icons")):
        icon = _mapping(icon, name, "icons[]")
        item: JsonDict = {"src": icon.get("src") or ""}
        came[("icons", i)] = ("icons", i)
        for theirs, mine in (("mimeType", "mime_type"), ("sizes", "sizes"), ("theme", "theme")):
            if icon.get(theirs):
                item[mine] = icon[theirs]
                came[("icons", i, mine)] = ("icons", i, theirs)
        icons.append(item)
    if icons:
        out["icons"] = icons
    repository = _mapping(doc.get("repository"), name, "repository")
    if _text(repository.get("url")):
        out["repository_url"] = repository["url"]
        came[("repository_url",)] = ("repository", "url")
    elif _text(ours.get("repository_url")):
        out["repository_url"] = ours["repository_url"]
        came[("repository_url",)] = (*ours_at, "repository_url")
    kind_keys: tuple[str, ...] = CONTAINER_EXTENSIONS if "image" in out else REMOTE_EXTENSIONS
    if every_field:
        kind_keys = (*CONTAINER_EXTENSIONS, *REMOTE_EXTENSIONS)
    for ext in dict.fromkeys((*SHARED_EXTENSIONS, *kind_keys)):
        if ext == "env_vars" and "image" in out:
            continue
        if ext in block and not (ext == "args" and "args" in out):
            out[ext] = block[ext]
            came[(ext,)] = (*block_at, ext)
    metadata = {
        k: v
        for k, v in _mapping(block.get("metadata"), name, "metadata").items()
        if k in (*TOOLHIVE_METADATA, "pulls")
    }
    came[("metadata",)] = (*block_at, "metadata")
    if isinstance(ours.get("pulls"), int):
        metadata["pulls"] = ours["pulls"]
        came[("metadata", "pulls")] = (*ours_at, "pulls")
    if metadata:
        out["metadata"] = metadata
    for own in ("license", "examples", "mounts"):
        if ours.get(own):
            out[own] = ours[own]
            came[(own,)] = (*ours_at, own)
    version = _text(doc.get("version"))
    if version and version != derived_version(out.get("image")):
        out["version"] = version
        came[("version",)] = ("version",)
    return out


def _variable_origins(
    came: dict[YamlPath, YamlPath], mine: str, theirs: YamlPath, count: int
) -> None:
    for i in range(count):
        came[(mine, i)] = (*theirs, i)
        for a, b in (("required", "isRequired"), ("secret", "isSecret")):
            came[(mine, i, a)] = (*theirs, i, b)


# --- server.json as an entry's source file -----------------------------------------------

#: Keys regup reads, per object of a ``server.json`` (everything else is reported).
_CARRIED: dict[str, frozenset[str]] = {
    "server": frozenset(
        {"$schema", "name", "description", "version", "title", "websiteUrl", "icons"}
        | {"repository", "packages", "remotes", "_meta"}
    ),
    "icon": frozenset({"src", "mimeType", "sizes", "theme"}),
    "repository": frozenset({"url", "source"}),
    "package": frozenset({"registryType", "identifier", "transport", "environmentVariables"}),
    "transport": frozenset({"type", "url"}),
    "variable": frozenset({"name", "description", "isRequired", "isSecret", "default"}),
    "header": frozenset({"name", "description", "isRequired", "isSecret", "default", "choices"}),
    "remote": frozenset({"type", "url", "headers"}),
    "block": frozenset(
        {"status", "metadata", *SHARED_EXTENSIONS, *CONTAINER_EXTENSIONS, *REMOTE_EXTENSIONS}
    ),
    "metadata": frozenset({*TOOLHIVE_METADATA, "pulls"}),
}
#: Keys the official 2025-12-11 schema defines that regup has no place for: reported as
#: ``server-json-unsupported``, since building would drop them.
_OFFICIAL_ONLY: dict[str, frozenset[str]] = {
    "repository": frozenset({"id", "subfolder"}),
    "package": frozenset(
        {"registryBaseUrl", "version", "fileSha256", "runtimeHint"}
        | {"runtimeArguments", "packageArguments"}
    ),
    "transport": frozenset({"headers"}),
    "variable": frozenset({"format", "value", "choices", "placeholder", "variables"}),
    "header": frozenset({"format", "value", "placeholder", "variables"}),
}
#: Keys ToolHive has written into its extension block that no ToolHive reader uses
#: (``ServerExtensions`` has no such field): a warning, and left out.
_BLOCK_IGNORED = frozenset({"transport"})
#: The fields of regup's own publisher block (:func:`regup.emit.upstream.regup_extensions`)
#: that a source may carry.
REGUP_BLOCK_KEYS = frozenset(
    {"description", "repository_url", "license", "examples", "pulls", "mounts"}
)
#: Fields of regup's block that a build computes from the registry's stored checks
#: (``provenance_check``, ``score_card``): read past in a source, written anew by the build.
REGUP_DERIVED_KEYS = frozenset({"provenance_check", "score_card"})
#: ``_meta`` keys a registry sets when it serves the document; a source's are ignored.
_REGISTRY_META = "io.modelcontextprotocol.registry/official"


@dataclass(frozen=True)
class SourceProblem:
    """Something wrong in a ``server.json`` source, at a path of that document."""

    path: YamlPath
    rule: str
    message: str
    warning: bool = False
    #: Point at the key that introduces ``path`` rather than at its value.
    key: bool = False


@dataclass
class ServerSource:
    """A ``server.json`` source read into the authored form: the document (None when it
    cannot be read as an entry), the position in ``server.json`` of every authored value,
    the namespace of its ``name``, and what is wrong with it."""

    document: JsonDict | None
    positions: SourceMap
    namespace: str | None = None
    problems: list[SourceProblem] = field(default_factory=list)


_PLAIN_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def json_path(path: YamlPath) -> str:
    """A path of a server.json as people write it: ``packages[0].runtimeHint``, with keys
    that are not plain words quoted (``_meta["io.github.stacklok"]``)."""
    if not path:
        return "the document"
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"
    return out


def _walk_keys(value: Any, kind: str, path: YamlPath, found: list[SourceProblem]) -> None:
    if not isinstance(value, Mapping):
        return
    carried = _CARRIED[kind]
    official = _OFFICIAL_ONLY.get(kind, frozenset())
    for key in value:
        if key in carried:
            continue
        where = (*path, key)
        shown = json_path(where)
        if key in official:
            found.append(
                SourceProblem(
                    where,
                    "server-json-unsupported",
                    f"{shown} is valid server.json but regup has no place for it, so a build "
                    "would drop it; remove it",
                    key=True,
                )
            )
        elif kind == "block" and key in _BLOCK_IGNORED:
            found.append(
                SourceProblem(
                    where,
                    "server-json-ignored",
                    f"{shown} is not read by ToolHive (its extension block has no {key}) "
                    "and is left out",
                    warning=True,
                    key=True,
                )
            )
        else:
            hint = difflib.get_close_matches(str(key), sorted(carried | official), n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            found.append(
                SourceProblem(where, "unknown-key", f"unknown key {shown}{suggestion}", key=True)
            )
    children: list[tuple[str, str]] = {
        "server": [("repository", "repository")],
        "package": [("transport", "transport")],
        "block": [("metadata", "metadata")],
    }.get(kind, [])
    for key, child in children:
        _walk_keys(value.get(key), child, (*path, key), found)
    lists: list[tuple[str, str]] = {
        "server": [("icons", "icon"), ("packages", "package"), ("remotes", "remote")],
        "package": [("environmentVariables", "variable")],
        "remote": [("headers", "header")],
    }.get(kind, [])
    for key, child in lists:
        items = value.get(key)
        if isinstance(items, list):
            for i, item in enumerate(items):
                _walk_keys(item, child, (*path, key, i), found)


def _meta_problems(doc: Mapping[str, Any], found: list[SourceProblem]) -> str | None:
    """Problems of ``_meta``; returns the publisher key of regup's own block, if any."""
    meta = doc.get("_meta")
    if not isinstance(meta, Mapping):
        return None
    ours: str | None = None
    for key in meta:
        if key == _REGISTRY_META:
            found.append(
                SourceProblem(
                    ("_meta", key),
                    "server-json-ignored",
                    f"_meta[{key!r}] is set by a registry when it serves the document; "
                    "regup writes its own and ignores this one",
                    warning=True,
                    key=True,
                )
            )
        elif key != PUBLISHER_PROVIDED:
            found.append(
                SourceProblem(
                    ("_meta", key),
                    "server-json-unsupported",
                    f"_meta[{key!r}] has no place in a regup entry, so a build would drop it; "
                    "remove it",
                    key=True,
                )
            )
    provided = meta.get(PUBLISHER_PROVIDED)
    if not isinstance(provided, Mapping):
        return None
    at: YamlPath = ("_meta", PUBLISHER_PROVIDED)
    for publisher, block in provided.items():
        where = (*at, publisher)
        if publisher == TOOLHIVE_PUBLISHER:
            if isinstance(block, Mapping):
                if len(block) > 1:
                    found.append(
                        SourceProblem(
                            where,
                            "server-json-shape",
                            f"{TOOLHIVE_PUBLISHER} holds {len(block)} blocks; a server has one, "
                            "keyed by its image or URL",
                        )
                    )
                for key, inner in block.items():
                    _walk_keys(inner, "block", (*where, key), found)
            continue
        known = REGUP_BLOCK_KEYS | REGUP_DERIVED_KEYS
        extra = set(block) - known if isinstance(block, Mapping) else set()
        if isinstance(block, Mapping) and not extra and ours is None:
            ours = str(publisher)
            continue
        found.append(
            SourceProblem(
                where,
                "server-json-unsupported",
                f"publisher block {publisher!r} has no place in a regup entry (only "
                f"{TOOLHIVE_PUBLISHER}'s and regup's own, with "
                f"{', '.join(sorted(REGUP_BLOCK_KEYS))}), so a build would drop it; remove it",
                key=True,
            )
        )
    return ours


def _block_key_problems(
    doc: Mapping[str, Any], authored: JsonDict, found: list[SourceProblem]
) -> None:
    """The extension block must be keyed by the image or URL it describes."""
    meta = doc.get("_meta")
    provided = meta.get(PUBLISHER_PROVIDED) if isinstance(meta, Mapping) else None
    blocks = provided.get(TOOLHIVE_PUBLISHER) if isinstance(provided, Mapping) else None
    if not isinstance(blocks, Mapping) or not blocks:
        return
    want = authored.get("image") or authored.get("url")
    if want in blocks:
        return
    first = next(iter(blocks))
    found.append(
        SourceProblem(
            ("_meta", PUBLISHER_PROVIDED, TOOLHIVE_PUBLISHER, first),
            "server-json-shape",
            f"the {TOOLHIVE_PUBLISHER} block is keyed {first!r}, not by the server's "
            f"{'image' if 'image' in authored else 'url'} {want!r}; key it by that",
            key=True,
        )
    )


def _transport_url_problems(
    doc: Mapping[str, Any], authored: JsonDict, found: list[SourceProblem]
) -> None:
    """A package transport URL is read for its port only, as ToolHive reads it
    (``extractTargetPort``); regup writes ``http://localhost[:port]<path>`` back, the address
    a client connects to. A URL without a path (what ToolHive's converter writes) gets the
    transport's path silently; anything else that would change is a warning."""
    if "image" not in authored:
        return
    for index, package in enumerate(doc.get("packages") or ()):
        if not isinstance(package, Mapping) or package.get("registryType") != "oci":
            continue
        transport = package.get("transport")
        url = transport.get("url") if isinstance(transport, Mapping) else None
        if not isinstance(url, str) or not url:
            return
        path = HTTP_PATHS.get(str(authored.get("transport")), "/mcp")
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:
            return  # reported by the reader as an invalid port
        if parts.scheme == "http" and host == "localhost" and parts.path in ("", "/", path):
            if not parts.query and not parts.fragment:
                return
        port = f":{authored['target_port']}" if authored.get("target_port") else ""
        found.append(
            SourceProblem(
                ("packages", index, "transport", "url"),
                "server-json-ignored",
                f"packages[{index}].transport.url {url!r} is read for its port only (as "
                f"ToolHive reads it); regup publishes http://localhost{port}{path}, where a "
                "client reaches the container once its port is published",
                warning=True,
            )
        )
        return


def _dropped_items(doc: Mapping[str, Any], authored: JsonDict, found: list[SourceProblem]) -> None:
    """An entry runs one OCI image or reaches one URL, as ToolHive's converter reads a
    server (the single OCI package, else the first remote): any other package or remote
    would be dropped by a build, so each one is reported."""
    packages = doc.get("packages")
    remotes = doc.get("remotes")
    packages = packages if isinstance(packages, list) else []
    remotes = remotes if isinstance(remotes, list) else []
    container = "image" in authored
    kept_package = next(
        (
            i
            for i, p in enumerate(packages)
            if isinstance(p, Mapping) and p.get("registryType") == "oci"
        ),
        None,
    )
    why = "runs its one OCI image" if container else "reaches its first remote"
    for i, package in enumerate(packages):
        if container and i == kept_package:
            continue
        kind = package.get("registryType") if isinstance(package, Mapping) else None
        found.append(
            SourceProblem(
                ("packages", i),
                "server-json-unsupported",
                f"packages[{i}] ({kind or 'no registryType'}) has no place in a regup entry, "
                f"which {why}, so a build would drop it; remove it",
            )
        )
    for i in range(len(remotes)):
        if not container and i == 0:
            continue
        found.append(
            SourceProblem(
                ("remotes", i),
                "server-json-unsupported",
                f"remotes[{i}] has no place in a regup entry, which {why}, so a build would "
                "drop it; remove it",
            )
        )


def _block_at(doc: Any, path: YamlPath) -> Mapping[str, Any]:
    for part in path:
        doc = doc.get(part) if isinstance(doc, Mapping) else None
    return doc if isinstance(doc, Mapping) else {}


def _origin(path: YamlPath, origins: Mapping[YamlPath, YamlPath]) -> YamlPath:
    for n in range(len(path), 0, -1):
        hit = origins.get(path[:n])
        if hit is not None:
            return (*hit, *path[n:])
    return path


def _authored_positions(
    document: JsonDict, origins: Mapping[YamlPath, YamlPath], positions: SourceMap
) -> SourceMap:
    """Where in ``server.json`` each value of the authored ``document`` was written."""
    out = SourceMap()
    stack: list[tuple[YamlPath, Any]] = [((), document)]
    while stack:
        path, value = stack.pop()
        theirs = _origin(path, origins)
        out.values[path] = positions.value(theirs)
        if path:
            out.keys[path] = positions.key(theirs)
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))
    return out


def read_server_source(data: Any, positions: SourceMap, folder: str) -> ServerSource:
    """Read ``<folder>/server.json`` (already parsed, ``positions`` from the YAML reader)
    into the authored form, reporting every problem at once. Never raises."""
    found: list[SourceProblem] = []
    if not isinstance(data, Mapping):
        found.append(SourceProblem((), "wrong-type", "server.json must hold one JSON object"))
        return ServerSource(None, SourceMap(), problems=found)
    name = data.get("name")
    namespace: str | None = None
    if not isinstance(name, str) or not name:
        found.append(
            SourceProblem(
                ("name",) if "name" in data else (),
                "missing-field" if "name" not in data else "wrong-type",
                f"server.json needs a name, <namespace>/{folder}",
            )
        )
        name = f"(unnamed)/{folder}"
    else:
        namespace, slash, last = name.rpartition("/")
        if not slash or not namespace:
            namespace = None
            found.append(
                SourceProblem(
                    ("name",), "invalid-format", f"name {name!r} is not <namespace>/{folder}"
                )
            )
        elif last != folder:
            found.append(
                SourceProblem(
                    ("name",),
                    "name-mismatch",
                    f"name is {name!r} but the folder is {folder!r}; make its part after "
                    "'/' equal the folder name",
                )
            )
    _walk_keys(data, "server", (), found)
    publisher = _meta_problems(data, found)
    origins: dict[YamlPath, YamlPath] = {}
    config = Config(publisher_key=publisher) if publisher else Config()
    try:
        document = _authored(data, name, config, origins, every_field=True)
    except UnrepresentableServer as exc:
        found.append(SourceProblem((), "server-json-shape", str(exc).split(": ", 1)[-1]))
        return ServerSource(None, SourceMap(), namespace, found)
    _block_key_problems(data, document, found)
    _transport_url_problems(data, document, found)
    _dropped_items(data, document, found)
    block_at = _origin(("status",), origins)[:-1]
    block = _block_at(data, block_at)
    if "image" in document and "env_vars" in block:
        found.append(
            SourceProblem(
                (*block_at, "env_vars"),
                "kind-field",
                "env_vars in the extension block applies to remote servers only; a container's "
                "variables are its package's environmentVariables",
                key=True,
            )
        )
    return ServerSource(
        document, _authored_positions(document, origins, positions), namespace, found
    )
