"""The catalog's install section: the snippets of :mod:`regup.install`, the one-click links,
and the "use this registry" and group commands.

Every snippet comes from the entry's install model (:func:`regup.install.install_model`),
rendered once per client; this module adds only what is the site's own: VS Code's
``vscode:mcp/install`` link and Cursor's deeplink, offered only when what they install
works as it is (no ``<...>`` left to replace, no container that must first be started),
and the fill-in form: its fields, each snippet's text as HTML with the places a value
goes marked for the page's script (``templates/static/site.js``, ``setupFill``), which
fills them in the browser only and never puts a secret in a link, and each snippet's hint
as HTML carrying every variant the install model wrote for it (:class:`HintPart`), the
one true with nothing filled in shown, the others ``hidden`` until the script finds their
set of values still unfilled.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

from regup.install import (
    HintPart,
    InstallModel,
    Setting,
    Snippet,
    cursor_item,
    dump_json,
    install_model,
    render_all,
    vscode_config,
)
from regup.model import Entry

__all__ = [
    "Fill",
    "FillField",
    "Install",
    "InstallLink",
    "Snippet",
    "fill_form",
    "hint_html",
    "install",
    "install_links",
    "snippets",
]


@dataclass(frozen=True)
class InstallLink:
    """A one-click install link (``vscode:`` or ``cursor:``) with its label."""

    label: str
    href: str
    #: The fill-in fields this link waits for (space-separated): it is hidden until the
    #: page's script has a value for each; empty for a link that works as it is.
    needs: str = ""


#: ``urllib.parse.quote(c, safe="")`` of every ASCII character, for :meth:`str.translate`.
_PERCENT = {i: quote(chr(i), safe="") for i in range(128)}


def percent_encode(text: str) -> str:
    """``quote(text, safe="")``, in C for ASCII text (``quote`` looks up every byte in Python)."""
    return text.translate(_PERCENT) if text.isascii() else quote(text, safe="")


def snippets(entry: Entry) -> tuple[Snippet, ...]:
    """Every install snippet of ``entry``, ToolHive first."""
    return render_all(install_model(entry))


def install_links(entry: Entry) -> tuple[InstallLink, ...]:
    """One-click links: VS Code's ``vscode:mcp/install`` and Cursor's deeplink."""
    return _install_links(install_model(entry))


def _has_placeholder(model: InstallModel, text: str) -> bool:
    names = [s.placeholder for s in (*model.env, *model.headers) if s.value is None]
    return any(p in text for p in names + [m.placeholder for m in model.mounts])


def _vscode_link(model: InstallModel) -> InstallLink:
    item, inputs = vscode_config(model)
    vscode = {"name": model.name, **item}
    if inputs:
        vscode["inputs"] = inputs
    payload = json.dumps(vscode, separators=(",", ":"), ensure_ascii=False)
    return InstallLink("Install in VS Code", "vscode:mcp/install?" + percent_encode(payload))


def _cursor_json(model: InstallModel) -> str:
    return json.dumps(cursor_item(model), separators=(",", ":"), ensure_ascii=False)


def _cursor_link(model: InstallModel) -> InstallLink:
    cursor = _cursor_json(model)
    config = base64.b64encode(cursor.encode()).decode()
    # What urlencode() makes of these two values: neither holds a space.
    query = f"name={percent_encode(model.name)}&config={percent_encode(config)}"
    return InstallLink(
        "Install in Cursor", "cursor://anysphere.cursor-deeplink/mcp/install?" + query
    )


def _install_links(model: InstallModel) -> tuple[InstallLink, ...]:
    if model.local_http:
        return ()  # the container must be started first: a link alone would not work
    links = [_vscode_link(model)]
    if not _has_placeholder(model, _cursor_json(model)):
        links.append(_cursor_link(model))
    return tuple(links)


@dataclass(frozen=True)
class FillField:
    """One value the fill-in form takes: an env var, a header or a host folder."""

    #: The name the snippets' placeholder carries (``<NAME>``).
    name: str
    #: What it is: "environment variable", "header" or "host folder".
    kind: str
    description: str
    secret: bool
    #: VS Code's input id (``${input:<id>}``), replaced by a non-secret value.
    input_id: str


@dataclass(frozen=True)
class Fill:
    """The fill-in form of a server page: its fields, every snippet's text with the places
    a value goes marked, and the links that work only once values are filled in."""

    fields: tuple[FillField, ...]
    #: Links hidden until filled in (Cursor's, when its config holds a placeholder).
    pending: tuple[InstallLink, ...]


@dataclass(frozen=True)
class Install:
    """Every way to install one server: the snippets, the one-click links, and the fill-in
    form when the entry has values to supply."""

    snippets: tuple[Snippet, ...]
    links: tuple[InstallLink, ...]
    #: Snippet id → its text as HTML, each fill point a ``<span data-fill="NAME">``.
    code: dict[str, Markup] = field(default_factory=dict)
    fill: Fill | None = None
    #: Snippet id → its hint as HTML (see :func:`hint_html`).
    hints: dict[str, Markup] = field(default_factory=dict)


def install(entry: Entry, registry_command: str | None = None) -> Install:
    """:func:`snippets` and :func:`install_links` of ``entry``, the model built once;
    ``registry_command`` (``thv config set-registry …``) is named in ToolHive's hint."""
    model = install_model(entry)
    rendered = render_all(model, registry_command)
    fill = fill_form(model)
    inputs = vscode_config(model)[1] if fill else []
    code = {
        s.id: mark_fill_points(s, _markers(model, s.id) if fill else {}, inputs) for s in rendered
    }
    placeholders = _markers(model, "hint") if fill else {}
    hints = {s.id: hint_html(s, placeholders) for s in rendered}
    return Install(rendered, _install_links(model), code, fill, hints)


