"""Install snippets: every client, secrets only as placeholders or prompts."""

from __future__ import annotations

import base64
import html as html_module
import json
import re
import shlex
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import pytest
import yaml
from markupsafe import Markup

from regup.model import Entry
from regup.site.install import (
    UNKNOWN_BASE_URL,
    install,
    install_links,
    percent_encode,
    registry_snippets,
    shell_words,
    snippets,
)
from tests.helpers import container, remote

SECRET_DEFAULT = "do-not-leak-this-default"


def _entry(doc: dict[str, object], name: str = "demo") -> Entry:
    return Entry.from_document(name, doc)


def _container() -> Entry:
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
        )
    )


def test_every_client_has_a_snippet_and_thv_comes_first() -> None:
    ids = [s.id for s in snippets(_container())]
    assert ids == ["thv", "claude-desktop", "cursor", "vscode", "claude-code", "codex", "docker"]
    assert "docker" not in [s.id for s in snippets(_entry(remote()))]


def test_an_http_container_starts_with_docker_right_after_toolhive() -> None:
    entry = _entry(container(transport="streamable-http", target_port=9000, env_vars=None))
    assert [s.id for s in snippets(entry)][:2] == ["thv", "docker"]
    assert install_links(entry) == ()  # a link alone cannot start the container


def test_secrets_are_never_filled_in() -> None:
    entry = _container()
    for snippet in snippets(entry):
        assert SECRET_DEFAULT not in snippet.text
    for link in install_links(entry):
        assert SECRET_DEFAULT not in unquote(link.href)


def test_one_click_links_carry_the_configuration() -> None:
    vscode, cursor = install_links(_container())
    assert vscode.href.startswith("vscode:mcp/install?")
    payload = json.loads(unquote(vscode.href.split("?", 1)[1]))
    assert payload["name"] == "demo" and payload["command"] == "docker"
    assert payload["env"]["API_TOKEN"] == "${input:api-token}"
    assert payload["inputs"][0]["password"] is True
    query = parse_qs(urlsplit(cursor.href).query)
    assert query["name"] == ["demo"]
    config = json.loads(base64.b64decode(query["config"][0]))
    assert config["command"] == "docker"
    assert config["env"] == {"API_TOKEN": "${env:API_TOKEN}", "REGION": "eu"}


def test_no_cursor_link_installs_a_placeholder() -> None:
    """Bug: the Cursor link installed literal <API_KEY> values."""
    entry = _entry(
        container(env_vars=[{"name": "HOST", "description": "Host to use.", "required": True}])
    )
    labels = [link.label for link in install_links(entry)]
    assert labels == ["Install in VS Code"]


@pytest.mark.parametrize(
    "text",
    ["", "plain-name_1.0~x", '{"a": [1, "b c"], "d": "/e?f=g&h#i"}', "<PLACEHOLDER>", "naïve ✓ €"],
)
def test_percent_encode_is_quote_without_safe_characters(text: str) -> None:
    assert percent_encode(text) == quote(text, safe="")


def test_cursor_link_query_is_what_urlencode_makes() -> None:
    entry = _container()
    cursor = install_links(entry)[1].href
    query = cursor.split("?", 1)[1]
    config = parse_qs(query)["config"][0]
    assert query == urlencode({"name": entry.name, "config": config})


def test_install_is_the_snippets_and_the_links() -> None:
    entry = _container()
    ways = install(entry)
    assert ways.snippets == snippets(entry)
    assert ways.links == install_links(entry)


# --- The fill-in form ----------------------------------------------------------------------


def _fill_entry() -> Entry:
    return _entry(
        container(
            env_vars=[
                {"name": "HOST", "description": "Host to use.", "required": True},
                {"name": "TOKEN", "description": "Token.", "required": True, "secret": True},
                {"name": "REGION", "description": "Region.", "required": True, "default": "eu"},
            ],
            mounts=[{"name": "DATA", "description": "Data.", "target": "/data"}],
        )
    )


