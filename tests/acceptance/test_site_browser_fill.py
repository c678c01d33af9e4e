"""The fill-in form of a server page, in a real browser: what a user types goes into every
snippet and the one-click links, quoted as the server-side renderers quote it, never into a
link when it is a secret, and never off the page.

A small registry is built with ``regup build`` and served under ``/catalog/`` on 127.0.0.1:
a container with a plain and a secret variable and a host folder, a remote with a plain and
a secret header, and a container with nothing to fill in. Each filled snippet is compared
with what :mod:`regup.install` renders once the same values are known, shell snippets are
run by bash with their commands replaced by functions that print their arguments, and
JSON and TOML snippets are parsed. Skips only when /usr/bin/chromium is missing, as the
other browser tests.
"""

from __future__ import annotations

import base64
import json
import shlex
import subprocess
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from regup.install import InstallModel, Mount, cursor_item, install_model, render_all, vscode_config
from regup.model import Entry
from tests.browser import BROWSER, Tab, serving
from tests.helpers import config_toml, container, remote, run_cli, write_registry

pytestmark = BROWSER

ENTRIES: dict[str, dict[str, Any]] = {
    "fetcher": container(
        env_vars=[
            {"name": "API_URL", "description": "Where the API lives.", "required": True},
            {
                "name": "API_TOKEN",
                "description": "Token of your account.",
                "required": True,
                "secret": True,
            },
            {"name": "FETCH_TIMEOUT", "description": "Seconds to wait.", "required": False},
        ],
        mounts=[{"name": "DATA_DIR", "description": "Folder to read.", "target": "/data"}],
    ),
    "tracker": remote(
        headers=[
            {"name": "X-Org", "description": "Your organisation.", "required": True},
            {
                "name": "X-Api-Key",
                "description": "Key of your account.",
                "required": True,
                "secret": True,
            },
        ]
    ),
    "plain": container(),
}

#: Values that attack each format: quotes of every kind, command substitution, backslashes,
#: a tab, a control character, non-ASCII text and what looks like another placeholder.
NASTY = 'a\'b $(touch x) `touch y` "q" \\n\t\x01 é ✓ <API_TOKEN> ${HOME}'
SECRET = "s3cr3t-'\"$(touch z)"
FOLDER = "/home/me/my data's"
SHELL_IDS = ("thv", "claude-code", "docker")
#: What ToolHive's hint names: the site's base_url is known.
#: A value with quotes and shell syntax but nothing that looks like a placeholder (the
#: renderer, as the oracle, would take a typed "<API_TOKEN>" for one still to replace).
PLAIN = 'a\'b "q" $(touch x) é'
REGISTRY = "thv config set-registry https://registry.example.org/catalog/upstream/registry.json"


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("fill-site")
    config = config_toml(name="Fill test", base_url="https://registry.example.org/catalog")
    (root / "regup.toml").write_text(config)
    write_registry(root / "registry", **ENTRIES)
    result = run_cli(
        [
            "--registry",
            str(root / "registry"),
            "--config",
            str(root / "regup.toml"),
            "build",
            "--out",
            str(root / "dist"),
        ]
    )
    assert result.exit_code == 0, result.output
    with serving(root / "dist" / "site", "catalog") as url:
        yield url


@dataclass(frozen=True)
class _Chosen(Mount):
    """A host folder the user has chosen: its path stands where the placeholder would."""

    host: str = ""

    @property
    def placeholder(self) -> str:
        return self.host


