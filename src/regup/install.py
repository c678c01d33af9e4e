"""How to install one server in each client: one install model per entry, one renderer per client.

:func:`install_model` works out once, from the entry, everything any client needs: the
container's ``docker`` arguments (environment, host folders, published port), the values a
user must supply (secrets, required settings without a default, host folders), and the URL
a client connects to (the remote URL, or ``http://localhost:<port><path>`` for a container
that speaks streamable-http (``/mcp``) or sse (``/sse``)). Every renderer reads that model
and nothing else, so the catalog, ``regup info`` and the upstream output cannot disagree.

Rules every renderer keeps:

- A secret's value never appears: ToolHive reads it from its secret store (``thv secret
  set`` prompts), VS Code prompts for it (``password: true``), Cursor reads ``${env:NAME}``,
  Codex forwards it from the environment (``env_vars``, ``env_http_headers``), Docker passes
  it from the shell (``-e NAME``); only Claude Desktop and Claude Code, which have neither
  prompts nor references, get a ``<NAME>`` placeholder to replace.
- Shell text is built with :func:`shlex.join`, JSON with a JSON encoder, TOML with
  :func:`toml_document` (quoted strings and keys only, escaped per TOML 1.0).
- A hint says "replace each <...>" only when the text holds one, and names them.

Clients and their documentation: ToolHive (docs.stacklok.com/toolhive, ``thv run --help``),
Claude Desktop (modelcontextprotocol.io "Connect to local MCP servers"; remote servers
through Settings > Connectors or the ``mcp-remote`` bridge), Cursor (docs.cursor.com, "Model
Context Protocol"), VS Code (code.visualstudio.com "MCP servers" and its ``mcp.json``
reference), Claude Code (docs.anthropic.com "Connect Claude Code to tools via MCP"), Codex
CLI (developers.openai.com/codex/mcp, ``~/.codex/config.toml``), Docker (``docker run``).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from regup.model import Entry, Kind

JsonDict = dict[str, Any]

#: Port of an HTTP container whose entry names none (a validation warning): what a URL
#: without a port means, and what ToolHive's converter writes (``http://localhost``).
DEFAULT_PORT = 80
#: The path each HTTP transport serves, as ToolHive's proxy and the SDKs use them.
HTTP_PATHS = {"streamable-http": "/mcp", "sse": "/sse"}
#: The stdio bridge Claude Desktop (and Codex, for sse) use to reach an HTTP server.
MCP_REMOTE = ("npx", "-y", "mcp-remote")

CLIENT_IDS = ("thv", "claude-desktop", "cursor", "vscode", "claude-code", "codex", "docker")


@dataclass(frozen=True)
class Setting:
    """An environment variable or header the client sends."""

    name: str
    description: str
    secret: bool
    #: The value to write when known (a non-secret default); None means the user supplies it.
    value: str | None

    @property
    def placeholder(self) -> str:
        return f"<{self.name}>"

    @property
    def text(self) -> str:
        """The value, or the placeholder the user replaces."""
        return self.value if self.value is not None else self.placeholder

    @property
    def input_id(self) -> str:
        """The VS Code input id and ToolHive secret name: ``API_TOKEN`` → ``api-token``."""
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-") or "value"

    @property
    def env_name(self) -> str:
        """The environment variable a header's value is read from: ``X-Api-Key`` → ``X_API_KEY``."""
        name = re.sub(r"[^A-Za-z0-9]+", "_", self.name).strip("_").upper() or "VALUE"
        return name if not name[0].isdigit() else "_" + name


