"""One renderer per client, each reading only the install model (see the package's docstring
for the rules they keep)."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from regup.install.formats import dump_json, toml_document
from regup.install.model import MCP_REMOTE, InstallModel, Setting, install_model
from regup.model import Entry, Kind

JsonDict = dict[str, Any]


@dataclass(frozen=True)
class HintPart:
    """A stretch of a snippet's hint. ``about`` empty: true whatever the user fills in.
    Otherwise the values (their names, as the placeholders ``<NAME>`` carry them) whose
    being filled in changes it, and ``variants`` the text for each set of them still to
    fill in (names in ``about`` order); a set with nothing to say has no variant."""

    text: str
    about: tuple[str, ...] = ()
    variants: tuple[tuple[tuple[str, ...], str], ...] = ()


#: Most values one varying part speaks of: its variants are every subset of them, so a
#: part about more is split into parts of at most this many values (each still exactly
#: true, at most 2**MAX_ABOUT variants each: a page's weight grows linearly).
MAX_ABOUT = 4


@dataclass(frozen=True)
class Snippet:
    """One way to install the server: a label, the text to copy, and where it goes."""

    id: str
    label: str
    text: str
    language: str
    #: The hint, every value still to supply: what ``regup info`` and a page without
    #: JavaScript show.
    hint: str
    #: The same hint in parts, some of which change once values are filled in (see
    #: :class:`HintPart`); () when nothing in it depends on them.
    parts: tuple[HintPart, ...] = ()


def _snippet(
    snippet_id: str, label: str, text: str, language: str, *parts: HintPart | str
) -> Snippet:
    """A snippet whose hint is ``parts`` joined: plain strings are always true."""
    pieces = tuple(HintPart(p) if isinstance(p, str) else p for p in parts)
    pieces = tuple(p for p in pieces if p.text or p.variants)
    hint = "".join(p.text for p in pieces)
    varying = any(p.about for p in pieces)
    return Snippet(snippet_id, label, text, language, hint, pieces if varying else ())


def _varying(about: Sequence[str], say: Callable[[Sequence[str]], str]) -> tuple[HintPart, ...]:
    """The part(s) that ``say`` writes for each set of ``about`` still unfilled."""
    names = tuple(dict.fromkeys(about))
    if not names:
        return (HintPart(say(())),)
    if len(names) > MAX_ABOUT:
        chunks = [names[i : i + MAX_ABOUT] for i in range(0, len(names), MAX_ABOUT)]
        return tuple(p for chunk in chunks for p in _varying(chunk, say))
    subsets = [c for size in range(len(names), -1, -1) for c in combinations(names, size)]
    variants = tuple((subset, text) for subset in subsets if (text := say(subset)))
    return (HintPart(say(names), names, variants),)


def _placeholders(text: str, model: InstallModel) -> list[str]:
    """The names of ``model``'s placeholders that ``text`` holds, in model order."""
    names = [s.name for s in (*model.env, *model.headers) if s.value is None]
    names += [m.name for m in model.mounts]
    return [n for n in dict.fromkeys(names) if f"<{n}>" in text]


def _replace_hint(text: str, model: InstallModel) -> tuple[HintPart, ...]:
    """The "Replace <...>" sentences: one for each set of ``text``'s placeholders unfilled."""
    folders = {m.name for m in model.mounts}

    def say(unfilled: Sequence[str]) -> str:
        values = [f"<{n}>" for n in unfilled if n not in folders]
        paths = [f"<{n}>" for n in unfilled if n in folders]
        out = ""
        if values:
            out += (
                f" Replace {_words(values)} with your {'value' if len(values) == 1 else 'values'}."
            )
        if paths:
            out += f" Replace {_words(paths)} with the host {'folder' if len(paths) == 1 else 'folders'} to mount."
        return out

    return _varying(_placeholders(text, model), say)


