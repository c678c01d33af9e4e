"""The live and drift signals: an MCP handshake with the server, and its tools compared.

A remote server is reached at its ``url`` over its declared transport (streamable-http or
sse) with :func:`regup.authoring.mcpclient.handshake`: ``initialize``, then ``tools/list``,
within a timeout. A 401/403 without a ``WWW-Authenticate`` challenge still counts as
*auth-required* when the entry declares a required header or an OAuth configuration, or the
origin publishes OAuth protected-resource or authorization-server metadata (RFC 9728 / RFC
8414 well-known documents). A container server is *not run* unless
the check is asked to run containers; then its image is started with docker (stdio: ``docker
run -i``; sse and streamable-http: ``docker run -d`` with its port published on 127.0.0.1).

Drift compares what a healthy server listed with the entry: tools added or removed against
``tools``, and, per tool, the sha256 of its description and input schema against
``tools.json`` (or, without one, against the hashes of the last check).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from regup.authoring.mcpclient import (
    Handshake,
    HttpTarget,
    HttpTransport,
    Reach,
    StdioTarget,
    Target,
    handshake,
)
from regup.errors import HealthError, NetworkError
from regup.healthstate import Finding, Record
from regup.jsonio import dump_json
from regup.model import Entry
from regup.tooldefs import JsonDict

#: RFC 9728 and RFC 8414 documents that say a server is protected by OAuth.
OAUTH_METADATA = (
    "/.well-known/oauth-protected-resource",
    "/.well-known/oauth-authorization-server",
)
#: How long a started container may take before its port answers.
CONTAINER_START_SECONDS = 30.0


def tool_hash(definition: Mapping[str, Any]) -> str:
    """sha256 of a tool's description and input schema (what an assistant reads)."""
    part = {
        "description": definition.get("description"),
        "inputSchema": definition.get("inputSchema"),
    }
    return "sha256:" + hashlib.sha256(dump_json(part, compact=True)).hexdigest()


@dataclass(frozen=True)
class LiveResult:
    """The live finding of one entry, the drift finding when the server listed its tools,
    and ``fault`` when the check itself could not run (nothing is then written)."""

    live: Finding | None
    drift: Finding | None = None
    fault: str | None = None


def check_live(
    entry: Entry,
    *,
    timeout: float,
    run_containers: bool,
    previous_live: Record | None = None,
    http: Any = None,
) -> LiveResult:
    """Handshake with ``entry``'s server and compare its tools.

    ``http`` is an :class:`httpx.Client` for the OAuth metadata look-up (none: skipped).
    Raises :class:`HealthError` when containers are to be run and docker is missing.
    """
    if entry.url is not None:
        transport: HttpTransport = "sse" if entry.transport == "sse" else "streamable-http"
        shake = handshake(HttpTarget(entry.url, transport), timeout=timeout)
        if shake.reach is Reach.NOT_MCP and shake.status in (401, 403):
            shake = _declared_credentials(entry, shake)
        if shake.reach is Reach.NOT_MCP and shake.status in (401, 403) and http is not None:
            shake = _oauth_metadata(shake, entry.url, http)
        return _result(entry, shake, transport, previous_live)
    if not run_containers:
        return LiveResult(
            Finding(
                "not-run",
                "container server, not started (regup check --run-containers starts it)",
                {"transport": entry.transport},
            )
        )
    with _container(entry, timeout) as target:
        shake = handshake(target, timeout=timeout)
    return _result(entry, shake, entry.transport, previous_live)


def _result(entry: Entry, shake: Handshake, transport: str, previous: Record | None) -> LiveResult:
    facts: dict[str, Any] = {"transport": transport}
    if shake.protocol_version:
        facts["protocol_version"] = shake.protocol_version
    if shake.server_name:
        facts["server"] = f"{shake.server_name} {shake.server_version or ''}".strip()
    if shake.status is not None:
        facts["status"] = shake.status
    drift = None
    if shake.listing is not None:
        hashes = {str(d["name"]): tool_hash(d) for d in shake.listing.definitions}
        facts["tools"] = dict(sorted(hashes.items()))
        drift = compare_tools(entry, shake.listing.definitions, previous)
    return LiveResult(Finding(shake.reach.value, shake.detail, facts), drift)