@dataclass(frozen=True)
class Mount:
    """A host folder the container needs, mounted at ``target``."""

    name: str
    description: str
    target: str
    read_only: bool

    @property
    def placeholder(self) -> str:
        return f"<{self.name}>"

    @property
    def input_id(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-") or "folder"

    def volume(self, host: str | None = None) -> str:
        """``-v`` value: ``host:target`` plus ``:ro`` when read-only."""
        text = f"{host if host is not None else self.placeholder}:{self.target}"
        return text + (":ro" if self.read_only else "")


@dataclass(frozen=True)
class Endpoint:
    """Where an HTTP client connects: a remote URL or the published port of a container."""

    transport: str
    url: str
    local: bool

    @property
    def client_type(self) -> str:
        """``http`` or ``sse``: the word VS Code, Claude Code and Cursor use."""
        return "sse" if self.transport == "sse" else "http"


@dataclass(frozen=True)
class InstallModel:
    """Everything any client needs to run or reach one server."""

    name: str
    kind: Kind
    transport: str
    image: str | None
    args: tuple[str, ...]
    env: tuple[Setting, ...]
    headers: tuple[Setting, ...]
    mounts: tuple[Mount, ...]
    #: The container port published on the host (HTTP containers only).
    port: int | None
    #: The URL to connect to; None for stdio containers.
    endpoint: Endpoint | None

    @property
    def stdio(self) -> bool:
        return self.kind is Kind.CONTAINER and self.transport == "stdio"

    @property
    def local_http(self) -> bool:
        return self.kind is Kind.CONTAINER and self.transport != "stdio"

    @property
    def secrets(self) -> tuple[Setting, ...]:
        return tuple(s for s in (*self.env, *self.headers) if s.secret)

    def docker_args(self, *, env_values: bool = False, detach: bool = False) -> list[str]:
        """``docker run`` arguments: ``-e NAME`` (value from the environment) or
        ``-e NAME=value`` (``env_values``; secrets always by name), mounts, the port."""
        args = ["run", "--rm"]
        args += ["-d"] if detach else ["-i"]
        if self.port is not None:
            args += ["-p", f"127.0.0.1:{self.port}:{self.port}"]
        for var in self.env:
            if env_values and not var.secret:
                args += ["-e", f"{var.name}={var.text}"]
            else:
                args += ["-e", var.name]
        for mount in self.mounts:
            args += ["-v", mount.volume()]
        args.append(self.image or "")
        args += list(self.args)
        return args


def _setting(name: str, description: str, secret: bool, default: str | None) -> Setting:
    return Setting(name, description, secret, None if secret else default)


def install_model(entry: Entry) -> InstallModel:
    """The install model of ``entry``: required env vars and headers, host folders, endpoint."""
    env = tuple(
        _setting(v.name, v.description, v.is_secret, v.default)
        for v in entry.env_vars
        if v.required
    )
    headers = tuple(
        _setting(h.name, h.description, h.is_secret, h.default) for h in entry.headers if h.required
    )
    mounts = tuple(Mount(m.name, m.description, m.target, m.read_only) for m in entry.mounts)
    port: int | None = None
    endpoint: Endpoint | None = None
    if entry.kind is Kind.REMOTE:
        endpoint = Endpoint(entry.transport, entry.url or "", local=False)
    elif entry.transport != "stdio":
        port = entry.target_port or DEFAULT_PORT
        endpoint = Endpoint(entry.transport, local_url(entry), local=True)
    return InstallModel(
        name=entry.name,
        kind=entry.kind,
        transport=entry.transport,
        image=entry.image,
        args=entry.args if entry.kind is Kind.CONTAINER else (),
        env=env if entry.kind is Kind.CONTAINER else (),
        headers=headers if entry.kind is Kind.REMOTE else (),
        mounts=mounts if entry.kind is Kind.CONTAINER else (),
        port=port,
        endpoint=endpoint,
    )


def local_url(entry: Entry) -> str:
    """Where a client reaches an HTTP container once its port is published on the host;
    the upstream output's package transport URL is this same string."""
    port = f":{entry.target_port}" if entry.target_port else ""
    return f"http://localhost{port}{HTTP_PATHS.get(entry.transport, '/mcp')}"


# --- rendered snippets --------------------------------------------------------------------


@dataclass(frozen=True)
class Snippet:
    """One way to install the server: a label, the text to copy, and where it goes."""

    id: str
    label: str
    text: str
    language: str
    hint: str


def _placeholders(text: str, model: InstallModel) -> list[str]:
    """The placeholders of ``model`` that ``text`` holds, in model order."""
    names = [s.placeholder for s in (*model.env, *model.headers) if s.value is None]
    names += [m.placeholder for m in model.mounts]
    return [p for p in dict.fromkeys(names) if p in text]


def _replace_hint(text: str, model: InstallModel) -> str:
    found = _placeholders(text, model)
    folders = {m.placeholder for m in model.mounts}
    values = [p for p in found if p not in folders]
    paths = [p for p in found if p in folders]
    out = ""
    if values:
        out += f" Replace {_words(values)} with your {'value' if len(values) == 1 else 'values'}."
    if paths:
        out += f" Replace {_words(paths)} with the host {'folder' if len(paths) == 1 else 'folders'} to mount."
    return out


def _words(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _start_hint(model: InstallModel) -> str:
    if not model.local_http or model.endpoint is None:
        return ""
    return (
        f" Start the server first (the Docker command above publishes port {model.port}), "
        f"then this connects to {model.endpoint.url}."
    )


#: One encoder for every value: ``json.dumps`` with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def dump_json(value: Any, indent: str = "") -> str:
    """JSON indented by two spaces, with lists of plain values kept on one line."""
    encode = _ENCODER.encode
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = [
            f"{inner}{encode(k)}: {dump_json(v, inner) if isinstance(v, dict | list) else encode(v)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        items = [inner + dump_json(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return encode(value)


# --- TOML: the few value types Codex's config needs -----------------------------------------

_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
_TOML_ESCAPES["\r"] = "\\r"


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and every control character escaped."""
    out = []
    for char in text:
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    """A bare key when TOML allows one (``A-Za-z0-9_-``), else a quoted key."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        pairs = [f"{toml_key(k)} = {_toml_value(v)}" for k, v in value.items()]
        return "{ " + ", ".join(pairs) + " }" if pairs else "{}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def toml_document(tables: Mapping[tuple[str, ...], Mapping[str, Any]]) -> str:
    """TOML text of ``{table path: {key: str | list[str] | dict[str, str]}}``; keys are
    bare only when TOML allows it, so any name is safe."""
    blocks = []
    for path, items in tables.items():
        lines = ["[" + ".".join(toml_key(p) for p in path) + "]"]
        lines += [f"{toml_key(k)} = {_toml_value(v)}" for k, v in items.items()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# --- one renderer per client ----------------------------------------------------------------


def render_thv(model: InstallModel, registry_command: str | None = None) -> Snippet:
    """ToolHive: ``thv secret set`` for each secret (it prompts), then ``thv run``;
    ``registry_command`` is the ``thv config set-registry`` line the hint names, when the
    registry's address is known."""
    lines = [shlex.join(["thv", "secret", "set", s.input_id]) for s in model.secrets]
    parts = ["thv", "run"]
    for var in model.env:
        if var.secret:
            parts += ["--secret", f"{var.input_id},target={var.name}"]
        else:
            parts += ["-e", f"{var.name}={var.text}"]
    for header in model.headers:
        if header.secret:
            parts += ["--remote-forward-headers-secret", f"{header.name}={header.input_id}"]
        else:
            parts += ["--remote-forward-headers", f"{header.name}={header.text}"]
    for mount in model.mounts:
        parts += ["-v", mount.volume()]
    parts.append(model.name)
    lines.append(shlex.join(parts))
    text = "\n".join(lines)
    if registry_command:
        hint = f"Runs the server from this registry, added to ToolHive once with {registry_command}"
    else:
        hint = "Runs the server from this registry (add it to ToolHive once, see Use this registry)"
    if model.endpoint is not None and model.local_http:
        hint += "; ToolHive starts the container and proxies it, so nothing else is needed"
    hint += "."
    if model.secrets:
        hint += " thv secret set asks for each secret's value and keeps it in ToolHive's store."
    return Snippet("thv", "ToolHive", text, "sh", hint + _replace_hint(text, model))


def _stdio_item(model: InstallModel) -> JsonDict:
    """``command``/``args``/``env`` of a stdio client that starts the container."""
    item: JsonDict = {"command": "docker", "args": model.docker_args()}
    if model.env:
        item["env"] = {v.name: v.text for v in model.env}
    return item


def _bridge_item(model: InstallModel, header_values: Mapping[str, str] | None) -> JsonDict:
    """``npx mcp-remote URL`` for a stdio-only client; headers go through env variables
    (``--header Name:${VAR}``, which mcp-remote expands) so no value sits in ``args``;
    ``header_values`` None leaves ``env`` out (the client forwards the variables)."""
    assert model.endpoint is not None
    args = [*MCP_REMOTE[1:], model.endpoint.url]
    if model.endpoint.transport == "sse":
        args += ["--transport", "sse-only"]
    env: JsonDict = {}
    for header in model.headers:
        args += ["--header", f"{header.name}:${{{header.env_name}}}"]
        if header_values is not None:
            env[header.env_name] = header_values[header.name]
    item: JsonDict = {"command": MCP_REMOTE[0], "args": args}
    if env:
        item["env"] = env
    return item


def render_claude_desktop(model: InstallModel) -> Snippet:
    """Claude Desktop's ``claude_desktop_config.json`` takes local commands only: the
    container for stdio, the ``mcp-remote`` bridge for an HTTP server."""
    if model.stdio:
        item = _stdio_item(model)
        hint = "Merge into claude_desktop_config.json (Settings > Developer > Edit Config)."
    else:
        assert model.endpoint is not None
        item = _bridge_item(model, {h.name: h.text for h in model.headers})
        hint = (
            "Claude Desktop's config file starts local commands only, so this runs the "
            "mcp-remote bridge (needs Node.js) to reach the server. Merge into "
            "claude_desktop_config.json."
        )
        if not model.local_http and not model.headers:
            hint += " Or add the URL in Settings > Connectors instead."
    text = dump_json({"mcpServers": {model.name: item}})
    return Snippet(
        "claude-desktop",
        "Claude Desktop",
        text,
        "json",
        hint + _start_hint(model) + _replace_hint(text, model),
    )


def cursor_item(model: InstallModel) -> JsonDict:
    """The server's item of Cursor's ``mcpServers``: secrets as ``${env:NAME}``."""
    if model.stdio:
        item: JsonDict = {"command": "docker", "args": model.docker_args()}
        if model.env:
            item["env"] = {
                v.name: "${env:" + v.name + "}" if v.secret else v.text for v in model.env
            }
        return item
    assert model.endpoint is not None
    item = {"url": model.endpoint.url}
    if model.headers:
        item["headers"] = {
            h.name: "${env:" + h.env_name + "}" if h.secret else h.text for h in model.headers
        }
    return item


def render_cursor(model: InstallModel) -> Snippet:
    text = dump_json({"mcpServers": {model.name: cursor_item(model)}})
    hint = "Merge into ~/.cursor/mcp.json (or .cursor/mcp.json of a project)."
    names = [v.name for v in model.env] + [h.env_name for h in model.headers]
    from_env = [n for n in names if "${env:" + n + "}" in text]
    if from_env:
        hint += f" Cursor reads {_words(from_env)} from your environment (${{env:…}})."
    return Snippet(
        "cursor", "Cursor", text, "json", hint + _start_hint(model) + _replace_hint(text, model)
    )


def vscode_config(model: InstallModel) -> tuple[JsonDict, list[JsonDict]]:
    """The server's item of ``.vscode/mcp.json`` and its ``inputs``: VS Code prompts for
    every value it cannot know (secrets with ``password: true``), so nothing is left to
    replace by hand."""
    inputs: list[JsonDict] = []

    def prompted(input_id: str, description: str, password: bool) -> str:
        item: JsonDict = {"type": "promptString", "id": input_id, "description": description}
        if password:
            item["password"] = True
        inputs.append(item)
        return "${input:" + input_id + "}"

    def value(setting: Setting) -> str:
        if setting.value is not None:
            return setting.value
        return prompted(setting.input_id, setting.description, setting.secret)

    if model.stdio:
        args = model.docker_args()
        for mount in model.mounts:
            ref = prompted(mount.input_id, mount.description, False)
            args[args.index(mount.volume())] = mount.volume(ref)
        item: JsonDict = {"type": "stdio", "command": "docker", "args": args}
        if model.env:
            item["env"] = {v.name: value(v) for v in model.env}
        return item, inputs
    assert model.endpoint is not None
    item = {"type": model.endpoint.client_type, "url": model.endpoint.url}
    if model.headers:
        item["headers"] = {h.name: value(h) for h in model.headers}
    return item, inputs


def render_vscode(model: InstallModel) -> Snippet:
    item, inputs = vscode_config(model)
    doc: JsonDict = {"servers": {model.name: item}}
    if inputs:
        doc = {"inputs": inputs, **doc}
    text = dump_json(doc)
    hint = "Save as .vscode/mcp.json (or run MCP: Add Server)."
    if inputs:
        named = {s.input_id: s.name for s in (*model.env, *model.headers)}
        named |= {m.input_id: m.name for m in model.mounts}
        names = [named[str(i["id"])] for i in inputs]
        hint += f" VS Code asks for {_words(names)} when the server first starts"
        hint += (
            "; secrets are typed into a password prompt and stored by VS Code."
            if any(i.get("password") for i in inputs)
            else "."
        )
    return Snippet("vscode", "VS Code", text, "json", hint + _start_hint(model))


def render_claude_code(model: InstallModel) -> Snippet:
    """``claude mcp add``: name first, then the options, then ``--`` and the command (the
    variadic ``-e`` and ``--header`` options would swallow a name that came after them)."""
    if model.stdio:
        parts = ["claude", "mcp", "add", model.name]
        for var in model.env:
            parts += ["-e", f"{var.name}={var.text}"]
        parts += ["--", "docker", *model.docker_args()]
    else:
        assert model.endpoint is not None
        parts = ["claude", "mcp", "add", "--transport", model.endpoint.client_type]
        parts += [model.name, model.endpoint.url]
        for header in model.headers:
            parts += ["--header", f"{header.name}: {header.text}"]
    text = shlex.join(parts)
    return Snippet(
        "claude-code",
        "Claude Code",
        text,
        "sh",
        "Adds the server to Claude Code (add --scope project to share it in .mcp.json)."
        + _start_hint(model)
        + _replace_hint(text, model),
    )


def codex_tables(model: InstallModel) -> dict[tuple[str, ...], JsonDict]:
    """The ``[mcp_servers.<name>]`` table of Codex: secrets forwarded from the environment
    (``env_vars``, ``env_http_headers``); sse goes through ``mcp-remote`` (Codex speaks
    stdio and streamable HTTP only)."""
    key = ("mcp_servers", model.name)
    if model.stdio:
        table: JsonDict = {"command": "docker", "args": model.docker_args()}
        secrets = [v.name for v in model.env if v.secret]
        if secrets:
            table["env_vars"] = secrets
        plain = {v.name: v.text for v in model.env if not v.secret}
        if plain:
            table["env"] = plain
        return {key: table}
    assert model.endpoint is not None
    if model.endpoint.transport == "sse":
        bridge = _bridge_item(model, None)  # values forwarded through env_vars
        table = {"command": bridge["command"], "args": bridge["args"]}
        if model.headers:
            table["env_vars"] = [h.env_name for h in model.headers]
        return {key: table}
    table = {"url": model.endpoint.url}
    plain = {h.name: h.text for h in model.headers if not h.secret}
    if plain:
        table["http_headers"] = plain
    secret = {h.name: h.env_name for h in model.headers if h.secret}
    if secret:
        table["env_http_headers"] = secret
    return {key: table}


def render_codex(model: InstallModel) -> Snippet:
    tables = codex_tables(model)
    text = toml_document(tables)
    table = next(iter(tables.values()))
    hint = "Add to ~/.codex/config.toml."
    forwarded = list(table.get("env_vars", ())) + list(table.get("env_http_headers", {}).values())
    if forwarded:
        hint += f" Codex takes {_words(forwarded)} from the environment it starts in."
    if model.endpoint is not None and model.endpoint.transport == "sse":
        hint += " Codex has no sse client, so this runs the mcp-remote bridge (needs Node.js)."
    return Snippet(
        "codex",
        "Codex CLI",
        text,
        "toml",
        hint + _start_hint(model) + _replace_hint(text, model),
    )


def render_docker(model: InstallModel) -> Snippet:
    """Plain ``docker run``: ``-i`` for stdio; ``-d`` and ``-p`` for an HTTP container."""
    text = shlex.join(["docker", *model.docker_args(env_values=True, detach=model.local_http)])
    if model.local_http and model.endpoint is not None:
        hint = (
            f"Starts the container in the background on port {model.port}; connect a client "
            f"to {model.endpoint.url}. No isolation from ToolHive."
        )
    else:
        hint = "Runs the image directly, without ToolHive's isolation."
    secrets = [v.name for v in model.env if v.secret]
    if secrets:
        hint += f" Docker passes {_words(secrets)} from your shell: export it first."
    mounted = [f"{m.placeholder} at {m.target}" for m in model.mounts]
    if mounted:
        hint += f" Mounts {_words(mounted)}."
    return Snippet("docker", "Docker", text, "sh", hint + _replace_hint(text, model))


def render_all(model: InstallModel, registry_command: str | None = None) -> tuple[Snippet, ...]:
    """Every client's snippet, ToolHive first; Docker only for containers, and right after
    ToolHive for an HTTP container (it is the step that starts it)."""
    clients = [
        render_claude_desktop(model),
        render_cursor(model),
        render_vscode(model),
        render_claude_code(model),
        render_codex(model),
    ]
    thv = render_thv(model, registry_command)
    if model.kind is not Kind.CONTAINER:
        return (thv, *clients)
    docker = render_docker(model)
    if model.local_http:
        return (thv, docker, *clients)
    return (thv, *clients, docker)


def snippets(entry: Entry) -> tuple[Snippet, ...]:
    """Every install snippet of ``entry``."""
    return render_all(install_model(entry))


def install_texts(entry: Entry) -> dict[str, str]:
    """``{client id: snippet text}``: what ``regup info`` shows."""
    return {s.id: s.text for s in snippets(entry)}
