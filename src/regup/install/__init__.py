"""How to install one server in each client: one install model per entry, one renderer per client.

:func:`install_model` works out once, from the entry, everything any client needs: the
container's ``docker`` arguments (environment, host folders, published port), the values a
user must supply (secrets, required settings without a default, host folders), and the URL
a client connects to (the remote URL, or ``http://localhost:<port><path>`` for a container
that speaks streamable-http (``/mcp``) or sse (``/sse``)). Every renderer reads that model
and nothing else, so the catalog, ``regup info`` and the upstream output cannot disagree.

Rules every renderer keeps:

- A secret's value never appears: ToolHive reads it from its secret store (``thv secret
  set`` prompts), VS Code prompts for it (``password: true``), Cursor reads ``${env:NAME}``,
  Codex forwards it from the environment (``env_vars``, ``env_http_headers``), Docker passes
  it from the shell (``-e NAME``); only Claude Desktop and Claude Code, which have neither
  prompts nor references, get a ``<NAME>`` placeholder to replace.
- Shell text is built with :func:`shlex.join`, JSON with a JSON encoder, TOML with
  :func:`toml_document` (quoted strings and keys only, escaped per TOML 1.0).
- A hint says "replace each <...>" only when the text holds one, and names them. A hint
  is built in parts (:class:`HintPart`): those that speak of values still to supply carry
  their text for every set of those values left unfilled, so a page that fills values in
  shows only what is still true.

Clients and their documentation: ToolHive (docs.stacklok.com/toolhive, ``thv run --help``),
Claude Desktop (modelcontextprotocol.io "Connect to local MCP servers"; remote servers
through Settings > Connectors or the ``mcp-remote`` bridge), Cursor (docs.cursor.com, "Model
Context Protocol"), VS Code (code.visualstudio.com "MCP servers" and its ``mcp.json``
reference), Claude Code (docs.anthropic.com "Connect Claude Code to tools via MCP"), Codex
CLI (developers.openai.com/codex/mcp, ``~/.codex/config.toml``), Docker (``docker run``).
"""

from regup.install.formats import dump_json, toml_document, toml_key, toml_string
from regup.install.model import (
    CLIENT_IDS,
    DEFAULT_PORT,
    HTTP_PATHS,
    Endpoint,
    InstallModel,
    Mount,
    Setting,
    install_model,
    local_url,
)
from regup.install.render import (
    MAX_ABOUT,
    HintPart,
    Snippet,
    codex_tables,
    cursor_item,
    install_texts,
    render_all,
    render_claude_code,
    render_claude_desktop,
    render_codex,
    render_cursor,
    render_docker,
    render_thv,
    render_vscode,
    snippets,
    vscode_config,
)

__all__ = [
    "MAX_ABOUT",
    "HintPart",
    "CLIENT_IDS",
    "DEFAULT_PORT",
    "HTTP_PATHS",
    "Endpoint",
    "InstallModel",
    "Mount",
    "Setting",
    "Snippet",
    "codex_tables",
    "cursor_item",
    "dump_json",
    "install_model",
    "install_texts",
    "local_url",
    "render_all",
    "render_claude_code",
    "render_claude_desktop",
    "render_codex",
    "render_cursor",
    "render_docker",
    "render_thv",
    "render_vscode",
    "snippets",
    "toml_document",
    "toml_key",
    "toml_string",
    "vscode_config",
]
