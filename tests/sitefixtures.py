"""A fixture registry for the catalog's tests: 32 varied servers, two groups, one hostile entry.

``write_site_registry(root)`` writes the entries as ``spec.yaml`` files (all valid);
``hostile_entry()`` is built in Python because its tool names could never pass validation:
it carries HTML and script payloads in every text field the catalog shows.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from regup.model import Entry, EnvVar, Permissions
from tests.helpers import TEST_NAMESPACE, container, group, remote, write_registry

#: Set by any payload that manages to run in the browser.
PWNED = "window.__pwned = 1"
SCRIPT = f"<script>{PWNED}</script>"
IMG = f'<img src=x onerror="{PWNED}">'
JS_LINK = f"javascript:{PWNED}"

TIERS = ("Official", "Community")
TAGS = ("database", "web", "search", "cloud", "monitoring")


def _container(i: int) -> dict[str, Any]:
    tags = [TAGS[i % len(TAGS)], TAGS[(i + 2) % len(TAGS)]]
    doc = container(
        title=f"Server {i:02d}",
        description=f"Container server number {i} for tests of the catalog.",
        tier=TIERS[i % 2],
        transport="stdio" if i % 3 else "streamable-http",
        image=f"ghcr.io/example/server-{i:02d}:1.{i}.0",
        repository_url=f"https://github.com/example/server-{i:02d}",
        tags=tags,
        tools=[f"action_{i:02d}_{n}" for n in range(1 + i % 4)],
        metadata={
            "stars": i * 11,
            "pulls": i * 100,
            "last_updated": f"2025-{1 + i % 12:02d}-{1 + i:02d}T10:00:00Z",
        },
        env_vars=[
            {
                "name": f"API_KEY_{i:02d}",
                "description": "Key of your account.",
                "required": True,
                "secret": True,
            },
            {
                "name": "LOG_LEVEL",
                "description": "How much to log.",
                "required": False,
                "default": "info",
            },
        ],
    )
    if i % 3 == 0:
        doc["target_port"] = 8080
    if i % 4 == 0:
        doc["permissions"] = {
            "network": {"outbound": {"allow_host": ["api.example.com"], "allow_port": [443]}}
        }
    elif i % 4 == 1:
        doc["permissions"] = {"network": {"outbound": {"insecure_allow_all": True}}}
    elif i % 4 == 2:
        doc["permissions"] = {"read": ["/data"], "network": {"outbound": {}}}
    if i == 5:
        doc["status"] = "Deprecated"
        doc["custom_metadata"] = {"replaced_by": "server-06"}
    if i % 5 == 0:
        doc["provenance"] = {
            "repository_uri": f"https://github.com/example/server-{i:02d}",
            "cert_issuer": "https://token.actions.githubusercontent.com",
        }
    return doc


def _remote(i: int) -> dict[str, Any]:
    return remote(
        title=f"Hosted {i:02d}",
        description=f"Remote server number {i} for tests of the catalog.",
        url=f"https://mcp{i}.example.com/mcp",
        tags=["cloud", "hosted"],
        tools=[f"hosted_{i:02d}_{n}" for n in range(2)],
        metadata={"stars": 5 + i, "last_updated": f"2024-06-{1 + i:02d}T00:00:00Z"},
    )


def site_entries() -> dict[str, Any]:
    entries: dict[str, Any] = {f"server-{i:02d}": _container(i) for i in range(24)}
    entries.update({f"hosted-{i:02d}": _remote(i) for i in range(8)})
    entries["weather"] = container(
        title="Weather",
        description="Looks up current conditions and forecasts.",
        image="ghcr.io/example/weather:2.0.0",
        tags=["weather"],
        tools=[
            "find_weather_forecast",
            "get_conditions",
            "lookup_pollen_count",
            "check-ozone-level",
        ],
        overview="Answers **weather** questions. See [the docs](https://weather.example.com/docs).",
        env_vars=[
            {
                "name": "WEATHER_TOKEN",
                "description": "Token of the weather API.",
                "required": True,
                "secret": True,
            },
            {
                "name": "WEATHER_REGION",
                "description": "Region code.",
                "required": True,
                "default": "eu",
            },
        ],
        permissions={
            "network": {"outbound": {"allow_host": ["api.weather.example"], "allow_port": [443]}}
        },
        metadata={"stars": 999, "pulls": 12345, "last_updated": "2026-01-02T03:04:05Z"},
    )
    entries["starter-kit"] = group("Servers to start with.", "weather", "server-01", "hosted-01")
    entries["databases"] = group("Database servers.", "server-00", "server-05")
    return entries


#: ``weather``'s ``tools.json``: two tools described, two left as names only.
WEATHER_TOOLS = [
    {
        "name": "find_weather_forecast",
        "description": "Forecast for a place, by day.",
        "inputSchema": {
            "type": "object",
            "properties": {
                "place": {"type": "string", "description": "A city or coordinates."},
                "days": {"type": "integer", "default": 3},
            },
            "required": ["place"],
        },
        "annotations": {"readOnlyHint": True, "openWorldHint": True},
    },
    {
        "name": "get_conditions",
        "description": "Conditions now.",
        "inputSchema": {"type": "object", "properties": {"place": {"type": "string"}}},
    },
]


def write_site_registry(root: Path) -> Path:
    write_registry(root, **site_entries())
    (root / "weather" / "tools.json").write_text(json.dumps(WEATHER_TOOLS), encoding="utf-8")
    return root


def hostile_entry() -> Entry:
    """A container whose every shown text carries HTML and script payloads."""
    return Entry(
        name="hostile",
        title=f"Hostile {SCRIPT}",
        description=f"Tries to run code: {SCRIPT} {IMG}",
        overview=f'Overview {SCRIPT} {IMG} [click me]({JS_LINK}) <a href="{JS_LINK}">raw</a>',
        tier="Community",
        status="Active",
        transport="stdio",
        image="ghcr.io/example/hostile:1.0.0",
        tools=(f"tool{IMG}", f"tool{SCRIPT}", "plain_tool"),
        tags=("hostile",),
        repository_url=JS_LINK,
        website_url=JS_LINK,
        env_vars=(EnvVar("TOKEN", f"Secret {IMG} {SCRIPT}", required=True, secret=True),),
        examples=(f"Ask {SCRIPT}",),
        permissions=Permissions(read=(f"/{IMG}",)),
    )


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if key in {"href", "src"} and value is not None:
                self.links.append(value)


def broken_links(site: Path, base_path: str = "/") -> list[str]:
    """Every relative (or base-path-absolute) link or asset of the site that has no file.

    Returns ``"<page>: <link>"`` for each broken one; links to other hosts and schemes are
    not followed (the site makes no requests to them).
    """
    broken = []
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if not text.lstrip().startswith("<"):
            continue  # the API tree's JSON answers are index.html files too
        parser = _Links()
        parser.feed(text)
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            if parts.path.startswith("/"):
                if not parts.path.startswith(base_path):
                    broken.append(f"{page.relative_to(site)}: {link}")
                    continue
                target = site / unquote(parts.path[len(base_path) :])
            else:
                target = (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or site.resolve() not in target.resolve().parents:
                broken.append(f"{page.relative_to(site)}: {link}")
    return broken


BASE_URL = "https://registry.example.org/catalog"


def build_fixture_site(folder: Path, *, hostile: bool = True) -> Path:
    """The fixture registry (plus the hostile entry) built into ``folder/site``, through the
    same emitters and site step as ``regup build``. Returns the site folder."""
    from regup.config import Config
    from regup.emit import EMITTERS
    from regup.emit.canonical import EmitContext, build_timestamp
    from regup.files import write_outputs
    from regup.load import load_registry
    from regup.model import Registry
    from regup.site import SiteOptions, build_site
    from regup.validate import validate_documents

    registry_dir = write_site_registry(folder / "registry")
    validation = validate_documents(load_registry(registry_dir))
    assert validation.ok, [d.message for d in validation.diagnostics]
    registry = validation.registry
    if hostile:
        registry = Registry((*registry.entries, hostile_entry()), registry.groups)
    config = Config(
        namespace=TEST_NAMESPACE,
        name="Test registry",
        repository_url="https://github.com/example/registry",
    )
    ctx = EmitContext(config=config, timestamp=build_timestamp(registry, {}))
    files: dict[str, bytes] = {}
    for emit in EMITTERS.values():
        files.update(emit(registry, ctx))
    site = folder / "site"
    built = build_site(registry, ctx, files, SiteOptions(base_url=BASE_URL))
    list(write_outputs(site, built, built))
    return site


#: Unbroken words as long as the schema allows or longer: a 100-character name and title, a
#: 500-character description, 128-character tool and variable names, a 300-character URL.
#: Every page must wrap them all.
LONG_NAME = "longwords" + "x" * 91
LONG_TAG = "t" * 100
LONG_URL = "https://example.com/" + "p" * 300


def long_words_entry() -> dict[str, Any]:
    """A valid container whose every shown text is one word of tens to hundreds of characters."""
    return container(
        title="W" * 100,
        description="d" * 500,
        image="ghcr.io/example/" + "i" * 150 + ":1.0.0",
        repository_url="https://github.com/example/" + "r" * 90,
        tags=["web", LONG_TAG],
        tools=["tool_" + "n" * 123, "short_tool"],
        env_vars=[
            {
                "name": "ENV_" + "V" * 124,
                "description": "e" * 200,
                "required": True,
                "secret": True,
            },
            {"name": "LEVEL", "description": "e" * 200, "required": False, "default": "v" * 300},
        ],
        overview=(
            f"See {LONG_URL} and [the docs]({LONG_URL}).\n\n"
            f"```\n{'c' * 400}\n```\n\n`{'i' * 300}`\n\n"
            f"| {'h' * 200} | b |\n|---|---|\n| {'q' * 300} | z |\n"
        ),
        examples=["ask" * 100],
        permissions={
            "read": ["/" + "f" * 200],
            "network": {
                "outbound": {"allow_host": ["h" * 60 + ".example.com"], "allow_port": [443]}
            },
        },
    )


def build_long_words_site(folder: Path) -> Path:
    """A small registry with :func:`long_words_entry` built by ``regup build`` into
    ``folder/dist``. Returns the site folder."""
    from regup.build import BuildRequest, build
    from regup.config import Config

    registry_dir = write_registry(
        folder / "registry",
        **{LONG_NAME: long_words_entry(), "plain": container(title="Plain", tags=["web"])},
    )
    result = build(
        BuildRequest(
            registry_dir, folder / "dist", Config(namespace=TEST_NAMESPACE, name="Long words")
        )
    )
    assert result.validation.ok, [d.message for d in result.validation.diagnostics]
    return folder / "dist" / "site"
