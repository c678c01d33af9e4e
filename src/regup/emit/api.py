"""A static MCP Registry API v0.1 tree, and the ``openapi.yaml`` beside it.

This module owns ``dist/v0.1/`` and ``openapi.yaml`` (the ToolHive Registry Server's
``api`` source fetches it before it syncs and wants ``info.version: 1.0.0`` and the MCP
registry's GitHub URL in ``info.description``; ToolHive itself never reads it). What a
static host needs to serve the tree as an API (content types, rewrites, CORS) is the
hosting kit's (:mod:`regup.emit.hosting`). The tree carries servers and, under
``v0.1/x/dev.toolhive/skills/``, skills in the shapes of the ToolHive Registry Server's
skills extension; groups are not part of the API.

Server names contain a ``/``, so the files sit at the *decoded* path, the one static hosts
look up: ``/v0.1/servers/io.github.example/fetch/versions/latest`` is the file
``v0.1/servers/io.github.example/fetch/versions/latest``. Paths that are both an endpoint
and a folder (``/v0.1/servers``, ``…/versions``) are written as the folder's
``index.html`` (with JSON in it), the file every static host answers for a folder;
``v0.1/404.html`` is the JSON answer for anything missing. ``regup serve`` adds what
static hosts cannot do (query parameters).

Each server has every version the versions ledger (:mod:`regup.ledger`) holds: the one
its ``spec.yaml`` names is the latest (``isLatest``, ``…/versions/latest``, the list), the
earlier ones stay under ``…/versions`` and ``…/versions/<version>``, as the official
registry keeps them. ``publishedAt`` and ``updatedAt`` come from the ledger (the build
timestamp for a version it does not hold), so the tree is deterministic and a stars
refresh changes no time.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from regup.emit.canonical import Artifacts, EmitContext
from regup.emit.upstream import check_config, entry_document, official_status, to_upstream
from regup.jsonio import dump_json
from regup.ledger import Ledger, skill_key
from regup.model import Entry, JsonDict, Registry, Skill

API_VERSION = "v0.1"
OFFICIAL_META = "io.modelcontextprotocol.registry/official"
#: A folder that is also an endpoint is written as this file inside it.
INDEX_FILE = "index.html"
LIST_PATH = f"{API_VERSION}/servers/{INDEX_FILE}"
OPENAPI_PATH = "openapi.yaml"
#: The API's not-found answer for static hosts: a JSON problem document (Cloudflare Pages
#: serves the nearest ``404.html``; the hosting kit points the other hosts at it).
NOT_FOUND_PATH = f"{API_VERSION}/404.html"
LATEST = "latest"
#: The ToolHive Registry Server's skills extension (``internal/api/x/skills``).
SKILLS_DIR = f"{API_VERSION}/x/dev.toolhive/skills"
SKILLS_LIST_PATH = f"{SKILLS_DIR}/{INDEX_FILE}"


def path_segment(text: str) -> str:
    """``text`` as one safe path segment: ``/`` and other unsafe characters percent-encoded.

    Raises :class:`ValueError` for ``.`` and ``..``, which no file name can be.
    """
    if text in {"", ".", ".."}:
        raise ValueError(f"{text!r} cannot be a path segment")
    return quote(text, safe="-._~+!$&'()*,;=:@")


def server_dir(name: str) -> str:
    """Folder of one server's endpoints: ``v0.1/servers/<namespace>/<name>``."""
    return "/".join([API_VERSION, "servers", *(path_segment(p) for p in name.split("/"))])


def versions_path(name: str) -> str:
    return f"{server_dir(name)}/versions/{INDEX_FILE}"


def version_path(name: str, version: str) -> str:
    return f"{server_dir(name)}/versions/{path_segment(version)}"


def _official(status: str, published: str, updated: str, latest: bool) -> JsonDict:
    return {
        OFFICIAL_META: {
            "status": official_status(status),
            "publishedAt": published,
            "updatedAt": updated,
            "isLatest": latest,
        }
    }


def server_response(entry: Entry, ctx: EmitContext) -> JsonDict:
    """``{server, _meta: {io.modelcontextprotocol.registry/official: …}}`` of the entry's
    current version, the latest. Its times come from the versions ledger (the build
    timestamp for a version it does not hold), never from ``metadata.last_updated``, which
    moves with every stars refresh."""
    server = entry_document(entry, ctx.config, ctx.provenance, ctx.health)
    record = ctx.versions.get(entry.name, str(server["version"]))
    published = record.published_at if record else ctx.timestamp
    updated = record.updated_at if record else ctx.timestamp
    return {"server": server, "_meta": _official(entry.status, published, updated, True)}