def _known(name: str, values: Mapping[str, str]) -> InstallModel:
    """The install model of entry ``name`` with ``values`` known: what the server would
    render had the user written them into the entry."""
    model = install_model(Entry.from_document(name, ENTRIES[name]))

    def known(settings: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(replace(s, value=values[s.name]) if s.name in values else s for s in settings)

    mounts = tuple(
        _Chosen(m.name, m.description, m.target, m.read_only, values[m.name])
        if m.name in values
        else m
        for m in model.mounts
    )
    return replace(model, env=known(model.env), headers=known(model.headers), mounts=mounts)


def _fill(tab: Tab, values: Mapping[str, str]) -> None:
    for name, value in values.items():
        tab.page.locator(f"#fill input[data-name='{name}']").fill(value)


def _snippets(tab: Tab) -> dict[str, str]:
    codes = tab.page.locator("#install pre code")
    return {
        (c.get_attribute("id") or "").removeprefix("code-"): c.text_content() or ""
        for c in codes.all()
    }


def _links(tab: Tab) -> dict[str, str]:
    """Visible one-click links by label."""
    links = tab.page.locator("#install .install-links a")
    return {a.inner_text(): a.get_attribute("href") or "" for a in links.all() if a.is_visible()}


def _payload(href: str) -> Any:
    """The JSON a VS Code or Cursor link installs."""
    if href.startswith("cursor:"):
        config = parse_qs(urlsplit(href).query)["config"][0]
        return json.loads(base64.b64decode(config))
    return json.loads(unquote(href.split("?", 1)[1]))


def _argv_in_bash(text: str, cwd: Path) -> list[list[str]]:
    """Each command of shell ``text`` as bash parses it, the commands replaced by functions
    that print their arguments: what the pasted lines would run, and nothing else."""
    assert subprocess.run(["bash", "-n", "-c", text], check=False).returncode == 0
    script = (
        'show() { printf "%s\\0" "$#" "$@"; }\n'
        'thv() { show thv "$@"; }\nclaude() { show claude "$@"; }\n'
        'docker() { show docker "$@"; }\n' + text
    )
    out = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", script],
        cwd=cwd,
        capture_output=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)},
    ).stdout.decode()
    fields = out.split("\0")[:-1]
    commands: list[list[str]] = []
    while fields:
        count = int(fields.pop(0))
        commands.append(fields[:count])
        del fields[:count]
    return commands


def test_typed_values_fill_every_snippet_as_the_renderer_quotes_them(
    tab: Tab, site_url: str, tmp_path: Path
) -> None:
    tab.page.goto(f"{site_url}servers/fetcher/")
    before = _snippets(tab)
    assert "<API_URL>" in before["docker"] and "<DATA_DIR>" in before["thv"]
    values = {"API_URL": NASTY, "API_TOKEN": SECRET, "DATA_DIR": FOLDER}
    _fill(tab, values)
    after = _snippets(tab)
    assert set(after) == set(before) and all(after[k] != before[k] for k in after)
    # Byte for byte what the renderer writes once the values are known (VS Code aside: it
    # keeps the secret's password prompt, checked below).
    expected = {s.id: s.text for s in render_all(_known("fetcher", values))}
    for snippet_id in set(after) - {"vscode"}:
        assert after[snippet_id] == expected[snippet_id], snippet_id
    # Shell: bash runs exactly the intended commands, and nothing of the values.
    for snippet_id in SHELL_IDS:
        commands = _argv_in_bash(after[snippet_id], tmp_path)
        assert commands == [shlex.split(line) for line in expected[snippet_id].splitlines()]
        assert commands[-1] == shlex.split(after[snippet_id].splitlines()[-1])
    docker = _argv_in_bash(after["docker"], tmp_path)[0]
    assert f"API_URL={NASTY}" in docker and f"{FOLDER}:/data:ro" in docker
    assert SECRET not in " ".join(docker)  # Docker takes the secret from the shell
    claude = _argv_in_bash(after["claude-code"], tmp_path)[0]
    assert f"API_TOKEN={SECRET}" in claude
    assert not {"x", "y", "z"} & {p.name for p in tmp_path.iterdir()}
    # JSON and TOML parse to the values as typed.
    desktop = json.loads(after["claude-desktop"])["mcpServers"]["fetcher"]
    assert desktop["env"] == {"API_URL": NASTY, "API_TOKEN": SECRET}
    codex = tomllib.loads(after["codex"])["mcp_servers"]["fetcher"]
    assert codex["env"] == {"API_URL": NASTY} and f"{FOLDER}:/data:ro" in codex["args"]
    cursor = json.loads(after["cursor"])["mcpServers"]["fetcher"]
    assert cursor["env"] == {"API_URL": NASTY, "API_TOKEN": "${env:API_TOKEN}"}
    vscode = json.loads(after["vscode"])
    assert vscode["servers"]["fetcher"]["env"] == {
        "API_URL": NASTY,
        "API_TOKEN": "${input:api-token}",  # a secret keeps its password prompt
    }
    assert [i["id"] for i in vscode["inputs"]] == ["api-token"]  # the others are given
    assert f"{FOLDER}:/data:ro" in vscode["servers"]["fetcher"]["args"]
    assert SECRET not in after["vscode"] + after["cursor"] + after["codex"] + after["thv"]
    # Emptying a field brings its placeholder back.
    _fill(tab, {"API_URL": "", "API_TOKEN": "", "DATA_DIR": ""})
    assert _snippets(tab) == before
    assert tab.errors == []


