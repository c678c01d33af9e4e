"""What ToolHive does with a registry URL, ported to Python to run against regup's outputs.

A faithful port, request for request and check for check, of:

- stacklok/toolhive at e25de16cf9720b13cf0b400c861a2f6840e2763c (2026-08-21):
  ``pkg/config/registry.go`` (``DetectRegistryType``, ``probeRegistryURL``,
  ``isValidAPIResponse``, ``isValidRegistryJSON``, ``parseAndValidateUpstreamRegistry``),
  ``pkg/registry/legacyhint/legacyhint.go`` (``Looks``), ``pkg/registry/provider_api.go``
  (``NewAPIRegistryProvider``'s validation, ``GetRegistry``, ``GetServer``,
  ``ConvertServerJSON``), ``pkg/registry/api/client.go`` (``GetServer``, ``ListServers``,
  ``fetchServersPage``, ``SearchServers``), ``pkg/registry/api/shared.go``
  (``RegistryHTTPError``) and ``pkg/registry/api/skills_client.go`` (``GetSkill``,
  ``GetSkillVersion``, ``ListSkills``, ``SearchSkills``, ``ListSkillVersions``) with
  ``pkg/skills/skillsvc/registry.go`` (``resolveFromRegistry``, ``thv skill install``);
- stacklok/toolhive-core at 24d618f9da3a6f781e94550a09d9904fa4124424 (2026-08-21):
  ``registry/converters/utils.go`` (``BuildReverseDNSName``, ``ExtractServerName``),
  ``registry/converters/upstream_to_toolhive.go`` (which servers convert: one OCI package,
  or a remote; a transport URL's port must be a number), ``registry/types/upstream_registry.go``.

Go's ``http.Client`` follows up to 10 redirects (ToolHive's builder sets no
``CheckRedirect``), so this client does too. ``thv config set-registry <url>`` runs
:meth:`ToolHive.detect_registry_type`; the API provider is created (and validated) on first
use, by ``thv run <name>`` (:meth:`ApiProvider.get_server`) or ``thv registry list``
(:meth:`ApiProvider.get_registry`). Every request is recorded in :attr:`ToolHive.requests`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx

RegistryType = str
FILE, URL, API = "file", "url", "api"
LEGACY_MIGRATION_MESSAGE = (
    "registry file appears to be in the legacy ToolHive format; "
    "run `thv registry convert --in <path> --in-place` to migrate to the upstream MCP format"
)
#: ``NewAPIRegistryProvider`` validates within 10 s; ``GetRegistry`` gets 60 s.
VALIDATION_SECONDS = 10.0
LIST_SECONDS = 60.0
MAX_SERVERS = 10000
SKILLS_BASE_PATH = "/v0.1/x/dev.toolhive/skills"


class RegistryHTTPError(Exception):
    """``api.RegistryHTTPError``: a non-200 answer (401/403 unwrap to unauthorized)."""

    def __init__(self, status: int, body: str, url: str) -> None:
        super().__init__(f"registry API returned status {status} for {url}: {body}")
        self.status, self.body, self.url = status, body, url

    @property
    def unauthorized(self) -> bool:
        return self.status in (401, 403)


class ToolHiveError(Exception):
    """Any other failure ToolHive reports (conversion, validation, not found, timeout)."""


def path_escape(text: str) -> str:
    """Go's ``url.PathEscape``: unreserved characters and ``$&+:=@`` stay, the rest
    (``/`` included) is percent-encoded."""
    return quote(text, safe="$&+:=@-_.~")


def values_encode(params: dict[str, str]) -> str:
    """Go's ``url.Values.Encode``: keys sorted, ``QueryEscape`` (space as ``+``)."""
    return urlencode(sorted(params.items()))


def build_reverse_dns_name(simple: str) -> str:
    """toolhive-core ``converters.BuildReverseDNSName``."""
    return simple if "/" in simple else "io.github.stacklok/" + simple


def extract_server_name(reverse_dns: str) -> str:
    """toolhive-core ``converters.ExtractServerName``."""
    parts = reverse_dns.split("/")
    return parts[1] if len(parts) == 2 else reverse_dns


def _go_object(data: bytes) -> dict[str, Any] | None:
    """The top-level object as Go's ``json.Unmarshal`` into a struct sees it (None: error,
    or not an object). Go matches field names case-insensitively."""
    try:
        value = json.loads(data)
    except ValueError:
        return None
    if value is None:
        return {}
    return {k.lower(): v for k, v in value.items()} if isinstance(value, dict) else None


