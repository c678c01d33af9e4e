"""Every install snippet of every entry in ``registry/``, checked against its client's format
and run as pasted.

Format rules, for every entry and client: the text parses (JSON, TOML, shell words), has
the keys the client reads and no others, every VS Code ``${input:…}`` is defined and every
input used, and no secret value appears (each secret is given a sentinel default first).

Running: a stub ``docker`` on ``PATH`` records its arguments and the environment it would
give the container, then starts the real MCP test server (``tests/mcpservers.py``, the
official SDK); an MCP client (the SDK, through :func:`regup.authoring.mcpclient.list_tools`)
configured exactly as the snippet says completes ``initialize`` and ``tools/list``, and the
record shows the container got exactly the declared variables, secrets and folders. HTTP
containers run the two steps: the Docker snippet starts the server on its port, then each
client's URL is connected. Shell snippets run through ``bash -c`` as pasted, and
adversarial entries (quotes, spaces, ``$(...)``, backticks, newlines in names, values and
arguments) prove a pasted line never runs anything but the server.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import tomllib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from regup.authoring.mcpclient import HttpTarget, StdioTarget, list_tools
from regup.emit.upstream import to_upstream
from regup.install import InstallModel, Snippet, install_model, render_all
from regup.load import load_registry
from regup.model import Entry, Kind
from regup.validate import validate_documents
from tests.dockerstub import parse_docker
from tests.helpers import REPO_ROOT, TEST_CONFIG
from tests.mcpservers import PYTHON, SCRIPT, TOOL_NAMES, serve_mcp

JsonDict = dict[str, Any]

#: Keys each client reads from one server's item (what it would reject or ignore otherwise).
DESKTOP_KEYS = {"command", "args", "env"}
CURSOR_STDIO_KEYS = {"command", "args", "env"}
CURSOR_HTTP_KEYS = {"url", "headers"}
VSCODE_KEYS = {
    "stdio": {"type", "command", "args", "env"},
    "http": {"type", "url", "headers"},
    "sse": {"type", "url", "headers"},
}
#: openai/codex codex-rs/config/src/mcp_types.rs RawMcpServerConfig, by transport.
CODEX_STDIO_KEYS = {"command", "args", "env", "env_vars", "cwd"}
CODEX_HTTP_KEYS = {"url", "http_headers", "env_http_headers", "bearer_token_env_var"}
SECRET = "SENTINEL-SECRET-VALUE"


def registry_entries() -> list[Entry]:
    result = validate_documents(load_registry(REPO_ROOT / "registry"))
    assert len(result.registry.entries) > 50
    return list(result.registry.entries)


def with_secret_defaults(entry: Entry) -> Entry:
    """``entry`` with a sentinel default on every secret: no snippet may show it."""
    return replace(
        entry,
        env_vars=tuple(
            replace(v, default=f"{SECRET}-{v.name}") if v.is_secret else v for v in entry.env_vars
        ),
        headers=tuple(
            replace(h, default=f"{SECRET}-{h.name}") if h.is_secret else h for h in entry.headers
        ),
    )


# --- what a user supplies ---------------------------------------------------------------


@dataclass
class User:
    """The values a user types in: one per placeholder, prompt and environment variable."""

    folders: Path

    def value(self, name: str) -> str:
        return f"value of {name}"

    def folder(self, name: str) -> str:
        path = self.folders / name.lower()
        path.mkdir(parents=True, exist_ok=True)
        return str(path)

    def environment(self, model: InstallModel) -> dict[str, str]:
        """What the user exported: every secret, under its own and its header's env name."""
        env = {s.name: self.value(s.name) for s in model.env if s.secret}
        env |= {h.env_name: self.value(h.name) for h in model.headers}
        return env

    def fill(self, text: str, model: InstallModel) -> str:
        """Replace each ``<NAME>`` placeholder, as the hint asks."""
        for setting in (*model.env, *model.headers):
            text = text.replace(setting.placeholder, self.value(setting.name))
        for mount in model.mounts:
            text = text.replace(mount.placeholder, self.folder(mount.name))
        return text

    def expected_env(self, model: InstallModel) -> dict[str, str]:
        return {s.name: s.value if s.value is not None else self.value(s.name) for s in model.env}

    def expected_mounts(self, model: InstallModel) -> list[str]:
        return [m.volume(self.folder(m.name)) for m in model.mounts]


# --- format rules, one checker per client -------------------------------------------------