def test_a_remote_servers_headers_fill_in_too(tab: Tab, site_url: str, tmp_path: Path) -> None:
    tab.page.goto(f"{site_url}servers/tracker/")
    values = {"X-Org": NASTY, "X-Api-Key": SECRET}
    _fill(tab, values)
    after = _snippets(tab)
    expected = {s.id: s.text for s in render_all(_known("tracker", values))}
    for snippet_id in set(after) - {"vscode"}:
        assert after[snippet_id] == expected[snippet_id], snippet_id
    claude = _argv_in_bash(after["claude-code"], tmp_path)[0]
    assert claude[-4:] == ["--header", f"X-Org: {NASTY}", "--header", f"X-Api-Key: {SECRET}"]
    headers = json.loads(after["vscode"])["servers"]["tracker"]["headers"]
    assert headers == {"X-Org": NASTY, "X-Api-Key": "${input:x-api-key}"}
    # VS Code keeps the secret's prompt: what it renders with the plain header known
    plain = {s.id: s.text for s in render_all(_known("tracker", {"X-Org": NASTY}))}
    assert after["vscode"] == plain["vscode"]
    _fill(tab, {"X-Org": ""})  # the prompt comes back
    unknown = {s.id: s.text for s in render_all(_known("tracker", {}))}
    assert _snippets(tab)["vscode"] == unknown["vscode"]
    assert tab.errors == []


def _hints(tab: Tab) -> dict[str, str]:
    """Each snippet's hint as the page shows it (hidden variants left out)."""
    hints = tab.page.locator("#install .snippet")
    return {
        (h.get_attribute("id") or "").removeprefix("install-"): h.locator(".hint").inner_text()
        for h in hints.all()
    }


def _expected_hints(name: str, values: Mapping[str, str]) -> dict[str, str]:
    """The hints the renderer writes once ``values`` are known, VS Code's aside (the page
    keeps a secret's prompt and drops a chosen folder's: see :func:`_asked`)."""
    hints = {s.id: s.hint for s in render_all(_known(name, values), REGISTRY)}
    del hints["vscode"]
    return hints


def _asked(tab: Tab, name: str) -> tuple[list[str], list[str]]:
    """Whom VS Code's hint says it asks for, and the inputs its shown snippet defines."""
    model = install_model(Entry.from_document(name, ENTRIES[name]))
    by_id = {s.input_id: s.name for s in (*model.env, *model.headers)}
    by_id |= {m.input_id: m.name for m in model.mounts}
    inputs = json.loads(_snippets(tab)["vscode"]).get("inputs", [])
    hint = _hints(tab)["vscode"]
    said = hint.split("VS Code asks for ", 1)[1].split(" when")[0] if "asks for" in hint else ""
    return said.replace(" and ", ", ").split(", ") if said else [], [by_id[i["id"]] for i in inputs]


@pytest.mark.parametrize(
    ("name", "steps"),
    [
        (
            "fetcher",
            [
                {"API_URL": PLAIN},
                {"API_TOKEN": SECRET},
                {"DATA_DIR": FOLDER},
                {"API_URL": ""},
                {"API_TOKEN": "", "DATA_DIR": ""},
            ],
        ),
        ("tracker", [{"X-Api-Key": SECRET}, {"X-Org": "acme"}, {"X-Api-Key": ""}, {"X-Org": ""}]),
    ],
)
def test_hints_follow_what_is_filled_in(
    tab: Tab, site_url: str, name: str, steps: list[dict[str, str]]
) -> None:
    tab.page.goto(f"{site_url}servers/{name}/")
    start = _hints(tab)
    assert {k: v for k, v in start.items() if k != "vscode"} == _expected_hints(name, {})
    assert any("Replace <" in hint for hint in start.values())
    assert _asked(tab, name)[0] == _asked(tab, name)[1] != []
    values: dict[str, str] = {}
    seen: set[str] = set()
    for step in steps:
        _fill(tab, step)
        values = {k: v for k, v in {**values, **step}.items() if v}
        shown = _hints(tab)
        assert {k: v for k, v in shown.items() if k != "vscode"} == _expected_hints(name, values)
        said, defined = _asked(tab, name)
        assert said == defined, values  # VS Code's hint names exactly the prompts left
        seen |= {k for k, v in shown.items() if v != start[k]}
        # A placeholder named in a hint is one the snippet still holds.
        for snippet_id, hint in shown.items():
            for field in (f"<{n}>" for n in values):
                assert field not in hint, (snippet_id, field)
    assert seen >= {"claude-desktop", "claude-code", "vscode"}  # each hint that can change did
    assert _hints(tab) == start  # every value cleared: every hint is back
    assert tab.errors == []