def legacy_looks(data: bytes) -> bool:
    """``legacyhint.Looks``: a JSON object with ``servers``, ``remote_servers`` or
    ``groups`` at the top (any value, ``null`` included, is a non-empty RawMessage)."""
    top = _go_object(data)
    return top is not None and any(k in top for k in ("servers", "remote_servers", "groups"))


def parse_and_validate_upstream_registry(data: bytes) -> None:
    """Raises :class:`ToolHiveError` unless ``data`` is an upstream registry with at least
    one server, skill or plugin; the legacy format gets the migration hint."""
    if legacy_looks(data):
        raise ToolHiveError(LEGACY_MIGRATION_MESSAGE)
    top = _go_object(data)
    if top is None:
        raise ToolHiveError("invalid upstream registry format")
    content = top.get("data") or {}
    if not isinstance(content, dict):
        raise ToolHiveError("invalid upstream registry format: data is not an object")
    lists = {k.lower(): v for k, v in content.items()}
    counts = []
    for key in ("servers", "skills", "plugins"):
        value = lists.get(key)
        if value is not None and not isinstance(value, list):
            raise ToolHiveError(f"invalid upstream registry format: data.{key} is not an array")
        counts.append(len(value or []))
    if not any(counts):
        raise ToolHiveError("upstream registry contains no servers, skills, or plugins")


def is_valid_api_response(response: httpx.Response) -> bool:
    """``isValidAPIResponse``: JSON content type, ``servers`` array, ``metadata`` object."""
    if "application/json" not in response.headers.get("content-type", ""):
        return False
    try:
        data = json.loads(response.content)
    except ValueError:
        return False
    if not isinstance(data, dict) or "servers" not in data or "metadata" not in data:
        return False
    return isinstance(data["servers"], list) and isinstance(data["metadata"], dict)


def _join(base: str, path: str) -> str:
    """``url.JoinPath(base, path)`` for the absolute paths ToolHive joins."""
    return base.rstrip("/") + "/" + path.lstrip("/")


@dataclass
class ToolHive:
    """One ToolHive process: an HTTP client like Go's (keep-alive connections, follows up
    to 10 redirects)."""

    timeout: float = 5.0
    requests: list[str] = field(default_factory=list)
    client: httpx.Client = field(
        default_factory=lambda: httpx.Client(follow_redirects=True, max_redirects=10)
    )

    def get(self, url: str, timeout: float | None = None) -> httpx.Response:
        self.requests.append(url)
        headers = {"User-Agent": "toolhive-port"}
        return self.client.get(url, headers=headers, timeout=timeout or self.timeout)

    def close(self) -> None:
        self.client.close()

    # --- thv config set-registry <url> --------------------------------------------------

    def detect_registry_type(self, text: str) -> tuple[RegistryType, str]:
        """``DetectRegistryType``: ``file://`` and paths are files, ``.json`` URLs are
        registry files, other URLs are probed."""
        if text.startswith("file://"):
            return FILE, text.removeprefix("file://")
        if text.startswith(("http://", "https://")):
            if text.endswith(".json"):
                return URL, text
            return self.probe_registry_url(text), text
        return FILE, text

    def probe_registry_url(self, url: str) -> RegistryType:
        """``probeRegistryURL``: ``GET <url>/v0.1/servers?limit=1&version=latest``; a 2xx
        that :func:`is_valid_api_response` accepts, or a 401/403, is an API; anything else
        is a registry file (``setRegistryURL`` then validates it, :meth:`set_registry_url`)."""
        probe = (
            _join(url, "/v0.1/servers") + "?" + values_encode({"limit": "1", "version": "latest"})
        )
        try:
            response = self.get(probe)
        except httpx.HTTPError:
            return URL
        if 200 <= response.status_code < 300:
            if is_valid_api_response(response):
                return API
        elif response.status_code in (401, 403):
            return API
        return URL

    def set_registry_url(self, url: str) -> None:
        """``setRegistryURL`` → ``isValidRegistryJSON``: GET the URL, parse it as an
        upstream registry. Raises :class:`ToolHiveError`."""
        try:
            response = self.get(url)
        except httpx.HTTPError as exc:
            raise ToolHiveError(f"registry unreachable: {exc}") from exc
        parse_and_validate_upstream_registry(response.content)

    def set_registry(self, text: str) -> RegistryType:
        """``thv config set-registry <text>`` with ``--allow-private-ip`` (no HEAD check of
        an API URL then; the provider validates on first use)."""
        kind, clean = self.detect_registry_type(text)
        if kind == URL:
            self.set_registry_url(clean)
        return kind

    def api_provider(self, url: str) -> ApiProvider:
        return ApiProvider.create(self, url)