def version_responses(entry: Entry, ctx: EmitContext) -> list[JsonDict]:
    """Every version of the entry the ledger holds, oldest first, the current one (the
    latest, from ``spec.yaml``) among them; an earlier version is rebuilt from the document
    the ledger kept of it, as it was when it was last published.

    Raises :class:`~regup.errors.LedgerError` when a kept document is no longer an entry.
    """
    current = server_response(entry, ctx)
    version = current["server"]["version"]
    out: list[JsonDict] = []
    for record in ctx.versions.versions(entry.name):
        if record.version == version:
            out.append(current)
            continue
        old = record.entry(entry.name)
        out.append(
            {
                "server": to_upstream(old, ctx.config),
                "_meta": _official(old.status, record.published_at, record.updated_at, False),
            }
        )
    if current not in out:
        out.append(current)
    return out


def list_response(responses: list[JsonDict], next_cursor: str | None = None) -> JsonDict:
    """A ``ServerListResponse``: the servers and ``metadata.count`` (and ``nextCursor``)."""
    metadata: dict[str, Any] = {"count": len(responses)}
    if next_cursor:
        metadata["nextCursor"] = next_cursor
    return {"servers": responses, "metadata": metadata}


def skill_dir(namespace: str, name: str) -> str:
    """Folder of one skill: ``v0.1/x/dev.toolhive/skills/<namespace>/<name>``; its
    ``index.html`` is the skill's latest version (``GET …/{namespace}/{name}``)."""
    return f"{SKILLS_DIR}/{path_segment(namespace)}/{path_segment(name)}"


def skill_versions_path(namespace: str, name: str) -> str:
    return f"{skill_dir(namespace, name)}/versions/{INDEX_FILE}"


def skill_version_path(namespace: str, name: str, version: str) -> str:
    return f"{skill_dir(namespace, name)}/versions/{path_segment(version)}"


def skill_list_response(skills: list[JsonDict], next_cursor: str | None = None) -> JsonDict:
    """The Registry Server's ``SkillListResponse``: ``{skills, metadata: {count, nextCursor}}``
    (``nextCursor`` only when there is a next page, as Go's ``omitempty`` writes it)."""
    metadata: dict[str, Any] = {"count": len(skills)}
    if next_cursor:
        metadata["nextCursor"] = next_cursor
    return {"skills": skills, "metadata": metadata}


def skill_artifacts(skills: tuple[Skill, ...], namespace: str, ledger: Ledger) -> Artifacts:
    """The skills extension: the list, and per skill its latest version (the one its file
    states), its versions (every one the versions ledger holds, oldest first) and each
    version. The single-skill answers are the bare skill payload, as the Registry Server
    writes them.

    Raises :class:`~regup.errors.LedgerError` when a recorded version is no longer a skill.
    """
    artifacts: Artifacts = {}
    listed: list[JsonDict] = []
    for skill in skills:
        payload = skill.payload(namespace)
        own = payload["namespace"]
        listed.append(payload)
        body = dump_json(payload, compact=True)
        artifacts[f"{skill_dir(own, skill.name)}/{INDEX_FILE}"] = body
        artifacts[skill_version_path(own, skill.name, LATEST)] = body
        versions = {
            record.version: record.skill(skill.name).payload(namespace)
            for record in ledger.versions(skill_key(skill))
            if record.version != skill.version
        }
        versions[skill.version] = payload
        artifacts[skill_versions_path(own, skill.name)] = dump_json(
            skill_list_response(list(versions.values())), compact=True
        )
        for version, document in versions.items():
            if version == LATEST:
                continue
            try:
                artifacts[skill_version_path(own, skill.name, version)] = (
                    body if document is payload else dump_json(document, compact=True)
                )
            except ValueError:
                pass  # a version of "." or "..": reachable as latest only
    listed.sort(key=lambda p: (str(p["namespace"]), str(p["name"])))
    artifacts[SKILLS_LIST_PATH] = dump_json(skill_list_response(listed), compact=True)
    return artifacts


