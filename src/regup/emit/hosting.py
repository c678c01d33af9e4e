"""The hosting kit: what each kind of static host needs to serve the built tree as an API.

This module owns every file that tells a web server or object store how to serve the
output folder, and the content type of every built file (:func:`content_type`, which
``regup serve`` uses too). The goal is the same on each host: ``/v0.1/servers`` and
``…/versions`` answer 200 ``application/json`` without a redirect (the tree writes those
folder endpoints as ``index.html`` files holding JSON), server names resolve with their
``/`` encoded (``%2F``) or not, a CORS preflight passes, and a missing server is a JSON 404
(the API's not-found document, :data:`~regup.emit.api.NOT_FOUND_PATH`).

Files the host reads from the published folder itself sit at its top, beside the catalog,
and are mirrored into ``site/`` like every other output: ``_headers`` and ``_redirects``
(Netlify, Cloudflare Pages) and ``.htaccess`` (Apache httpd). Files that configure a server
or an upload sit in ``hosting/``, which is not part of ``site/`` and so not published
(nothing in them is secret; they are just no use to a visitor): ``hosting/nginx.conf`` (an
include for a ``server`` block), ``hosting/Caddyfile`` (to ``import`` in a site block),
``hosting/s3-manifest.json`` (key, file and content type of every object to upload;
written by the build, which knows every file) and ``hosting/s3-cors.json``.

Query parameters (``limit``, ``cursor``, ``search``, ``version``, ``updated_since``) cannot
be answered by static files on any of these hosts: every request for the list gets the one
page holding every server. ``regup serve`` and a real registry server answer them.
"""

from __future__ import annotations

import functools
import mimetypes
from collections.abc import Iterable
from pathlib import PurePosixPath

from regup.emit.api import (
    ALLOWED_METHODS,
    API_VERSION,
    CORS_HEADERS,
    INDEX_FILE,
    NOT_FOUND_PATH,
    OPENAPI_PATH,
    SKILLS_DIR,
)
from regup.emit.canonical import Artifacts, EmitContext
from regup.jsonio import dump_json
from regup.model import JsonDict, Registry

HEADERS_PATH = "_headers"
REDIRECTS_PATH = "_redirects"
HTACCESS_PATH = ".htaccess"
HOSTING_DIR = "hosting"
NGINX_PATH = f"{HOSTING_DIR}/nginx.conf"
CADDY_PATH = f"{HOSTING_DIR}/Caddyfile"
S3_MANIFEST_PATH = f"{HOSTING_DIR}/s3-manifest.json"
S3_CORS_PATH = f"{HOSTING_DIR}/s3-cors.json"

#: The official registry's older path prefix, which some clients still call: the kit
#: answers it like /v0.1/ (as ``regup serve`` and the official registry do).
OLD_API = "v0"
JSON_TYPE = "application/json"
#: The API tree's content type on static hosts (``regup serve`` sends it without charset).
API_TYPE = "application/json; charset=utf-8"
YAML_TYPE = "application/yaml; charset=utf-8"
_CONTENT_TYPES: dict[str, str] = {
    ".json": JSON_TYPE,
    ".html": "text/html; charset=utf-8",
    ".yaml": YAML_TYPE,
    ".yml": YAML_TYPE,
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".xml": "application/xml",
    ".conf": "text/plain; charset=utf-8",
}
_TEXT_FILES = {"SHA256SUMS", HEADERS_PATH, REDIRECTS_PATH, HTACCESS_PATH, "Caddyfile"}

#: JSON (and YAML) outputs outside the API tree that get CORS: ``(path, is a folder)``.
_CORS_FILES: tuple[tuple[str, bool], ...] = (
    ("registry.json", False),
    ("upstream", True),
    ("schema", True),
    (OPENAPI_PATH, False),
)
_HEADER = "Written by regup; rebuilt by every `regup build`, edit regup's output instead."


