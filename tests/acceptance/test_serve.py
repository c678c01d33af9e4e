"""``regup serve`` end to end: a real server process on a free 127.0.0.1 port, real requests."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from regup.serve import STREAM_WORKERS
from tests.apicheck import check_api
from tests.helpers import (
    TEST_NAMESPACE,
    container,
    group,
    remote,
    run_subprocess,
    write_config,
    write_ledger,
    write_registry,
)

NAMESPACE = TEST_NAMESPACE
ENTRIES: dict[str, Any] = {
    "fetch": container(),
    "fetch-plus": container(image="ghcr.io/example/fetch-plus:v2.1.0", tags=["web"]),
    "github-tools": container(
        image="ghcr.io/example/github-tools:0.9.0",
        metadata={"stars": 9, "last_updated": "2025-09-09T09:00:00Z"},
    ),
    "tracker": remote(),
    "weather": remote(url="https://weather.example.com/mcp", status="Deprecated", version="3.0.0"),
    "versions": remote(url="https://versions.example.com/mcp"),  # a server named like the path part
    "starter": group("A few servers to begin with.", "fetch", "tracker"),
}
NAMES = sorted(f"{NAMESPACE}/{name}" for name in ENTRIES if name != "starter")


class Preview:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url
        self.client = httpx.Client(base_url=url, timeout=10)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params or None)

    def raw(self, method: str, target: str) -> tuple[int, dict[str, str], bytes]:
        """A request whose target goes out byte for byte (httpx would normalise ``..``)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.putrequest(method, target, skip_accept_encoding=True)
            conn.endheaders()
            response = conn.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        finally:
            conn.close()


def start(args: list[str], cwd: Path, *, quiet: bool = True) -> Preview:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [sys.executable, "-m", "regup", *(["-q"] if quiet else []), *args, "--port", "0"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # "Serving … at http://127.0.0.1:PORT/ …" once listening
    if "http://127.0.0.1:" not in line:
        process.kill()
        _, err = process.communicate(timeout=10)
        pytest.fail(f"regup serve did not start: {line!r} {err!r}")
    url = line.split(" at ", 1)[1].split("/ ", 1)[0]
    return Preview(process, url)


def stop(preview: Preview) -> None:
    preview.client.close()
    preview.process.terminate()
    try:
        preview.process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        preview.process.kill()
        preview.process.communicate()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve")
    write_registry(root / "registry", **ENTRIES)
    write_ledger(root / "registry")  # built before: its versions have their times
    write_config(root)
    return root


@pytest.fixture(scope="module")
def preview(project: Path) -> Iterator[Preview]:
    running = start(["serve", "--build"], project)
    yield running
    stop(running)


def problem_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["access-control-allow-origin"] == "*"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


# --- the list ------------------------------------------------------------------------------


def test_list_gives_every_latest_server_with_json_and_cors(preview: Preview) -> None:
    response = preview.get("/v0.1/servers")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    assert [s["server"]["name"] for s in body["servers"]] == NAMES
    assert body["metadata"] == {"count": len(NAMES)}
    assert preview.get("/v0.1/servers/").json() == body


def test_the_api_passes_the_conformance_checks_of_every_host(preview: Preview) -> None:
    """The checks nginx and Caddy with the hosting kit pass too (tests/acceptance/test_hosting)."""
    check_api(preview.url, NAMES, NAMESPACE)


def test_pagination_with_limit_and_cursor_visits_every_server_once(preview: Preview) -> None:
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        body = preview.get("/v0.1/servers", **params).json()
        pages += 1
        assert body["metadata"]["count"] == len(body["servers"]) <= 2
        seen += [s["server"]["name"] for s in body["servers"]]
        cursor = body["metadata"].get("nextCursor")
        if not cursor:
            break
    assert seen == NAMES
    assert pages == 3


def test_toolhive_s_own_query_is_answered(preview: Preview) -> None:
    """ToolHive's API client asks for limit=100&version=latest."""
    body = preview.get("/v0.1/servers", limit=100, version="latest").json()
    assert body["metadata"] == {"count": len(NAMES)}


def test_search_matches_names_case_insensitively(preview: Preview) -> None:
    body = preview.get("/v0.1/servers", search="FETCH").json()
    assert [s["server"]["name"] for s in body["servers"]] == [
        f"{NAMESPACE}/fetch",
        f"{NAMESPACE}/fetch-plus",
    ]
    assert preview.get("/v0.1/servers", search="nothing-like-it").json() == {
        "servers": [],
        "metadata": {"count": 0},
    }


def test_search_skips_the_shared_namespace_unless_the_query_reaches_into_it(
    preview: Preview,
) -> None:
    # "git" is in every io.github.* name: only github-tools has it in its own name, so
    # ToolHive's one-page search fallback of `thv run <name>` sees the server it wants
    body = preview.get("/v0.1/servers", search="git").json()
    assert [s["server"]["name"] for s in body["servers"]] == [f"{NAMESPACE}/github-tools"]
    full = preview.get("/v0.1/servers", search=f"{NAMESPACE}/fetch-").json()
    assert [s["server"]["name"] for s in full["servers"]] == [f"{NAMESPACE}/fetch-plus"]
    assert preview.get("/v0.1/servers", search="io.github.").json()["metadata"] == {
        "count": len(NAMES)
    }


def test_version_and_updated_since_filter(preview: Preview) -> None:
    three = preview.get("/v0.1/servers", version="3.0.0").json()
    assert [s["server"]["name"] for s in three["servers"]] == [f"{NAMESPACE}/weather"]
    recent = preview.get("/v0.1/servers", updated_since="2025-08-01T00:00:00Z").json()
    assert [s["server"]["name"] for s in recent["servers"]] == [f"{NAMESPACE}/github-tools"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "100000000000000000000"},
        {"limit": "0"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"cursor": "not a cursor"},
        {"cursor": "../../etc/passwd"},
        {"updated_since": "yesterday"},
    ],
)
def test_bad_query_parameters_are_400_problems(preview: Preview, params: dict[str, str]) -> None:
    problem_of(preview.get("/v0.1/servers", **params), 400)