def _text_of(html: str) -> str:
    """What a browser shows of snippet HTML: the text, tags dropped, entities decoded."""
    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


def test_the_form_asks_for_what_the_snippets_leave_to_replace() -> None:
    fill = install(_fill_entry()).fill
    assert fill is not None
    assert [(f.name, f.kind, f.secret) for f in fill.fields] == [
        ("HOST", "environment variable", False),
        ("TOKEN", "environment variable", True),
        ("DATA", "host folder", False),
    ]  # REGION has a default: nothing to fill in
    (cursor,) = fill.pending  # Cursor's link waits for HOST and DATA, then works
    assert (cursor.label, cursor.needs) == ("Install in Cursor", "HOST DATA")
    assert install(_entry(container())).fill is None
    assert install(_entry(container())).code["docker"] == Markup(
        html_module.escape(snippets(_entry(container()))[-1].text, quote=False)
    )


def test_no_link_waits_for_a_secret() -> None:
    entry = _entry(remote())  # one header, a secret: Cursor reads it from the environment
    fill = install(entry).fill
    assert fill is not None and fill.pending == ()
    assert [link.label for link in install_links(entry)] == [
        "Install in VS Code",
        "Install in Cursor",
    ]


def test_marked_snippets_show_exactly_the_snippet_text() -> None:
    ways = install(_fill_entry())
    for snippet in ways.snippets:
        assert _text_of(ways.code[snippet.id]) == snippet.text, snippet.id


def test_shell_fill_points_are_whole_words_with_their_unquoted_text() -> None:
    ways = install(_fill_entry())
    docker = str(ways.code["docker"])
    words = [html_module.unescape(w) for w in re.findall(r'data-sh="([^"]*)"', docker)]
    assert words == ["HOST=<HOST>", "<DATA>:/data:ro"]
    for word in words:
        assert f">{Markup.escape(shlex.quote(word))}</span>" in docker
    # a secret in ToolHive's and Docker's lines is a name, never a fill point
    assert "TOKEN" not in "".join(re.findall(r'data-sh="([^"]*)"', docker + ways.code["thv"]))
    claude = str(ways.code["claude-code"])
    assert "TOKEN=&lt;TOKEN&gt;" in " ".join(re.findall(r'data-sh="([^"]*)"', claude))


def test_json_and_toml_fill_points_sit_inside_strings() -> None:
    ways = install(_fill_entry())
    vscode = str(ways.code["vscode"])
    assert '"HOST": "<span data-fill="HOST">${input:host}</span>"' in vscode
    assert '"TOKEN": "${input:token}"' in vscode  # a secret keeps its password prompt
    assert '<span data-fill="HOST">&lt;HOST&gt;</span>' in str(ways.code["codex"])
    assert '<span data-fill="TOKEN">&lt;TOKEN&gt;</span>' in str(ways.code["claude-desktop"])
    # VS Code's inputs list is marked whole, with each item's id and text
    (items,) = re.findall(r'data-inputs="([^"]*)"', vscode)
    listed = json.loads(html_module.unescape(items))
    assert [i for i, _ in listed] == ["data", "host", "token"]
    assert all(text in ways.snippets[3].text for _, text in listed)


@pytest.mark.parametrize(
    "text",
    [
        "thv run -e 'A=<A>' x",
        "a 'b c'\"'\"'d' e\nf '' g",
        "claude mcp add --header 'X-Org: <X-Org>' -- docker run '<D>:/d:ro'",
    ],
)
def test_shell_words_are_what_shlex_splits(text: str) -> None:
    words = [text[start:end] for start, end in shell_words(text)]
    assert [shlex.split(w)[0] for w in words] == shlex.split(text)


# --- "Use this registry" ------------------------------------------------------------------

BASE = "https://reg.example.org/mcp"
#: The subcommands of ``thv config`` that take a registry (stacklok/toolhive
#: cmd/thv/app/config.go); there is no ``set-registry-api``.
THV_REGISTRY_COMMANDS = {"set-registry", "get-registry", "unset-registry"}


