"""Install snippets of one server, for every client the catalog supports.

Each snippet is a plain string prepared here, never in a template: ``thv run``, the
``mcpServers`` JSON of Claude Desktop and Cursor, VS Code's ``.vscode/mcp.json`` (secrets
as ``promptString`` inputs) and its one-click ``vscode:mcp/install`` link, Cursor's deeplink,
the Claude Code command, and ``docker run`` for containers.

Secrets are never filled in: they appear as ``<NAME>`` placeholders, or as prompts where
the client can ask for them. A non-secret required variable gets its default when it has one.
"""

from __future__ import annotations

import base64
import functools
import json
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from regup.model import Entry, Kind

JsonDict = dict[str, Any]

#: Port a container with an HTTP transport listens on when the entry names none.
DEFAULT_PORT = 8080
_HTTP_PATH = {"sse": "/sse", "streamable-http": "/mcp"}


@dataclass(frozen=True)
class Snippet:
    """One way to install the server: a label, the text to copy, and where it goes."""

    id: str
    label: str
    text: str
    language: str
    hint: str


@dataclass(frozen=True)
class InstallLink:
    """A one-click install link (``vscode:`` or ``cursor:``) with its label."""

    label: str
    href: str


@dataclass(frozen=True)
class _Var:
    name: str
    secret: bool
    value: str


#: ``urllib.parse.quote(c, safe="")`` of every ASCII character, for :meth:`str.translate`.
_PERCENT = {i: quote(chr(i), safe="") for i in range(128)}


def percent_encode(text: str) -> str:
    """``quote(text, safe="")``, in C for ASCII text (``quote`` looks up every byte in Python)."""
    return text.translate(_PERCENT) if text.isascii() else quote(text, safe="")


def placeholder(name: str) -> str:
    return f"<{name}>"


def _needed_env(entry: Entry) -> list[_Var]:
    """Required variables, secrets first as placeholders, others with their default."""
    out = []
    for var in entry.env_vars:
        if not var.required:
            continue
        if var.is_secret:
            out.append(_Var(var.name, True, placeholder(var.name)))
        else:
            out.append(_Var(var.name, False, var.default or placeholder(var.name)))
    return out


def _needed_headers(entry: Entry) -> list[_Var]:
    out = []
    for header in entry.headers:
        if not header.required:
            continue
        if header.is_secret or not header.default:
            out.append(_Var(header.name, header.is_secret, placeholder(header.name)))
        else:
            out.append(_Var(header.name, False, header.default))
    return out


def _port(entry: Entry) -> int:
    return entry.target_port or DEFAULT_PORT


def _docker_args(entry: Entry, variables: list[_Var]) -> list[str]:
    args = ["run", "-i", "--rm"] if entry.transport == "stdio" else ["run", "--rm"]
    if entry.transport != "stdio":
        args += ["-p", f"{_port(entry)}:{_port(entry)}"]
    for var in variables:
        args += ["-e", var.name]
    args.append(entry.image or "")
    args += list(entry.args)
    return args


def _local_url(entry: Entry) -> str:
    return f"http://localhost:{_port(entry)}{_HTTP_PATH.get(entry.transport, '/mcp')}"


#: One encoder for every value: ``json.dumps`` with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))