def hint_html(snippet: Snippet, markers: dict[str, str]) -> Markup:
    """``snippet``'s hint as HTML: a part true whatever is filled in as text, each marker
    (``<NAME>``) in it a ``<span data-fill="NAME">`` the script puts the value in (Docker's
    "Mounts <DIR> at /data"); a varying part as ``<span data-about="A B">`` holding one
    ``<span data-unfilled="…">`` per variant, all but the nothing-filled one ``hidden``."""
    if not snippet.parts:
        return _mark_strings(snippet.hint, markers)
    out: list[Markup] = []
    for part in snippet.parts:
        out.append(_varying_html(part) if part.about else _mark_strings(part.text, markers))
    return Markup("").join(out)


def _varying_html(part: HintPart) -> Markup:
    variants = "".join(
        f'<span data-unfilled="{escape(" ".join(unfilled))}"'
        f"{'' if unfilled == part.about else ' hidden'}>{_text_html(text)}</span>"
        for unfilled, text in part.variants
    )
    return Markup(f'<span data-about="{escape(" ".join(part.about))}">{variants}</span>')  # noqa: S704


def _to_supply(model: InstallModel) -> list[Setting]:
    return [s for s in (*model.env, *model.headers) if s.value is None]


def _markers(model: InstallModel, snippet_id: str) -> dict[str, str]:
    """Marker text → field name: every ``<NAME>`` placeholder, and in VS Code's snippet the
    ``${input:id}`` prompt of each non-secret value (a secret keeps its password prompt)."""
    out: dict[str, str] = {}
    for setting in _to_supply(model):
        out[setting.placeholder] = setting.name
        if snippet_id == "vscode" and not setting.secret:
            out["${input:" + setting.input_id + "}"] = setting.name
    for mount in model.mounts:
        out[mount.placeholder] = mount.name
        if snippet_id == "vscode":
            out["${input:" + mount.input_id + "}"] = mount.name
    return out


def shell_words(text: str) -> Iterator[tuple[int, int]]:
    """Start and end of each word of shell ``text`` as :func:`shlex.join` writes it (bare,
    or single-quoted with each ``'`` as ``'"'"'``): words end at a space or a newline
    outside quotes."""
    quote_char = ""
    start: int | None = None
    for pos, char in enumerate(text):
        if quote_char:
            if char == quote_char:
                quote_char = ""
            continue
        if char in " \n":
            if start is not None:
                yield start, pos
            start = None
            continue
        if char in "'\"":
            quote_char = char
        if start is None:
            start = pos
    if start is not None:
        yield start, len(text)


def _text_html(text: str) -> Markup:
    """``text`` as element content: only ``&``, ``<`` and ``>`` need escaping there (quotes,
    which autoescape writes as five bytes each, are plain text in content)."""
    return Markup(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))  # noqa: S704


