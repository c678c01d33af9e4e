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

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from regup.config import Config
from regup.errors import ImportSourceError
from regup.imageref import ImageRef, ImageRefError
from regup.model import Entry, JsonDict
from regup.names import entry_name_from_upstream

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
    "tool_definitions",
)
CONTAINER_EXTENSIONS = ("permissions", "args", "provenance", "docker_tags")
REMOTE_EXTENSIONS = ("oauth_config", "env_vars")
#: ``metadata`` keys ToolHive carries; ``pulls`` goes under regup's own key.
TOOLHIVE_METADATA = ("stars", "last_updated")


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
    kind_keys = CONTAINER_EXTENSIONS if "image" in out else REMOTE_EXTENSIONS
    for field in (*SHARED_EXTENSIONS, *kind_keys):
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
    for field in ("license", "examples", "mounts"):
        if ours.get(field):
            out[field] = ours[field]
    version = _text(doc.get("version"))
    if version and version != derived_version(out.get("image")):
        out["version"] = version
    return out