@functools.lru_cache(maxsize=4096)
def content_type(rel: str) -> str:
    """The ``Content-Type`` of a built file, from its place and extension.

    Everything under ``v0.1/`` is JSON whatever its name (``index.html``, ``latest``,
    ``1.2.3``). Cached: ``regup serve`` asks it on every request.
    """
    name = rel.rsplit("/", 1)[-1]
    if rel.startswith(f"{API_VERSION}/"):
        return JSON_TYPE
    if name in _TEXT_FILES:
        return "text/plain; charset=utf-8"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in _CONTENT_TYPES:
        return _CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


def _folder_endpoints() -> tuple[str, ...]:
    """URL patterns (``:placeholder`` for one segment) of the endpoints written as folders."""
    return (
        f"/{API_VERSION}/servers",
        f"/{API_VERSION}/servers/:namespace/:name/versions",
        f"/{SKILLS_DIR}",
        f"/{SKILLS_DIR}/:namespace/:name",
        f"/{SKILLS_DIR}/:namespace/:name/versions",
    )


# --- Netlify and Cloudflare Pages ------------------------------------------------------------


def headers_file() -> str:
    """``_headers``: the JSON content type of the API tree and CORS on every JSON output."""
    lines = [
        f"# {_HEADER}",
        "# Netlify and Cloudflare Pages: JSON for the static MCP Registry API, CORS on every",
        "# JSON output. See hosting/ for nginx, Caddy and object stores, .htaccess for Apache.",
    ]
    paths: list[tuple[str, str | None]] = [
        (f"/{API_VERSION}/*", API_TYPE),
        (f"/{OLD_API}/*", API_TYPE),
    ]
    for path, folder in _CORS_FILES:
        paths.append(
            (f"/{path}/*" if folder else f"/{path}", YAML_TYPE if path == OPENAPI_PATH else None)
        )
    for path, kind in paths:
        lines.append(path)
        if kind:
            lines.append(f"  Content-Type: {kind}")
        lines += [f"  {name}: {value}" for name, value in CORS_HEADERS]
    return "\n".join(lines) + "\n"


def redirects_file() -> str:
    """``_redirects``: folder endpoints rewritten (200, no redirect) to their slash form,
    which the host answers with its ``index.html``, and (Netlify) the API's JSON 404. Cloudflare Pages ignores the 404 rule and serves the
    nearest ``404.html``, which under ``v0.1/`` is the API's not-found document."""
    lines = [
        f"# {_HEADER}",
        "# Netlify and Cloudflare Pages: answer the API's folder endpoints without a redirect.",
    ]
    # The target is the folder's slash form, which both hosts answer with its index.html
    # (Cloudflare Pages redirects a request for ``…/index.html`` itself to the slash form).
    for pattern in _folder_endpoints():
        target = pattern + "/"
        old = pattern.replace(f"/{API_VERSION}/", f"/{OLD_API}/", 1)
        for source in (pattern, old, old + "/"):
            lines.append(f"{source}  {target}  200!")
    lines.append(f"/{OLD_API}/*  /{API_VERSION}/:splat  200")
    lines.append(f"/{API_VERSION}/*  /{NOT_FOUND_PATH}  404")
    return "\n".join(lines) + "\n"


# --- Apache httpd ----------------------------------------------------------------------------


def htaccess_file() -> str:
    """``.htaccess`` for Apache httpd 2.4 (mod_rewrite, mod_headers, mod_mime, mod_dir)."""
    api = API_VERSION.replace(".", r"\.")
    cors_paths = "|".join(
        p.replace(".", r"\.") + ("/" if folder else "$") for p, folder in _CORS_FILES
    )
    header_lines = "\n".join(f'    Header always set {n} "{v}"' for n, v in CORS_HEADERS)
    return f"""\
# {_HEADER}
# Apache httpd 2.4 serving this folder as the document root: needs mod_rewrite,
# mod_headers and mod_mime, and "AllowOverride FileInfo Indexes" for it. Encoded server
# names (%2F) need "AllowEncodedSlashes On" in the virtual host (not allowed here).
ErrorDocument 404 /404.html
RewriteEngine On
# CORS preflight of the API and the JSON files
RewriteCond %{{REQUEST_METHOD}} =OPTIONS
RewriteRule ^({api}/|{OLD_API}/|{cors_paths}) - [R=204,L]
# /{OLD_API}/… is answered like /{API_VERSION}/…, as the official registry does
RewriteRule ^{OLD_API}/(.*)$ {API_VERSION}/$1 [L]
# The folder endpoints of the API answer their index.html, without a redirect
RewriteCond %{{REQUEST_FILENAME}} -d
RewriteCond %{{REQUEST_FILENAME}}/{INDEX_FILE} -f
RewriteRule ^({api}/.*?)/?$ $1/{INDEX_FILE} [L]
<Files "{OPENAPI_PATH}">
    ForceType "{YAML_TYPE}"
</Files>
<If "%{{REQUEST_URI}} =~ m#^/{api}/#">
    # mod_dir would answer a folder with a redirect to its slash form before the rewrite
    DirectorySlash Off
    ForceType "{API_TYPE}"
    ErrorDocument 404 /{NOT_FOUND_PATH}
{header_lines}
</If>
<If "%{{REQUEST_URI}} =~ m#^/({OLD_API}/|{cors_paths})#">
{header_lines}
</If>
"""