def _mark_shell(text: str, markers: dict[str, str]) -> Markup:
    """Each shell word holding a placeholder wrapped in ``<span data-sh="WORD">``, WORD the
    word unquoted: the page's script puts the values in WORD and quotes it again as
    :func:`shlex.quote` does, so the filled line is the one the renderer would write."""
    parts: list[str] = []
    pos = 0
    for start, end in shell_words(text):
        raw = text[start:end]
        # A marker has no quote in it, and shlex.quote leaves such text whole: a word
        # whose quoted form lacks every marker lacks them unquoted too (no split needed).
        if not any(m in raw for m in markers):
            continue
        word = shlex.split(raw)[0]
        if not any(m in word for m in markers):
            continue
        parts.append(_text_html(text[pos:start]))
        parts.append(f'<span data-sh="{escape(word)}">{escape(text[start:end])}</span>')
        pos = end
    parts.append(_text_html(text[pos:]))
    return Markup("".join(parts))  # noqa: S704 - every part escaped above


@functools.lru_cache(maxsize=256)
def _marker_pattern(markers: frozenset[str]) -> re.Pattern[str]:
    """One pattern for every marker, the longest first (a page's snippets share them)."""
    return re.compile("|".join(re.escape(m) for m in sorted(markers, key=lambda m: (-len(m), m))))


def _mark_strings(text: str, markers: dict[str, str]) -> Markup:
    """Each marker of JSON or TOML ``text`` (inside a string) as ``<span data-fill="NAME">``."""
    if not markers:
        return _text_html(text)
    parts: list[str] = []
    pos = 0
    for match in _marker_pattern(frozenset(markers)).finditer(text):
        found = match.group()
        parts.append(_text_html(text[pos : match.start()]))
        parts.append(f'<span data-fill="{escape(markers[found])}">{escape(found)}</span>')
        pos = match.end()
    parts.append(_text_html(text[pos:]))
    return Markup("".join(parts))  # noqa: S704 - every part escaped above


def _inputs_block(text: str, inputs: Sequence[Mapping[str, Any]]) -> tuple[int, int, str]:
    """Where VS Code's ``inputs`` list sits in its snippet ``text``, as :func:`dump_json`
    lays it out, and ``[[input id, item text], …]`` as JSON; ``(0, 0, "")`` when absent."""
    items = [[str(i["id"]), "    " + dump_json(dict(i), "    ")] for i in inputs]
    block = '  "inputs": [\n' + ",\n".join(t for _, t in items) + "\n  ],\n"
    start = text.find(block) if items else -1
    if start < 0:
        return 0, 0, ""
    return start, start + len(block), json.dumps(items, ensure_ascii=False)


def mark_fill_points(
    snippet: Snippet, markers: dict[str, str], inputs: Sequence[Mapping[str, Any]] = ()
) -> Markup:
    """``snippet``'s text as HTML with its fill points marked for the page's script: in
    JSON and TOML each marker (inside a string) as ``<span data-fill="NAME">``, in shell
    text each word that holds one (see :func:`_mark_shell`); VS Code's ``inputs`` list
    (given as ``inputs``) as ``<span data-inputs="[[id, text], …]">``, so the script drops
    the prompt of each value filled in, as the renderer leaves out a known value's."""
    if not markers:
        return _text_html(snippet.text)
    if snippet.language == "sh":
        return _mark_shell(snippet.text, markers)
    text = snippet.text
    start, end, items = _inputs_block(text, inputs)
    if not items:
        return _mark_strings(text, markers)
    block = Markup('<span data-inputs="{}">{}</span>').format(items, text[start:end])
    return _mark_strings(text[:start], markers) + block + _mark_strings(text[end:], markers)


def fill_form(model: InstallModel) -> Fill | None:
    """The fill-in form of ``model``, None when it has nothing to supply."""
    fields = [
        FillField(
            s.name,
            "environment variable" if s in model.env else "header",
            s.description,
            s.secret,
            s.input_id,
        )
        for s in _to_supply(model)
    ]
    fields += [
        FillField(m.name, "host folder", m.description, False, m.input_id) for m in model.mounts
    ]
    if not fields:
        return None
    pending: list[InstallLink] = []
    cursor = _cursor_json(model)
    if not model.local_http and _has_placeholder(model, cursor):
        needs = [f.name for f in fields if f"<{f.name}>" in cursor]
        if not any(f.secret for f in fields if f.name in needs):  # never a secret in a link
            pending.append(InstallLink(**{**vars(_cursor_link(model)), "needs": " ".join(needs)}))
    return Fill(tuple(fields), tuple(pending))


#: What the "use this registry" commands say when the site has no ``base_url``.
UNKNOWN_BASE_URL = "https://<where-this-site-is-hosted>"