def _dump(value: Any, indent: str = "") -> str:
    """JSON indented by two spaces, with lists of plain values kept on one line."""
    encode = _ENCODER.encode
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = [
            f"{inner}{encode(k)}: {_dump(v, inner) if isinstance(v, dict | list) else encode(v)}"
            for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        items = [inner + _dump(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    return encode(value)


def _input_id(name: str) -> str:
    return name.lower().replace("_", "-")


class _Plan:
    """What every snippet of one entry is made from, each part worked out once."""

    def __init__(self, entry: Entry) -> None:
        self.entry = entry
        self.env = _needed_env(entry)

    @functools.cached_property
    def mcp_servers(self) -> JsonDict:
        entry = self.entry
        if entry.kind is Kind.REMOTE:
            item: JsonDict = {"url": entry.url}
            headers = _needed_headers(entry)
            if headers:
                item["headers"] = {h.name: h.value for h in headers}
            return item
        if entry.transport != "stdio":
            return {"url": _local_url(entry)}
        item = {"command": "docker", "args": _docker_args(entry, self.env)}
        if self.env:
            item["env"] = {v.name: v.value for v in self.env}
        return item

    @functools.cached_property
    def vscode(self) -> tuple[JsonDict, list[JsonDict]]:
        entry = self.entry
        inputs: list[JsonDict] = []

        def prompted(var: _Var, description: str) -> str:
            if not var.secret:
                return var.value
            inputs.append(
                {
                    "type": "promptString",
                    "id": _input_id(var.name),
                    "description": description,
                    "password": True,
                }
            )
            return "${input:" + _input_id(var.name) + "}"

        http = "sse" if entry.transport == "sse" else "http"
        if entry.kind is Kind.REMOTE:
            item: JsonDict = {"type": http, "url": entry.url}
            described = {h.name: h.description for h in entry.headers}
            headers = {h.name: prompted(h, described[h.name]) for h in _needed_headers(entry)}
            if headers:
                item["headers"] = headers
            return item, inputs
        if entry.transport != "stdio":
            return {"type": http, "url": _local_url(entry)}, []
        described = {v.name: v.description for v in entry.env_vars}
        item = {"type": "stdio", "command": "docker", "args": _docker_args(entry, self.env)}
        if self.env:
            item["env"] = {v.name: prompted(v, described[v.name]) for v in self.env}
        return item, inputs


def mcp_servers_config(entry: Entry) -> JsonDict:
    """The server's item of an ``mcpServers`` map (Claude Desktop, Cursor)."""
    return _Plan(entry).mcp_servers


def vscode_config(entry: Entry) -> tuple[JsonDict, list[JsonDict]]:
    """The server's item of ``.vscode/mcp.json`` and its ``inputs`` (one per secret)."""
    return _Plan(entry).vscode


def _claude_code(plan: _Plan) -> str:
    entry = plan.entry
    if entry.kind is Kind.REMOTE:
        transport = "sse" if entry.transport == "sse" else "http"
        parts = ["claude", "mcp", "add", "--transport", transport, entry.name, entry.url or ""]
        for header in _needed_headers(entry):
            parts += ["--header", f"{header.name}: {header.value}"]
        return shlex.join(parts)
    if entry.transport != "stdio":
        transport = "sse" if entry.transport == "sse" else "http"
        return shlex.join(
            ["claude", "mcp", "add", "--transport", transport, entry.name, _local_url(entry)]
        )
    parts = ["claude", "mcp", "add", entry.name]
    for var in plan.env:
        parts += ["-e", f"{var.name}={var.value}"]
    parts += ["--", "docker", *_docker_args(entry, plan.env)]
    return shlex.join(parts)


def _docker_run(plan: _Plan) -> str:
    entry = plan.entry
    args = (
        ["docker", "run", "-i", "--rm"] if entry.transport == "stdio" else ["docker", "run", "--rm"]
    )
    if entry.transport != "stdio":
        args += ["-p", f"{_port(entry)}:{_port(entry)}"]
    for var in plan.env:
        args += ["-e", f"{var.name}={var.value}"]
    args.append(entry.image or "")
    args += list(entry.args)
    return shlex.join(args)


def _thv_run(plan: _Plan) -> str:
    parts = ["thv", "run"]
    for var in plan.env:
        if var.secret:
            parts += ["--secret", f"{_input_id(var.name)},target={var.name}"]
        else:
            parts += ["-e", f"{var.name}={var.value}"]
    parts.append(plan.entry.name)
    return shlex.join(parts)


def snippets(entry: Entry) -> tuple[Snippet, ...]:
    """Every install snippet of ``entry``, ``thv run`` first."""
    return _snippets(_Plan(entry))


def _snippets(plan: _Plan) -> tuple[Snippet, ...]:
    entry = plan.entry
    out = [
        Snippet(
            "thv",
            "ToolHive",
            _thv_run(plan),
            "sh",
            "Runs the server from this registry; secrets come from ToolHive's secret store.",
        ),
        Snippet(
            "mcp-servers",
            "Claude Desktop / Cursor",
            _dump({"mcpServers": {entry.name: plan.mcp_servers}}),
            "json",
            "Merge into claude_desktop_config.json or ~/.cursor/mcp.json; replace each <…> value.",
        ),
    ]
    item, inputs = plan.vscode
    vscode: JsonDict = {"servers": {entry.name: item}}
    if inputs:
        vscode = {"inputs": inputs, **vscode}
    out.append(
        Snippet(
            "vscode",
            "VS Code",
            _dump(vscode),
            "json",
            "Save as .vscode/mcp.json; VS Code prompts for each secret.",
        )
    )
    out.append(
        Snippet(
            "claude-code",
            "Claude Code",
            _claude_code(plan),
            "sh",
            "Adds the server to Claude Code; replace each <…> value.",
        )
    )
    if entry.kind is Kind.CONTAINER:
        out.append(
            Snippet(
                "docker",
                "Docker",
                _docker_run(plan),
                "sh",
                "Runs the image directly, without isolation from ToolHive.",
            )
        )
    return tuple(out)


def install_links(entry: Entry) -> tuple[InstallLink, ...]:
    """One-click links: VS Code's ``vscode:mcp/install`` and Cursor's deeplink."""
    return _install_links(_Plan(entry))


def _install_links(plan: _Plan) -> tuple[InstallLink, ...]:
    entry = plan.entry
    item, inputs = plan.vscode
    vscode: JsonDict = {"name": entry.name, **item}
    if inputs:
        vscode["inputs"] = inputs
    payload = json.dumps(vscode, separators=(",", ":"), ensure_ascii=False)
    cursor = json.dumps(plan.mcp_servers, separators=(",", ":"), ensure_ascii=False)
    config = base64.b64encode(cursor.encode()).decode()
    # What urlencode() makes of these two values: neither holds a space.
    cursor_query = f"name={percent_encode(entry.name)}&config={percent_encode(config)}"
    return (
        InstallLink("Install in VS Code", "vscode:mcp/install?" + percent_encode(payload)),
        InstallLink(
            "Install in Cursor", "cursor://anysphere.cursor-deeplink/mcp/install?" + cursor_query
        ),
    )


@dataclass(frozen=True)
class Install:
    """Every way to install one server: the snippets and the one-click links."""

    snippets: tuple[Snippet, ...]
    links: tuple[InstallLink, ...]


def install(entry: Entry) -> Install:
    """:func:`snippets` and :func:`install_links` of ``entry``, each config made once."""
    plan = _Plan(entry)
    return Install(_snippets(plan), _install_links(plan))


#: What the "use this registry" commands say when the site has no ``base_url``.
UNKNOWN_BASE_URL = "https://<where-this-site-is-hosted>"


def group_snippet(group: str, members: Sequence[str]) -> Snippet:
    """The ToolHive commands that run every server of a group."""
    return Snippet(
        "group",
        "Run the group with ToolHive",
        "\n".join(
            [f"thv group create {group}"] + [f"thv run --group {group} {m}" for m in members]
        ),
        "sh",
        "Creates the group, then runs each server in it.",
    )


#: A minimal ``config.yaml`` of the ToolHive Registry Server (stacklok/toolhive-registry-server,
#: ``internal/config/config.go``): it requires ``sources`` (a synced source needs
#: ``syncPolicy.interval``), ``registries``, ``auth`` and ``database``, and reads the upstream
#: format only (there is no ``format`` key).
REGISTRY_SERVER_CONFIG = """\
sources:
  - name: {source}
    file:
      url: {base}/upstream/registry.json
    syncPolicy:
      interval: "30m"
registries:
  - name: default
    sources: ["{source}"]
auth:
  mode: anonymous
database:
  host: localhost
  port: 5432
  user: registry
  database: registry"""


def registry_snippets(base_url: str, *, api: bool) -> list[Snippet]:
    """The commands that point a client at the registry published at ``base_url`` (``api``:
    the site carries the v0.1 API tree).

    What each says follows the client's code: ``thv config set-registry`` reads a URL that
    ends in ``.json`` as a registry file (the upstream format since v0.25) and probes any
    other URL at ``/v0.1/servers?limit=1&version=latest``, taking it as an API only for a 2xx
    ``application/json`` answer with ``servers`` and ``metadata`` (stacklok/toolhive
    ``pkg/config/registry.go``).
    """
    base = base_url or UNKNOWN_BASE_URL
    commands = [
        Snippet(
            "thv-upstream",
            "ToolHive v0.25 and later",
            f"thv config set-registry {base}/upstream/registry.json",
            "sh",
            "Reads this registry's upstream file; works on any static host, GitHub Pages included.",
        ),
    ]
    if api:
        commands += [
            Snippet(
                "thv-api",
                "ToolHive, through the MCP Registry API v0.1",
                f"thv config set-registry {base}",
                "sh",
                "ToolHive uses the API when /v0.1/servers answers as application/json: on "
                "Netlify, Cloudflare Pages (they read _headers), nginx or regup serve, not on "
                "GitHub Pages, which serves it as text/html.",
            ),
            Snippet(
                "vscode-gallery",
                "VS Code MCP gallery (settings.json)",
                f'"chat.mcp.gallery.serviceUrl": {json.dumps(base)}',
                "json",
                "VS Code lists /v0.1/servers from this base URL and reads each server at "
                ".../versions/latest, its name encoded (%2F).",
            ),
        ]
    commands += [
        Snippet(
            "thv-legacy",
            "ToolHive before v0.25",
            f"thv config set-registry {base}/registry.json",
            "sh",
            "ToolHive's former registry format; v0.25 and later refuse it.",
        ),
        Snippet(
            "thv-registry-server",
            "ToolHive Registry Server",
            REGISTRY_SERVER_CONFIG.format(source="regup", base=base),
            "yaml",
            "A minimal config.yaml: this registry's upstream file as a source, synced every "
            "30 minutes, served as the registry named default (PostgreSQL required).",
        ),
    ]
    return commands