OPENAPI = """\
openapi: 3.1.0
info:
  title: {title}
  version: 1.0.0
  description: >-
    A static MCP Registry API v0.1 written by regup, following the specification of
    https://github.com/modelcontextprotocol/registry (read-only: list, versions, version).
paths:
  /v0.1/servers:
    get:
      summary: The latest version of every server, in one page.
      parameters:
        - {{name: cursor, in: query, schema: {{type: string}}}}
        - {{name: limit, in: query, schema: {{type: integer, minimum: 1, maximum: 100}}}}
        - {{name: search, in: query, schema: {{type: string}}}}
        - {{name: version, in: query, schema: {{type: string}}}}
        - {{name: updated_since, in: query, schema: {{type: string, format: date-time}}}}
      responses:
        "200": {{description: A ServerListResponse}}
  /v0.1/servers/{{serverName}}/versions:
    get:
      summary: Every version of one server.
      parameters:
        - {{name: serverName, in: path, required: true, schema: {{type: string}}}}
      responses:
        "200": {{description: A ServerListResponse}}
        "404": {{description: No such server}}
  /v0.1/servers/{{serverName}}/versions/{{version}}:
    get:
      summary: One version of one server; `latest` is the newest.
      parameters:
        - {{name: serverName, in: path, required: true, schema: {{type: string}}}}
        - {{name: version, in: path, required: true, schema: {{type: string}}}}
      responses:
        "200": {{description: A ServerResponse}}
        "404": {{description: No such server or version}}
  /v0.1/x/dev.toolhive/skills:
    get:
      summary: The latest version of every skill (ToolHive's skills extension).
      parameters:
        - {{name: cursor, in: query, schema: {{type: string}}}}
        - {{name: limit, in: query, schema: {{type: integer, minimum: 1, maximum: 100}}}}
        - {{name: search, in: query, schema: {{type: string}}}}
        - {{name: status, in: query, schema: {{type: string}}}}
      responses:
        "200": {{description: A SkillListResponse}}
  /v0.1/x/dev.toolhive/skills/{{namespace}}/{{name}}:
    get:
      summary: The latest version of one skill.
      parameters:
        - {{name: namespace, in: path, required: true, schema: {{type: string}}}}
        - {{name: name, in: path, required: true, schema: {{type: string}}}}
      responses:
        "200": {{description: A Skill}}
        "404": {{description: No such skill}}
  /v0.1/x/dev.toolhive/skills/{{namespace}}/{{name}}/versions:
    get:
      summary: Every version of one skill.
      parameters:
        - {{name: namespace, in: path, required: true, schema: {{type: string}}}}
        - {{name: name, in: path, required: true, schema: {{type: string}}}}
      responses:
        "200": {{description: A SkillListResponse}}
        "404": {{description: No such skill}}
  /v0.1/x/dev.toolhive/skills/{{namespace}}/{{name}}/versions/{{version}}:
    get:
      summary: One version of one skill; `latest` is the newest.
      parameters:
        - {{name: namespace, in: path, required: true, schema: {{type: string}}}}
        - {{name: name, in: path, required: true, schema: {{type: string}}}}
        - {{name: version, in: path, required: true, schema: {{type: string}}}}
      responses:
        "200": {{description: A Skill}}
        "404": {{description: No such skill or version}}
"""

#: Methods a client may use on the read-only API (``regup serve`` answers the same).
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
#: CORS headers of every JSON output, so browser clients (VS Code, Copilot registries) may
#: read it from any origin, preflight included. ``*`` does not cover ``Authorization``,
#: which has to be named.
CORS_ORIGIN = ("Access-Control-Allow-Origin", "*")
#: What a preflight (``OPTIONS``) answer adds to :data:`CORS_ORIGIN`.
CORS_PREFLIGHT: tuple[tuple[str, str], ...] = (
    ("Access-Control-Allow-Methods", ALLOWED_METHODS),
    ("Access-Control-Allow-Headers", "*, Authorization"),
    ("Access-Control-Max-Age", "86400"),
)
CORS_HEADERS = (CORS_ORIGIN, *CORS_PREFLIGHT)


def _yaml_text(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return dump_json(text).decode().strip()


def problem_body(status: HTTPStatus, detail: str) -> JsonDict:
    """A JSON problem-details document (RFC 9457): ``{title, status, detail}``."""
    return {"title": status.phrase, "status": int(status), "detail": detail}


def entry_artifacts(entry: Entry, ctx: EmitContext) -> tuple[Artifacts, list[JsonDict]]:
    """One server's files of the tree (its versions list and every version, ``latest``
    included) and its latest responses, for the listing."""
    artifacts: Artifacts = {}
    latest: list[JsonDict] = []
    responses = version_responses(entry, ctx)
    name = responses[0]["server"]["name"]
    artifacts[versions_path(name)] = dump_json(list_response(responses), compact=True)
    for response in responses:
        version, body = response["server"]["version"], dump_json(response, compact=True)
        if response["_meta"][OFFICIAL_META]["isLatest"]:
            latest.append(response)
            artifacts[version_path(name, LATEST)] = body
        if version != LATEST:
            try:
                artifacts[version_path(name, version)] = body
            except ValueError:
                pass  # a version of "." or "..": reachable as latest only
    return artifacts, latest


def emit_api(registry: Registry, ctx: EmitContext) -> Artifacts:
    """The ``v0.1/`` tree (with its not-found document) and ``openapi.yaml``.

    Raises :class:`~regup.errors.ConfigError` for a namespace that cannot name servers.
    """
    check_config(ctx.config)
    artifacts: Artifacts = {}
    latest: list[JsonDict] = []
    for entry in registry.entries:
        files, current = entry_artifacts(entry, ctx)
        artifacts.update(files)
        latest += current
    latest.sort(key=lambda r: str(r["server"]["name"]))
    artifacts[LIST_PATH] = dump_json(list_response(latest), compact=True)
    artifacts.update(skill_artifacts(registry.skills, ctx.config.namespace, ctx.versions))
    artifacts[OPENAPI_PATH] = OPENAPI.format(title=_yaml_text(ctx.config.name)).encode()
    artifacts[NOT_FOUND_PATH] = dump_json(
        problem_body(HTTPStatus.NOT_FOUND, "no such server, version or endpoint in this registry")
    )
    return artifacts
