"""Ask a running MCP server for its tools, with the official Python SDK (``mcp``).

A server is reached over stdio (a command regup starts, with extra environment variables)
or over HTTP (a streamable-http or sse URL, with extra headers). :func:`list_tools`
connects, pages through ``tools/list`` and disconnects; every way this can fail (a command
that does not start, a server that exits, one that never answers, an HTTP error) becomes
one :class:`~regup.errors.McpServerError` that says what happened and what to try.

:func:`handshake` does the same exchange (``initialize``, then ``tools/list``) as a health
check and never raises for the server's sake: it returns a :class:`Handshake` whose
:class:`Reach` says whether the server is healthy, asks for credentials (401/403 with a
``WWW-Authenticate`` challenge), answers HTTP that is not MCP, or cannot be reached.
"""

from __future__ import annotations

import enum
import logging
import shlex
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, Literal, TextIO, cast

from regup.errors import McpServerError
from regup.tooldefs import JsonDict, normalize_tool

HttpTransport = Literal["streamable-http", "sse"]

DEFAULT_TIMEOUT = 30.0
#: More pages than any real server has: a server that pages forever cannot hang regup.
MAX_PAGES = 100
_STDERR_LINES = 12


@dataclass(frozen=True)
class StdioTarget:
    """A server regup starts itself and talks to over stdin/stdout."""

    command: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_command_line(cls, command: str, env: Mapping[str, str] | None = None) -> StdioTarget:
        """Split ``command`` like a shell would; raises :class:`McpServerError` when empty."""
        try:
            parts = tuple(shlex.split(command))
        except ValueError as exc:
            raise McpServerError(f"cannot read the command {command!r}: {exc}") from None
        if not parts:
            raise McpServerError("the command is empty; give one with --command 'uvx my-server'")
        return cls(parts, dict(env or {}))

    def describe(self) -> str:
        return shlex.join(self.command)


@dataclass(frozen=True)
class HttpTarget:
    """A running server at a streamable-http or sse URL."""

    url: str
    transport: HttpTransport = "streamable-http"
    headers: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.url} ({self.transport})"


Target = StdioTarget | HttpTarget


@dataclass(frozen=True)
class ToolListing:
    """The tools a server listed, as ``tools.json`` keeps them (sorted by name)."""

    server: str
    definitions: tuple[JsonDict, ...]

    @property
    def names(self) -> list[str]:
        return sorted({str(d["name"]) for d in self.definitions})


@dataclass(frozen=True)
class HttpAnswer:
    """One HTTP answer the server gave during the exchange (what a health check reports)."""

    status: int
    content_type: str = ""
    challenge: str | None = None  # the WWW-Authenticate header, when there was one


class Reach(enum.StrEnum):
    """What a handshake found at the other end."""

    HEALTHY = "healthy"  # initialize and tools/list answered
    AUTH_REQUIRED = "auth-required"  # 401/403 with a WWW-Authenticate challenge
    NOT_MCP = "not-mcp"  # something answered HTTP, but not MCP
    UNREACHABLE = "unreachable"  # no answer: refused, timed out, no such host, exited


@dataclass(frozen=True)
class Handshake:
    """The outcome of :func:`handshake`: how far it got, in words, and what it learnt."""

    reach: Reach
    detail: str
    listing: ToolListing | None = None
    protocol_version: str | None = None
    server_name: str | None = None
    server_version: str | None = None
    status: int | None = None  # the HTTP status that decided a failed handshake
    challenge: str | None = None


@dataclass
class _Exchange:
    """What one exchange learnt besides the tools: the HTTP answers and the server's name."""

    answers: list[HttpAnswer] = field(default_factory=list)
    protocol_version: str | None = None
    server_name: str | None = None
    server_version: str | None = None

    @property
    def statuses(self) -> list[int]:
        return [a.status for a in self.answers if a.status >= 400]


def list_tools(target: Target, *, timeout: float = DEFAULT_TIMEOUT) -> ToolListing:
    """Connect to ``target``, list every tool, disconnect.

    ``timeout`` bounds the whole exchange, start-up included. Raises
    :class:`McpServerError` when the server cannot be started or reached, exits, does not
    answer in time or answers with an error.
    """
    return _run(target, timeout, _Exchange())


