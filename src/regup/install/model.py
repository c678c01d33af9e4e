"""The install model of one entry: what any client needs to run or reach the server.

:func:`install_model` works out once the container's ``docker`` arguments (environment,
host folders, published port), the values a user must supply (secrets, required settings
without a default, host folders) and the URL a client connects to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from regup.model import Entry, Kind

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