@dataclass(frozen=True)
class Launch:
    """What a stdio client starts: the command line and the environment it adds."""

    command: tuple[str, ...]
    env: Mapping[str, str]


@dataclass(frozen=True)
class Connect:
    """What an HTTP client connects to."""

    url: str
    transport: str
    headers: Mapping[str, str]


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _string_map(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _expand(text: str, pattern: str, values: Mapping[str, str]) -> str:
    def sub(match: re.Match[str]) -> str:
        assert match.group(1) in values, f"{match.group(0)} is not defined"
        return values[match.group(1)]

    return re.sub(pattern, sub, text)


def _bridge(item: Mapping[str, Any], model: InstallModel, env: Mapping[str, str]) -> Connect:
    """``npx -y mcp-remote URL [--transport sse-only] [--header Name:${VAR}]``."""
    assert item["command"] == "npx" and item["args"][:2] == ["-y", "mcp-remote"], item
    args = list(item["args"][2:])
    assert model.endpoint is not None and args[0] == model.endpoint.url
    transport = "streamable-http"
    headers: dict[str, str] = {}
    rest = args[1:]
    while rest:
        flag, value, *rest = rest
        if flag == "--transport":
            assert value == "sse-only"
            transport = "sse"
        else:
            assert flag == "--header", flag
            name, _, ref = value.partition(":")
            headers[name] = _expand(ref, r"\$\{([A-Za-z0-9_]+)\}", env)
    assert transport == model.endpoint.transport
    return Connect(args[0], transport, headers)


def check_desktop(s: Snippet, model: InstallModel, user: User) -> Launch | Connect:
    doc = json.loads(user.fill(s.text, model))
    assert list(doc) == ["mcpServers"] and list(doc["mcpServers"]) == [model.name]
    item = doc["mcpServers"][model.name]
    assert set(item) <= DESKTOP_KEYS and isinstance(item["command"], str)
    assert _strings(item["args"]) and _string_map(item.get("env", {}))
    if model.stdio:
        return Launch((item["command"], *item["args"]), item.get("env", {}))
    return _bridge(item, model, item.get("env", {}))


def check_cursor(s: Snippet, model: InstallModel, user: User) -> Launch | Connect:
    env = user.environment(model)
    doc = json.loads(user.fill(s.text, model))
    assert list(doc) == ["mcpServers"] and list(doc["mcpServers"]) == [model.name]
    item = doc["mcpServers"][model.name]
    expanded = json.loads(_expand(json.dumps(item), r"\$\{env:([A-Za-z0-9_]+)\}", env))
    if model.stdio:
        assert set(item) <= CURSOR_STDIO_KEYS and _strings(item["args"])
        return Launch((expanded["command"], *expanded["args"]), expanded.get("env", {}))
    assert set(item) <= CURSOR_HTTP_KEYS and _string_map(item.get("headers", {}))
    assert model.endpoint is not None
    # Cursor tells sse from streamable HTTP by probing the URL; the path says which.
    return Connect(expanded["url"], model.endpoint.transport, expanded.get("headers", {}))


def check_vscode(s: Snippet, model: InstallModel, user: User) -> Launch | Connect:
    assert "<" not in s.text or "<" in model.name  # VS Code prompts: nothing to replace
    doc = json.loads(s.text)
    assert set(doc) <= {"inputs", "servers"} and list(doc["servers"]) == [model.name]
    inputs = doc.get("inputs", [])
    ids = [i["id"] for i in inputs]
    assert len(set(ids)) == len(ids)
    for item in inputs:
        assert set(item) <= {"type", "id", "description", "password"}
        assert item["type"] == "promptString" and item["description"]
    # An HTTP container's secrets go to the container when Docker starts it, not here.
    secret_ids = set() if model.local_http else {x.input_id for x in model.secrets}
    assert {i["id"] for i in inputs if i.get("password")} == secret_ids
    server = doc["servers"][model.name]
    text = json.dumps(server)
    used = set(re.findall(r"\$\{input:([^}]+)\}", text))
    assert used == set(ids), (used, ids)  # every reference defined, every input used
    answers = {
        **{x.input_id: user.value(x.name) for x in (*model.env, *model.headers)},
        **{m.input_id: user.folder(m.name) for m in model.mounts},
    }
    server = json.loads(_expand(text, r"\$\{input:([^}]+)\}", answers))
    assert set(server) <= VSCODE_KEYS[server["type"]]
    if model.stdio:
        assert server["type"] == "stdio"
        return Launch((server["command"], *server["args"]), server.get("env", {}))
    assert model.endpoint is not None and server["type"] == model.endpoint.client_type
    return Connect(server["url"], model.endpoint.transport, server.get("headers", {}))


def check_claude_code(s: Snippet, model: InstallModel, user: User) -> Launch | Connect:
    words = shlex.split(user.fill(s.text, model))
    assert words[:3] == ["claude", "mcp", "add"]
    if model.stdio:
        assert words[3] == model.name and "--" in words
        split = words.index("--")
        options, command = words[4:split], words[split + 1 :]
        env = {}
        while options:
            flag, value, *options = options
            assert flag == "-e" and "=" in value
            key, _, val = value.partition("=")
            env[key] = val
        return Launch(tuple(command), env)
    assert model.endpoint is not None
    assert words[3:5] == ["--transport", model.endpoint.client_type]
    assert words[5:7] == [model.name, model.endpoint.url]
    headers = {}
    rest = words[7:]
    while rest:
        flag, value, *rest = rest
        assert flag == "--header"
        name, _, val = value.partition(": ")
        headers[name] = val
    return Connect(model.endpoint.url, model.endpoint.transport, headers)


def check_codex(s: Snippet, model: InstallModel, user: User) -> Launch | Connect:
    env = user.environment(model)
    doc = tomllib.loads(user.fill(s.text, model))
    assert list(doc) == ["mcp_servers"] and list(doc["mcp_servers"]) == [model.name]
    table = doc["mcp_servers"][model.name]
    assert "bearer_token" not in table  # Codex refuses an inline token
    if "command" in table:
        assert set(table) <= CODEX_STDIO_KEYS and _strings(table["args"])
        forwarded = {name: env[name] for name in table.get("env_vars", []) if name in env}
        item = {"command": table["command"], "args": table["args"], "env": forwarded}
        if model.stdio:
            return Launch((table["command"], *table["args"]), {**table.get("env", {}), **forwarded})
        assert model.endpoint is not None and model.endpoint.transport == "sse"
        return _bridge(item, model, forwarded)
    assert set(table) <= CODEX_HTTP_KEYS and model.endpoint is not None
    assert model.endpoint.transport == "streamable-http"  # Codex has no sse client
    headers = dict(table.get("http_headers", {}))
    headers |= {k: env[v] for k, v in table.get("env_http_headers", {}).items()}
    return Connect(table["url"], "streamable-http", headers)


def check_docker(s: Snippet, model: InstallModel, user: User) -> Launch:
    words = shlex.split(user.fill(s.text, model))
    assert words[:2] == ["docker", "run"]
    assert ("-d" in words) == model.local_http and ("-i" in words) == model.stdio
    return Launch(("bash", "-c", user.fill(s.text, model)), user.environment(model))


def check_thv(s: Snippet, model: InstallModel, user: User) -> list[list[str]]:
    # One line per secret (names are [a-z0-9-]), then thv run, whose quoted values may
    # themselves hold newlines.
    *set_lines, run_text = s.text.split("\n", len(model.secrets))
    sets = [shlex.split(line) for line in set_lines]
    run = shlex.split(run_text)
    lines = [*sets, run]
    assert sets == [["thv", "secret", "set", x.input_id] for x in model.secrets]
    assert run[:2] == ["thv", "run"] and run[-1] == model.name
    flags = list(zip(run[2:-1:2], run[3:-1:2], strict=True))
    expected = [
        ("--secret", f"{v.input_id},target={v.name}") if v.secret else ("-e", f"{v.name}={v.text}")
        for v in model.env
    ]
    expected += [
        ("--remote-forward-headers-secret", f"{h.name}={h.input_id}")
        if h.secret
        else ("--remote-forward-headers", f"{h.name}={h.text}")
        for h in model.headers
    ]
    expected += [("-v", m.volume()) for m in model.mounts]
    assert flags == expected
    return lines


CHECKERS = {
    "claude-desktop": check_desktop,
    "cursor": check_cursor,
    "vscode": check_vscode,
    "claude-code": check_claude_code,
    "codex": check_codex,
    "docker": check_docker,
}


def check_entry(entry: Entry, user: User) -> dict[str, Launch | Connect]:
    """Every format rule of every snippet of ``entry``; the launches they describe."""
    leaky = with_secret_defaults(entry)
    model = install_model(leaky)
    snippets = render_all(model)
    for s in snippets:
        assert SECRET not in s.text, (entry.name, s.id)
        placeholders = re.findall(r"<[A-Za-z0-9_-]+>", s.text)
        assert ("Replace" in s.hint) == bool(placeholders), (entry.name, s.id, s.hint)
    by_id = {s.id: s for s in snippets}
    expected = ["thv", "claude-desktop", "cursor", "vscode", "claude-code", "codex"]
    if entry.kind is Kind.CONTAINER:
        expected.append("docker")
    assert sorted(by_id) == sorted(expected)
    check_thv(by_id.pop("thv"), model, user)
    return {sid: CHECKERS[sid](s, model, user) for sid, s in by_id.items()}


def test_every_snippet_of_every_entry_follows_its_clients_format(tmp_path: Path) -> None:
    user = User(tmp_path)
    entries = registry_entries()
    for entry in entries:
        launches = check_entry(entry, user)
        model = install_model(entry)
        # Every stdio client starts the same container: same image, args, env names, mounts.
        stdio = [
            docker_run(launch.command, launch.env)
            for key, launch in launches.items()
            if isinstance(launch, Launch) and key != "docker"
        ]
        for seen in stdio:
            assert seen == stdio[0], entry.name
        if model.stdio and stdio:
            assert stdio[0]["image"] == entry.image and stdio[0]["args"] == list(entry.args)
            assert stdio[0]["env"] == user.expected_env(model)
            assert stdio[0]["mounts"] == user.expected_mounts(model)
    assert sum(install_model(e).stdio for e in entries) > 40
    # The upstream output names the same URL the snippets connect to.
    for entry in entries:
        model = install_model(entry)
        doc = to_upstream(entry, TEST_CONFIG)
        if model.local_http:
            assert model.endpoint is not None
            assert doc["packages"][0]["transport"]["url"] == model.endpoint.url, entry.name
        elif model.endpoint is not None:
            assert doc["remotes"][0]["url"] == model.endpoint.url, entry.name


def docker_run(command: tuple[str, ...], env: Mapping[str, str]) -> JsonDict:
    """What ``docker run`` would give the container (the stub's own parser, in process)."""
    assert command[0] == "docker"
    return parse_docker(list(command[1:]), env)


# --- the stubs on PATH ----------------------------------------------------------------------

STUB_DOCKER = """#!{python}
import json, os, socket, subprocess, sys, time
sys.path.insert(0, {here!r})
from dockerstub import parse_docker
try:
    seen = parse_docker(sys.argv[1:], os.environ)
except ValueError as exc:
    sys.exit(str(exc))
for volume in seen["mounts"]:
    host = volume.split(":", 1)[0]
    if not os.path.isabs(host) or not os.path.isdir(host):
        sys.exit(f"docker: invalid mount {{volume!r}}")
with open({record!r}, "a") as out:
    out.write(json.dumps(seen) + "\\n")
if "-d" in seen["flags"]:
    port = int(seen["ports"][0].rsplit(":", 1)[1])
    server = subprocess.Popen(
        [{python!r}, {script!r}, "http", {transports!r}[seen["image"]], str(port)],
        env={{**seen["env"], "PATH": os.environ["PATH"]}}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    with open({record!r} + ".pid", "a") as out:
        out.write(f"{{server.pid}}\\n")
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("docker: the server did not start")
            time.sleep(0.05)
    print("0123456789ab")
else:
    os.execve({python!r}, [{python!r}, {script!r}, "stdio"], dict(seen["env"]))
"""

STUB_THV = """#!{python}
import json, sys
with open({record!r}, "a") as out:
    out.write(json.dumps(sys.argv[1:]) + "\\n")
"""


@dataclass
class Stubs:
    """A folder with ``docker`` and ``thv`` stubs that record into ``records``."""

    bin: Path
    record: Path
    thv_record: Path

    @property
    def path(self) -> str:
        return f"{self.bin}{os.pathsep}{os.environ['PATH']}"

    def seen(self) -> list[JsonDict]:
        if not self.record.exists():
            return []
        return [json.loads(line) for line in self.record.read_text().splitlines()]

    def kill_servers(self) -> None:
        pids = Path(str(self.record) + ".pid")
        if pids.exists():
            for pid in pids.read_text().split():
                try:
                    os.killpg(int(pid), 9)
                except ProcessLookupError:
                    pass


def make_stubs(root: Path, transports: Mapping[str, str]) -> Stubs:
    root.mkdir(parents=True, exist_ok=True)
    stubs = Stubs(root / "bin", root / "docker.jsonl", root / "thv.jsonl")
    stubs.bin.mkdir()
    values = {
        "python": PYTHON,
        "here": str(Path(__file__).parents[1]),
        "record": str(stubs.record),
        "script": SCRIPT,
        "transports": dict(transports),
    }
    for name, text in (("docker", STUB_DOCKER), ("thv", STUB_THV)):
        path = stubs.bin / name
        record = stubs.thv_record if name == "thv" else stubs.record
        path.write_text(text.format(**{**values, "record": str(record)}))
        path.chmod(0o755)
    return stubs


# --- running them -------------------------------------------------------------------------


def run_stdio(launch: Launch, stubs: Stubs, cwd: Path) -> list[str]:
    """``initialize`` and ``tools/list`` through the launch, as the client would start it:
    its command with only the environment the snippet gives (and ``PATH`` to the stubs).
    A pasted shell line runs in ``cwd``, where anything it wrongly ran would leave files."""
    command = launch.command
    if command[0] == "bash":
        command = ("bash", "-c", f"cd {shlex.quote(str(cwd))} && {command[2]}")
    target = StdioTarget(command, {"PATH": stubs.path, **launch.env})
    return list_tools(target, timeout=60).names


def _sample(entries: list[Entry]) -> list[Entry]:
    """Stdio entries that between them use every feature: secrets, plain values with
    defaults, args, host folders, no configuration at all."""
    stdio = [e for e in entries if install_model(e).stdio]
    picks: list[Entry] = []
    features: tuple[Callable[[InstallModel], bool], ...] = (
        lambda m: any(s.secret for s in m.env),
        lambda m: any(not s.secret and s.value is not None for s in m.env),
        lambda m: any(not s.secret and s.value is None for s in m.env),
        lambda m: bool(m.args),
        lambda m: bool(m.mounts),
        lambda m: not m.env and not m.args and not m.mounts,
    )
    for feature in features:
        found = next((e for e in stdio if feature(install_model(e))), None)
        if found is not None and found not in picks:
            picks.append(found)
    return picks


def adversarial_entries() -> list[Entry]:
    nasty = [
        "$(touch PWNED-dollar)",
        "`touch PWNED-backtick`",
        'it\'s "quoted"',
        "semi; touch PWNED-semi",
        "line\ntouch PWNED-newline",
        "a b  c",
        "--flag='$HOME'",
        "> PWNED-redirect",
        "",
    ]
    doc: JsonDict = {
        "description": "An entry whose every value tries to break out of its quoting.",
        "tier": "Community",
        "status": "Active",
        "transport": "stdio",
        "image": "ghcr.io/example/nasty:1.0.0",
        "tools": ["fetch"],
        "args": nasty,
        "env_vars": [
            {"name": "TOKEN", "description": "A secret.", "required": True, "secret": True},
            {
                "name": "MODE",
                "description": "Plain value.",
                "required": True,
                "default": "x'; touch PWNED-env; echo '$(touch PWNED-env2)\n\"",
            },
            {"name": "WHERE", "description": "No default.", "required": True},
        ],
        "mounts": [
            {"name": "DATA_DIR", "description": "Data to read.", "target": "/data dir/$(x)"},
        ],
    }
    return [
        Entry.from_document("nasty", doc),
        Entry.from_document("it's $(touch PWNED-name) `x`", {**doc, "args": ["plain"]}),
    ]


def test_stdio_snippets_run_as_pasted_and_the_server_sees_exactly_what_was_declared(
    tmp_path: Path,
) -> None:
    nasty, nasty_name = adversarial_entries()
    sample = _sample(registry_entries())
    assert len(sample) >= 5
    user = User(tmp_path / "folders")
    # Every client runs the adversarial entry (secrets, defaults, placeholders, args and a
    # folder, all hostile); each registry entry of the sample runs through one client in
    # turn, and the in-process check of the format test shows every client of every entry
    # starts the same container.
    plan = [(nasty, client) for client in CHECKERS]
    plan += [(nasty_name, client) for client in ("docker", "claude-code")]
    plan += [(entry, list(CHECKERS)[n % len(CHECKERS)]) for n, entry in enumerate(sample)]
    jobs = []
    for n, (entry, client) in enumerate(plan):
        model = install_model(entry)
        launch = check_entry(entry, user)[client]
        assert isinstance(launch, Launch), (entry.name, client)
        root = tmp_path / f"run-{n}-{client}"
        jobs.append((entry, model, client, launch, make_stubs(root, {}), root))
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda j: run_stdio(j[3], j[4], j[5]), jobs))
    for (entry, model, client, _launch, stubs, root), names in zip(jobs, results, strict=True):
        assert names == TOOL_NAMES, (entry.name, client)
        (seen,) = stubs.seen()
        assert seen["image"] == entry.image and seen["args"] == list(entry.args), client
        assert seen["env"] == user.expected_env(model), (entry.name, client)
        assert seen["mounts"] == user.expected_mounts(model), (entry.name, client)
        assert seen["flags"] == ["--rm", "-i"]
        assert sorted(p.name for p in root.iterdir()) == ["bin", "docker.jsonl"], client
    assert not list(tmp_path.rglob("PWNED*"))


