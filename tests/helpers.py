"""Test helpers shared by the unit and acceptance suites: registry writers and a CLI runner."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from click.testing import CliRunner

from regup.cli import main
from regup.config import Config

REPO_ROOT = Path(__file__).resolve().parents[1]
CASES_DIR = Path(__file__).resolve().parent / "cases"

JsonDict = dict[str, Any]

#: The namespace of every test registry: regup has no default, so tests name their own.
TEST_NAMESPACE = "io.github.example"
#: The settings library-level tests build with (what a minimal ``regup.toml`` gives).
TEST_CONFIG = Config(namespace=TEST_NAMESPACE)


def config_toml(**keys: str) -> str:
    """The text of a ``regup.toml`` with the test namespace and ``keys`` under [registry]."""
    table = {"namespace": TEST_NAMESPACE, **keys}
    lines = [
        "[registry]",
        *(f"{key} = {value!r}".replace("'", '"') for key, value in table.items()),
    ]
    return "\n".join(lines) + "\n"


def write_ledger(registry_dir: Path, times: Mapping[str, str] | None = None) -> Path:
    """Write ``registry_dir/versions.json`` recording every entry's current version at
    ``times[name]``, else at its ``metadata.last_updated``, else 2025-01-01 (skills: then),
    the ledger of a registry built before, so builds and previews of it agree on every time."""
    from regup.ledger import Ledger, VersionRecord, ledger_path, save_ledger
    from regup.load import load_registry
    from regup.timeutil import format_timestamp, parse_timestamp
    from regup.validate import validate_documents

    registry = validate_documents(load_registry(registry_dir)).registry
    records: dict[str, Mapping[str, VersionRecord]] = {}
    for entry in registry.entries:
        when = (times or {}).get(entry.name) or entry.last_updated or "2025-01-01T00:00:00Z"
        recorded = Ledger().record([entry], format_timestamp(parse_timestamp(when)))
        records.update(recorded.entries)
    skills = Ledger().record([], "2025-01-01T00:00:00Z", registry.skills)
    save_ledger(registry_dir, Ledger({**records, **skills.entries}))
    return ledger_path(registry_dir)


def write_config(folder: Path, **keys: str) -> Path:
    """Write ``folder/regup.toml`` (see :func:`config_toml`) and return its path."""
    path = folder / "regup.toml"
    path.write_text(config_toml(**keys), encoding="utf-8")
    return path


#: A valid container entry: every later test starts from a copy of this.
CONTAINER: JsonDict = {
    "description": "Fetches web pages and turns them into Markdown.",
    "tier": "Community",
    "status": "Active",
    "transport": "stdio",
    "image": "ghcr.io/example/fetch:1.2.3",
    "repository_url": "https://github.com/example/fetch",
    "tags": ["web", "markdown"],
    "tools": ["fetch"],
    "env_vars": [
        {"name": "FETCH_TIMEOUT", "description": "Seconds to wait for a page.", "required": False}
    ],
    "metadata": {"stars": 42, "pulls": 1000, "last_updated": "2025-06-01T12:00:00Z"},
}

#: A valid remote entry.
REMOTE: JsonDict = {
    "description": "Searches the issue tracker of a hosted service.",
    "tier": "Official",
    "status": "Active",
    "transport": "streamable-http",
    "url": "https://mcp.example.com/mcp",
    "version": "1.0.0",  # a remote has no image tag to take one from
    "tags": ["issues"],
    "tools": ["search_issues", "get_issue"],
    "headers": [
        {
            "name": "X-Api-Key",
            "description": "Key of your account.",
            "required": True,
            "secret": True,
        }
    ],
    "oauth_config": {"issuer": "https://auth.example.com", "scopes": ["read"]},
    "metadata": {"stars": 7, "last_updated": "2025-03-01T08:00:00Z"},
}


def container(**changes: Any) -> JsonDict:
    """A copy of :data:`CONTAINER` with top-level keys replaced (``None`` removes a key)."""
    return _changed(CONTAINER, changes)


def remote(**changes: Any) -> JsonDict:
    """A copy of :data:`REMOTE` with top-level keys replaced (``None`` removes a key)."""
    return _changed(REMOTE, changes)


def _changed(base: JsonDict, changes: Mapping[str, Any]) -> JsonDict:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


#: A skill as authored in ``skill.yaml`` (namespace: the registry's), with both packages.
SKILL: JsonDict = {
    "title": "Code Review",
    "description": "Guides an agent through a careful review of a pull request.",
    "version": "1.2.0",
    "license": "Apache-2.0",
    "repository": {"url": "https://github.com/example/skills", "type": "git"},
    "packages": [
        {"registryType": "oci", "identifier": "ghcr.io/example/skills/code-review:1.2.0"},
        {
            "registryType": "git",
            "url": "https://github.com/example/skills",
            "ref": "v1.2.0",
            "subfolder": "skills/code-review",
        },
    ],
}


def skill(**changes: Any) -> Files:
    """The folder of a skill: :data:`SKILL` with top-level keys replaced, as ``skill.yaml``."""
    return Files({"skill.yaml": to_yaml(_changed(SKILL, changes))})


class Files(dict[str, "str | bytes"]):
    """The exact files of one registry folder, by file name (``{"group.yaml": "..."}``)."""


Content = JsonDict | str | bytes | Files


def to_yaml(data: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=4096)


def write_registry(root: Path, **entries: Content) -> Path:
    """Write ``root/<name>/spec.yaml`` for each entry and return ``root``.

    A dict is dumped as YAML, a str or bytes is written as is, :class:`Files` gives the
    folder's files by name (groups, several files, no file at all).
    """
    root.mkdir(parents=True, exist_ok=True)
    for name, content in entries.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        files: Mapping[str, str | bytes]
        if isinstance(content, Files):
            files = content
        elif isinstance(content, dict):
            files = {"spec.yaml": to_yaml(content)}
        else:
            files = {"spec.yaml": content}
        for file_name, data in files.items():
            target = folder / file_name
            target.parent.mkdir(parents=True, exist_ok=True)  # "review/skill.yaml" in skills/
            if isinstance(data, bytes):
                target.write_bytes(data)
            else:
                target.write_text(data, encoding="utf-8")
    return root


def group(description: str, *servers: str) -> Files:
    return Files({"group.yaml": to_yaml({"description": description, "servers": list(servers)})})


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(args: Sequence[str], env: Mapping[str, str | None] | None = None) -> CliResult:
    """Run ``regup`` in this process through its console entry point (error boundary included)."""
    runner = CliRunner()
    with runner.isolation(env=env) as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
    return CliResult(code, out.getvalue().decode(), err.getvalue().decode())


def run_subprocess(
    args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m regup`` as a separate process, as a user would."""
    full_env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "regup", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def dead_pid() -> int:
    """The id of a process that has ended (its temporary files are debris)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def server_json_after_round_trip(original: Mapping[str, Any], publisher_key: str) -> JsonDict:
    """What regup emits for an entry read from ``original`` (a server.json with ToolHive's
    extension block): the same document apart from the deliberate differences that
    site/docs/authoring.md lists under "server.json as the source".

    - ``isRequired: false`` / ``isSecret: false`` are left out (ToolHive's ``omitempty``).
    - a description over the official 100-character limit is cut at a word, the full text
      goes under regup's publisher key.
    - ``transport`` inside the ``io.github.stacklok`` block is left out (no ToolHive reader
      has that field).
    - a package transport URL without a path (``http://localhost:8080``, what ToolHive's
      converter writes) gets the transport's path (``/mcp``, ``/sse``): the address a client
      connects to; ToolHive reads only the port of it.
    """
    from regup.names import short_description
    from regup.serverjson import PUBLISHER_PROVIDED, TOOLHIVE_PUBLISHER

    doc = copy.deepcopy(dict(original))
    for package in doc.get("packages", []):
        transport = package.get("transport", {})
        if "url" in transport and urlsplit(transport["url"]).path in ("", "/"):
            path = {"sse": "/sse"}.get(transport["type"], "/mcp")
            transport["url"] = transport["url"].rstrip("/") + path
        for var in package.get("environmentVariables", []):
            for key in ("isRequired", "isSecret"):
                if var.get(key) is False:
                    del var[key]
    for remote in doc.get("remotes", []):
        for header in remote.get("headers", []):
            for key in ("isRequired", "isSecret"):
                if header.get(key) is False:
                    del header[key]
    publishers = doc["_meta"][PUBLISHER_PROVIDED]
    for block in publishers[TOOLHIVE_PUBLISHER].values():
        block.pop("transport", None)
    if short_description(doc["description"]) != doc["description"]:
        publishers.setdefault(publisher_key, {})["description"] = doc["description"]
        doc["description"] = short_description(doc["description"])
    return doc