# --- one server ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name_in_path",
    [f"{NAMESPACE}%2Ffetch", f"{NAMESPACE}%2ffetch", f"{NAMESPACE}/fetch"],
    ids=["encoded", "encoded-lowercase", "decoded"],
)
def test_versions_latest_and_one_version(preview: Preview, name_in_path: str) -> None:
    versions = preview.get(f"/v0.1/servers/{name_in_path}/versions")
    assert versions.status_code == 200
    assert versions.headers["content-type"] == "application/json"
    body = versions.json()
    assert body["metadata"] == {"count": 1}
    latest = preview.get(f"/v0.1/servers/{name_in_path}/versions/latest").json()
    assert body["servers"] == [latest]
    assert latest["server"]["name"] == f"{NAMESPACE}/fetch"
    assert latest["_meta"]["io.modelcontextprotocol.registry/official"] == {
        "status": "active",
        "publishedAt": "2025-06-01T12:00:00Z",
        "updatedAt": "2025-06-01T12:00:00Z",
        "isLatest": True,
    }
    exact = preview.get(f"/v0.1/servers/{name_in_path}/versions/1.2.3").json()
    assert exact == latest


def test_a_server_named_versions_is_found(preview: Preview) -> None:
    for path in (
        f"/v0.1/servers/{NAMESPACE}/versions/versions",
        f"/v0.1/servers/{NAMESPACE}%2Fversions/versions",
    ):
        body = preview.get(path).json()
        assert [s["server"]["name"] for s in body["servers"]] == [f"{NAMESPACE}/versions"]


def test_deprecated_servers_say_so(preview: Preview) -> None:
    latest = preview.get(f"/v0.1/servers/{NAMESPACE}%2Fweather/versions/latest").json()
    assert latest["server"]["version"] == "3.0.0"
    assert latest["_meta"]["io.modelcontextprotocol.registry/official"]["status"] == "deprecated"


def test_missing_server_and_version_are_404_json(preview: Preview) -> None:
    body = problem_of(preview.get(f"/v0.1/servers/{NAMESPACE}%2Fnope/versions/latest"), 404)
    assert f"{NAMESPACE}/nope" in body["detail"]
    problem_of(preview.get(f"/v0.1/servers/{NAMESPACE}%2Ffetch/versions/9.9.9"), 404)
    problem_of(preview.get(f"/v0.1/servers/{NAMESPACE}%2Ffetch"), 404)
    problem_of(preview.get("/v0.1/nothing"), 404)


# --- hostile requests ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "/v0.1/servers/..%2F..%2Fetc/versions",
        "/v0.1/servers/..%2F..%2F..%2Fetc%2Fpasswd",
        "/v0.1/servers/../../../etc/passwd",
        "/../../../../etc/passwd",
        "/..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/upstream/..%2F..%2F..%2Fregistry%2Ffetch%2Fspec.yaml",
        "/registry.json%00.html",
    ],
)
def test_path_traversal_is_4xx_and_never_a_file_outside(preview: Preview, target: str) -> None:
    status, headers, body = preview.raw("GET", target)
    assert 400 <= status < 500, (status, body[:200])
    assert headers["content-type"] == "application/problem+json"
    assert b"root:" not in body and b"image:" not in body


