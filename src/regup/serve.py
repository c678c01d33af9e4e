"""A local preview server: ``dist/`` over HTTP, with the MCP Registry API v0.1 answered properly.

This module owns request handling for ``regup serve``. Static files come from a built folder
or from an in-memory build (:class:`DirectoryFiles`, :class:`MemoryFiles`). Under ``/v0.1/``
it gives ``application/json`` and CORS on every answer and server names with an encoded
``/`` (``%2F``), as static hosts do with the hosting kit (:mod:`regup.emit.hosting`), and
what no static host can: the ``cursor``, ``limit``, ``search``, ``version`` and
``updated_since`` query parameters, the skills extension under ``/v0.1/x/dev.toolhive/skills``
(``search``, ``status``, ``limit`` and ``cursor`` as the ToolHive Registry Server reads them),
and 404s as JSON problem details (RFC 9457) for API
clients (the catalog's 404 page for browsers). ``/v0/`` is answered like ``/v0.1/``, as the
official registry does. Every answer carries an ``ETag`` (``If-None-Match`` gives 304) and is
gzip-compressed when the client accepts it.

API answers come from an index read once from the built tree, never from a path built out
of the request, so no request reaches a file outside the served folder. Uses the standard
library's ``asyncio``: one event loop answers every connection from memory (keep-alive and
pipelining, ``TCP_NODELAY`` so there is no Nagle stall, an idle timeout per connection), and
a few threads write the live preview's event streams. Binds to loopback unless told otherwise.
"""

from __future__ import annotations

import asyncio
import bisect
import email.utils
import functools
import gzip
import hashlib
import json
import os
import re
import socket
import stat
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from regup.emit.api import (
    ALLOWED_METHODS,
    API_VERSION,
    CORS_ORIGIN,
    CORS_PREFLIGHT,
    INDEX_FILE,
    LATEST,
    LIST_PATH,
    SKILLS_LIST_PATH,
    list_response,
    problem_body,
    skill_list_response,
    skill_versions_path,
    versions_path,
)
from regup.emit.hosting import content_type
from regup.errors import ConfigError, LoadError
from regup.jsonio import dump_json
from regup.timeutil import parse_timestamp

JsonDict = dict[str, Any]

DEFAULT_LIMIT = 30
MAX_LIMIT = 100
#: The Registry Server's page size of the skills extension (its default and maximum).
SKILLS_DEFAULT_LIMIT = 50
SKILLS_PREFIX = ("x", "dev.toolhive", "skills")
_SERVER_NAME = re.compile(r"^[a-zA-Z0-9.-]+/[a-zA-Z0-9._-]+$")
JSON_TYPE = "application/json"
PROBLEM_TYPE = "application/problem+json"
#: Paths under which the API is answered; ``/v0`` is the official registry's older name.
API_PREFIXES = (f"/{API_VERSION}", "/v0")
#: The catalog's 404 page, when serving ``dist/site`` or ``dist`` (the catalog under site/).
NOT_FOUND_PAGES = ("404.html", "site/404.html")
_LIMIT = re.compile(r"[0-9]{1,4}")
#: Connections the kernel queues before they are accepted, and seconds an idle one is kept.
BACKLOG = 1024
IDLE_TIMEOUT = 15.0
#: Threads for streamed answers (the live preview's event streams), at most.
STREAM_WORKERS = 32
SERVER_NAME = "regup-serve"
#: Longest request head (request line and headers) and most header lines accepted.
MAX_HEAD = 65536
MAX_HEADERS = 100
#: Files of a built folder kept in memory (at most), and API answers kept (at most).
CACHED_FILES = 50_000
CACHED_ANSWERS = 4096
#: Bodies at least this long, of a compressible type, are gzipped for clients that accept it.
GZIP_MIN = 1024
_COMPRESSIBLE = (
    "application/json",
    "application/problem+json",
    "text/",
    "image/svg+xml",
    "application/xml",
    "application/yaml",
)


class SiteFiles(Protocol):
    """Read-only access to the built files, by relative path (``upstream/registry.json``)."""

    def read(self, rel: str) -> bytes | None:
        """The file's bytes, or None when there is no such file."""
        ...


