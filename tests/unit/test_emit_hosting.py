"""The hosting kit's files: what each static host reads, and the upload manifest.

nginx and Caddy are run for real in tests/acceptance/test_hosting.py; here are the files
no test can run a server for (Netlify, Cloudflare Pages, object stores) and the layout.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from regup.config import Config
from regup.emit import EMITTERS
from regup.emit.api import CORS_HEADERS, NOT_FOUND_PATH
from regup.emit.canonical import EmitContext
from regup.emit.hosting import (
    CADDY_PATH,
    HEADERS_PATH,
    HTACCESS_PATH,
    NGINX_PATH,
    REDIRECTS_PATH,
    S3_CORS_PATH,
    S3_MANIFEST_PATH,
    content_type,
    emit_hosting,
    object_keys,
)
from regup.model import Registry
from tests.helpers import container, run_cli, write_config, write_registry

CTX = EmitContext(config=Config(name="Test registry"), timestamp="2025-07-01T00:00:00Z")


def kit() -> dict[str, str]:
    return {rel: data.decode() for rel, data in emit_hosting(Registry(entries=()), CTX).items()}


def parse_headers_file(text: str) -> dict[str, dict[str, str]]:
    """Netlify / Cloudflare Pages ``_headers``: a path, then its indented ``Name: value``."""
    blocks: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line[0].isspace():
            current = blocks.setdefault(line.strip(), {})
            continue
        name, sep, value = line.strip().partition(":")
        assert sep and name and value.strip(), line
        current[name.strip().lower()] = value.strip()
    return blocks


def test_headers_file_gives_json_and_cors_on_static_hosts() -> None:
    blocks = parse_headers_file(kit()[HEADERS_PATH])
    assert blocks["/v0.1/*"]["content-type"] == "application/json; charset=utf-8"
    assert blocks["/v0.1/*"]["access-control-allow-origin"] == "*"
    assert blocks["/openapi.yaml"]["content-type"].startswith("application/yaml")


def test_a_browser_preflight_is_allowed_on_every_json_output() -> None:
    """Bug: _headers sent Access-Control-Allow-Origin only; browser clients (VS Code, Copilot
    registries) that preflight need Allow-Methods and Allow-Headers too."""
    blocks = parse_headers_file(kit()[HEADERS_PATH])
    assert set(blocks) == {
        "/v0.1/*",
        "/v0/*",
        "/openapi.yaml",
        "/registry.json",
        "/upstream/*",
        "/schema/*",
    }
    for path, headers in blocks.items():
        assert headers["access-control-allow-origin"] == "*", path
        methods = {m.strip() for m in headers["access-control-allow-methods"].split(",")}
        assert methods == {"GET", "HEAD", "OPTIONS"}, path
        allowed = {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")}
        # "*" covers every header but Authorization, which has to be named (Fetch standard).
        assert {"*", "authorization"} <= allowed, path
        assert int(headers["access-control-max-age"]) > 0, path


def test_every_host_gets_the_same_cors_headers() -> None:
    files = kit()
    for name, value in CORS_HEADERS:
        for rel in (NGINX_PATH, CADDY_PATH, HTACCESS_PATH):
            assert name in files[rel] and value in files[rel], (rel, name)


def test_redirects_rewrite_the_folder_endpoints_in_place_and_404_as_json() -> None:
    """Netlify and Cloudflare Pages would answer /v0.1/servers with a 301 to the folder."""
    rules = [
        line.split()
        for line in kit()[REDIRECTS_PATH].splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ["/v0.1/servers", "/v0.1/servers/", "200!"] in rules
    assert [
        "/v0.1/servers/:namespace/:name/versions",
        "/v0.1/servers/:namespace/:name/versions/",
        "200!",
    ] in rules
    # never a rule onto itself (Netlify ignores loops), never a target Cloudflare redirects
    assert all(rule[0] != rule[1] and not rule[1].endswith("/index.html") for rule in rules)
    # The 404 rule comes last: Netlify applies the first rule that matches.
    assert rules[-1] == ["/v0.1/*", f"/{NOT_FOUND_PATH}", "404"]
    assert all(rule[-1] in {"200!", "200", "404"} for rule in rules)  # never a redirect
    assert ["/v0/servers", "/v0.1/servers/", "200!"] in rules
    assert ["/v0/*", "/v0.1/:splat", "200"] in rules


def test_the_object_store_manifest_adds_folder_endpoints_as_objects() -> None:
    objects = object_keys(
        [
            "index.html",
            "v0.1/servers/index.html",
            "v0.1/servers/a/b/versions/index.html",
            "v0.1/servers/a/b/versions/latest",
            "registry.json",
        ]
    )
    by_key = {o["key"]: o for o in objects}
    assert by_key["v0.1/servers"] == {
        "key": "v0.1/servers",
        "file": "v0.1/servers/index.html",
        "content_type": "application/json",
    }
    assert by_key["v0.1/servers/a/b/versions"]["file"] == "v0.1/servers/a/b/versions/index.html"
    assert by_key["v0.1/servers/a/b/versions/latest"]["content_type"] == "application/json"
    assert by_key["index.html"]["content_type"] == "text/html; charset=utf-8"
    assert [o["key"] for o in objects] == sorted(by_key)


def test_content_types_follow_place_then_extension() -> None:
    assert content_type("v0.1/servers/index.html") == "application/json"
    assert content_type("v0.1/servers/a/b/versions/1.2.3") == "application/json"
    assert content_type("servers/fetch/index.html") == "text/html; charset=utf-8"
    assert content_type("openapi.yaml") == "application/yaml; charset=utf-8"
    assert content_type(REDIRECTS_PATH) == "text/plain; charset=utf-8"


def test_the_bucket_cors_allows_reading_from_any_origin() -> None:
    (rule,) = json.loads(kit()[S3_CORS_PATH])["CORSRules"]
    assert rule["AllowedOrigins"] == ["*"] and "GET" in rule["AllowedMethods"]


def test_the_hosting_emitter_runs_after_the_api() -> None:
    assert list(EMITTERS).index("hosting") == list(EMITTERS).index("api") + 1


def test_a_build_keeps_hosting_out_of_the_site_and_owns_its_files(tmp_path: Path) -> None:
    write_registry(tmp_path / "registry", fetch=container())
    config = write_config(tmp_path)
    out = tmp_path / "dist"
    result = run_cli(
        [
            "--registry",
            str(tmp_path / "registry"),
            "--config",
            str(config),
            "build",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.stderr
    for rel in (NGINX_PATH, CADDY_PATH, S3_MANIFEST_PATH, S3_CORS_PATH):
        assert (out / rel).is_file(), rel
        assert not (out / "site" / rel).exists(), rel  # not published with the site
    for rel in (HEADERS_PATH, REDIRECTS_PATH, HTACCESS_PATH, NOT_FOUND_PATH):
        assert (out / rel).is_file() and (out / "site" / rel).is_file(), rel
    owned = set((out / ".regup-files").read_text().splitlines())
    assert {NGINX_PATH, CADDY_PATH, S3_MANIFEST_PATH, HTACCESS_PATH, REDIRECTS_PATH} <= owned
    # The manifest lists every file of the published folder, dotfiles included.
    keys = {o["key"] for o in json.loads((out / S3_MANIFEST_PATH).read_text())["objects"]}
    site_files = {
        p.relative_to(out / "site").as_posix() for p in (out / "site").rglob("*") if p.is_file()
    }
    assert site_files <= keys
    assert "v0.1/servers" in keys and not any(k.startswith("hosting/") for k in keys)
    # SHA256SUMS (copied into site/) lists only published files: it checks out in site/.
    for line in (out / "site" / "SHA256SUMS").read_text().splitlines():
        digest, rel = line.split("  ", 1)
        assert hashlib.sha256((out / "site" / rel).read_bytes()).hexdigest() == digest, rel