def compare_tools(
    entry: Entry, listed: tuple[JsonDict, ...], previous_live: Record | None
) -> Finding:
    """The drift finding: ``listed`` against ``tools`` and ``tools.json`` (or the hashes
    the last check saw, when the entry has no definitions)."""
    names = {str(d["name"]) for d in listed}
    declared = set(entry.tools)
    added, removed = sorted(names - declared), sorted(declared - names)
    now = {str(d["name"]): tool_hash(d) for d in listed}
    if entry.tool_definitions:
        against = "tools.json"
        before = {str(d["name"]): tool_hash(d) for d in entry.tool_definitions}
    else:
        against = "last check"
        seen = previous_live.facts.get("tools") if previous_live is not None else None
        before = {str(k): str(v) for k, v in seen.items()} if isinstance(seen, Mapping) else {}
    changed = sorted(n for n in now if n in before and before[n] != now[n])
    facts: dict[str, Any] = {"against": against}
    parts = []
    if added:
        facts["added"] = added
        parts.append(f"{len(added)} added ({', '.join(added)})")
    if removed:
        facts["removed"] = removed
        parts.append(f"{len(removed)} removed ({', '.join(removed)})")
    if changed:
        facts["changed"] = changed
        parts.append(f"{len(changed)} changed against {against} ({', '.join(changed)})")
    if not parts:
        return Finding("unchanged", f"{len(names)} tools, as declared", facts)
    return Finding(
        "drifted",
        "tools " + "; ".join(parts) + ": review them, a changed description changes what an "
        "assistant does",
        facts,
    )


def _declared_credentials(entry: Entry, shake: Handshake) -> Handshake:
    """``shake`` as auth-required when the entry itself says credentials are needed (a
    required header, or an OAuth configuration): the refusal is the one it announces."""
    needed = [h.name for h in entry.headers if h.required]
    if not needed and entry.oauth_config is None:
        return shake
    what = f"the {', '.join(needed)} header" if needed else "OAuth sign-in"
    return Handshake(
        Reach.AUTH_REQUIRED,
        f"answered HTTP {shake.status} without credentials; the entry says it needs {what}",
        status=shake.status,
    )


def _oauth_metadata(shake: Handshake, url: str, http: Any) -> Handshake:
    """``shake`` as auth-required when the origin publishes OAuth metadata."""
    from regup.enrich.transport import send

    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    for path in OAUTH_METADATA:
        try:
            answer = send(http, "GET", origin + path, parts.netloc)
        except NetworkError:
            return shake
        kind = answer.headers.get("content-type", "")
        if answer.status_code == 200 and "json" in kind:
            return Handshake(
                Reach.AUTH_REQUIRED,
                f"answered HTTP {shake.status}; its OAuth metadata is at {origin}{path}",
                status=shake.status,
            )
    return shake


def require_docker() -> None:
    """Raises :class:`HealthError` (what to install) when docker is not on PATH: asked
    before anything is started or written."""
    _docker()


def _docker() -> str:
    found = shutil.which("docker")
    if found is None:
        raise HealthError(
            "--run-containers needs docker, which is not on PATH; install Docker (or run "
            "without --run-containers: container servers are then reported not run)"
        )
    return found


@contextmanager
def _container(entry: Entry, timeout: float) -> Iterator[Target]:
    """The entry's image started with docker, as a handshake target; removed afterwards."""
    docker = _docker()
    assert entry.image is not None
    if entry.transport == "stdio":
        yield StdioTarget((docker, "run", "-i", "--rm", entry.image, *entry.args))
        return
    port = entry.target_port or 8080
    started = subprocess.run(
        [docker, "run", "-d", "--rm", "-p", f"127.0.0.1::{port}", entry.image, *entry.args],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout + CONTAINER_START_SECONDS,
    )
    if started.returncode != 0:
        raise HealthError(f"docker could not start {entry.image}: {started.stderr.strip()[-300:]}")
    container = started.stdout.strip()
    try:
        mapped = subprocess.run(
            [docker, "port", container, str(port)],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        address = mapped.stdout.strip().splitlines()[0] if mapped.stdout.strip() else ""
        path = "/sse" if entry.transport == "sse" else "/mcp"
        transport: HttpTransport = "sse" if entry.transport == "sse" else "streamable-http"
        time.sleep(1.0)  # the server inside needs a moment after the port is mapped
        yield HttpTarget(f"http://{address}{path}", transport)
    finally:
        subprocess.run(
            [docker, "rm", "-f", container], capture_output=True, check=False, timeout=60
        )