def test_a_hint_goes_once_every_placeholder_of_its_snippet_is_filled(
    tab: Tab, site_url: str
) -> None:
    tab.page.goto(f"{site_url}servers/fetcher/")
    assert "Replace <API_URL> and <API_TOKEN> with your values." in _hints(tab)["claude-desktop"]
    assert "VS Code asks for DATA_DIR, API_URL and API_TOKEN" in _hints(tab)["vscode"]
    assert "Mounts <DATA_DIR> at /data." in _hints(tab)["docker"]
    _fill(tab, {"API_URL": "https://api.example", "DATA_DIR": "/srv/data"})
    hints = _hints(tab)
    assert "Replace" not in hints["docker"] and "Replace" not in hints["codex"]
    assert "Mounts /srv/data at /data." in hints["docker"]
    assert "Replace <API_TOKEN> with your value." in hints["claude-desktop"]
    assert "VS Code asks for API_TOKEN when" in hints["vscode"]  # the secret keeps its prompt
    _fill(tab, {"API_TOKEN": SECRET})
    hints = _hints(tab)
    assert not any("Replace" in hint for hint in hints.values())
    assert SECRET not in " ".join(hints.values())
    _fill(tab, {"API_URL": ""})
    assert "Replace <API_URL> with your value." in _hints(tab)["thv"]
    assert tab.errors == []


def test_copy_takes_the_filled_text(tab: Tab, site_url: str) -> None:
    tab.page.goto(f"{site_url}servers/fetcher/")
    before = _snippets(tab)
    _fill(tab, {"API_URL": NASTY, "DATA_DIR": FOLDER})
    for snippet_id, text in _snippets(tab).items():
        assert text != before[snippet_id], snippet_id
        button = tab.page.locator(f"button[data-copy='code-{snippet_id}']")
        button.click()
        tab.page.wait_for_function("b => b.textContent === 'Copied'", arg=button.element_handle())
        assert tab.page.evaluate("navigator.clipboard.readText()") == text, snippet_id
    assert tab.errors == []


def test_links_take_plain_values_and_never_a_secret(tab: Tab, site_url: str) -> None:
    tab.page.goto(f"{site_url}servers/fetcher/")
    start = _links(tab)
    assert list(start) == ["Install in VS Code"]  # Cursor's waits for its values
    _fill(tab, {"API_TOKEN": SECRET})
    assert _links(tab) == start  # a secret alone changes no link
    _fill(tab, {"API_URL": NASTY})
    assert list(_links(tab)) == ["Install in VS Code"]  # DATA_DIR is still missing
    _fill(tab, {"DATA_DIR": FOLDER})
    links = _links(tab)
    assert list(links) == ["Install in VS Code", "Install in Cursor"]
    plain = _known("fetcher", {"API_URL": NASTY, "DATA_DIR": FOLDER})
    vscode = _payload(links["Install in VS Code"])
    item, inputs = vscode_config(plain)
    assert vscode["env"] == item["env"] == {"API_URL": NASTY, "API_TOKEN": "${input:api-token}"}
    assert f"{FOLDER}:/data:ro" in vscode["args"]  # the folder is no longer prompted for
    assert vscode["inputs"] == [i for i in inputs if i["id"] == "api-token"]
    assert vscode["inputs"][0]["password"] is True
    assert {k: v for k, v in vscode.items() if k not in {"args", "inputs"}} == {
        "name": "fetcher",
        **{k: v for k, v in item.items() if k != "args"},
    }
    assert _payload(links["Install in Cursor"]) == cursor_item(plain)
    assert parse_qs(urlsplit(links["Install in Cursor"]).query)["name"] == ["fetcher"]
    for href in links.values():
        assert SECRET not in href and SECRET not in json.dumps(_payload(href), ensure_ascii=False)
    # On the remote page too: the plain header goes in, the secret one stays a prompt.
    tab.page.goto(f"{site_url}servers/tracker/")
    _fill(tab, {"X-Api-Key": SECRET, "X-Org": "acme"})
    links = _links(tab)
    assert _payload(links["Install in VS Code"])["headers"] == {
        "X-Org": "acme",
        "X-Api-Key": "${input:x-api-key}",
    }
    assert _payload(links["Install in Cursor"])["headers"] == {
        "X-Org": "acme",
        "X-Api-Key": "${env:X_API_KEY}",
    }
    assert not any(SECRET in h or "s3cr3t" in unquote(h) for h in links.values())
    assert tab.errors == []