@dataclass(frozen=True)
class DirectoryFiles:
    """Files of a built folder; nothing outside it is ever read, symlinks included.

    Files read once are kept in memory and checked with one ``stat`` per request (device,
    inode, size and modification time), so a rebuild is seen at once and a file swapped for
    a symlink is checked again from scratch.
    """

    root: Path
    _cache: dict[str, tuple[tuple[int, int, int, int], bytes]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def read(self, rel: str) -> bytes | None:
        path = f"{self.root}/{rel}"
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            return None
        if not stat.S_ISREG(st.st_mode):
            return None  # a folder (the caller tries its index.html) or a device, FIFO…
        key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        cached = self._cache.get(rel)
        if cached is not None and cached[0] == key:
            return cached[1]
        root = self.root.resolve()
        target = (root / rel).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        try:
            data = target.read_bytes()
        except OSError:
            return None
        if len(self._cache) < CACHED_FILES:
            self._cache[rel] = (key, data)
        return data


@dataclass(frozen=True)
class MemoryFiles:
    """Files of an in-memory build (``regup serve --build``)."""

    artifacts: Mapping[str, bytes]

    def read(self, rel: str) -> bytes | None:
        return self.artifacts.get(rel)


class Output(Protocol):
    """Where a streamed answer is written (the connection)."""

    def write(self, data: bytes, /) -> object: ...

    def flush(self) -> object: ...


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    #: A body written as it comes (an event stream, ``regup serve --watch``) instead of
    #: ``body``: called with the connection's output after the headers; the connection
    #: closes when it returns.
    stream: Callable[[Output], None] | None = None


class App(Protocol):
    """What the HTTP handler asks for an answer: :class:`PreviewApp`, or the live
    preview's :class:`regup.watch.LiveApp` in front of it."""

    def handle(self, method: str, target: str, accept: str = "") -> Response: ...


def problem(status: HTTPStatus, detail: str) -> Response:
    """A JSON problem-details answer (``{title, status, detail}``)."""
    return Response(int(status), dump_json(problem_body(status, detail)), PROBLEM_TYPE)


def _json(value: Any) -> Response:
    return Response(200, dump_json(value), JSON_TYPE)


def _load_json(files: SiteFiles, rel: str) -> Any:
    data = files.read(rel)
    if data is None:
        raise LoadError(
            f"the built files have no {rel}; run `regup build` first, or use `regup serve --build`"
        )
    try:
        return json.loads(data)
    except ValueError as exc:
        raise LoadError(f"{rel} is not valid JSON ({exc}); rebuild with `regup build`") from None


def _name(response: JsonDict) -> str:
    return str(response["server"]["name"])


def _matches(search: str, name: str) -> bool:
    """Whether ``search`` (casefolded) finds the server called ``name``: a substring of its
    name, as the official registry matches. The namespace part counts only when the query
    reaches into it (has a ``.`` or ``/``): every server of a registry shares it, so
    ``git`` would otherwise match every ``io.github.*`` name, and ToolHive's ``thv run git``,
    which falls back to one page of ``?search=git`` for a name outside ToolHive's own
    namespace, would not see the server called ``git`` on that page."""
    name = name.casefold()
    if "." in search or "/" in search:
        return search in name
    return search in name.rpartition("/")[2]


def _updated(response: JsonDict) -> datetime | None:
    meta = response.get("_meta", {}).get("io.modelcontextprotocol.registry/official", {})
    try:
        return parse_timestamp(str(meta["updatedAt"]))
    except (KeyError, ValueError):
        return None


def _skill_key(payload: JsonDict) -> str:
    return f"{payload['namespace']}/{payload['name']}"


@dataclass(frozen=True)
class SkillIndex:
    """Every skill's answers: the latest payloads sorted by ``namespace/name``, and each
    skill's versions. Empty for a tree built without skills."""

    latest: tuple[JsonDict, ...] = ()
    keys: tuple[str, ...] = ()
    versions: dict[str, tuple[JsonDict, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, files: SiteFiles) -> SkillIndex:
        """Raises :class:`LoadError` when the skills tree is there but unreadable."""
        if files.read(SKILLS_LIST_PATH) is None:
            return cls()
        listing = _load_json(files, SKILLS_LIST_PATH)
        try:
            latest = tuple(sorted(listing["skills"], key=_skill_key))
            versions = {
                _skill_key(p): tuple(
                    _load_json(files, skill_versions_path(p["namespace"], p["name"]))["skills"]
                )
                for p in latest
            }
        except (KeyError, TypeError) as exc:
            raise LoadError(
                f"the skills tree does not have the expected shape ({exc}); "
                "rebuild with `regup build`"
            ) from None
        return cls(latest=latest, keys=tuple(map(_skill_key, latest)), versions=versions)


@dataclass(frozen=True)
class ApiIndex:
    """Every server's API answers, read once from the built tree."""

    latest: tuple[JsonDict, ...]
    versions: dict[str, tuple[JsonDict, ...]] = field(default_factory=dict)
    #: The names of ``latest``, in the same (sorted) order.
    names: tuple[str, ...] = ()
    skills: SkillIndex = field(default_factory=SkillIndex)

    @classmethod
    def load(cls, files: SiteFiles) -> ApiIndex:
        """Raises :class:`LoadError` when the tree is missing or unreadable."""
        listing = _load_json(files, LIST_PATH)
        try:
            latest = tuple(sorted(listing["servers"], key=_name))
            versions = {}
            for response in latest:
                name = _name(response)
                versions[name] = tuple(_load_json(files, versions_path(name))["servers"])
        except (KeyError, TypeError) as exc:
            raise LoadError(
                f"the {API_VERSION} tree does not have the expected shape ({exc}); "
                "rebuild with `regup build`"
            ) from None
        return cls(
            latest=latest,
            versions=versions,
            names=tuple(map(_name, latest)),
            skills=SkillIndex.load(files),
        )

    def updated(self, files: SiteFiles, names: Sequence[str]) -> ApiIndex:
        """This index with the servers called ``names`` (already in it) read again from
        ``files``: what an edit of a few entries changes, without reading every server's
        versions again. Raises :class:`LoadError` as :meth:`load` does."""
        versions = dict(self.versions)
        latest = list(self.latest)
        for name in names:
            try:
                found = tuple(_load_json(files, versions_path(name))["servers"])
                flagged = [r for r in found if _official(r).get("isLatest") is True]
                at = bisect.bisect_left(self.names, name)
            except (KeyError, TypeError) as exc:
                raise LoadError(f"the {API_VERSION} tree of {name} is malformed ({exc})") from None
            if at == len(self.names) or self.names[at] != name or not flagged:
                raise LoadError(f"{name} is not a server of this index")
            versions[name] = found
            latest[at] = flagged[-1]
        return ApiIndex(tuple(latest), versions, self.names, self.skills)


class PreviewApp:
    """Answers one request: ``handle(method, target)`` → :class:`Response`. No sockets here.

    ``api`` is the index of ``files`` when the caller has it already (see
    :meth:`ApiIndex.updated`); by default it is read from them."""

    def __init__(self, files: SiteFiles, api: ApiIndex | None = None) -> None:
        self.files = files
        self.api = ApiIndex.load(files) if api is None else api
        # The index never changes while serving: an answer is worked out once per target.
        self.api_request = functools.lru_cache(maxsize=CACHED_ANSWERS)(self.api_request)  # type: ignore[method-assign]

    def handle(self, method: str, target: str, accept: str = "") -> Response:
        """The answer to ``method target``; ``accept`` is the request's ``Accept`` header
        (browsers get the catalog's 404 page, API clients a JSON problem)."""
        if method == "OPTIONS":
            return Response(204, headers=CORS_PREFLIGHT)  # the same CORS as _headers
        if method not in {"GET", "HEAD"}:
            response = problem(
                HTTPStatus.METHOD_NOT_ALLOWED, f"{method} is not supported; this API is read-only"
            )
            return Response(
                response.status, response.body, response.content_type, (("Allow", ALLOWED_METHODS),)
            )
        parts = urlsplit(target)
        path = parts.path or "/"
        for prefix in API_PREFIXES:
            if path == prefix or path.startswith(prefix + "/"):
                return self.api_request(path.removeprefix(prefix), parts.query)
        response = self.static_request(path)
        if response.status == 404 and "text/html" in accept:
            for rel in NOT_FOUND_PAGES:
                page = self.files.read(rel)
                if page is not None:
                    return Response(404, page, content_type(rel))
        return response

    # --- the API -----------------------------------------------------------------------

    def api_request(self, raw_path: str, query: str) -> Response:
        """``raw_path`` is the path after the version prefix (``/servers/…``)."""
        segments = raw_path.split("/")[1:]
        if segments and segments[-1] == "":
            segments = segments[:-1]
        if segments == ["servers"]:
            return self.list_servers(query)
        if len(segments) >= 2 and segments[0] == "servers":
            return self.server_request(segments[1:])
        if tuple(segments[:3]) == SKILLS_PREFIX:
            return self.skills_request([unquote(s) for s in segments[3:]], query)
        return problem(
            HTTPStatus.NOT_FOUND,
            f"no such endpoint: /{API_VERSION}{unquote(raw_path)}; the API has "
            f"/{API_VERSION}/servers, /{API_VERSION}/servers/{{name}}/versions and "
            f"/{API_VERSION}/servers/{{name}}/versions/{{version}}",
        )

    def server_request(self, tail: list[str]) -> Response:
        # The name is one segment with %2F, or two decoded segments; "versions" can also be
        # a server's own name, so try every place it appears.
        for i, segment in enumerate(tail):
            if segment != "versions" or i == 0:
                continue
            name = unquote("/".join(tail[:i]))
            found = self.api.versions.get(name)
            if found is None:
                continue
            rest = tail[i + 1 :]
            if not rest:
                return _json(list_response(list(found)))
            if len(rest) == 1:
                return self.one_version(name, found, unquote(rest[0]))
            return problem(HTTPStatus.NOT_FOUND, f"no such endpoint under server {name}")
        # Not found: name what was asked for, without the endpoint words after it.
        cut = next((i for i, seg in enumerate(tail) if seg == "versions" and i), len(tail))
        name = unquote("/".join(tail[:cut]))
        if name in self.api.versions:
            encoded = quote(name, safe="")
            return problem(
                HTTPStatus.NOT_FOUND,
                f"server {name} exists, but the API has no document at this path; ask "
                f"/{API_VERSION}/servers/{encoded}/versions/latest or .../versions",
            )
        return problem(HTTPStatus.NOT_FOUND, f"server {name} not found")

    def one_version(self, name: str, found: tuple[JsonDict, ...], version: str) -> Response:
        if version == LATEST:
            flagged = [r for r in found if _official(r).get("isLatest") is True]
            chosen = flagged[-1] if flagged else (found[-1] if found else None)
        else:
            chosen = next((r for r in found if r["server"].get("version") == version), None)
        if chosen is None:
            return problem(HTTPStatus.NOT_FOUND, f"server {name} has no version {version}")
        return _json(chosen)

    def list_servers(self, query: str) -> Response:
        params: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            params.setdefault(key, value)
        limit = DEFAULT_LIMIT
        if "limit" in params:
            text = params["limit"]
            if not _LIMIT.fullmatch(text) or not 1 <= int(text) <= MAX_LIMIT:
                return problem(
                    HTTPStatus.BAD_REQUEST, f"limit must be a whole number from 1 to {MAX_LIMIT}"
                )
            limit = int(text)
        cursor = params.get("cursor", "")
        if cursor and (len(cursor) > 200 or not _SERVER_NAME.match(cursor)):
            return problem(
                HTTPStatus.BAD_REQUEST,
                "cursor is not one this server gave out; use metadata.nextCursor of the last page",
            )
        since: datetime | None = None
        if params.get("updated_since"):
            try:
                since = parse_timestamp(params["updated_since"])
            except ValueError:
                return problem(
                    HTTPStatus.BAD_REQUEST, "updated_since must be an RFC 3339 timestamp"
                )
        search = params.get("search", "").casefold()
        version = params.get("version", "")
        items: Sequence[JsonDict] = self.api.latest
        if cursor:
            # Names are sorted: the page starts right after the cursor, found by bisection,
            # so walking 10,000 servers one page at a time stays linear.
            items = items[bisect.bisect_right(self.api.names, cursor) :]
        if search:
            items = [r for r in items if _matches(search, _name(r))]
        if version and version != LATEST:
            # An exact version may be an earlier one: look through every server's versions
            # (still in name order, so the cursor keeps working).
            items = [
                found
                for r in items
                for found in self.api.versions.get(_name(r), (r,))
                if found["server"].get("version") == version
            ]
        if since is not None:
            items = [r for r in items if (moment := _updated(r)) is not None and moment > since]
        page = list(items[:limit])
        next_cursor = _name(page[-1]) if len(items) > limit else None
        return _json(list_response(page, next_cursor))

    # --- the skills extension ----------------------------------------------------------

    def skills_request(self, tail: list[str], query: str) -> Response:
        """``/x/dev.toolhive/skills`` and below, as the Registry Server routes them."""
        if not tail:
            return self.list_skills(query)
        if len(tail) == 1 and "/" in tail[0]:  # one segment with an encoded /
            tail = tail[0].split("/", 1)
        if len(tail) < 2:
            return problem(
                HTTPStatus.NOT_FOUND,
                f"no such endpoint; ask /{API_VERSION}/x/dev.toolhive/skills/{{namespace}}/{{name}}",
            )
        key = f"{tail[0]}/{tail[1]}"
        found = self.api.skills.versions.get(key)
        if found is None:
            return problem(HTTPStatus.NOT_FOUND, f"skill {key} not found")
        rest = tail[2:]
        if not rest:
            return _json(found[-1])
        if rest == ["versions"]:
            return _json(skill_list_response(list(found)))
        if len(rest) == 2 and rest[0] == "versions":
            version = rest[1]
            chosen = (
                found[-1]
                if version == LATEST
                else next((p for p in found if p.get("version") == version), None)
            )
            if chosen is None:
                return problem(HTTPStatus.NOT_FOUND, f"skill {key} has no version {version}")
            return _json(chosen)
        return problem(HTTPStatus.NOT_FOUND, f"no such endpoint under skill {key}")

    def list_skills(self, query: str) -> Response:
        params: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=True):
            params.setdefault(key, value)
        limit = SKILLS_DEFAULT_LIMIT
        if params.get("limit", "") != "":
            text = params["limit"]
            if not _LIMIT.fullmatch(text) or not 1 <= int(text) <= MAX_LIMIT:
                return problem(
                    HTTPStatus.BAD_REQUEST, f"limit must be a whole number from 1 to {MAX_LIMIT}"
                )
            limit = int(text)
        index = self.api.skills
        items: Sequence[JsonDict] = index.latest
        cursor = params.get("cursor", "").strip()
        if cursor:
            if len(cursor) > 300 or cursor.count("/") != 1:
                return problem(
                    HTTPStatus.BAD_REQUEST,
                    "cursor is not one this server gave out; use metadata.nextCursor of the "
                    "last page",
                )
            items = items[bisect.bisect_right(index.keys, cursor) :]
        search = params.get("search", "").strip().casefold()
        if search:
            items = [
                p
                for p in items
                if search in str(p.get("name", "")).casefold()
                or search in str(p.get("description", "")).casefold()
            ]
        statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
        if statuses:
            items = [p for p in items if p.get("status", "active") in statuses]
        page = list(items[:limit])
        next_cursor = _skill_key(page[-1]) if len(items) > limit else None
        return _json(skill_list_response(page, next_cursor))

    # --- static files ------------------------------------------------------------------

    def static_request(self, raw_path: str) -> Response:
        decoded = unquote(raw_path)
        if "\x00" in decoded or "\\" in decoded:
            return problem(HTTPStatus.BAD_REQUEST, "the path has characters no file name has")
        segments = [s for s in decoded.split("/") if s not in ("", ".")]
        if ".." in segments:
            return problem(HTTPStatus.BAD_REQUEST, "the path leaves the served folder")
        rel = "/".join(segments)
        index = f"{rel}/{INDEX_FILE}" if rel else INDEX_FILE
        if raw_path.endswith("/"):  # a folder's address: its index.html, else the file
            data = self.files.read(index)
            if data is not None:
                return Response(200, data, content_type(index))
        if rel:
            data = self.files.read(rel)
            if data is not None:
                return Response(200, data, content_type(rel))
        if not raw_path.endswith("/") and self.files.read(index) is not None:
            return Response(301, headers=(("Location", raw_path + "/"),))
        return problem(HTTPStatus.NOT_FOUND, f"no file at {decoded}")


def _official(response: JsonDict) -> dict[str, Any]:
    meta = response.get("_meta")
    official = (
        meta.get("io.modelcontextprotocol.registry/official") if isinstance(meta, dict) else None
    )
    return official if isinstance(official, dict) else {}


@functools.lru_cache(maxsize=CACHED_ANSWERS)
def etag_of(body: bytes) -> str:
    """A strong validator for ``body``: the same bytes always give the same tag.

    Cached: bodies come from the file and answer caches, and a ``bytes`` object keeps its
    own hash, so a repeated body costs a dictionary lookup, not a digest.
    """
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _accepts_gzip(header: str) -> bool:
    for item in header.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() in {"gzip", "*"}:
            return params.replace(" ", "") not in {"q=0", "q=0.0", "q=0.00", "q=0.000"}
    return False


class _GzipCache:
    """Compressed bodies by ETag, so a popular document is compressed once."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, etag: str, body: bytes) -> bytes:
        with self._lock:
            found = self._items.get(etag)
            if found is not None:
                self._items.move_to_end(etag)
                return found
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        with self._lock:
            self._items[etag] = packed
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return packed


_VERSION = re.compile(r"HTTP/(\d)\.(\d)")
_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


@dataclass(frozen=True)
class Request:
    """One parsed request head; header names are lowercase, repeated ones joined by ``,``."""

    method: str
    target: str
    version: tuple[int, int]
    headers: dict[str, str]
    line: str

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    @property
    def has_body(self) -> bool:
        return "transfer-encoding" in self.headers or self.header("content-length") not in (
            "",
            "0",
        )

    @property
    def keep_alive(self) -> bool:
        tokens = {t.strip().lower() for t in self.header("connection").split(",")}
        if self.version >= (1, 1):
            return "close" not in tokens
        return "keep-alive" in tokens


class BadRequest(Exception):
    """A request head that cannot be answered normally: answered with ``status``, then the
    connection is closed (what follows it on the connection cannot be trusted)."""

    def __init__(self, status: HTTPStatus, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def parse_head(head: bytes) -> Request:
    """The request in ``head`` (the bytes before the blank line). Raises :class:`BadRequest`."""
    lines = head.split(b"\r\n")
    line = lines[0].decode("latin-1")
    words = line.split(" ")
    if len(words) != 3:
        raise BadRequest(HTTPStatus.BAD_REQUEST, f"malformed request line {line[:100]!r}")
    method, target, version_text = words
    version = _VERSION.fullmatch(version_text)
    if version is None or not _TOKEN.fullmatch(method.encode("latin-1")):
        raise BadRequest(HTTPStatus.BAD_REQUEST, f"malformed request line {line[:100]!r}")
    numbers = (int(version[1]), int(version[2]))
    if numbers[0] != 1:
        raise BadRequest(
            HTTPStatus.HTTP_VERSION_NOT_SUPPORTED, f"{version_text} is not supported; use HTTP/1.1"
        )
    if len(lines) - 1 > MAX_HEADERS:
        raise BadRequest(
            HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, f"more than {MAX_HEADERS} header lines"
        )
    headers: dict[str, str] = {}
    for raw in lines[1:]:
        name, colon, value = raw.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise BadRequest(HTTPStatus.BAD_REQUEST, f"malformed header line {raw[:100]!r}")
        key = name.decode("latin-1").lower()
        text = value.strip(b" \t").decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    if target.startswith("//"):
        target = "/" + target.lstrip("/")  # as http.server does: never a network path
    elif not target.startswith("/") and target != "*":
        parts = urlsplit(target)  # absolute form, as proxies send it
        if parts.scheme not in {"http", "https"}:
            raise BadRequest(HTTPStatus.BAD_REQUEST, f"malformed request target {target[:100]!r}")
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Request(method, target, numbers, headers, line)


@functools.lru_cache(maxsize=4)
def _http_date(second: int) -> str:
    return email.utils.formatdate(second, usegmt=True)


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _log_date() -> str:
    """The request log's time stamp, as http.server writes it (``04/Dec/2026 05:20:15``)."""
    now = time.localtime()
    month = _MONTHS[now.tm_mon - 1]
    return f"{now.tm_mday:02d}/{month}/{now.tm_year:04d} {now.tm_hour:02d}:{now.tm_min:02d}:{now.tm_sec:02d}"


_STATUS_LINES = {int(s): f"HTTP/1.1 {int(s)} {s.phrase}" for s in HTTPStatus}


def _head(status: int, headers: Sequence[tuple[str, str]]) -> bytes:
    lines = [_STATUS_LINES.get(status, f"HTTP/1.1 {status} ")]
    lines.extend(f"{key}: {value}" for key, value in headers)
    lines.append("\r\n")
    return "\r\n".join(lines).encode("latin-1")


class _StreamOutput:
    """The connection as an :class:`Output` for a streamed answer written from a worker
    thread: writes are handed to the event loop; once the client is gone they raise."""

    def __init__(self, connection: _Connection) -> None:
        self.connection = connection

    def write(self, data: bytes, /) -> object:
        connection = self.connection
        if connection.closed:
            raise ConnectionResetError("the client went away")
        try:
            connection.loop.call_soon_threadsafe(connection.write_if_open, bytes(data))
        except RuntimeError:  # the server has stopped
            raise ConnectionResetError("the server stopped") from None
        return len(data)

    def flush(self) -> object:
        if self.connection.closed:
            raise ConnectionResetError("the client went away")
        return None


class _Connection(asyncio.Protocol):
    """One client connection: reads request heads, answers each in order (keep-alive and
    pipelining), closes on ``Connection: close``, a bad request or ``IDLE_TIMEOUT`` seconds
    without a byte from the client."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.loop = server.loop
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.peer = "-"
        self.closed = False
        self.paused = False  # the client reads slower than we answer
        self.held = False  # a streamed answer owns the connection
        self.last_seen = 0.0
        self.pending = 0  # bytes of answers not yet sent, at the last idle check
        self.idle: asyncio.TimerHandle | None = None

    # --- asyncio's callbacks -----------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in {socket.AF_INET, socket.AF_INET6}:
            # Without this, an answer written in two sends waits for the client's delayed
            # ACK (about 40 ms per request on a keep-alive connection).
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername")
        self.peer = str(peer[0]) if isinstance(peer, tuple) and peer else "-"
        self.last_seen = self.loop.time()
        self.idle = self.loop.call_later(IDLE_TIMEOUT, self._check_idle)
        self.server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        self.last_seen = self.loop.time()
        if self.held:
            return  # nothing after a streamed or final answer is read: never buffer it
        self.buffer += data
        self._answer_waiting()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.server.connections.discard(self)
        if self.idle is not None:
            self.idle.cancel()

    def pause_writing(self) -> None:
        self.paused = True
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.paused = False
        if self.transport is not None and not self.closed:
            self.transport.resume_reading()
            self._answer_waiting()

    # --- requests ----------------------------------------------------------------------

    def _check_idle(self) -> None:
        """Close the connection after ``IDLE_TIMEOUT`` seconds in which the client sent
        nothing and took nothing of an answer still waiting to be sent; drop that answer
        (abort) when it stopped reading. A streamed answer has no idle timer."""
        if self.closed or self.transport is None:
            return
        now = self.loop.time()
        pending = self.transport.get_write_buffer_size() + self._unsent()
        if pending != self.pending:  # the client took part of the answer: it is reading
            self.pending = pending
            self.last_seen = now
        left = self.last_seen + IDLE_TIMEOUT - now
        if left > 0:
            self.idle = self.loop.call_later(left, self._check_idle)
        elif pending:
            self.transport.abort()
        else:
            self.transport.close()

    def _unsent(self) -> int:
        """Bytes in the kernel's send queue of this connection (0 where it cannot be asked):
        a client that reads slowly takes from there long before this side writes again."""
        sock = self.transport.get_extra_info("socket") if self.transport else None
        if sock is None:
            return 0
        try:
            import fcntl  # POSIX only
            import termios

            out = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
        except (ImportError, AttributeError, OSError):
            return 0
        return int.from_bytes(out, sys.byteorder)

    def _answer_waiting(self) -> None:
        """Answer every complete request head in the buffer, in order."""
        while not (self.closed or self.paused or self.held):
            while self.buffer[:2] == b"\r\n":
                del self.buffer[:2]  # blank lines before a request are allowed (RFC 9112)
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_HEAD:
                    self._refuse(
                        BadRequest(
                            HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                            f"the request head is longer than {MAX_HEAD} bytes",
                        )
                    )
                return
            head = bytes(self.buffer[:end])
            del self.buffer[: end + 4]
            try:
                if end > MAX_HEAD:
                    raise BadRequest(
                        HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                        f"the request head is longer than {MAX_HEAD} bytes",
                    )
                request = parse_head(head)
            except BadRequest as refused:
                self._refuse(refused)
                return
            self._answer(request)

    def _refuse(self, refused: BadRequest) -> None:
        response = problem(refused.status, refused.detail)
        self._send(None, response, keep=False)

    def _answer(self, request: Request) -> None:
        try:
            response = self.server.app.handle(
                request.method, request.target, request.header("accept")
            )
        except Exception as exc:  # the one request boundary: answer, log, keep serving
            self.server.log(
                f"{self.peer} - - [{_log_date()}] internal error on {request.target!r}: {exc!r}"
            )
            response = problem(HTTPStatus.INTERNAL_SERVER_ERROR, "the server failed; see its log")
        # A body is never read (the API is read-only): the connection ends after the answer.
        keep = request.keep_alive and not request.has_body
        if response.stream is not None:
            self._stream(request, response)
        else:
            self._send(request, response, keep=keep)

    def _send(self, request: Request | None, response: Response, *, keep: bool) -> None:
        body = response.body
        status = response.status
        headers = self._common_headers()
        headers.append(("X-Content-Type-Options", "nosniff"))
        if status == 200 and request is not None:
            etag = etag_of(body)
            headers.append(("ETag", etag))
            if etag in [t.strip() for t in request.header("if-none-match").split(",")]:
                status, body = 304, b""
            elif (
                len(body) >= GZIP_MIN
                and (response.content_type or "").startswith(_COMPRESSIBLE)
                and _accepts_gzip(request.header("accept-encoding"))
            ):
                body = self.server.gzip_cache.get(etag, body)
                headers.append(("Content-Encoding", "gzip"))
            headers.append(("Vary", "Accept-Encoding"))
        if response.content_type and status != 304:
            headers.append(("Content-Type", response.content_type))
        headers.extend(response.headers)
        if status not in (204, 304):
            headers.append(("Content-Length", str(len(body))))
        if not keep:
            headers.append(("Connection", "close"))
        elif request is not None and request.version < (1, 1):
            headers.append(("Connection", "keep-alive"))
        data = _head(status, headers)
        if body and (request is None or request.method != "HEAD"):
            data += body
        self._log(request, status)
        assert self.transport is not None
        self.transport.write(data)
        if not keep:
            self.held = True  # nothing more is read from this connection
            self.transport.close()

    def _stream(self, request: Request, response: Response) -> None:
        """Send the head now and hand the connection's output to a worker thread, which
        writes the body as it comes; the connection closes when it returns."""
        assert response.stream is not None and self.transport is not None
        headers = self._common_headers()
        if response.content_type:
            headers.append(("Content-Type", response.content_type))
        headers.extend(response.headers)
        self._log(request, response.status)
        self.transport.write(_head(response.status, headers))
        self.held = True
        if self.idle is not None:
            self.idle.cancel()
        future = self.loop.run_in_executor(
            self.server.streams, _run_stream, response.stream, _StreamOutput(self)
        )
        future.add_done_callback(lambda _: self.close())

    def _common_headers(self) -> list[tuple[str, str]]:
        """The headers of every answer: always revalidated, readable from any origin."""
        return [
            ("Server", SERVER_NAME),
            ("Date", _http_date(int(time.time()))),
            CORS_ORIGIN,
            ("Cache-Control", "no-cache"),
        ]

    def _log(self, request: Request | None, status: int) -> None:
        if not self.server.quiet:
            line = request.line if request is not None else "-"
            self.server.log(f'{self.peer} - - [{_log_date()}] "{line}" {status} -')

    def write_if_open(self, data: bytes) -> None:
        if not self.closed and self.transport is not None:
            self.transport.write(data)

    def close(self) -> None:
        if not self.closed and self.transport is not None:
            self.transport.close()


def _run_stream(stream: Callable[[Output], None], out: _StreamOutput) -> None:
    try:
        stream(out)
    except (ConnectionError, TimeoutError):
        pass  # the page went away


class Server:
    """An HTTP/1.1 server on one asyncio event loop: every connection is a
    :class:`_Connection`, answered in the loop's thread (answers come from memory), so
    thousands of idle keep-alive clients cost a few kilobytes each and no thread.
    Streamed answers run in a small pool of threads.

    Bound on creation (``server_port`` is known at once); :meth:`serve_forever` runs until
    :meth:`shutdown` (from another thread) or Ctrl+C.
    """

    def __init__(self, app: App, sock: socket.socket, *, quiet: bool = True) -> None:
        self.app = app
        self.socket = sock
        self.quiet = quiet
        self.gzip_cache = _GzipCache()
        self.streams = ThreadPoolExecutor(
            max_workers=STREAM_WORKERS, thread_name_prefix="regup-stream"
        )
        self.loop = asyncio.new_event_loop()
        self.connections: set[_Connection] = set()
        self._stop = asyncio.Event()

    @property
    def server_port(self) -> int:
        return int(self.socket.getsockname()[1])

    def log(self, line: str) -> None:
        sys.stderr.write(line + "\n")

    def serve_forever(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        finally:
            asyncio.set_event_loop(None)

    async def _serve(self) -> None:
        server = await self.loop.create_server(
            lambda: _Connection(self), sock=self.socket, backlog=BACKLOG
        )
        async with server:
            await self._stop.wait()
            server.close()
            for connection in list(self.connections):
                connection.close()  # an idle keep-alive client must not hold up the stop

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever`; safe from any thread."""
        self.loop.call_soon_threadsafe(self._stop.set)

    def server_close(self) -> None:
        self.socket.close()
        self.streams.shutdown(wait=False, cancel_futures=True)
        if not self.loop.is_running():
            self.loop.close()


def make_server(app: App, host: str, port: int, *, quiet: bool = True) -> Server:
    """A server bound to ``host:port`` (port 0 picks a free one), not yet serving.

    ``quiet`` leaves out the request log. Raises :class:`ConfigError` when the address
    cannot be used.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); pick another --port or --host"
        ) from None
    return Server(app, sock, quiet=quiet)


def is_loopback(host: str) -> bool:
    return host in {"localhost", "::1"} or host.startswith("127.")