def _by_id(api: bool, base: str = BASE) -> dict[str, str]:
    return {s.id: s.text for s in registry_snippets(base, api=api)}


def test_use_commands_name_only_thv_commands_that_exist() -> None:
    """Bug: the page told users to run `thv config set-registry-api`, which does not exist."""
    for api in (True, False):
        for text in _by_id(api).values():
            if text.startswith("thv "):
                words = shlex.split(text)
                assert words[:2] == ["thv", "config"], text
                assert words[2] in THV_REGISTRY_COMMANDS, text
                assert len(words) == 4, text  # set-registry takes exactly one argument


def test_the_api_command_is_set_registry_with_the_base_url_only_when_the_tree_exists() -> None:
    """ToolHive probes <url>/v0.1/servers for a URL that does not end in .json."""
    with_api = _by_id(True)
    assert with_api["thv-api"] == f"thv config set-registry {BASE}"
    assert with_api["thv-upstream"] == f"thv config set-registry {BASE}/upstream/registry.json"
    assert json.loads("{" + with_api["vscode-gallery"] + "}") == {
        "chat.mcp.gallery.serviceUrl": BASE
    }
    without = _by_id(False)
    assert "thv-api" not in without and "vscode-gallery" not in without
    assert without["thv-upstream"].endswith("/upstream/registry.json")
    assert _by_id(False, "")["thv-upstream"].startswith(
        f"thv config set-registry {UNKNOWN_BASE_URL}/"
    )


def test_the_registry_server_config_passes_the_servers_own_checks() -> None:
    """The checks of stacklok/toolhive-registry-server internal/config/config.go (validate):
    sources with names and exactly one kind, syncPolicy.interval for synced sources,
    registries naming known sources, auth mode, database host/port/user/database; the
    server reads the upstream format only, so no `format` key may appear."""
    config = yaml.safe_load(_by_id(False)["thv-registry-server"])
    assert set(config) == {"sources", "registries", "auth", "database"}
    names = set()
    for source in config["sources"]:
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", source["name"])
        kinds = [k for k in ("git", "api", "file", "managed", "kubernetes") if k in source]
        assert kinds == ["file"]
        assert set(source["file"]) == {"url"}
        assert source["file"]["url"] == f"{BASE}/upstream/registry.json"
        assert re.fullmatch(r"\d+[smh]", source["syncPolicy"]["interval"])
        assert "format" not in source and "format" not in source["file"]
        names.add(source["name"])
    assert config["registries"] and all(
        reg["name"] and reg["sources"] and set(reg["sources"]) <= names
        for reg in config["registries"]
    )
    assert config["auth"]["mode"] in {"anonymous", "oauth"}
    database = config["database"]
    assert all(database[key] for key in ("host", "port", "user", "database"))
    assert isinstance(database["port"], int)


def test_hints_carry_every_variant_and_show_the_unfilled_one() -> None:
    ways = install(_fill_entry())
    for snippet in ways.snippets:
        html = str(ways.hints[snippet.id])
        visible = re.sub(r'<span data-unfilled="[^"]*" hidden>[^<]*</span>', "", html)
        assert _text_of(visible) == snippet.hint, snippet.id
    desktop = str(ways.hints["claude-desktop"])
    assert '<span data-about="HOST TOKEN DATA">' in desktop
    assert '<span data-unfilled="HOST TOKEN DATA">' in desktop  # shown: nothing filled yet
    assert '<span data-unfilled="TOKEN" hidden> Replace &lt;TOKEN&gt; with your value.' in desktop
    # Docker names the folder where it goes: a fill point the script puts the value in.
    assert 'Mounts <span data-fill="DATA">&lt;DATA&gt;</span> at /data.' in str(
        ways.hints["docker"]
    )
    plain = install(_entry(container()))
    assert "data-" not in "".join(plain.hints.values())
