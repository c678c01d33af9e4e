"""The install model and its renderers: what each client gets, secrets never inlined."""

from __future__ import annotations

import json
import shlex
import tomllib
from dataclasses import replace
from itertools import combinations

import pytest

from regup.install import (
    MAX_ABOUT,
    install_model,
    render_all,
    toml_document,
    toml_string,
    vscode_config,
)
from regup.model import Entry
from tests.helpers import container, remote

SECRET_DEFAULT = "do-not-leak-this-default"


def _entry(doc: dict[str, object], name: str = "demo") -> Entry:
    return Entry.from_document(name, doc)


def _by_id(entry: Entry) -> dict[str, str]:
    return {s.id: s.text for s in render_all(install_model(entry))}


def _secret_container(**changes: object) -> Entry:
    return _entry(
        container(
            env_vars=[
                {
                    "name": "API_TOKEN",
                    "description": "Token.",
                    "required": True,
                    "secret": True,
                    "default": SECRET_DEFAULT,
                },
                {"name": "REGION", "description": "Region.", "required": True, "default": "eu"},
                {"name": "DEBUG", "description": "Debug.", "required": False},
            ],
            args=["--read-only"],
            **changes,
        )
    )


def test_toolhive_sets_each_secret_in_its_store_then_runs() -> None:
    lines = _by_id(_secret_container())["thv"].splitlines()
    assert [shlex.split(line) for line in lines] == [
        ["thv", "secret", "set", "api-token"],
        ["thv", "run", "--secret", "api-token,target=API_TOKEN", "-e", "REGION=eu", "demo"],
    ]


def test_toolhive_hint_names_the_registry_command_when_the_address_is_known() -> None:
    model = install_model(_secret_container())
    command = "thv config set-registry https://reg.example.org/upstream/registry.json"
    (known,) = [s for s in render_all(model, command) if s.id == "thv"]
    (unknown,) = [s for s in render_all(model) if s.id == "thv"]
    assert command in known.hint and "Use this registry" in unknown.hint
    assert known.text == unknown.text


def test_remote_headers_go_through_toolhive_header_flags() -> None:
    entry = _entry(
        remote(
            headers=[
                {"name": "X-Api-Key", "description": "Key.", "required": True, "secret": True},
                {"name": "X-Team", "description": "Team.", "required": True, "default": "core"},
            ]
        )
    )
    assert shlex.split(_by_id(entry)["thv"].splitlines()[-1]) == [
        "thv",
        "run",
        "--remote-forward-headers-secret",
        "X-Api-Key=x-api-key",
        "--remote-forward-headers",
        "X-Team=core",
        "demo",
    ]


def test_each_client_gets_the_secret_its_own_way() -> None:
    texts = _by_id(_secret_container())
    for text in texts.values():
        assert SECRET_DEFAULT not in text
    desktop = json.loads(texts["claude-desktop"])["mcpServers"]["demo"]
    assert desktop["env"] == {"API_TOKEN": "<API_TOKEN>", "REGION": "eu"}
    assert desktop["args"] == [
        "run",
        "--rm",
        "-i",
        "-e",
        "API_TOKEN",
        "-e",
        "REGION",
        "ghcr.io/example/fetch:1.2.3",
        "--read-only",
    ]
    cursor = json.loads(texts["cursor"])["mcpServers"]["demo"]
    assert cursor["env"] == {"API_TOKEN": "${env:API_TOKEN}", "REGION": "eu"}
    codex = tomllib.loads(texts["codex"])["mcp_servers"]["demo"]
    assert codex["env_vars"] == ["API_TOKEN"] and codex["env"] == {"REGION": "eu"}
    assert shlex.split(texts["docker"])[4:8] == ["-e", "API_TOKEN", "-e", "REGION=eu"]
    item, inputs = vscode_config(install_model(_secret_container()))
    assert inputs == [
        {"type": "promptString", "id": "api-token", "description": "Token.", "password": True}
    ]
    assert item["env"] == {"API_TOKEN": "${input:api-token}", "REGION": "eu"}


def test_hints_name_placeholders_and_prompts_only_when_there_are_some() -> None:
    """Bug: "replace each <...>" under snippets without one, "VS Code prompts" for nothing."""
    plain = render_all(install_model(_entry(container(env_vars=None))))
    for snippet in plain:
        assert "<" not in snippet.text
        assert "Replace" not in snippet.hint and "asks for" not in snippet.hint
    hints = {s.id: s.hint for s in render_all(install_model(_secret_container()))}
    assert "Replace <API_TOKEN> with your value." in hints["claude-desktop"]
    assert "Replace" not in hints["cursor"] and "API_TOKEN from your environment" in hints["cursor"]
    assert "VS Code asks for API_TOKEN" in hints["vscode"]


def test_an_http_container_is_started_then_connected_at_its_transport_path() -> None:
    for transport, path in (("streamable-http", "/mcp"), ("sse", "/sse")):
        entry = _entry(container(transport=transport, target_port=9000, env_vars=None))
        texts = _by_id(entry)
        url = f"http://localhost:9000{path}"
        assert shlex.split(texts["docker"]) == [
            "docker",
            "run",
            "--rm",
            "-d",
            "-p",
            "127.0.0.1:9000:9000",
            "ghcr.io/example/fetch:1.2.3",
        ]
        kind = "sse" if transport == "sse" else "http"
        assert json.loads(texts["vscode"])["servers"]["demo"] == {"type": kind, "url": url}
        assert json.loads(texts["cursor"])["mcpServers"]["demo"] == {"url": url}
        assert shlex.split(texts["claude-code"]) == [
            "claude",
            "mcp",
            "add",
            "--transport",
            kind,
            "demo",
            url,
        ]
        desktop = json.loads(texts["claude-desktop"])["mcpServers"]["demo"]
        assert desktop["command"] == "npx" and url in desktop["args"]