# --- nginx -----------------------------------------------------------------------------------


def nginx_conf() -> str:
    """An include for an nginx ``server`` block whose ``root`` is the published folder."""
    adds = "\n".join(f'    add_header {n} "{v}" always;' for n, v in CORS_HEADERS)
    cors_locations = []
    for path, folder in _CORS_FILES:
        match = f"/{path}/" if folder else f"= /{path}"
        typed = f"    default_type {YAML_TYPE.split(';')[0]};\n    types {{ }}\n"
        cors_locations.append(
            f"location {match} {{\n{typed if path == OPENAPI_PATH else ''}{adds}\n    if ($request_method = OPTIONS) {{ return 204; }}\n}}"
        )
    cors_blocks = "\n".join(cors_locations)
    return f"""\
# {_HEADER}
# nginx: include inside the server block that publishes this folder, e.g.
#     server {{
#         listen 443 ssl;
#         server_name registry.example.org;
#         root /srv/registry/dist/site;
#         include /srv/registry/dist/hosting/nginx.conf;
#     }}
# It serves the catalog and the static MCP Registry API ({ALLOWED_METHODS}); the server
# block needs no location of its own. Query strings are not answered (one page of all).
index {INDEX_FILE};
error_page 404 /404.html;

location / {{
    try_files $uri $uri/ =404;
}}

# The API: JSON whatever the file name, folder endpoints without a redirect (try_files
# serves their index.html in place), a JSON 404, CORS on every answer.
location ^~ /{API_VERSION}/ {{
    default_type {API_TYPE.split(";")[0]};
    types {{ }}
    charset utf-8;
    charset_types *;
{adds}
    if ($request_method = OPTIONS) {{ return 204; }}
    error_page 404 /{NOT_FOUND_PATH};
    try_files $uri $uri/{INDEX_FILE} =404;
}}
# /{OLD_API}/… is answered like /{API_VERSION}/…, as the official registry does.
location ^~ /{OLD_API}/ {{
    rewrite ^/{OLD_API}/(.*)$ /{API_VERSION}/$1 last;
}}
location = /{NOT_FOUND_PATH} {{
    default_type {API_TYPE.split(";")[0]};
    types {{ }}
    charset utf-8;
    charset_types *;
{adds}
    internal;
}}

# The other JSON outputs: CORS
{cors_blocks}
"""


# --- Caddy -----------------------------------------------------------------------------------