def _run(target: Target, timeout: float, seen: _Exchange) -> ToolListing:
    import anyio

    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr_file:
        errlog = cast(TextIO, stderr_file)
        try:
            tools = anyio.run(_list_tools, target, timeout, errlog, seen)
        except McpServerError:
            raise
        except BaseException as exc:  # noqa: BLE001 - every failure becomes one clear message
            if isinstance(exc, KeyboardInterrupt | SystemExit):
                raise
            raise _explain(exc, target, timeout, _tail(errlog), seen.statuses) from None
    definitions = tuple(sorted((normalize_tool(t) for t in tools), key=lambda d: str(d["name"])))
    return ToolListing(target.describe(), definitions)


def handshake(target: Target, *, timeout: float = DEFAULT_TIMEOUT) -> Handshake:
    """``initialize`` then ``tools/list`` within ``timeout`` seconds, as a health check.

    Never raises for what the server does: every outcome is a :class:`Handshake`. A 401 or
    403 counts as *auth-required* only with a ``WWW-Authenticate`` challenge (the MCP
    authorization spec's way to point at OAuth metadata); any other HTTP answer that is not
    MCP (an HTML page, a 404, a wrong content type, a JSON-RPC error) is *not-mcp*; no HTTP
    answer at all is *unreachable*.
    """
    seen = _Exchange()
    with _quiet_sdk():
        try:
            listing = _run(target, timeout, seen)
        except McpServerError as exc:
            return _classify(str(exc), seen, isinstance(target, HttpTarget))
    count = len(listing.definitions)
    name = f"{seen.server_name or ''} {seen.server_version or ''}".strip()
    return Handshake(
        Reach.HEALTHY,
        f"answered initialize and tools/list with {count} tool{'' if count == 1 else 's'}"
        + (f" as {name}" if name else ""),
        listing=listing,
        protocol_version=seen.protocol_version,
        server_name=seen.server_name,
        server_version=seen.server_version,
    )


def _classify(message: str, seen: _Exchange, http: bool) -> Handshake:
    refused = [a for a in seen.answers if a.status in (401, 403)]
    for answer in refused:
        if answer.challenge:
            return Handshake(
                Reach.AUTH_REQUIRED,
                f"answered HTTP {answer.status} asking for credentials "
                f"(WWW-Authenticate: {answer.challenge[:200]})",
                status=answer.status,
                challenge=answer.challenge[:500],
            )
    if seen.answers and http:
        decisive = next((a for a in seen.answers if a.status >= 400), seen.answers[-1])
        return Handshake(Reach.NOT_MCP, message, status=decisive.status)
    if seen.protocol_version is not None:  # initialized, then failed: MCP, but broken
        return Handshake(Reach.NOT_MCP, message)
    return Handshake(Reach.UNREACHABLE, message)


@contextmanager
def _quiet_sdk() -> Iterator[None]:
    """The SDK logs every transport error with a traceback; a health check reports them."""
    logger = logging.getLogger("mcp")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


async def _list_tools(
    target: Target, timeout: float, errlog: TextIO, seen: _Exchange
) -> list[JsonDict]:
    import anyio
    from mcp import Client

    tools: list[JsonDict] = []
    with anyio.fail_after(timeout):
        transport = _transport(target, timeout, errlog, seen)
        async with Client(transport, cache=None) as client:
            seen.protocol_version = client.protocol_version
            info = client.server_info
            if info is not None:
                seen.server_name, seen.server_version = info.name, info.version or None
            cursor: str | None = None
            for _ in range(MAX_PAGES):
                page = await client.list_tools(cursor=cursor)
                tools += [
                    t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in page.tools
                ]
                cursor = page.next_cursor
                if not cursor:
                    break
            else:
                raise McpServerError(
                    f"{target.describe()} kept paging tools/list past {MAX_PAGES} pages; "
                    "the server's pagination looks broken"
                )
    names = [t.get("name") for t in tools]
    if len(set(names)) != len(names):
        dupes = sorted({str(n) for n in names if names.count(n) > 1})
        raise McpServerError(f"{target.describe()} lists these tools twice: {', '.join(dupes)}")
    return tools