def test_pasted_toolhive_lines_run_only_thv_with_the_declared_flags(tmp_path: Path) -> None:
    user = User(tmp_path / "folders")
    entries = registry_entries()
    asking = [e for e in entries if e.env_vars or e.headers or e.mounts][:8]
    for n, entry in enumerate([*asking, *adversarial_entries()]):
        model = install_model(entry)
        (thv,) = [s for s in render_all(model) if s.id == "thv"]
        root = tmp_path / f"thv-{n}"
        stubs = make_stubs(root, {})
        # Pasted as shown, placeholders and all: even <...> must stay inside its quotes.
        subprocess.run(
            ["bash", "-c", thv.text], cwd=root, env={"PATH": stubs.path}, check=True, timeout=30
        )
        seen = [json.loads(line) for line in stubs.thv_record.read_text().splitlines()]
        assert [["thv", *argv] for argv in seen] == check_thv(thv, model, user)
        assert sorted(p.name for p in root.iterdir()) == ["bin", "thv.jsonl"]
    assert not list(tmp_path.rglob("PWNED*"))


def test_http_containers_start_with_docker_then_every_client_connects(tmp_path: Path) -> None:
    entries = registry_entries()
    user = User(tmp_path / "folders")
    for transport in ("streamable-http", "sse"):
        http = [e for e in entries if install_model(e).local_http and e.transport == transport]
        assert http, transport
        # The one that asks most of the user; its port moved to a free one for the test.
        entry = max(http, key=lambda e: len(e.env_vars))
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        entry = replace(entry, target_port=port)
        model = install_model(entry)
        launches = check_entry(entry, user)
        stubs = make_stubs(tmp_path / transport, {entry.image or "": transport})
        docker = launches.pop("docker")
        assert isinstance(docker, Launch)
        try:
            subprocess.run(
                docker.command,
                env={"PATH": stubs.path, **docker.env},
                cwd=tmp_path,
                check=True,
                timeout=60,
                capture_output=True,
            )
            (seen,) = stubs.seen()
            assert seen["ports"] == [f"127.0.0.1:{port}:{port}"]
            assert seen["env"] == user.expected_env(model)
            for client, connect in launches.items():
                assert isinstance(connect, Connect), client
                url = connect.url.replace("localhost", "127.0.0.1")
                assert url == f"http://127.0.0.1:{port}{'/sse' if transport == 'sse' else '/mcp'}"
                target = HttpTarget(url, connect.transport, dict(connect.headers))  # type: ignore[arg-type]
                assert list_tools(target, timeout=60).names == TOOL_NAMES, client
        finally:
            stubs.kill_servers()


def test_remote_servers_are_reached_with_the_headers_each_client_sends(tmp_path: Path) -> None:
    user = User(tmp_path)
    for transport in ("streamable-http", "sse"):
        doc = {
            "description": "A remote server that wants a key in a header.",
            "tier": "Official",
            "status": "Active",
            "transport": transport,
            "url": "https://example.invalid/mcp",
            "tools": ["fetch"],
            "headers": [
                {"name": "X-Api-Key", "description": "Key.", "required": True, "secret": True}
            ],
        }
        with serve_mcp(transport, require_header=("X-Api-Key", "value of X-Api-Key")) as server:
            entry = Entry.from_document("keyed", {**doc, "url": server.url})
            for client, connect in check_entry(entry, user).items():
                assert isinstance(connect, Connect), client
                target = HttpTarget(connect.url, connect.transport, dict(connect.headers))  # type: ignore[arg-type]
                assert list_tools(target, timeout=60).names == TOOL_NAMES, client