@dataclass
class ApiProvider:
    """``APIRegistryProvider`` over ``api.mcpRegistryClient`` and ``mcpSkillsClient``."""

    thv: ToolHive
    base_url: str

    @classmethod
    def create(cls, thv: ToolHive, url: str) -> ApiProvider:
        """``NewAPIRegistryProvider``: validated by listing with limit 1 (every page of it)
        within 10 s. Raises :class:`ToolHiveError` or :class:`RegistryHTTPError`."""
        provider = cls(thv, url.rstrip("/"))
        provider.list_servers(limit=1, deadline=time.monotonic() + VALIDATION_SECONDS)
        return provider

    def _json(self, url: str, deadline: float | None = None) -> Any:
        timeout = None
        if deadline is not None:
            timeout = deadline - time.monotonic()
            if timeout <= 0:
                raise ToolHiveError(f"context deadline exceeded before {url}")
        try:
            response = self.thv.get(url, timeout=timeout)
        except httpx.TimeoutException as exc:
            raise ToolHiveError(f"context deadline exceeded: {url}") from exc
        if response.status_code != 200:
            raise RegistryHTTPError(response.status_code, response.text[:4096], str(response.url))
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise ToolHiveError(f"failed to decode response of {url}: {exc}") from exc

    # --- api/client.go --------------------------------------------------------------------

    def fetch_server(self, name: str) -> dict[str, Any]:
        """``Client.GetServer``: ``/v0.1/servers/{PathEscape(name)}/versions/latest``."""
        url = f"{self.base_url}/v0.1/servers/{path_escape(name)}/versions/latest"
        server: dict[str, Any] = self._json(url)["server"]
        return server

    def list_servers(
        self, limit: int = 100, version: str = "latest", deadline: float | None = None
    ) -> list[dict[str, Any]]:
        """``Client.ListServers``: pages of ``limit`` following ``metadata.nextCursor``
        until there is none; more than 10,000 servers is an error."""
        deadline = deadline if deadline is not None else time.monotonic() + LIST_SECONDS
        servers: list[dict[str, Any]] = []
        cursor = ""
        while True:
            params = {"limit": str(limit), "version": version}
            if cursor:
                params["cursor"] = cursor
            page = self._json(f"{self.base_url}/v0.1/servers?{values_encode(params)}", deadline)
            servers += [item["server"] for item in page.get("servers") or []]
            cursor = str((page.get("metadata") or {}).get("nextCursor") or "")
            if not cursor:
                return servers
            if len(servers) > MAX_SERVERS:
                raise ToolHiveError("exceeded maximum server limit (10000)")

    def search_servers(self, query: str) -> list[dict[str, Any]]:
        """``Client.SearchServers``: ``?search=<query>&version=latest``, one page."""
        url = (
            f"{self.base_url}/v0.1/servers?{values_encode({'search': query, 'version': 'latest'})}"
        )
        return [item["server"] for item in self._json(url).get("servers") or []]

    # --- provider_api.go ------------------------------------------------------------------

    def get_server(self, name: str) -> Converted:
        """``GetServer`` (what ``thv run <name>`` looks up): the reverse-DNS name, then the
        name as given, then a search whose results match by full or simple name."""
        reverse = build_reverse_dns_name(name)
        try:
            return convert_server_json(self.fetch_server(reverse))
        except (RegistryHTTPError, ToolHiveError):
            pass
        if reverse != name:
            try:
                return convert_server_json(self.fetch_server(name))
            except (RegistryHTTPError, ToolHiveError):
                pass
        for server in self.search_servers(name):
            if extract_server_name(server["name"]) == name or server["name"] == name:
                return convert_server_json(server)
        raise ToolHiveError(f"server not found: {name}")

    def get_registry(self) -> dict[str, Converted]:
        """``GetRegistry``: every server (limit 100, all pages) that converts, by name."""
        out: dict[str, Converted] = {}
        for server in self.list_servers():
            try:
                converted = convert_server_json(server)
            except ToolHiveError:
                continue  # ConvertServersToMetadata skips what cannot be converted
            out[converted.name] = converted
        return out

    # --- api/skills_client.go -------------------------------------------------------------

    def get_skill(self, namespace: str, name: str) -> dict[str, Any]:
        url = (
            _join(self.base_url, SKILLS_BASE_PATH)
            + f"/{path_escape(namespace)}/{path_escape(name)}"
        )
        skill: dict[str, Any] = self._json(url)
        return skill

    def get_skill_version(self, namespace: str, name: str, version: str) -> dict[str, Any]:
        url = (
            _join(self.base_url, SKILLS_BASE_PATH)
            + f"/{path_escape(namespace)}/{path_escape(name)}/versions/{path_escape(version)}"
        )
        skill: dict[str, Any] = self._json(url)
        return skill

    def list_skill_versions(self, namespace: str, name: str) -> list[dict[str, Any]]:
        url = (
            _join(self.base_url, SKILLS_BASE_PATH)
            + f"/{path_escape(namespace)}/{path_escape(name)}/versions"
        )
        return list(self._json(url).get("skills") or [])

    def list_skills(self, limit: int = 100) -> list[dict[str, Any]]:
        """``ListSkills``: pages of 100 following ``metadata.nextCursor``."""
        skills: list[dict[str, Any]] = []
        cursor = ""
        while True:
            params = {"limit": str(limit)}
            if cursor:
                params["cursor"] = cursor
            page = self._json(_join(self.base_url, SKILLS_BASE_PATH) + "?" + values_encode(params))
            skills += list(page.get("skills") or [])
            cursor = str((page.get("metadata") or {}).get("nextCursor") or "")
            if not cursor:
                return skills
            if len(skills) > MAX_SERVERS:
                raise ToolHiveError("exceeded maximum skills limit (10000)")

    def search_skills(self, query: str) -> list[dict[str, Any]]:
        url = _join(self.base_url, SKILLS_BASE_PATH) + "?" + values_encode({"search": query})
        return list(self._json(url).get("skills") or [])

    def resolve_skill(self, name: str) -> dict[str, Any] | None:
        """``thv skill install <name>``'s registry lookup (``pkg/skills/skillsvc/registry.go``
        ``resolveFromRegistry``): search for the last segment, keep exact matches of the name
        (and of the namespace when given), any case; None when there is none; several are
        ambiguous (:class:`ToolHiveError`)."""
        namespace, _, simple = name.rpartition("/")
        matches = [
            skill
            for skill in self.search_skills(simple)
            if str(skill.get("name", "")).casefold() == simple.casefold()
            and (
                not namespace or str(skill.get("namespace", "")).casefold() == namespace.casefold()
            )
        ]
        if len(matches) > 1:
            raise ToolHiveError(f"ambiguous skill name {name!r} matches multiple registry entries")
        return matches[0] if matches else None