def _transport(target: Target, timeout: float, errlog: TextIO, seen: _Exchange) -> Any:
    from regup.net import make_mcp_http_client

    async def note_status(response: Any) -> None:
        # The SDK turns HTTP errors into a generic JSON-RPC error; keep the status to say why.
        headers = response.headers
        seen.answers.append(
            HttpAnswer(
                int(response.status_code),
                str(headers.get("content-type", "")),
                headers.get("www-authenticate"),
            )
        )

    def client_factory(
        headers: dict[str, str] | None = None, timeout: Any = None, auth: Any = None
    ) -> Any:
        client = make_mcp_http_client(headers=headers, timeout=timeout, auth=auth)
        client.event_hooks = {"request": [], "response": [note_status]}
        return client

    if isinstance(target, StdioTarget):
        from mcp import StdioServerParameters
        from mcp.client.stdio import stdio_client

        params = StdioServerParameters(
            command=target.command[0], args=list(target.command[1:]), env=dict(target.env)
        )
        return stdio_client(params, errlog=errlog)
    headers = dict(target.headers)
    if target.transport == "sse":
        from mcp.client.sse import sse_client

        return sse_client(
            target.url,
            headers=headers,
            timeout=timeout,
            sse_read_timeout=timeout,
            httpx_client_factory=client_factory,
        )
    from mcp.client.streamable_http import streamable_http_client

    return streamable_http_client(
        target.url, http_client=client_factory(headers=headers, timeout=timeout)
    )


def _tail(errlog: IO[str]) -> str:
    try:
        errlog.seek(0)
        lines = errlog.read().strip().splitlines()
    except (OSError, ValueError):
        return ""
    return "\n".join(lines[-_STDERR_LINES:])


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


def _explain(
    exc: BaseException, target: Target, timeout: float, stderr: str, statuses: list[int]
) -> McpServerError:
    """One message for whatever went wrong, most telling cause first."""
    leaves = _leaves(exc)
    what = target.describe()
    said = f"\nThe server's last words on stderr:\n{stderr}" if stderr else ""
    for leaf in leaves:
        if isinstance(leaf, McpServerError):
            return leaf
    for leaf in leaves:
        if isinstance(leaf, TimeoutError):
            hint = (
                "it may be waiting for configuration (pass it with --env NAME=VALUE), or it is "
                "slow to start (raise --timeout)"
                if isinstance(target, StdioTarget)
                else "check the URL and that the server is running, or raise --timeout"
            )
            return McpServerError(
                f"{what} did not answer within {timeout:g} seconds; {hint}.{said}"
            )
    for leaf in leaves:
        if isinstance(leaf, FileNotFoundError | PermissionError) and isinstance(
            target, StdioTarget
        ):
            return McpServerError(
                f"cannot start {target.command[0]!r}: {leaf.strerror or leaf}. Check the "
                "command (is it installed and on PATH?)"
            )
    found = [getattr(getattr(leaf, "response", None), "status_code", None) for leaf in leaves]
    for status in [*found, *statuses]:
        if isinstance(status, int):
            hint = " (pass credentials with --header NAME=VALUE)" if status in (401, 403) else ""
            return McpServerError(f"{what} answered HTTP {status}{hint}")
    for leaf in leaves:
        name = type(leaf).__name__
        if name in {"ConnectError", "ConnectTimeout", "ReadError", "RemoteProtocolError"}:
            return McpServerError(
                f"cannot reach {what}: {leaf or name}. Check the URL and that the server runs"
            )
    for leaf in leaves:
        if type(leaf).__name__ == "MCPError":
            message = getattr(getattr(leaf, "error", None), "message", str(leaf))
            if "closed" in str(message).lower():
                return McpServerError(
                    f"{what} closed the connection before listing its tools (did it exit? "
                    f"run the command by hand to see why).{said}"
                )
            return McpServerError(f"{what} answered with an error: {message}.{said}")
    first = leaves[0] if leaves else exc
    return McpServerError(
        f"talking to {what} failed: {type(first).__name__}: {first}. Check the server.{said}"
    )
