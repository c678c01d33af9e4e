"""ToolHive's registry rules (tests/toolhive_client.py, ported from its Go code) against
``regup serve`` and against the static tree behind real nginx and Caddy with the hosting
kit: ``thv config set-registry <url>`` takes each for an API, the provider's validation and
listing pass, and ``thv run <name>`` finds every server of the build.

On the static hosts query strings are ignored, and the tests pin what ToolHive then sees:
the limit=1 validation gets every server in one page and stops (no ``nextCursor``), and the
search fallback of a lookup gets the whole list, which ToolHive filters itself.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from regup.emit.hosting import CADDY_PATH, NGINX_PATH
from tests import webservers
from tests.helpers import REPO_ROOT, container, remote, run_subprocess, skill, write_registry
from tests.toolhive_client import (
    API,
    LEGACY_MIGRATION_MESSAGE,
    URL,
    ToolHive,
    ToolHiveError,
    build_reverse_dns_name,
    extract_server_name,
    path_escape,
)

#: Not ToolHive's own namespace: BuildReverseDNSName("fetch") misses, so lookups by simple
#: name go through the name as given and then the search fallback.
NAMESPACE = "io.github.example"
ENTRIES: dict[str, Any] = {
    "fetch": container(),
    "fetch-plus": container(image="ghcr.io/example/fetch-plus:v2.1.0"),
    "tracker": remote(),
    "weather": remote(url="https://weather.example.com/mcp", status="Deprecated", version="3.0.0"),
    "versions": remote(url="https://versions.example.com/mcp"),
    "code-review": skill(),
    "triage": skill(namespace="io.github.acme", version="0.3.0"),
}
SERVERS = sorted(n for n in ENTRIES if n not in {"code-review", "triage"})
SKILLS = sorted([(NAMESPACE, "code-review"), ("io.github.acme", "triage")])


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("toolhive")
    root.chmod(0o755)
    write_registry(root / "registry", **ENTRIES)
    (root / "regup.toml").write_text(f'[registry]\nnamespace = "{NAMESPACE}"\n')
    built = run_subprocess(["build", "--out", "dist", "--no-site"], cwd=root)
    assert built.returncode == 0, built.stderr
    return root / "dist"


HOSTS: dict[str, Callable[[Path, Path], AbstractContextManager[str]]] = {
    "nginx": lambda dist, tmp: webservers.nginx(dist, dist / NGINX_PATH, tmp),
    "caddy": lambda dist, tmp: webservers.caddy(dist, dist / CADDY_PATH, tmp),
    "apache": lambda dist, tmp: webservers.apache(dist, tmp),
    "regup-serve": lambda dist, tmp: webservers.regup_serve(dist),
}


@pytest.fixture(scope="module", params=sorted(HOSTS))
def host(
    request: pytest.FixtureRequest, dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp(request.param)
    tmp.chmod(0o755)
    with HOSTS[request.param](dist, tmp) as url:
        yield request.param, url


def static(host: tuple[str, str]) -> bool:
    return host[0] != "regup-serve"


def test_set_registry_takes_the_base_url_for_an_api(host: tuple[str, str]) -> None:
    thv = ToolHive()
    assert thv.set_registry(host[1]) == API
    assert thv.requests == [f"{host[1]}/v0.1/servers?limit=1&version=latest"]


def test_the_envelope_url_is_read_as_a_registry_file(host: tuple[str, str]) -> None:
    thv = ToolHive()
    assert thv.set_registry(f"{host[1]}/upstream/registry.json") == URL
    assert thv.requests == [f"{host[1]}/upstream/registry.json"]  # a .json URL is not probed


def test_the_legacy_registry_json_gets_toolhive_s_migration_hint(host: tuple[str, str]) -> None:
    """ToolHive reads only the upstream format now; registry.json is for older versions."""
    with pytest.raises(ToolHiveError, match="legacy ToolHive format"):
        ToolHive().set_registry(f"{host[1]}/registry.json")
    assert "thv registry convert" in LEGACY_MIGRATION_MESSAGE


def test_the_provider_validates_and_lists_every_server(host: tuple[str, str]) -> None:
    thv = ToolHive()
    provider = thv.api_provider(host[1])
    # The validation lists with limit=1, following nextCursor to the end. A static host
    # ignores the query: one page holds every server and has no nextCursor.
    pages = len(SERVERS) if not static(host) else 1
    assert len(thv.requests) == pages
    assert all("limit=1&version=latest" in r for r in thv.requests)
    listed = provider.get_registry()
    assert sorted(listed) == [f"{NAMESPACE}/{n}" for n in SERVERS]
    assert listed[f"{NAMESPACE}/tracker"].remote
    assert listed[f"{NAMESPACE}/fetch"].target == "ghcr.io/example/fetch:1.2.3"


@pytest.mark.parametrize("name", SERVERS)
def test_thv_run_finds_every_server_by_its_simple_name(host: tuple[str, str], name: str) -> None:
    thv = ToolHive()
    provider = thv.api_provider(host[1])
    thv.requests.clear()
    found = provider.get_server(name)
    assert found.name == f"{NAMESPACE}/{name}"
    # ToolHive's order: its own namespace, the name as given, then a search.
    assert thv.requests[:3] == [
        f"{host[1]}/v0.1/servers/{path_escape(build_reverse_dns_name(name))}/versions/latest",
        f"{host[1]}/v0.1/servers/{name}/versions/latest",
        f"{host[1]}/v0.1/servers?search={name}&version=latest",
    ]
    results = provider.search_servers(name)
    if static(host):  # the search is ignored: the whole list, filtered by ToolHive
        assert len(results) == len(SERVERS)
    else:
        assert all(name in r["name"] for r in results)
    assert sum(extract_server_name(r["name"]) == name for r in results) == 1


@pytest.mark.parametrize("name", SERVERS)
def test_thv_run_finds_every_server_by_its_full_name(host: tuple[str, str], name: str) -> None:
    thv = ToolHive()
    provider = thv.api_provider(host[1])
    thv.requests.clear()
    assert provider.get_server(f"{NAMESPACE}/{name}").name == f"{NAMESPACE}/{name}"
    # Found at once, with the name's "/" sent as %2F.
    assert thv.requests == [f"{host[1]}/v0.1/servers/{NAMESPACE}%2F{name}/versions/latest"]


def test_an_unknown_server_is_not_found(host: tuple[str, str]) -> None:
    provider = ToolHive().api_provider(host[1])
    with pytest.raises(ToolHiveError, match="server not found: no-such-server"):
        provider.get_server("no-such-server")


def test_thv_skill_commands_find_every_skill(host: tuple[str, str]) -> None:
    provider = ToolHive().api_provider(host[1])
    listed = provider.list_skills()
    assert sorted((s["namespace"], s["name"]) for s in listed) == SKILLS
    for namespace, name in SKILLS:
        latest = provider.get_skill(namespace, name)
        assert (latest["namespace"], latest["name"]) == (namespace, name)
        assert provider.get_skill_version(namespace, name, latest["version"]) == latest
        assert latest in provider.list_skill_versions(namespace, name)
        # thv skill install NAME and NAMESPACE/NAME
        assert provider.resolve_skill(name) == latest
        assert provider.resolve_skill(f"{namespace}/{name}") == latest
    assert provider.resolve_skill("io.github.nobody/triage") is None
    assert provider.resolve_skill("no-such-skill") is None
    found = provider.search_skills("triage")
    if static(host):
        assert len(found) == len(SKILLS)  # the search is ignored
    else:
        assert [s["name"] for s in found] == ["triage"]


def test_a_static_host_without_the_kit_is_not_taken_for_an_api(dist: Path, tmp_path: Path) -> None:
    """What GitHub Pages does: /v0.1/servers redirects to the folder, whose index.html is
    served as text/html. ToolHive follows the redirect, rejects the content type, then reads
    the base URL as a registry file, which it is not."""
    tmp_path.chmod(0o755)
    plain = tmp_path / "plain.conf"
    plain.write_text("location / { try_files $uri $uri/ =404; }\n")
    with webservers.nginx(dist, plain, tmp_path / "nginx") as url:
        thv = ToolHive()
        assert thv.detect_registry_type(url) == (URL, url)
        with pytest.raises(ToolHiveError):
            thv.set_registry_url(url)
        # The envelope URL still works there.
        assert ToolHive().set_registry(f"{url}/upstream/registry.json") == URL


@pytest.fixture(scope="module")
def this_registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("this-registry")
    root.chmod(0o755)
    shutil.copytree(REPO_ROOT / "registry", root / "registry")
    if (REPO_ROOT / "regup.toml").is_file():
        shutil.copy(REPO_ROOT / "regup.toml", root / "regup.toml")
    built = run_subprocess(["build", "--out", "dist", "--no-site"], cwd=root)
    assert built.returncode == 0, built.stderr
    return root / "dist"


@pytest.mark.parametrize("host_name", sorted(HOSTS))
def test_every_server_of_this_registry_is_found(
    this_registry: Path, tmp_path: Path, host_name: str
) -> None:
    """This repository's registry: set-registry, validation within ToolHive's 10 s, the
    full listing, and ``thv run <name>`` for every server."""
    tmp_path.chmod(0o755)
    envelope = (this_registry / "upstream" / "registry.json").read_text()
    names = [s["name"] for s in json.loads(envelope)["data"]["servers"]]
    with HOSTS[host_name](this_registry, tmp_path) as url:
        thv = ToolHive()
        assert thv.set_registry(url) == API
        began = time.monotonic()
        provider = thv.api_provider(url)
        assert time.monotonic() - began < 10.0
        assert sorted(provider.get_registry()) == sorted(names)
        for name in names:
            assert provider.get_server(extract_server_name(name)).name == name