def group_snippet(group: str, members: Sequence[str]) -> Snippet:
    """The ToolHive commands that run every server of a group."""
    return Snippet(
        "group",
        "Run the group with ToolHive",
        "\n".join(
            [f"thv group create {group}"] + [f"thv run --group {group} {m}" for m in members]
        ),
        "sh",
        "Creates the group, then runs each server in it.",
    )


#: A minimal ``config.yaml`` of the ToolHive Registry Server (stacklok/toolhive-registry-server,
#: ``internal/config/config.go``): it requires ``sources`` (a synced source needs
#: ``syncPolicy.interval``), ``registries``, ``auth`` and ``database``, and reads the upstream
#: format only (there is no ``format`` key).
REGISTRY_SERVER_CONFIG = """\
sources:
  - name: {source}
    file:
      url: {base}/upstream/registry.json
    syncPolicy:
      interval: "30m"
registries:
  - name: default
    sources: ["{source}"]
auth:
  mode: anonymous
database:
  host: localhost
  port: 5432
  user: registry
  database: registry"""


def registry_snippets(base_url: str, *, api: bool) -> list[Snippet]:
    """The commands that point a client at the registry published at ``base_url`` (``api``:
    the site carries the v0.1 API tree).

    What each says follows the client's code: ``thv config set-registry`` reads a URL that
    ends in ``.json`` as a registry file (the upstream format since v0.25) and probes any
    other URL at ``/v0.1/servers?limit=1&version=latest``, taking it as an API only for a 2xx
    ``application/json`` answer with ``servers`` and ``metadata`` (stacklok/toolhive
    ``pkg/config/registry.go``).
    """
    base = base_url or UNKNOWN_BASE_URL
    commands = [
        Snippet(
            "thv-upstream",
            "ToolHive v0.25 and later",
            f"thv config set-registry {base}/upstream/registry.json",
            "sh",
            "Reads this registry's upstream file; works on any static host, GitHub Pages included.",
        ),
    ]
    if api:
        commands += [
            Snippet(
                "thv-api",
                "ToolHive, through the MCP Registry API v0.1",
                f"thv config set-registry {base}",
                "sh",
                "ToolHive uses the API when /v0.1/servers answers as application/json: on "
                "a host set up with regup's hosting kit (nginx, Caddy, Apache, Netlify, "
                "Cloudflare Pages) or regup serve, not on GitHub Pages, which serves it as "
                "text/html.",
            ),
            Snippet(
                "vscode-gallery",
                "VS Code MCP gallery (settings.json)",
                f'"chat.mcp.gallery.serviceUrl": {json.dumps(base)}',
                "json",
                "VS Code lists /v0.1/servers from this base URL and reads each server at "
                ".../versions/latest, its name encoded (%2F).",
            ),
        ]
    commands += [
        Snippet(
            "thv-legacy",
            "ToolHive before v0.25",
            f"thv config set-registry {base}/registry.json",
            "sh",
            "ToolHive's former registry format; v0.25 and later refuse it.",
        ),
        Snippet(
            "thv-registry-server",
            "ToolHive Registry Server",
            REGISTRY_SERVER_CONFIG.format(source="regup", base=base),
            "yaml",
            "A minimal config.yaml: this registry's upstream file as a source, synced every "
            "30 minutes, served as the registry named default (PostgreSQL required).",
        ),
    ]
    return commands


def skill_snippets(name: str, base_url: str) -> list[Snippet]:
    """``thv skill install <name>`` and the registry setting it needs.

    ToolHive looks a plain name (or ``<namespace>/<name>``) up in the configured registry
    and installs its oci package, else its git package (stacklok/toolhive
    ``pkg/skills/skillsvc/registry.go``); ``thv skill install`` takes the name as its one
    argument (``cmd/thv/app/skill_install.go``).
    """
    base = base_url or UNKNOWN_BASE_URL
    return [
        Snippet(
            "thv-skill",
            "Install with ToolHive",
            f"thv skill install {name}",
            "sh",
            "Installs the skill's OCI artifact (its Git folder when it has no OCI package) for "
            "your AI clients; --clients and --scope project choose where it goes.",
        ),
        Snippet(
            "thv-skill-registry",
            "Once: point ToolHive at this registry",
            f"thv config set-registry {base}/upstream/registry.json",
            "sh",
            "ToolHive finds skills by name in the registry it is configured with.",
        ),
    ]