def test_other_methods_are_405_and_preflight_is_answered(preview: Preview) -> None:
    status, headers, _ = preview.raw("POST", "/v0.1/servers")
    assert status == 405 and headers["allow"] == "GET, HEAD, OPTIONS"
    status, headers, body = preview.raw("OPTIONS", "/v0.1/servers")
    assert status == 204 and body == b""
    assert headers["access-control-allow-origin"] == "*"
    assert "GET" in headers["access-control-allow-methods"]


def test_the_preflight_answer_is_the_cors_of_the_headers_file(preview: Preview) -> None:
    """A browser client sees the same CORS from regup serve as from a host reading _headers."""
    _, headers, _ = preview.raw("OPTIONS", "/v0.1/servers")
    cors = {k: v for k, v in headers.items() if k.startswith("access-control-")}
    _, _, text = preview.raw("GET", "/_headers")
    block = text.decode().split("/v0.1/*\n", 1)[1].split("\n/", 1)[0]
    expected = {}
    for line in block.splitlines():
        name, _, value = line.strip().partition(": ")
        if name.lower().startswith("access-control-"):
            expected[name.lower()] = value
    assert cors == expected
    assert set(cors) >= {"access-control-allow-methods", "access-control-allow-headers"}


def test_head_gives_headers_without_body(preview: Preview) -> None:
    status, headers, body = preview.raw("HEAD", "/v0.1/servers")
    assert status == 200 and body == b""
    assert int(headers["content-length"]) == len(preview.get("/v0.1/servers").content)