@dataclass(frozen=True)
class Converted:
    """What ``ConvertServerJSON`` makes of a server: its name, kind and image or URL."""

    name: str
    remote: bool
    target: str


def convert_server_json(server: dict[str, Any]) -> Converted:
    """``ConvertServerJSON``: a remote (first of ``remotes``), or exactly one OCI package;
    a transport URL's port must be a number. Raises :class:`ToolHiveError`."""
    name = str(server.get("name", ""))
    remotes = server.get("remotes") or []
    if remotes:
        return Converted(name, True, str(remotes[0].get("url", "")))
    packages = server.get("packages") or []
    if not packages:
        raise ToolHiveError(f"server {name} has no packages or remotes, skipping")
    oci = [p for p in packages if p.get("registryType") == "oci"]
    if len(oci) != 1:
        raise ToolHiveError(f"server '{name}' has {len(oci)} OCI packages, expected exactly 1")
    transport_url = str((oci[0].get("transport") or {}).get("url") or "")
    if transport_url:
        try:
            urlsplit(transport_url).port  # noqa: B018 - raises for a port that is not a number
        except ValueError as exc:
            raise ToolHiveError(
                f"server '{name}': failed to parse transport URL '{transport_url}': {exc}"
            ) from exc
    return Converted(name, False, str(oci[0].get("identifier", "")))
