"""Real nginx, Caddy and Apache httpd on 127.0.0.1, serving a built folder with the hosting
kit's configuration.

All are Debian packages that ``scripts/setup`` installs. A missing binary fails the test
with that instruction: the hosting kit is only tested when a real server runs it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

NGINX_CONF = """\
{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        include {include};
    }}
}}
"""

CADDYFILE = """\
{{
\tadmin off
\tauto_https off
}}
http://127.0.0.1:{port} {{
\troot * {root}
\timport {include}
}}
"""


APACHE_CONF = """\
ServerRoot {tmp}
DefaultRuntimeDir {tmp}
PidFile {tmp}/httpd.pid
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
ErrorLog {tmp}/error.log
LogLevel warn
{user}
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule dir_module {modules}/mod_dir.so
LoadModule mime_module {modules}/mod_mime.so
LoadModule rewrite_module {modules}/mod_rewrite.so
LoadModule headers_module {modules}/mod_headers.so
TypesConfig /etc/mime.types
DirectoryIndex index.html
AllowEncodedSlashes On
DocumentRoot {root}
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory {root}>
    AllowOverride FileInfo Indexes
    Require all granted
</Directory>
"""
APACHE_MODULES = "/usr/lib/apache2/modules"


def binary(name: str) -> str:
    """The path of ``name``, or a test failure saying how to install it."""
    found = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None
    )
    if not found:
        pytest.fail(f"{name} is not installed; run scripts/setup (as root it installs {name})")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(
    process: subprocess.Popen[bytes], name: str, port: int, log: Path, timeout: float = 20.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}: {log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    process.kill()
    pytest.fail(f"{name} did not listen on 127.0.0.1:{port}: {log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def nginx(root: Path, include: Path, tmp: Path) -> Iterator[str]:
    """nginx serving ``root`` with ``include`` in its server block; yields its base URL."""
    exe = binary("nginx")
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    # As root, nginx's workers switch to "nobody", who cannot read pytest's 0700 folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, tmp=tmp, port=port, root=root, include=include))
    log = tmp / "out.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [exe, "-p", str(tmp), "-c", str(conf), "-g", "daemon off;"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(process, "nginx", port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


@contextmanager
def caddy(root: Path, include: Path, tmp: Path) -> Iterator[str]:
    """Caddy serving ``root``, importing ``include`` in its site block; yields its base URL."""
    exe = binary("caddy")
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = tmp / "Caddyfile"
    conf.write_text(CADDYFILE.format(port=port, root=root, include=include))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
    }
    log = tmp / "out.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [exe, "run", "--config", str(conf), "--adapter", "caddyfile"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp,
        )
    try:
        _wait(process, "caddy", port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


@contextmanager
def apache(root: Path, tmp: Path) -> Iterator[str]:
    """Apache httpd serving ``root`` (its ``.htaccess`` is the kit's); yields its base URL.

    Started as root, Apache's workers run as ``www-data`` (it refuses root), who cannot read
    pytest's 0700 folders: the tree is then copied to a world-readable folder in ``tmp``.
    """
    exe = binary("apache2")
    tmp.mkdir(parents=True, exist_ok=True)
    port = free_port()
    user = ""
    served = root
    scratch = None
    if os.geteuid() == 0:
        user = "User www-data\nGroup www-data"
        scratch = Path(tempfile.mkdtemp(prefix="regup-apache-"))
        scratch.chmod(0o755)
        served = scratch / "root"
        shutil.copytree(root, served)
        for folder, _, _ in os.walk(served):
            os.chmod(folder, 0o755)
    conf = tmp / "httpd.conf"
    conf.write_text(
        APACHE_CONF.format(tmp=tmp, port=port, user=user, root=served, modules=APACHE_MODULES)
    )
    log = tmp / "out.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [exe, "-f", str(conf), "-DFOREGROUND"], stdout=out, stderr=subprocess.STDOUT
        )
    try:
        _wait(process, "apache2", port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def regup_serve(folder: Path) -> Iterator[str]:
    """``regup serve --dir folder`` on a free port; yields its base URL."""
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        [sys.executable, "-m", "regup", "-q", "serve", "--dir", str(folder), "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()  # "Serving … at http://127.0.0.1:PORT/ …" once listening
    if "http://127.0.0.1:" not in line:
        process.kill()
        pytest.fail(f"regup serve did not start: {line!r} {process.communicate()[1]!r}")
    try:
        yield line.split(" at ", 1)[1].split("/ ", 1)[0]
    finally:
        process.terminate()
        try:
            process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