def caddyfile() -> str:
    """Directives to ``import`` inside a Caddy site block whose ``root`` is the folder."""
    cors_paths = " ".join(
        f"/{path}/*" if folder else f"/{path}"
        for path, folder in [(API_VERSION, True), (OLD_API, True), *_CORS_FILES]
    )
    cors = "\n".join(f'\t\t{n} "{v}"' for n, v in CORS_HEADERS)
    return f"""\
# {_HEADER}
# Caddy 2: import inside the site block that publishes this folder, e.g.
#     registry.example.org {{
#         root * /srv/registry/dist/site
#         import /srv/registry/dist/hosting/Caddyfile
#     }}
# It serves the catalog and the static MCP Registry API ({ALLOWED_METHODS}); the site
# block needs no file_server of its own. Query strings are not answered (one page of all).
@regup_openapi path /{OPENAPI_PATH}
header @regup_openapi Content-Type "{YAML_TYPE}"
@regup_cors path {cors_paths}
header @regup_cors {{
{cors}
\t}}
route {{
\t@regup_preflight {{
\t\tmethod OPTIONS
\t\tpath {cors_paths}
\t}}
\trespond @regup_preflight 204
\t# /{OLD_API}/… is answered like /{API_VERSION}/…, as the official registry does.
\t@regup_old path /{OLD_API}/*
\turi @regup_old path_regexp ^/{OLD_API}/ /{API_VERSION}/
\t# The API: folder endpoints answer their index.html in place (no redirect), every
\t# file is JSON, and what is missing gets the API's JSON 404.
\t@regup_api_file {{
\t\tpath /{API_VERSION}/*
\t\tfile {{path}} {{path}}/{INDEX_FILE}
\t}}
\thandle @regup_api_file {{
\t\trewrite * {{file_match.relative}}
\t\theader Content-Type "{API_TYPE}"
\t\tfile_server
\t}}
\thandle /{API_VERSION}/* {{
\t\trewrite * /{NOT_FOUND_PATH}
\t\theader Content-Type "{API_TYPE}"
\t\tfile_server {{
\t\t\tstatus 404
\t\t}}
\t}}
\tfile_server
}}
handle_errors {{
\t@regup_missing expression {{err.status_code}} == 404
\thandle @regup_missing {{
\t\trewrite * /404.html
\t\tfile_server {{
\t\t\tstatus 404
\t\t}}
\t}}
}}
"""


# --- object stores (S3 and the like) ---------------------------------------------------------


def s3_cors() -> str:
    """A bucket CORS configuration (``aws s3api put-bucket-cors --cors-configuration``)."""
    rule: JsonDict = {
        "AllowedHeaders": ["*"],
        "AllowedMethods": ["GET", "HEAD"],
        "AllowedOrigins": ["*"],
        "MaxAgeSeconds": 86400,
    }
    return dump_json({"CORSRules": [rule]}).decode()


def object_keys(files: Iterable[str]) -> list[JsonDict]:
    """``[{key, file, content_type}]`` of every object to upload for ``files`` (paths of
    the published folder).

    Object stores have no folders: each file is uploaded under its own path, and each API
    folder endpoint also as an object named like the folder (``v0.1/servers`` holding
    ``v0.1/servers/index.html``), so the endpoint answers without a redirect.
    """
    objects: list[JsonDict] = []
    for rel in sorted(files):
        objects.append({"key": rel, "file": rel, "content_type": content_type(rel)})
        suffix = "/" + INDEX_FILE
        if rel.startswith(f"{API_VERSION}/") and rel.endswith(suffix):
            folder = rel.removesuffix(suffix)
            objects.append({"key": folder, "file": rel, "content_type": content_type(rel)})
    objects.sort(key=lambda o: str(o["key"]))
    return objects


def published(artifacts: Artifacts) -> Artifacts:
    """The outputs a host publishes: all but ``hosting/``."""
    prefix = HOSTING_DIR + "/"
    return {rel: data for rel, data in artifacts.items() if not rel.startswith(prefix)}


def s3_manifest(files: Iterable[str]) -> bytes:
    """``hosting/s3-manifest.json``: ``{"objects": [{key, file, content_type}]}``."""
    return dump_json({"objects": object_keys(files)})


def emit_hosting(registry: Registry, ctx: EmitContext) -> Artifacts:
    """Every configuration file of the hosting kit but the upload manifest, which needs
    the build's whole list of files (:func:`s3_manifest`)."""
    del registry, ctx  # the same for every registry: the tree's layout is fixed
    return {
        HEADERS_PATH: headers_file().encode(),
        REDIRECTS_PATH: redirects_file().encode(),
        HTACCESS_PATH: htaccess_file().encode(),
        NGINX_PATH: nginx_conf().encode(),
        CADDY_PATH: caddyfile().encode(),
        S3_CORS_PATH: s3_cors().encode(),
    }
