"""The hosting kit on real servers: nginx, Caddy and Apache with the configuration ``regup build``
emits serve the static tree as an API that passes the same checks as ``regup serve``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from regup.emit.hosting import CADDY_PATH, NGINX_PATH
from tests import webservers
from tests.apicheck import check_api, json_of
from tests.helpers import (
    TEST_NAMESPACE,
    container,
    group,
    remote,
    run_subprocess,
    skill,
    write_config,
    write_registry,
)

NAMESPACE = TEST_NAMESPACE
ENTRIES: dict[str, Any] = {
    "fetch": container(),
    "fetch-plus": container(image="ghcr.io/example/fetch-plus:v2.1.0"),
    "tracker": remote(),
    "weather": remote(url="https://weather.example.com/mcp", status="Deprecated", version="3.0.0"),
    "versions": remote(url="https://versions.example.com/mcp"),  # named like the path part
    "slashed": remote(url="https://slashed.example.com/mcp", version="2025.1/beta"),
    "starter": group("A few servers to begin with.", "fetch", "tracker"),
    "code-review": skill(),
    "triage": skill(namespace="io.github.acme", version="0.3.0"),
}
SKILLS = [f"{NAMESPACE}/code-review", "io.github.acme/triage"]
NAMES = sorted(
    f"{NAMESPACE}/{name}" for name in ENTRIES if name not in {"starter", "code-review", "triage"}
)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hosting")
    root.chmod(0o755)
    write_registry(root / "registry", **ENTRIES)
    write_config(root)
    built = run_subprocess(["build", "--out", "dist"], cwd=root)
    assert built.returncode == 0, built.stderr
    return root / "dist"


HOSTS: dict[str, Callable[[Path, Path], AbstractContextManager[str]]] = {
    "nginx": lambda dist, tmp: webservers.nginx(dist / "site", dist / NGINX_PATH, tmp),
    "caddy": lambda dist, tmp: webservers.caddy(dist / "site", dist / CADDY_PATH, tmp),
    "apache": lambda dist, tmp: webservers.apache(dist / "site", tmp),
    "regup-serve": lambda dist, tmp: webservers.regup_serve(dist / "site"),
}


@pytest.fixture(scope="module", params=sorted(HOSTS))
def host(
    request: pytest.FixtureRequest, dist: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    tmp = tmp_path_factory.mktemp(request.param)
    tmp.chmod(0o755)
    with HOSTS[request.param](dist, tmp) as url:
        yield request.param, url


def test_the_api_passes_the_conformance_checks(host: tuple[str, str]) -> None:
    check_api(host[1], NAMES, NAMESPACE, SKILLS)


def test_the_kit_also_serves_dist_itself(dist: Path, tmp_path: Path) -> None:
    """The hosting files work whether ``dist/site`` or ``dist`` is the published root."""
    tmp_path.chmod(0o755)
    with webservers.nginx(dist, dist / NGINX_PATH, tmp_path) as url:
        check_api(url, NAMES, NAMESPACE, SKILLS)


def test_the_list_answers_without_a_redirect_even_with_a_query(host: tuple[str, str]) -> None:
    """ToolHive's probe: GET /v0.1/servers?limit=1&version=latest, redirects not followed."""
    with httpx.Client(base_url=host[1], follow_redirects=False) as client:
        body = json_of(client.get("/v0.1/servers", params={"limit": 1, "version": "latest"}))
    assert body["servers"] and isinstance(body["metadata"], dict)
    if host[0] != "regup-serve":  # static files: the query is ignored, one page of all
        assert body["metadata"]["count"] == len(NAMES)
        assert "nextCursor" not in body["metadata"]


def test_the_catalog_is_served_beside_the_api(host: tuple[str, str]) -> None:
    with httpx.Client(base_url=host[1], follow_redirects=False) as client:
        page = client.get("/", headers={"Accept": "text/html"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        missing = client.get("/no/such/page/", headers={"Accept": "text/html"})
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("text/html")
        assert b"<html" in missing.content.lower()
        spec = client.get("/openapi.yaml")
        assert spec.status_code == 200
        assert spec.headers["content-type"].startswith("application/yaml")


def test_a_version_with_a_slash_is_reachable_as_latest(host: tuple[str, str]) -> None:
    with httpx.Client(base_url=host[1], follow_redirects=False) as client:
        latest = json_of(client.get(f"/v0.1/servers/{NAMESPACE}%2Fslashed/versions/latest"))
    assert latest["server"]["version"] == "2025.1/beta"


def test_a_plain_static_configuration_fails_the_checks(dist: Path, tmp_path: Path) -> None:
    """Without the kit, nginx answers /v0.1/servers with a 301 and the files as text/html
    or octet-stream: the checks must catch it (they are what keeps the kit honest)."""
    tmp_path.chmod(0o755)
    plain = tmp_path / "plain.conf"
    plain.write_text("location / { try_files $uri $uri/ =404; }\n")
    with webservers.nginx(dist / "site", plain, tmp_path / "nginx") as url:
        with httpx.Client(base_url=url, follow_redirects=False) as client:
            assert client.get("/v0.1/servers").status_code == 301
        with pytest.raises(AssertionError):
            check_api(url, NAMES, NAMESPACE)


def test_a_missing_web_server_fails_with_the_setup_advice() -> None:
    """No skip: without the binary the kit would go untested, so the test says how to fix it."""
    with pytest.raises(pytest.fail.Exception, match="run scripts/setup"):
        webservers.binary("no-such-web-server")
