#!/usr/bin/env python3
"""Benchmark ``regup serve`` against nginx serving the same built catalog, in the same run.

Usage: scripts/bench_serve.py [N] [--duration S] [--no-site]

Builds N synthetic entries (``bench_build.py``'s generator; without N, this repository's
registry) into a temporary ``dist/``, then serves ``dist/site`` twice on 127.0.0.1: with
``regup serve`` and with Debian's nginx (with the hosting kit's ``dist/hosting/nginx.conf``).
For the listing, one server document and one catalog page it runs ``wrk`` with 1 and 32 keep-alive connections and prints requests per second and p50 / p99
latency of each side, and the ratio (nginx / regup; the goal is at most 3). Then it walks the
listing page by page with ``limit=1`` over one keep-alive connection against ``regup serve``,
as ``thv config set-registry`` does to check an API registry (ToolHive gives up after 10 s).

Needs ``nginx`` and ``wrk`` (Debian packages: ``apt-get install nginx wrk``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from bench_build import generate  # noqa: E402

NGINX_CONF = """
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def wrk(url: str, connections: int, duration: int) -> tuple[float, float, float]:
    """Requests per second, p50 and p99 latency in milliseconds."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def percentile(name: str) -> float:
        value, unit = re.search(rf"{name}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} requests failed\n{out}")
    return rps, percentile("50"), percentile("99")


def toolhive_walk(port: int) -> tuple[int, float]:
    """Pages and seconds of a ``limit=1`` walk of the whole listing on one connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    began = time.perf_counter()
    cursor, pages = "", 0
    while True:
        target = "/v0.1/servers?limit=1&version=latest"
        if cursor:
            target += "&cursor=" + quote(cursor, safe="")
        conn.request("GET", target)
        response = conn.getresponse()
        body = json.loads(response.read())
        if response.status != 200:
            raise SystemExit(f"{target}: {response.status} {body}")
        pages += 1
        cursor = body["metadata"].get("nextCursor") or ""
        if not cursor:
            break
    conn.close()
    return pages, time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("n", type=int, nargs="?", default=0, help="synthetic entries")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    args = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool):
            print(f"bench_serve: {tool} is missing; apt-get install nginx wrk", file=sys.stderr)
            return 1
    with tempfile.TemporaryDirectory(prefix="regup-bench-serve-") as tmp_name:
        tmp = Path(tmp_name)
        tmp.chmod(0o755)  # nginx's workers run as another user
        if args.n:
            generate(tmp, args.n)
        else:
            shutil.copytree(ROOT / "registry", tmp / "registry")
            shutil.copy(ROOT / "regup.toml", tmp / "regup.toml")
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "regup", "-q", "build", "--out", "dist"], cwd=tmp, check=True
        )
        print(f"entries: {args.n or 'this registry'}; built in {time.perf_counter() - began:.1f} s")
        site = tmp / "dist" / "site"
        listing = json.loads((site / "v0.1" / "servers" / "index.html").read_bytes())
        name = listing["servers"][0]["server"]["name"]
        entry = name.rsplit("/", 1)[1]
        paths = {
            "listing": "/v0.1/servers",
            "document": f"/v0.1/servers/{quote(name, safe='')}/versions/latest",
            "catalog page": f"/servers/{entry}/",
        }
        regup_port, nginx_port = free_port(), free_port()
        conf = tmp / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                tmp=tmp, port=nginx_port, root=site, include=tmp / "dist" / "hosting" / "nginx.conf"
            )
        )
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        serve = subprocess.Popen(
            [sys.executable, "-m", "regup", "-q", "serve", "--dir", str(site)]
            + ["--port", str(regup_port)],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp)])
        try:
            wait_for(regup_port)
            wait_for(nginx_port)
            print(
                f"{'path':<14}{'conns':>6}{'regup req/s':>13}{'p50 ms':>8}{'p99 ms':>8}"
                f"{'nginx req/s':>13}{'p50 ms':>8}{'p99 ms':>8}{'ratio':>7}"
            )
            for label, path in paths.items():
                for connections in (1, 32):
                    ours = wrk(f"http://127.0.0.1:{regup_port}{path}", connections, args.duration)
                    theirs = wrk(f"http://127.0.0.1:{nginx_port}{path}", connections, args.duration)
                    print(
                        f"{label:<14}{connections:>6}{ours[0]:>13,.0f}{ours[1]:>8.2f}{ours[2]:>8.2f}"
                        f"{theirs[0]:>13,.0f}{theirs[1]:>8.2f}{theirs[2]:>8.2f}"
                        f"{theirs[0] / ours[0]:>6.1f}x"
                    )
            pages, seconds = toolhive_walk(regup_port)
            print(
                f"ToolHive's limit=1 walk against regup serve: {pages} pages in {seconds:.2f} s "
                "(ToolHive allows 10 s)"
            )
        finally:
            serve.terminate()
            nginx.terminate()
            serve.wait(timeout=10)
            nginx.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