def test_nothing_typed_is_sent_or_stored(tab: Tab, site_url: str) -> None:
    page = tab.page
    page.goto(f"{site_url}servers/fetcher/")
    page.wait_for_load_state("networkidle")
    requests: list[tuple[str, str, str]] = []
    page.on(
        "request",
        lambda request: requests.append((request.method, request.url, request.post_data or "")),
    )
    page.locator("#fill-API_URL").press_sequentially("typed-by-hand", delay=5)
    page.locator("#fill-API_TOKEN").press_sequentially("secret-by-hand", delay=5)
    page.keyboard.press("Enter")  # no form to submit
    page.wait_for_timeout(300)
    assert "typed-by-hand" in _snippets(tab)["docker"]
    # Chromium may still fetch the favicon late; nothing else goes out, and nothing typed.
    assert all(
        method == "GET" and url.startswith(f"{site_url}static/") for method, url, _ in requests
    )
    assert not any("by-hand" in unquote(url) + body for _, url, body in requests)
    stored = page.evaluate(
        "JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
    )
    assert "by-hand" not in stored
    assert page.context.cookies() == []
    assert page.url == f"{site_url}servers/fetcher/"
    assert page.locator("#fill input[name], form #fill").count() == 0
    note = page.locator("#fill-note").inner_text()
    assert "nothing is sent or saved" in note and "never put in an install link" in note
    assert tab.errors == []


def test_a_server_with_nothing_to_fill_in_has_no_form(tab: Tab, site_url: str) -> None:
    tab.page.goto(f"{site_url}servers/plain/")
    assert tab.page.locator("#code-docker").is_visible()
    assert tab.page.locator("#fill, [data-fill], [data-sh]").count() == 0
    assert tab.errors == []


def test_without_javascript_the_form_is_hidden_and_placeholders_stay(
    browser: Any, site_url: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site_url}servers/fetcher/")
        assert not page.locator("#fill").is_visible()
        assert "'API_URL=<API_URL>'" in page.locator("#code-docker").inner_text()
        assert page.locator("#code-thv").is_visible()
        visible = [a.inner_text() for a in page.locator(".install-links a").all() if a.is_visible()]
        assert visible == ["Install in VS Code"]  # Cursor's needs values only a script fills
        # Each hint is the one true with nothing filled in, its other variants hidden.
        for snippet in render_all(_known("fetcher", {}), REGISTRY):
            assert page.locator(f"#install-{snippet.id} .hint").inner_text() == snippet.hint
        assert "Replace <API_URL>" in page.locator("#install-docker .hint").inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("width", [1200, 375])
@pytest.mark.parametrize("name", ["fetcher", "tracker"])
def test_the_open_form_has_no_serious_accessibility_violations(
    browser: Any, site_url: str, name: str, width: int
) -> None:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        tab = Tab(context.new_page())
        tab.page.goto(f"{site_url}servers/{name}/")
        assert tab.page.locator("#fill").is_visible()
        first = tab.page.locator("#fill input").first
        first.fill("some value")
        results = Axe().run(tab.page)
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert serious == []
        width_now = tab.page.evaluate("document.documentElement.scrollWidth")
        assert width_now <= width
        assert tab.errors == []
    finally:
        context.close()