def test_keep_alive_requests_do_not_stall(preview: Preview) -> None:
    """Without TCP_NODELAY each request after the first on a connection waited ~40 ms."""
    conn = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
    try:
        times = []
        for _ in range(40):
            began = time.perf_counter()
            conn.request("GET", f"/v0.1/servers/{NAMESPACE}%2Ffetch/versions/latest")
            response = conn.getresponse()
            assert response.status == 200 and response.read()
            times.append(time.perf_counter() - began)
    finally:
        conn.close()
    times.sort()
    assert times[len(times) // 2] < 0.010, times  # a stall would put the median near 40 ms
    assert sum(times) < 0.8, times


def test_etag_revalidation_gives_304(preview: Preview) -> None:
    first = preview.get("/v0.1/servers")
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["cache-control"] == "no-cache"
    again = preview.client.get("/v0.1/servers", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    other = preview.client.get("/v0.1/servers", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.content == first.content


def test_gzip_when_the_client_accepts_it(preview: Preview) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
    try:
        for accept, packed in (("gzip, deflate", True), ("identity", False), ("gzip;q=0", False)):
            conn.request("GET", "/upstream/registry.json", headers={"Accept-Encoding": accept})
            response = conn.getresponse()
            body = response.read()
            assert response.getheader("Vary") == "Accept-Encoding"
            assert (response.getheader("Content-Encoding") == "gzip") is packed, accept
            plain = gzip.decompress(body) if packed else body
            assert json.loads(plain)["data"]["servers"]
    finally:
        conn.close()


def test_browsers_get_the_catalog_404_page_and_clients_json(preview: Preview) -> None:
    page = preview.client.get("/no/such/page/", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert b"<html" in page.content.lower()
    problem_of(preview.client.get("/no/such/page/", headers={"Accept": "application/json"}), 404)
    # the API stays JSON even for a browser
    api = preview.client.get(
        f"/v0.1/servers/{NAMESPACE}%2Fnope/versions", headers={"Accept": "text/html"}
    )
    problem_of(api, 404)


def test_v0_is_answered_like_v0_1(preview: Preview) -> None:
    for path in ("/servers?limit=2", f"/servers/{NAMESPACE}%2Ftracker/versions/latest"):
        assert preview.get("/v0" + path).content == preview.get("/v0.1" + path).content
        assert preview.get("/v0" + path).headers["content-type"] == "application/json"
    problem_of(preview.get(f"/v0/servers/{NAMESPACE}%2Fnope/versions"), 404)


def test_not_found_messages_name_what_was_asked_for(preview: Preview) -> None:
    body = problem_of(preview.get(f"/v0.1/servers/{NAMESPACE}%2Fnope/versions/latest"), 404)
    assert body["detail"] == f"server {NAMESPACE}/nope not found"
    # an unencoded slash: the server exists, and the answer says where its documents are
    body = problem_of(preview.get(f"/v0.1/servers/{NAMESPACE}/fetch"), 404)
    assert f"server {NAMESPACE}/fetch exists" in body["detail"]
    assert f"{NAMESPACE}%2Ffetch/versions/latest" in body["detail"]


@pytest.mark.parametrize("limit", ["\u00b2", "\u0663", "1e2", "-1", " 5", "5\n", "99999999"])
def test_malformed_limit_is_a_400_not_a_crash(preview: Preview, limit: str) -> None:
    problem_of(preview.get("/v0.1/servers", limit=limit), 400)
    assert preview.get("/v0.1/servers").status_code == 200  # still serving


def test_idle_connections_do_not_get_a_thread_each(preview: Preview) -> None:
    idle = [socket.create_connection(("127.0.0.1", preview.port)) for _ in range(120)]
    try:
        time.sleep(0.5)
        status = Path(f"/proc/{preview.process.pid}/status")
        if status.exists():
            threads = int(
                next(
                    line.split()[1]
                    for line in status.read_text().splitlines()
                    if line.startswith("Threads:")
                )
            )
            # one event loop holds every connection; threads only for event streams
            assert threads < STREAM_WORKERS, threads
    finally:
        for sock in idle:
            sock.close()
    time.sleep(0.2)
    assert preview.get("/v0.1/servers").status_code == 200


def test_200_concurrent_keep_alive_clients_all_get_every_answer(preview: Preview) -> None:
    def client(_: int) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=10)
        answered = 0
        try:
            for _ in range(10):
                connection.request("GET", "/v0.1/servers?limit=5")
                response = connection.getresponse()
                answered += (
                    response.status == 200 and len(json.loads(response.read())["servers"]) == 5
                )
        finally:
            connection.close()
        return answered

    with ThreadPoolExecutor(max_workers=200) as pool:
        assert list(pool.map(client, range(200))) == [10] * 200


def test_requests_are_logged_unless_quiet(project: Path) -> None:
    loud = start(["serve", "--build"], project, quiet=False)
    try:
        assert loud.get("/v0.1/servers?limit=1").status_code == 200
    finally:
        stop_output = _stop_and_read(loud)
    assert '"GET /v0.1/servers?limit=1 HTTP/1.1" 200' in stop_output


def _stop_and_read(preview: Preview) -> str:
    preview.client.close()
    preview.process.terminate()
    _, err = preview.process.communicate(timeout=10)
    return err


# --- the other files -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/registry.json", "application/json"),
        ("/upstream/registry.json", "application/json"),
        ("/upstream/servers.json", "application/json"),
        ("/upstream/servers/fetch.json", "application/json"),
        ("/openapi.yaml", "application/yaml; charset=utf-8"),
        ("/SHA256SUMS", "text/plain; charset=utf-8"),
    ],
)
def test_built_files_are_served_with_their_type(
    preview: Preview, path: str, content_type: str
) -> None:
    response = preview.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["access-control-allow-origin"] == "*"


def test_the_group_is_in_registry_json_and_not_in_the_upstream_envelope(
    preview: Preview,
) -> None:
    """ToolHive and toolhive-core dropped groups from the upstream format."""
    envelope = preview.get("/upstream/registry.json").json()
    assert "groups" not in envelope["data"]
    assert [s["name"] for s in envelope["data"]["servers"]] == NAMES
    (starter,) = preview.get("/registry.json").json()["groups"]
    assert starter["name"] == "starter"
    assert {*starter["servers"], *starter["remote_servers"]} == {"fetch", "tracker"}


def test_a_missing_file_is_404_json(preview: Preview) -> None:
    problem_of(preview.get("/no/such/file.json"), 404)


# --- serving a built folder ----------------------------------------------------------------


def test_serve_dist_after_build_gives_the_same_answers(project: Path, preview: Preview) -> None:
    built = run_subprocess(["build", "--out", "dist"], cwd=project)
    assert built.returncode == 0, built.stderr
    assert (project / "dist" / "v0.1" / "servers" / "index.html").is_file()
    from_disk = start(["serve", "--dir", "dist"], project)
    try:
        for path in (
            "/v0.1/servers?limit=2",
            f"/v0.1/servers/{NAMESPACE}%2Ftracker/versions/latest",
            "/upstream/registry.json",
        ):
            assert from_disk.client.get(path).content == preview.client.get(path).content
        status, _, body = from_disk.raw("GET", "/..%2F..%2Fregistry%2Ffetch%2Fspec.yaml")
        assert 400 <= status < 500 and b"image:" not in body
    finally:
        stop(from_disk)


def test_serve_without_a_built_folder_says_what_to_do(project: Path) -> None:
    result = run_subprocess(["serve", "--dir", "nowhere", "--port", "0"], cwd=project)
    assert result.returncode == 1
    assert "Error: nowhere does not exist; run `regup build` first" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_build_of_an_invalid_registry_writes_nothing_and_fails(tmp_path: Path) -> None:
    write_registry(tmp_path / "registry", broken=container(transport="carrier-pigeon"))
    write_config(tmp_path)
    result = run_subprocess(["serve", "--build", "--port", "0"], cwd=tmp_path)
    assert result.returncode == 1
    assert "Error: the registry has 1 error" in result.stderr
    assert not (tmp_path / "dist").exists()
