"""The catalog's install section: the snippets of :mod:`regup.install`, the one-click links,
and the "use this registry" and group commands.

Every snippet comes from the entry's install model (:func:`regup.install.install_model`),
rendered once per client; this module adds only what is the site's own: VS Code's
``vscode:mcp/install`` link and Cursor's deeplink, offered only when what they install
works as it is (no ``<...>`` left to replace, no container that must first be started).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from regup.install import (
    InstallModel,
    Snippet,
    cursor_item,
    install_model,
    render_all,
    vscode_config,
)
from regup.model import Entry

__all__ = ["Install", "InstallLink", "Snippet", "install", "install_links", "snippets"]


@dataclass(frozen=True)
class InstallLink:
    """A one-click install link (``vscode:`` or ``cursor:``) with its label."""

    label: str
    href: str


#: ``urllib.parse.quote(c, safe="")`` of every ASCII character, for :meth:`str.translate`.
_PERCENT = {i: quote(chr(i), safe="") for i in range(128)}


def percent_encode(text: str) -> str:
    """``quote(text, safe="")``, in C for ASCII text (``quote`` looks up every byte in Python)."""
    return text.translate(_PERCENT) if text.isascii() else quote(text, safe="")


def snippets(entry: Entry) -> tuple[Snippet, ...]:
    """Every install snippet of ``entry``, ToolHive first."""
    return render_all(install_model(entry))


def install_links(entry: Entry) -> tuple[InstallLink, ...]:
    """One-click links: VS Code's ``vscode:mcp/install`` and Cursor's deeplink."""
    return _install_links(install_model(entry))


def _has_placeholder(model: InstallModel, text: str) -> bool:
    names = [s.placeholder for s in (*model.env, *model.headers) if s.value is None]
    return any(p in text for p in names + [m.placeholder for m in model.mounts])


def _install_links(model: InstallModel) -> tuple[InstallLink, ...]:
    if model.local_http:
        return ()  # the container must be started first: a link alone would not work
    links = []
    item, inputs = vscode_config(model)
    vscode = {"name": model.name, **item}
    if inputs:
        vscode["inputs"] = inputs
    payload = json.dumps(vscode, separators=(",", ":"), ensure_ascii=False)
    links.append(InstallLink("Install in VS Code", "vscode:mcp/install?" + percent_encode(payload)))
    cursor = json.dumps(cursor_item(model), separators=(",", ":"), ensure_ascii=False)
    if not _has_placeholder(model, cursor):
        config = base64.b64encode(cursor.encode()).decode()
        # What urlencode() makes of these two values: neither holds a space.
        query = f"name={percent_encode(model.name)}&config={percent_encode(config)}"
        links.append(
            InstallLink(
                "Install in Cursor", "cursor://anysphere.cursor-deeplink/mcp/install?" + query
            )
        )
    return tuple(links)


@dataclass(frozen=True)
class Install:
    """Every way to install one server: the snippets and the one-click links."""

    snippets: tuple[Snippet, ...]
    links: tuple[InstallLink, ...]


def install(entry: Entry, registry_command: str | None = None) -> Install:
    """:func:`snippets` and :func:`install_links` of ``entry``, the model built once;
    ``registry_command`` (``thv config set-registry …``) is named in ToolHive's hint."""
    model = install_model(entry)
    return Install(render_all(model, registry_command), _install_links(model))


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
                "a host set up with regup's hosting kit (nginx, Caddy, Apache, Netlify, "
                "Cloudflare Pages) or regup serve, not on GitHub Pages, which serves it as "
                "text/html.",
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


def skill_snippets(name: str, base_url: str) -> list[Snippet]:
    """``thv skill install <name>`` and the registry setting it needs.

    ToolHive looks a plain name (or ``<namespace>/<name>``) up in the configured registry
    and installs its oci package, else its git package (stacklok/toolhive
    ``pkg/skills/skillsvc/registry.go``); ``thv skill install`` takes the name as its one
    argument (``cmd/thv/app/skill_install.go``).
    """
    base = base_url or UNKNOWN_BASE_URL
    return [
        Snippet(
            "thv-skill",
            "Install with ToolHive",
            f"thv skill install {name}",
            "sh",
            "Installs the skill's OCI artifact (its Git folder when it has no OCI package) for "
            "your AI clients; --clients and --scope project choose where it goes.",
        ),
        Snippet(
            "thv-skill-registry",
            "Once: point ToolHive at this registry",
            f"thv config set-registry {base}/upstream/registry.json",
            "sh",
            "ToolHive finds skills by name in the registry it is configured with.",
        ),
    ]