def _words(items: Sequence[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _start_hint(model: InstallModel) -> str:
    if not model.local_http or model.endpoint is None:
        return ""
    return (
        f" Start the server first (the Docker command above publishes port {model.port}), "
        f"then this connects to {model.endpoint.url}."
    )


# --- one renderer per client ----------------------------------------------------------------


def render_thv(model: InstallModel, registry_command: str | None = None) -> Snippet:
    """ToolHive: ``thv secret set`` for each secret (it prompts), then ``thv run``;
    ``registry_command`` is the ``thv config set-registry`` line the hint names, when the
    registry's address is known."""
    lines = [shlex.join(["thv", "secret", "set", s.input_id]) for s in model.secrets]
    parts = ["thv", "run"]
    for var in model.env:
        if var.secret:
            parts += ["--secret", f"{var.input_id},target={var.name}"]
        else:
            parts += ["-e", f"{var.name}={var.text}"]
    for header in model.headers:
        if header.secret:
            parts += ["--remote-forward-headers-secret", f"{header.name}={header.input_id}"]
        else:
            parts += ["--remote-forward-headers", f"{header.name}={header.text}"]
    for mount in model.mounts:
        parts += ["-v", mount.volume()]
    parts.append(model.name)
    lines.append(shlex.join(parts))
    text = "\n".join(lines)
    if registry_command:
        hint = f"Runs the server from this registry, added to ToolHive once with {registry_command}"
    else:
        hint = "Runs the server from this registry (add it to ToolHive once, see Use this registry)"
    if model.endpoint is not None and model.local_http:
        hint += "; ToolHive starts the container and proxies it, so nothing else is needed"
    hint += "."
    if model.secrets:
        hint += " thv secret set asks for each secret's value and keeps it in ToolHive's store."
    return _snippet("thv", "ToolHive", text, "sh", hint, *_replace_hint(text, model))


def _stdio_item(model: InstallModel) -> JsonDict:
    """``command``/``args``/``env`` of a stdio client that starts the container."""
    item: JsonDict = {"command": "docker", "args": model.docker_args()}
    if model.env:
        item["env"] = {v.name: v.text for v in model.env}
    return item


def _bridge_item(model: InstallModel, header_values: Mapping[str, str] | None) -> JsonDict:
    """``npx mcp-remote URL`` for a stdio-only client; headers go through env variables
    (``--header Name:${VAR}``, which mcp-remote expands) so no value sits in ``args``;
    ``header_values`` None leaves ``env`` out (the client forwards the variables)."""
    assert model.endpoint is not None
    args = [*MCP_REMOTE[1:], model.endpoint.url]
    if model.endpoint.transport == "sse":
        args += ["--transport", "sse-only"]
    env: JsonDict = {}
    for header in model.headers:
        args += ["--header", f"{header.name}:${{{header.env_name}}}"]
        if header_values is not None:
            env[header.env_name] = header_values[header.name]
    item: JsonDict = {"command": MCP_REMOTE[0], "args": args}
    if env:
        item["env"] = env
    return item


def render_claude_desktop(model: InstallModel) -> Snippet:
    """Claude Desktop's ``claude_desktop_config.json`` takes local commands only: the
    container for stdio, the ``mcp-remote`` bridge for an HTTP server."""
    if model.stdio:
        item = _stdio_item(model)
        hint = "Merge into claude_desktop_config.json (Settings > Developer > Edit Config)."
    else:
        assert model.endpoint is not None
        item = _bridge_item(model, {h.name: h.text for h in model.headers})
        hint = (
            "Claude Desktop's config file starts local commands only, so this runs the "
            "mcp-remote bridge (needs Node.js) to reach the server. Merge into "
            "claude_desktop_config.json."
        )
        if not model.local_http and not model.headers:
            hint += " Or add the URL in Settings > Connectors instead."
    text = dump_json({"mcpServers": {model.name: item}})
    return _snippet(
        "claude-desktop",
        "Claude Desktop",
        text,
        "json",
        hint + _start_hint(model),
        *_replace_hint(text, model),
    )


def cursor_item(model: InstallModel) -> JsonDict:
    """The server's item of Cursor's ``mcpServers``: secrets as ``${env:NAME}``."""
    if model.stdio:
        item: JsonDict = {"command": "docker", "args": model.docker_args()}
        if model.env:
            item["env"] = {
                v.name: "${env:" + v.name + "}" if v.secret else v.text for v in model.env
            }
        return item
    assert model.endpoint is not None
    item = {"url": model.endpoint.url}
    if model.headers:
        item["headers"] = {
            h.name: "${env:" + h.env_name + "}" if h.secret else h.text for h in model.headers
        }
    return item


def render_cursor(model: InstallModel) -> Snippet:
    text = dump_json({"mcpServers": {model.name: cursor_item(model)}})
    hint = "Merge into ~/.cursor/mcp.json (or .cursor/mcp.json of a project)."
    names = [v.name for v in model.env] + [h.env_name for h in model.headers]
    from_env = [n for n in names if "${env:" + n + "}" in text]
    if from_env:
        hint += f" Cursor reads {_words(from_env)} from your environment (${{env:…}})."
    return _snippet(
        "cursor", "Cursor", text, "json", hint + _start_hint(model), *_replace_hint(text, model)
    )


def vscode_config(model: InstallModel) -> tuple[JsonDict, list[JsonDict]]:
    """The server's item of ``.vscode/mcp.json`` and its ``inputs``: VS Code prompts for
    every value it cannot know (secrets with ``password: true``), so nothing is left to
    replace by hand."""
    inputs: list[JsonDict] = []

    def prompted(input_id: str, description: str, password: bool) -> str:
        item: JsonDict = {"type": "promptString", "id": input_id, "description": description}
        if password:
            item["password"] = True
        inputs.append(item)
        return "${input:" + input_id + "}"

    def value(setting: Setting) -> str:
        if setting.value is not None:
            return setting.value
        return prompted(setting.input_id, setting.description, setting.secret)

    if model.stdio:
        args = model.docker_args()
        for mount in model.mounts:
            ref = prompted(mount.input_id, mount.description, False)
            args[args.index(mount.volume())] = mount.volume(ref)
        item: JsonDict = {"type": "stdio", "command": "docker", "args": args}
        if model.env:
            item["env"] = {v.name: value(v) for v in model.env}
        return item, inputs
    assert model.endpoint is not None
    item = {"type": model.endpoint.client_type, "url": model.endpoint.url}
    if model.headers:
        item["headers"] = {h.name: value(h) for h in model.headers}
    return item, inputs


def render_vscode(model: InstallModel) -> Snippet:
    item, inputs = vscode_config(model)
    doc: JsonDict = {"servers": {model.name: item}}
    if inputs:
        doc = {"inputs": inputs, **doc}
    text = dump_json(doc)
    named = {s.input_id: s.name for s in (*model.env, *model.headers)}
    named |= {m.input_id: m.name for m in model.mounts}
    asked = [(named[str(i["id"])], bool(i.get("password"))) for i in inputs]

    def say(unfilled: Sequence[str]) -> str:
        # A secret keeps its password prompt whatever is filled in; a plain value given
        # is written into the file and no longer asked for.
        names = [n for n, secret in asked if secret or n in unfilled]
        if not names:
            return ""
        return f" VS Code asks for {_words(names)} when the server first starts" + (
            "; secrets are typed into a password prompt and stored by VS Code."
            if any(secret for _, secret in asked)
            else "."
        )

    plain = [n for n, secret in asked if not secret]
    return _snippet(
        "vscode",
        "VS Code",
        text,
        "json",
        "Save as .vscode/mcp.json (or run MCP: Add Server).",
        *_varying(plain, say),
        _start_hint(model),
    )


def render_claude_code(model: InstallModel) -> Snippet:
    """``claude mcp add``: name first, then the options, then ``--`` and the command (the
    variadic ``-e`` and ``--header`` options would swallow a name that came after them)."""
    if model.stdio:
        parts = ["claude", "mcp", "add", model.name]
        for var in model.env:
            parts += ["-e", f"{var.name}={var.text}"]
        parts += ["--", "docker", *model.docker_args()]
    else:
        assert model.endpoint is not None
        parts = ["claude", "mcp", "add", "--transport", model.endpoint.client_type]
        parts += [model.name, model.endpoint.url]
        for header in model.headers:
            parts += ["--header", f"{header.name}: {header.text}"]
    text = shlex.join(parts)
    return _snippet(
        "claude-code",
        "Claude Code",
        text,
        "sh",
        "Adds the server to Claude Code (add --scope project to share it in .mcp.json)."
        + _start_hint(model),
        *_replace_hint(text, model),
    )


def codex_tables(model: InstallModel) -> dict[tuple[str, ...], JsonDict]:
    """The ``[mcp_servers.<name>]`` table of Codex: secrets forwarded from the environment
    (``env_vars``, ``env_http_headers``); sse goes through ``mcp-remote`` (Codex speaks
    stdio and streamable HTTP only)."""
    key = ("mcp_servers", model.name)
    if model.stdio:
        table: JsonDict = {"command": "docker", "args": model.docker_args()}
        secrets = [v.name for v in model.env if v.secret]
        if secrets:
            table["env_vars"] = secrets
        plain = {v.name: v.text for v in model.env if not v.secret}
        if plain:
            table["env"] = plain
        return {key: table}
    assert model.endpoint is not None
    if model.endpoint.transport == "sse":
        bridge = _bridge_item(model, None)  # values forwarded through env_vars
        table = {"command": bridge["command"], "args": bridge["args"]}
        if model.headers:
            table["env_vars"] = [h.env_name for h in model.headers]
        return {key: table}
    table = {"url": model.endpoint.url}
    plain = {h.name: h.text for h in model.headers if not h.secret}
    if plain:
        table["http_headers"] = plain
    secret = {h.name: h.env_name for h in model.headers if h.secret}
    if secret:
        table["env_http_headers"] = secret
    return {key: table}


def render_codex(model: InstallModel) -> Snippet:
    tables = codex_tables(model)
    text = toml_document(tables)
    table = next(iter(tables.values()))
    hint = "Add to ~/.codex/config.toml."
    forwarded = list(table.get("env_vars", ())) + list(table.get("env_http_headers", {}).values())
    if forwarded:
        hint += f" Codex takes {_words(forwarded)} from the environment it starts in."
    if model.endpoint is not None and model.endpoint.transport == "sse":
        hint += " Codex has no sse client, so this runs the mcp-remote bridge (needs Node.js)."
    return _snippet(
        "codex",
        "Codex CLI",
        text,
        "toml",
        hint + _start_hint(model),
        *_replace_hint(text, model),
    )


def render_docker(model: InstallModel) -> Snippet:
    """Plain ``docker run``: ``-i`` for stdio; ``-d`` and ``-p`` for an HTTP container."""
    text = shlex.join(["docker", *model.docker_args(env_values=True, detach=model.local_http)])
    if model.local_http and model.endpoint is not None:
        hint = (
            f"Starts the container in the background on port {model.port}; connect a client "
            f"to {model.endpoint.url}. No isolation from ToolHive."
        )
    else:
        hint = "Runs the image directly, without ToolHive's isolation."
    secrets = [v.name for v in model.env if v.secret]
    if secrets:
        hint += f" Docker passes {_words(secrets)} from your shell: export it first."
    mounted = [f"{m.placeholder} at {m.target}" for m in model.mounts]
    if mounted:
        hint += f" Mounts {_words(mounted)}."
    return _snippet("docker", "Docker", text, "sh", hint, *_replace_hint(text, model))


def render_all(model: InstallModel, registry_command: str | None = None) -> tuple[Snippet, ...]:
    """Every client's snippet, ToolHive first; Docker only for containers, and right after
    ToolHive for an HTTP container (it is the step that starts it)."""
    clients = [
        render_claude_desktop(model),
        render_cursor(model),
        render_vscode(model),
        render_claude_code(model),
        render_codex(model),
    ]
    thv = render_thv(model, registry_command)
    if model.kind is not Kind.CONTAINER:
        return (thv, *clients)
    docker = render_docker(model)
    if model.local_http:
        return (thv, docker, *clients)
    return (thv, *clients, docker)


def snippets(entry: Entry) -> tuple[Snippet, ...]:
    """Every install snippet of ``entry``."""
    return render_all(install_model(entry))


def install_texts(entry: Entry) -> dict[str, str]:
    """``{client id: snippet text}``: what ``regup info`` shows."""
    return {s.id: s.text for s in snippets(entry)}