def test_remote_servers_reach_claude_desktop_through_the_bridge() -> None:
    entry = _entry(remote())
    texts = _by_id(entry)
    desktop = json.loads(texts["claude-desktop"])["mcpServers"]["demo"]
    assert desktop == {
        "command": "npx",
        "args": [
            "-y",
            "mcp-remote",
            "https://mcp.example.com/mcp",
            "--header",
            "X-Api-Key:${X_API_KEY}",
        ],
        "env": {"X_API_KEY": "<X-Api-Key>"},
    }
    codex = tomllib.loads(texts["codex"])["mcp_servers"]["demo"]
    assert codex == {
        "url": "https://mcp.example.com/mcp",
        "env_http_headers": {"X-Api-Key": "X_API_KEY"},
    }
    assert json.loads(texts["vscode"])["servers"]["demo"]["headers"] == {
        "X-Api-Key": "${input:x-api-key}"
    }


def test_host_folders_are_named_placeholders_mounted_where_the_entry_says() -> None:
    entry = _entry(
        container(
            env_vars=None,
            mounts=[
                {"name": "PROJECTS_DIR", "description": "Files to share.", "target": "/projects"},
                {
                    "name": "OUT_DIR",
                    "description": "Where results go.",
                    "target": "/out",
                    "access": "write",
                },
            ],
        )
    )
    texts = _by_id(entry)
    assert shlex.split(texts["thv"]) == [
        "thv",
        "run",
        "-v",
        "<PROJECTS_DIR>:/projects:ro",
        "-v",
        "<OUT_DIR>:/out",
        "demo",
    ]
    assert "-v" in shlex.split(texts["docker"])
    item, inputs = vscode_config(install_model(entry))
    assert "${input:projects-dir}:/projects:ro" in item["args"]
    assert [i["id"] for i in inputs] == ["projects-dir", "out-dir"]
    assert not any(i.get("password") for i in inputs)


@pytest.mark.parametrize(
    "text",
    [
        "".join(map(chr, range(128))),
        'a"b',
        "back\\slash",
        "new\nline",
        "tab\t",
        "\x00\x1f\x7f",
        "naïve ✓",
        "",
        "'",
    ],
)
def test_toml_strings_read_back_exactly(text: str) -> None:
    doc = toml_document(
        {("mcp_servers", "odd name.x"): {"k": text, "list": [text], "t": {text: text}}}
    )
    table = tomllib.loads(doc)["mcp_servers"]["odd name.x"]
    assert table == {"k": text, "list": [text], "t": {text: text}}
    assert tomllib.loads("v = " + toml_string(text))["v"] == text


# --- Hints that follow the values filled in ------------------------------------------------


def _many_values(count: int) -> Entry:
    return _entry(
        container(
            env_vars=[
                {"name": f"VALUE_{i}", "description": f"Value {i}.", "required": True}
                for i in range(count)
            ]
        )
    )


def _with_known(entry: Entry, known: set[str]) -> dict[str, str]:
    """Each snippet's hint once the env vars in ``known`` have a value."""
    model = install_model(entry)
    env = tuple(replace(v, value="given") if v.name in known else v for v in model.env)
    return {s.id: s.hint for s in render_all(replace(model, env=env))}


def test_each_hint_variant_is_the_hint_with_the_other_values_known() -> None:
    entry = _many_values(3)
    names = [f"VALUE_{i}" for i in range(3)]
    for snippet in render_all(install_model(entry)):
        assert snippet.hint == "".join(p.text for p in snippet.parts) or not snippet.parts
        varying = [p for p in snippet.parts if p.about]
        assert len(varying) == 1, snippet.id  # every snippet names the values or asks for them
        (part,) = varying
        assert part.about == tuple(names)
        fixed = "".join(p.text for p in snippet.parts if not p.about)
        variants = dict(part.variants)
        for size in range(len(names) + 1):
            for unfilled in combinations(names, size):
                expected = _with_known(entry, set(names) - set(unfilled))[snippet.id]
                shown = snippet.hint.replace(part.text, variants.get(unfilled, ""))
                assert shown == expected, (snippet.id, unfilled)
        assert () not in variants and fixed  # nothing to say once all are given


def test_a_snippet_without_placeholders_has_a_fixed_hint() -> None:
    for snippet in render_all(install_model(_entry(container()))):
        assert snippet.parts == () and "Replace" not in snippet.hint


def test_a_hint_about_many_values_grows_linearly() -> None:
    snippet = next(s for s in render_all(install_model(_many_values(9))) if s.id == "docker")
    varying = [p for p in snippet.parts if p.about]
    assert [len(p.about) for p in varying] == [MAX_ABOUT, MAX_ABOUT, 1]
    assert all(len(p.variants) == 2 ** len(p.about) - 1 for p in varying)
    assert "Replace <VALUE_0>, <VALUE_1>, <VALUE_2> and <VALUE_3> with your values." in snippet.hint
    assert snippet.hint.endswith(" Replace <VALUE_8> with your value.")
