"""Every rule id of :data:`regup.validate.rules.RULES`: one failing and one passing case each.

Each case is a small registry written to disk, loaded by :func:`regup.load.load_paths` and
validated by :func:`regup.validate.validate_documents`, exactly as ``regup validate`` does.
The failing case pins the rule id, its severity and the line and column of the report.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from regup.diagnostics import Diagnostic, Severity
from regup.load import load_paths, only_selected
from regup.validate import validate_documents
from regup.validate.rules import RULES
from tests.helpers import Content, Files, write_registry

E, W = Severity.ERROR, Severity.WARNING

BASE_C = """\
description: Fetches web pages and turns them into Markdown.
tier: Community
status: Active
transport: stdio
image: ghcr.io/example/fetch:1.2.3
tools:
  - fetch
"""

BASE_R = """\
description: Searches the issue tracker of a hosted service.
tier: Official
status: Active
transport: streamable-http
url: https://mcp.example.com/mcp
tools:
  - search_issues
version: "1.0.0"
"""

ENV = "env_vars:\n  - name: {}\n    description: Some variable here.\n"
OUTBOUND = "permissions:\n  network:\n    outbound:\n"
SSE_C = BASE_C.replace("transport: stdio", "transport: sse")
HTTP_C = BASE_C.replace("transport: stdio", "transport: streamable-http")
LONG = "Fetches " + "web pages " * 10 + "now."


def sub(base: str, old: str, new: str) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


def billion_laughs() -> str:
    lines = ['  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return BASE_C + "custom_metadata:\n" + "".join(line + "\n" for line in lines)


def unreadable(root: Path) -> None:
    """Replace fetch/spec.yaml with a name that fails to open (even for root): a symlink loop."""
    spec = root / "registry" / "fetch" / "spec.yaml"
    spec.unlink()
    (spec.parent / "loop").symlink_to(spec)
    spec.symlink_to(spec.parent / "loop")


def not_regular(root: Path) -> None:
    """Replace fetch/spec.yaml with a FIFO, which would block a plain read forever."""
    spec = root / "registry" / "fetch" / "spec.yaml"
    spec.unlink()
    os.mkfifo(spec)


def symlink_out(root: Path) -> None:
    """Replace fetch/spec.yaml with a symlink to a file outside the registry."""
    spec = root / "registry" / "fetch" / "spec.yaml"
    outside = root / "elsewhere.yaml"
    outside.write_text(spec.read_text())
    spec.unlink()
    spec.symlink_to(outside)


def outside_copy(root: Path) -> None:
    """A second 'fetch' entry outside the registry, named on the command line."""
    write_registry(root / "elsewhere", fetch=BASE_C)


Prepare = Callable[[Path], None]


@dataclass(frozen=True)
class Case:
    rule: str
    severity: Severity
    bad: Mapping[str, Content]
    at: tuple[str, int, int]
    good: Mapping[str, Content]
    prepare_bad: Prepare | None = None
    prepare_good: Prepare | None = None
    targets: Sequence[str] = field(default=())
    variant: str = ""

    @property
    def id(self) -> str:
        return f"{self.rule}-{self.variant}" if self.variant else self.rule


def entry(text: str | bytes) -> dict[str, Content]:
    return {"fetch": text}


SPEC = "registry/fetch/spec.yaml"

CASES: list[Case] = [
    Case(
        "yaml-syntax",
        E,
        entry(BASE_C + "tags: [web, markdown\n"),
        (SPEC, 9, 1),
        entry(BASE_C + "tags: [web, markdown]\n"),
    ),
    Case(
        "yaml-syntax",
        E,
        entry(BASE_C + "---\n" + BASE_C),
        (SPEC, 8, 1),
        entry("---\n" + BASE_C),
        variant="two-documents",
    ),
    Case("yaml-duplicate-key", E, entry(BASE_C + "tier: Official\n"), (SPEC, 8, 1), entry(BASE_C)),
    Case(
        "yaml-tag",
        E,
        entry(BASE_C + "custom_metadata: !!python/object/apply:os.system [id]\n"),
        (SPEC, 8, 18),
        entry(BASE_C + "custom_metadata: !!map {a: b}\n"),
    ),
    Case(
        "yaml-tag",
        E,
        entry(BASE_C + "target_port: !!int eighty\n"),
        (SPEC, 8, 14),
        entry(BASE_C.replace("stdio", "sse") + "target_port: !!int 80\n"),
        variant="bad-core-tag",
    ),
    Case(
        "yaml-key",
        E,
        entry(BASE_C + "custom_metadata:\n  ? [a, b]\n  : c\n"),
        (SPEC, 9, 5),
        entry(BASE_C + "custom_metadata:\n  ? a\n  : c\n"),
    ),
    Case(
        "yaml-alias-expansion",
        E,
        entry(billion_laughs()),
        (SPEC, 13, 37),
        entry(BASE_C + "custom_metadata:\n  a: &x [1, 2]\n  b: *x\n"),
    ),
    Case(
        "yaml-too-deep",
        E,
        entry(BASE_C + "custom_metadata:\n  x: " + "[" * 70 + "]" * 70 + "\n"),
        (SPEC, 9, 69),
        entry(BASE_C + "custom_metadata:\n  x: " + "[" * 60 + "]" * 60 + "\n"),
    ),
    Case(
        "number-too-long",
        E,
        entry(SSE_C + "target_port: " + "9" * 5000 + "\n"),
        (SPEC, 8, 14),
        entry(SSE_C + "target_port: 8080\n"),
    ),
    Case(
        "number-too-long",
        E,
        entry(BASE_C + "custom_metadata:\n  mask: 0x" + "f" * 101 + "\n"),
        (SPEC, 9, 9),
        entry(BASE_C + "custom_metadata:\n  mask: 0x" + "f" * 100 + "\n"),
        variant="hex",
    ),
    Case(
        "number-too-long",
        E,
        {
            "fetch": Files(
                {
                    "spec.yaml": BASE_C,
                    "tools.json": '[{"name": "fetch", "inputSchema": {"maximum": 1'
                    + "0" * 150
                    + "}}]\n",
                }
            )
        },
        ("registry/fetch/tools.json", 1, 47),
        {
            "fetch": Files(
                {
                    "spec.yaml": BASE_C,
                    "tools.json": '[{"name": "fetch", "inputSchema": {"maximum": 1'
                    + "0" * 20
                    + "}}]\n",
                }
            )
        },
        variant="tools-json",
    ),
    Case(
        "control-character",
        E,
        entry(BASE_C + 'title: "Fe\\e]0;pwn\\atch"\n'),
        (SPEC, 8, 8),
        entry(BASE_C + 'title: "Fetch"\n'),
    ),
    Case(
        "control-character",
        E,
        entry(BASE_C + 'title: "Fe\\ntch"\n'),
        (SPEC, 8, 8),
        entry(BASE_C + "title: Fetch\n"),
        variant="newline-in-title",
    ),
    Case(
        "control-character",
        E,
        entry(BASE_C + 'overview: "Two lines\\nand \\u009b2J"\n'),
        (SPEC, 8, 11),
        entry(BASE_C + 'overview: "Two lines\\nand\\ta tab"\n'),
        variant="c1-in-overview",
    ),
    Case(
        "control-character",
        E,
        entry(BASE_C + ENV.format("TOKEN").replace("Some variable here.", '"Token\\x1b[2J"')),
        (SPEC, 10, 18),
        entry(BASE_C + ENV.format("TOKEN")),
        variant="env-var-description",
    ),
    Case(
        "control-character",
        E,
        {
            "fetch": Files(
                {
                    "spec.yaml": BASE_C,
                    "tools.json": '[{"name": "fetch", "description": "Get\\u001b]0;x\\u0007"}]\n',
                }
            )
        },
        ("registry/fetch/tools.json", 1, 35),
        {
            "fetch": Files(
                {
                    "spec.yaml": BASE_C,
                    "tools.json": '[{"name": "fetch", "description": "Get a page.\\nAny URL."}]\n',
                }
            )
        },
        variant="tools-json",
    ),
    Case(
        "control-character",
        E,
        {
            "bundle": Files(
                {"group.yaml": 'description: "Some \\e[2Jservers"\nservers: [fetch]\n'}
            ),
            "fetch": BASE_C,
        },
        ("registry/bundle/group.yaml", 1, 14),
        {
            "bundle": Files({"group.yaml": "description: Some servers.\nservers: [fetch]\n"}),
            "fetch": BASE_C,
        },
        variant="group",
    ),
    Case("file-unreadable", E, entry(BASE_C), (SPEC, 1, 1), entry(BASE_C), prepare_bad=unreadable),
    Case(
        "file-not-regular", E, entry(BASE_C), (SPEC, 1, 1), entry(BASE_C), prepare_bad=not_regular
    ),
    Case("symlink-outside", E, entry(BASE_C), (SPEC, 1, 1), entry(BASE_C), prepare_bad=symlink_out),
    Case(
        "file-too-large",
        E,
        entry(BASE_C + "overview: |\n" + ("  " + "x" * 98 + "\n") * 10_100),
        (SPEC, 1, 1),
        entry(BASE_C + "overview: |\n" + ("  " + "x" * 98 + "\n") * 9_000),
    ),
    Case(
        "file-encoding",
        E,
        entry((BASE_C + "title: Caf\xe9\n").encode("latin-1")),
        (SPEC, 1, 1),
        entry((BASE_C + "title: Caf\xe9\n").encode("utf-8")),
    ),
    Case("empty-file", E, entry("# nothing here yet\n"), (SPEC, 1, 1), entry(BASE_C)),
    Case(
        "folder-layout",
        E,
        {"fetch": Files({"README.md": "notes"})},
        ("registry/fetch/", 1, 1),
        entry(BASE_C),
    ),
    Case(
        "folder-layout",
        E,
        {"fetch": Files({"spec.yaml": BASE_C, "group.yaml": "description: x\nservers: [a]\n"})},
        (SPEC, 1, 1),
        entry(BASE_C),
        variant="spec-and-group",
    ),
    Case("unknown-key", E, entry(BASE_C + "descripton: typo\n"), (SPEC, 8, 1), entry(BASE_C)),
    Case(
        "unknown-key",
        E,
        entry(BASE_C + ENV.format("A") + "    secrett: true\n"),
        (SPEC, 11, 5),
        entry(BASE_C + ENV.format("A") + "    secret: true\n"),
        variant="nested",
    ),
    Case(
        "wrong-type",
        E,
        entry(BASE_C + "title: true\n"),
        (SPEC, 8, 8),
        entry(BASE_C + "title: 'true'\n"),
    ),
    Case("wrong-type", E, entry("- just\n- a list\n"), (SPEC, 1, 1), entry(BASE_C), variant="root"),
    Case(
        "wrong-type",
        E,
        entry(SSE_C + "target_port: 8080.0\n"),
        (SPEC, 8, 14),
        entry(SSE_C + "target_port: 8080\n"),
        variant="float-port",
    ),
    Case(
        "wrong-type",
        E,
        entry(BASE_C + "custom_metadata:\n  ratio: [1, .inf]\n"),
        (SPEC, 9, 14),
        entry(BASE_C + "custom_metadata:\n  ratio: [1, '.inf']\n"),
        variant="infinity",
    ),
    Case(
        "empty-value",
        E,
        entry(BASE_C + "title: ''\n"),
        (SPEC, 8, 8),
        entry(BASE_C + "title: Fetch\n"),
    ),
    Case(
        "empty-value",
        E,
        entry(BASE_C + "repository_url:\n"),
        (SPEC, 8, 16),
        entry(BASE_C),
        variant="null",
    ),
    Case(
        "missing-field", E, entry(sub(BASE_C, "tier: Community\n", "")), (SPEC, 1, 1), entry(BASE_C)
    ),
    Case(
        "invalid-value",
        E,
        entry(sub(BASE_C, "status: Active", "status: retired")),
        (SPEC, 3, 9),
        entry(BASE_C),
    ),
    Case(
        "invalid-length",
        E,
        entry(BASE_C + "title: " + "T" * 101 + "\n"),
        (SPEC, 8, 8),
        entry(BASE_C + "title: " + "T" * 100 + "\n"),
    ),
    Case(
        "invalid-format",
        E,
        entry(BASE_C + "permissions:\n  read:\n    - relative/path\n"),
        (SPEC, 10, 7),
        entry(BASE_C + "permissions:\n  read:\n    - /data\n"),
    ),
    Case(
        "invalid-format",
        E,
        entry(BASE_C + "metadata:\n  last_updated: '2025-02-30T10:00:00Z'\n"),
        (SPEC, 9, 17),
        entry(BASE_C + "metadata:\n  last_updated: '2024-02-29T10:00:00Z'\n"),
        variant="impossible-date",
    ),
    Case(
        "out-of-range",
        E,
        entry(BASE_C + "metadata:\n  stars: -1\n"),
        (SPEC, 9, 10),
        entry(BASE_C + "metadata:\n  stars: 0\n"),
    ),
    Case(
        "duplicate-item",
        E,
        entry(BASE_C + "tags:\n  - web\n  - web\n"),
        (SPEC, 10, 5),
        entry(BASE_C + "tags:\n  - web\n  - html\n"),
    ),
    Case(
        "entry-name",
        E,
        {"Fetch_Server": BASE_C},
        ("registry/Fetch_Server/spec.yaml", 1, 1),
        {"fetch-server": BASE_C},
    ),
    Case(
        "entry-name",
        E,
        {"f" * 101: BASE_C},
        (f"registry/{'f' * 101}/spec.yaml", 1, 1),
        {"f" * 100: BASE_C},
        variant="101-characters",
    ),
    Case(
        "entry-name",
        E,
        {
            "bundle": Files(
                {"group.yaml": "description: Some servers together.\nservers: [fetch, Bad_Name]\n"}
            ),
            "fetch": BASE_C,
        },
        ("registry/bundle/group.yaml", 2, 18),
        {
            "bundle": Files(
                {"group.yaml": "description: Some servers together.\nservers: [fetch]\n"}
            ),
            "fetch": BASE_C,
        },
        variant="group-member-pattern",
    ),
    Case(
        "name-mismatch",
        E,
        entry("name: other-name\n" + BASE_C),
        (SPEC, 1, 7),
        entry("name: fetch\n" + BASE_C),
    ),
    Case(
        "duplicate-name",
        E,
        entry(BASE_C),
        ("elsewhere/fetch/spec.yaml", 1, 1),
        {"other": BASE_C},
        prepare_bad=outside_copy,
        prepare_good=outside_copy,
        targets=("elsewhere/fetch/spec.yaml",),
    ),
    Case(
        "image-or-url",
        E,
        entry(BASE_C + "url: https://mcp.example.com/mcp\n"),
        (SPEC, 8, 1),
        entry(BASE_C),
    ),
    Case(
        "image-or-url",
        E,
        entry(sub(BASE_C, "image: ghcr.io/example/fetch:1.2.3\n", "")),
        (SPEC, 1, 1),
        entry(BASE_C),
        variant="neither",
    ),
    Case(
        "remote-transport",
        E,
        entry(sub(BASE_R, "transport: streamable-http", "transport: stdio")),
        (SPEC, 4, 12),
        entry(BASE_R),
    ),
    Case(
        "kind-field",
        E,
        entry(BASE_R + "args:\n  - --verbose\n"),
        (SPEC, 9, 1),
        entry(BASE_R),
    ),
    Case(
        "remote-permissions",
        W,
        entry(BASE_R + "permissions:\n  privileged: false\n"),
        (SPEC, 9, 1),
        entry(BASE_R),
    ),
    Case(
        "kind-field",
        E,
        entry(BASE_C + "oauth_config:\n  issuer: https://auth.example.com\n"),
        (SPEC, 8, 1),
        entry(BASE_C),
        variant="container-with-oauth",
    ),
    Case(
        "port-range",
        E,
        entry(SSE_C + "target_port: 70000\n"),
        (SPEC, 8, 14),
        entry(SSE_C + "target_port: 65535\n"),
    ),
    Case(
        "port-range",
        E,
        entry(BASE_C + OUTBOUND + "      allow_port: [443, 0]\n"),
        (SPEC, 11, 25),
        entry(BASE_C + OUTBOUND + "      allow_port: [443, 1]\n"),
        variant="allow-port",
    ),
    Case(
        "target-port-missing",
        W,
        entry(HTTP_C),
        (SPEC, 4, 12),
        entry(HTTP_C + "target_port: 8080\n"),
    ),
    Case(
        "target-port-unused", W, entry(BASE_C + "target_port: 8080\n"), (SPEC, 8, 1), entry(BASE_C)
    ),
    Case(
        "env-var-name",
        E,
        entry(BASE_C + ENV.format("1_BAD")),
        (SPEC, 9, 11),
        entry(BASE_C + ENV.format("_GOOD_1")),
    ),
    Case(
        "header-name",
        E,
        entry(BASE_R + "headers:\n  - name: X Api Key\n    description: Key of your account.\n"),
        (SPEC, 10, 11),
        entry(BASE_R + "headers:\n  - name: X-Api-Key\n    description: Key of your account.\n"),
    ),
    Case(
        "duplicate-env-var",
        E,
        entry(
            BASE_C + ENV.format("TOKEN") + "  - name: TOKEN\n    description: Same name again.\n"
        ),
        (SPEC, 11, 11),
        entry(BASE_C + ENV.format("TOKEN") + "  - name: token\n    description: Other variable.\n"),
    ),
    Case(
        "duplicate-mount",
        E,
        entry(
            BASE_C
            + "mounts:\n  - name: DATA_DIR\n    description: Data to read.\n    target: /data\n"
            + "  - name: DATA_DIR\n    description: Same name again.\n    target: /other\n"
        ),
        (SPEC, 12, 11),
        entry(
            BASE_C
            + "mounts:\n  - name: DATA_DIR\n    description: Data to read.\n    target: /data\n"
            + "  - name: OUT_DIR\n    description: Results go here.\n    target: /out\n"
        ),
    ),
    Case(
        "duplicate-header",
        E,
        entry(
            BASE_R + "headers:\n  - name: X-Key\n    description: First header.\n"
            "  - name: x-key\n    description: Same header, other case.\n"
        ),
        (SPEC, 12, 11),
        entry(
            BASE_R + "headers:\n  - name: X-Key\n    description: First header.\n"
            "  - name: X-Other\n    description: Second header.\n"
        ),
    ),
    Case(
        "default-on-required",
        W,
        entry(BASE_C + ENV.format("MODE") + "    required: true\n    default: fast\n"),
        (SPEC, 12, 5),
        entry(BASE_C + ENV.format("MODE") + "    required: false\n    default: fast\n"),
    ),
    Case(
        "secret-default",
        W,
        entry(BASE_C + ENV.format("TOKEN") + "    secret: true\n    default: hunter2\n"),
        (SPEC, 12, 5),
        entry(BASE_C + ENV.format("TOKEN") + "    secret: true\n"),
    ),
    Case(
        "header-choices",
        E,
        entry(
            BASE_R + "headers:\n  - name: X-Region\n    description: Data region.\n"
            "    default: mars\n    choices: [eu, us]\n"
        ),
        (SPEC, 12, 14),
        entry(
            BASE_R + "headers:\n  - name: X-Region\n    description: Data region.\n"
            "    default: eu\n    choices: [eu, us]\n"
        ),
    ),
    Case(
        "allow-host",
        E,
        entry(BASE_C + OUTBOUND + "      allow_host:\n        - https://api.example.com\n"),
        (SPEC, 12, 11),
        entry(BASE_C + OUTBOUND + "      allow_host:\n        - api.example.com\n"),
    ),
    Case(
        "allow-host",
        E,
        entry(BASE_C + OUTBOUND + "      allow_host:\n        - api.example.com:443\n"),
        (SPEC, 12, 11),
        entry(
            BASE_C + OUTBOUND + "      allow_host:\n        - .api.example.com\n"
            "        - api.example.com\n"
        ),
        variant="port",
    ),
    Case(
        "allow-host-parent",
        W,
        entry(BASE_C + OUTBOUND + "      allow_host:\n        - .example.com\n"),
        (SPEC, 12, 11),
        entry(
            BASE_C + OUTBOUND + "      allow_host:\n        - example.com\n        - .example.com\n"
        ),
    ),
    Case(
        "duplicate-port",
        E,
        entry(BASE_C + OUTBOUND + "      allow_port: [443, 443]\n"),
        (SPEC, 11, 25),
        entry(BASE_C + OUTBOUND + "      allow_port: [443, 80]\n"),
    ),
    Case(
        "image-ref",
        E,
        entry(sub(BASE_C, "example/fetch:1.2.3", "Example/Fetch:1.2.3")),
        (SPEC, 5, 8),
        entry(sub(BASE_C, "ghcr.io/example/fetch:1.2.3", "localhost:5000/example/fetch:1.2.3")),
    ),
    Case(
        "image-latest",
        W,
        entry(sub(BASE_C, "fetch:1.2.3", "fetch:latest") + 'version: "1.2.3"\n'),
        (SPEC, 5, 8),
        entry(sub(BASE_C, "fetch:1.2.3", "fetch:1.2.4")),
    ),
    Case(
        "version-missing",
        E,
        entry(sub(BASE_R, 'version: "1.0.0"\n', "")),
        (SPEC, 5, 6),
        entry(BASE_R),
        variant="remote",
    ),
    Case(
        "version-missing",
        E,
        entry(sub(BASE_C, "fetch:1.2.3", "fetch:latest")),
        (SPEC, 5, 8),
        entry(sub(BASE_C, "fetch:1.2.3", "fetch:1.2.4")),
        variant="latest",
    ),
    Case(
        "image-digest",
        E,
        entry(sub(BASE_C, "fetch:1.2.3", "fetch@sha256:" + "a" * 64)),
        (SPEC, 5, 8),
        entry(BASE_C),
    ),
    Case(
        "image-latest",
        W,
        entry(sub(BASE_C, "ghcr.io/example/fetch:1.2.3", "nginx") + 'version: "1.27.0"\n'),
        (SPEC, 5, 8),
        entry(sub(BASE_C, "ghcr.io/example/fetch:1.2.3", "nginx:1.27")),
        variant="untagged",
    ),
    Case(
        "url-scheme",
        E,
        entry(BASE_C + "repository_url: git@github.com:example/fetch.git\n"),
        (SPEC, 8, 17),
        entry(BASE_C + "repository_url: https://github.com/example/fetch\n"),
    ),
    Case(
        "url-scheme",
        E,
        entry(sub(BASE_R, "https://mcp.example.com/mcp", "'http://[::1'")),
        (SPEC, 5, 6),
        entry(sub(BASE_R, "https://mcp.example.com/mcp", "'http://[::1]:8080/mcp'")),
        variant="broken-ipv6",
    ),
    Case(
        "tag-format",
        E,
        entry(BASE_C + "tags: [Web]\n"),
        (SPEC, 8, 8),
        entry(BASE_C + "tags: [web]\n"),
    ),
    Case(
        "tool-name",
        E,
        entry(sub(BASE_C, "  - fetch\n", "  - fetch\n  - fetch page\n")),
        (SPEC, 8, 5),
        entry(sub(BASE_C, "  - fetch\n", "  - fetch\n  - fetch_page\n")),
    ),
    Case(
        "empty-value",
        E,
        entry(sub(BASE_C, "tools:\n  - fetch\n", "tools: []\n")),
        (SPEC, 6, 8),
        entry(BASE_C),
        variant="tools",
    ),
    Case(
        "tools-missing",
        W,
        entry(sub(BASE_C, "tools:\n  - fetch\n", "")),
        (SPEC, 1, 1),
        entry(BASE_C),
    ),
    Case(
        "description-length",
        E,
        entry(sub(BASE_C, "web pages and turns them into Markdown", "")),
        (SPEC, 1, 14),
        entry(BASE_C),
    ),
    Case(
        "description-long",
        W,
        entry(sub(BASE_C, "Fetches web pages and turns them into Markdown.", LONG)),
        (SPEC, 1, 14),
        entry(
            sub(BASE_C, "Fetches web pages and turns them into Markdown.", LONG) + "title: Fetch\n"
        ),
    ),
    Case(
        "oauth-endpoints",
        E,
        entry(
            BASE_R
            + "oauth_config:\n  client_id: abc\n  authorize_url: https://auth.example.com/a\n"
        ),
        (SPEC, 10, 3),
        entry(
            BASE_R
            + "oauth_config:\n  client_id: abc\n  authorize_url: https://auth.example.com/a\n"
            "  token_url: https://auth.example.com/t\n"
        ),
    ),
    Case(
        "group-member",
        E,
        {
            "bundle": Files(
                {"group.yaml": "description: Some servers together.\nservers: [fetch, nope]\n"}
            ),
            "fetch": BASE_C,
        },
        ("registry/bundle/group.yaml", 2, 18),
        {
            "bundle": Files(
                {"group.yaml": "description: Some servers together.\nservers: [fetch]\n"}
            ),
            "fetch": BASE_C,
        },
    ),
    Case(
        "tool-definitions",
        E,
        {"fetch": Files({"spec.yaml": BASE_C, "tools.json": '[\n  {"name": "fetch"},\n  {}\n]\n'})},
        ("registry/fetch/tools.json", 3, 3),
        {"fetch": Files({"spec.yaml": BASE_C, "tools.json": '[{"name": "fetch"}]\n'})},
    ),
    Case(
        "tool-definitions-match",
        W,
        {"fetch": Files({"spec.yaml": BASE_C, "tools.json": '[{"name": "other"}]\n'})},
        ("registry/fetch/tools.json", 1, 1),
        {"fetch": Files({"spec.yaml": BASE_C, "tools.json": '[{"name": "fetch"}]\n'})},
    ),
]

#: A valid skill.yaml: lines 1-6, its package's identifier on line 6, column 17.
SKILL = (
    "description: Teaches an agent to review pull requests\n"
    "version: 1.0.0\n"
    "license: Apache-2.0\n"
    "packages:\n"
    "  - registryType: oci\n"
    "    identifier: ghcr.io/example/skills/review:1.0.0\n"
)
SKILL_JSON = (
    '{\n  "description": "Teaches an agent to review code",\n  "version": "1.0.0",\n'
    '  "packages": [{"registryType": "git", "url": "https://github.com/example/skills"}]\n}\n'
)


def skill(text: str, name: str = "review", file: str = "skill.yaml") -> dict[str, Content]:
    return {name: Files({file: text})}


SKILL_FILE = "registry/review/skill.yaml"

CASES += [
    Case(
        "json-syntax",
        E,
        skill(SKILL_JSON.replace("}]", "},]"), file="skill.json"),
        ("registry/review/skill.json", 4, 84),
        skill(SKILL_JSON, file="skill.json"),
    ),
    Case(
        "skill-name",
        E,
        skill(SKILL, name="r"),
        ("registry/r/skill.yaml", 1, 1),
        skill(SKILL, name="rv"),
    ),
    Case(
        "skill-name",
        E,
        skill("name: Review\n" + SKILL),
        (SKILL_FILE, 1, 7),
        skill("name: review\n" + SKILL),
        variant="name-field",
    ),
    Case(
        "skill-namespace",
        E,
        skill("namespace: io.github.acme.\n" + SKILL),
        (SKILL_FILE, 1, 12),
        skill("namespace: io.github.acme\n" + SKILL),
    ),
    Case(
        "skill-package",
        E,
        skill(SKILL + "    ref: main\n"),
        (SKILL_FILE, 7, 5),
        skill(SKILL),
    ),
    Case(
        "skill-package",
        E,
        skill(
            SKILL.replace("registryType: oci", "registryType: git").replace(
                "identifier: ghcr.io/example/skills/review:1.0.0", "ref: main"
            )
        ),
        (SKILL_FILE, 5, 5),
        skill(
            SKILL.replace("registryType: oci", "registryType: git").replace(
                "identifier: ghcr.io/example/skills/review:1.0.0",
                "url: https://github.com/example/skills",
            )
        ),
        variant="git-without-url",
    ),
    Case(
        "skill-no-package",
        W,
        skill(SKILL.split("packages:")[0]),
        (SKILL_FILE, 1, 1),
        skill(SKILL),
    ),
    Case(
        "folder-layout",
        E,
        {"review": Files({"skill.yaml": SKILL, "skill.json": SKILL_JSON})},
        (SKILL_FILE, 1, 1),
        skill(SKILL),
        variant="two-skill-files",
    ),
    Case(
        "duplicate-name",
        E,
        {"review": Files({"skill.yaml": SKILL}), "skills": Files({"review/skill.yaml": SKILL})},
        ("registry/skills/review/skill.yaml", 1, 1),
        {"review": Files({"skill.yaml": SKILL}), "skills": Files({"other/skill.yaml": SKILL})},
        variant="skills",
    ),
]

#: Rule ids that no spec.yaml can trigger with the shipped schemas; tested on their own below.
COVERED_ELSEWHERE = {
    "schema": "test_schema_fallback_rule",  # in test_schema
    "tag-unknown": "test_tags_outside_the_vocabulary_are_warned",  # needs a regup.toml
}


SERVER_JSON = """{
  "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
  "name": "io.github.example/fetch",
  "description": "Fetches web pages and turns them into Markdown.",
  "version": "1.2.0",
  "packages": [
    {
      "registryType": "oci",
      "identifier": "ghcr.io/example/fetch:1.2.0",
      "transport": {"type": "stdio"}
    }
  ],
  "_meta": {
    "io.modelcontextprotocol.registry/publisher-provided": {
      "io.github.stacklok": {
        "ghcr.io/example/fetch:1.2.0": {
          "status": "active",
          "tier": "Community",
          "tools": ["fetch"]
        }
      }
    }
  }
}
"""
SERVER_FILE = "registry/fetch/server.json"


def server_json(text: str) -> dict[str, Content]:
    return {"fetch": Files({"server.json": text})}


CASES += [
    Case(
        "server-json-shape",
        E,
        server_json(SERVER_JSON.replace('"registryType": "oci"', '"registryType": "npm"')),
        (SERVER_FILE, 1, 1),
        server_json(SERVER_JSON),
    ),
    Case(
        "server-json-shape",
        E,
        server_json(
            SERVER_JSON.replace('"ghcr.io/example/fetch:1.2.0": {', '"ghcr.io/example/other:1": {')
        ),
        (SERVER_FILE, 16, 9),
        server_json(SERVER_JSON),
        variant="block-key",
    ),
    Case(
        "server-json-unsupported",
        E,
        server_json(
            SERVER_JSON.replace(
                '"transport": {"type": "stdio"}',
                '"runtimeHint": "docker", "transport": {"type": "stdio"}',
            )
        ),
        (SERVER_FILE, 10, 7),
        server_json(SERVER_JSON),
    ),
    Case(
        "server-json-ignored",
        W,
        server_json(
            SERVER_JSON.replace('"status": "active",', '"status": "active", "transport": "stdio",')
        ),
        (SERVER_FILE, 17, 31),
        server_json(SERVER_JSON),
    ),
    Case(
        "unknown-key",
        E,
        server_json(
            SERVER_JSON.replace(
                '"version": "1.2.0",', '"version": "1.2.0", "websiteURL": "https://example.com",'
            )
        ),
        (SERVER_FILE, 5, 23),
        server_json(SERVER_JSON),
        variant="server-json",
    ),
    Case(
        "invalid-value",
        E,
        server_json(SERVER_JSON.replace('"tier": "Community"', '"tier": "community"')),
        (SERVER_FILE, 18, 19),
        server_json(SERVER_JSON),
        variant="server-json-position",
    ),
    Case(
        "name-mismatch",
        E,
        server_json(SERVER_JSON.replace("io.github.example/fetch", "io.github.example/fetcher")),
        (SERVER_FILE, 3, 11),
        server_json(SERVER_JSON),
        variant="server-json",
    ),
    Case(
        "folder-layout",
        E,
        {"fetch": Files({"server.json": SERVER_JSON, "spec.yaml": BASE_C})},
        ("registry/fetch/spec.yaml", 1, 1),
        server_json(SERVER_JSON),
        variant="spec-and-server-json",
    ),
]

ICON = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><circle r="4"/></svg>'

CASES += [
    Case(
        "icon-file",
        E,
        {
            "fetch": Files(
                {"spec.yaml": BASE_C, "icon.svg": ICON.replace("<circle", "<script/><circle")}
            )
        },
        ("registry/fetch/icon.svg", 1, 1),
        {"fetch": Files({"spec.yaml": BASE_C, "icon.svg": ICON})},
    ),
]


def diagnose(
    root: Path, entries: Mapping[str, Content], prepare: Prepare | None, targets: Sequence[str]
) -> list[Diagnostic]:
    write_registry(root / "registry", **entries)
    if prepare is not None:
        prepare(root)
    docs, selected = load_paths(Path("registry"), targets)
    return validate_documents(docs, report_for=only_selected(docs, selected)).diagnostics


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_fails(case: Case, workdir: Path) -> None:
    if case.prepare_bad is unreadable and not os.path.exists("/proc/self/mem"):
        pytest.skip("needs /proc/self/mem (Linux) to make a file that cannot be read")
    found = diagnose(workdir, case.bad, case.prepare_bad, case.targets)
    hits = [d for d in found if d.rule == case.rule]
    assert hits, f"no {case.rule} in {found}"
    path, line, col = case.at
    assert (hits[0].path, hits[0].line, hits[0].col) == (path, line, col), found
    assert hits[0].severity is case.severity is RULES[case.rule].severity
    assert hits[0].message


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_passes(case: Case, workdir: Path) -> None:
    found = diagnose(workdir, case.good, case.prepare_good, case.targets)
    assert found == [], found


def test_every_rule_has_a_case() -> None:
    covered = {c.rule for c in CASES} | set(COVERED_ELSEWHERE)
    assert sorted(set(RULES) - covered) == [], "rule ids without a failing and a passing case"
    assert sorted(covered - set(RULES)) == [], "cases for rule ids that RULES does not define"
    for test_name in COVERED_ELSEWHERE.values():
        schema_tests = importlib.import_module("tests.unit.test_schema")
        assert hasattr(schema_tests, test_name) or test_name in globals(), test_name


def test_tags_outside_the_vocabulary_are_warned(workdir: Path) -> None:
    text = BASE_C + "tags:\n  - web\n  - databse\n"
    write_registry(workdir / "registry", fetch=text)
    docs, _ = load_paths(Path("registry"), ())
    found = validate_documents(docs, tags=("database", "web")).diagnostics
    assert [(d.rule, d.severity, d.path, d.line) for d in found] == [
        ("tag-unknown", W, "registry/fetch/spec.yaml", found[0].line)
    ]
    assert "'databse' is not in the registry's vocabulary" in found[0].message
    assert "did you mean 'database'?" in found[0].message
    line = text.splitlines()[found[0].line - 1]
    assert line[found[0].col - 1 :].startswith("databse")
    assert validate_documents(docs).diagnostics == []  # no vocabulary: any tag
    assert validate_documents(docs, tags=("database", "web", "databse")).diagnostics == []


def test_a_101_character_folder_name_says_3_to_100_characters(workdir: Path) -> None:
    found = diagnose(workdir, {"a" * 101: BASE_C}, None, ())
    assert [d.rule for d in found] == ["entry-name"], found
    assert "3 to 100 characters" in found[0].message
    assert "3 to 100 characters" in RULES["entry-name"].summary


def test_strict_turns_warnings_into_errors(workdir: Path) -> None:
    write_registry(
        workdir / "registry",
        fetch=sub(BASE_C, "fetch:1.2.3", "fetch:latest") + 'version: "1.2.3"\n',
    )
    docs, _ = load_paths(Path("registry"), ())
    relaxed = validate_documents(docs)
    strict = validate_documents(docs, strict=True)
    assert [(d.rule, d.severity) for d in relaxed.diagnostics] == [("image-latest", W)]
    assert [(d.rule, d.severity) for d in strict.diagnostics] == [("image-latest", E)]
    assert relaxed.ok and len(relaxed.registry.entries) == 1
    assert not strict.ok and strict.registry.entries == ()


def test_schema_and_semantic_problems_are_reported_together(workdir: Path) -> None:
    text = sub(BASE_C, "tier: Community", "tier: 3") + "url: ftp://example.com\nfoo: 1\n"
    write_registry(workdir / "registry", fetch=text)
    docs, _ = load_paths(Path("registry"), ())
    result = validate_documents(docs)
    # tier: 3 is reported once, as a wrong type (not also as an unknown choice).
    assert [(d.line, d.rule) for d in result.diagnostics] == [
        (2, "wrong-type"),
        (8, "image-or-url"),
        (8, "url-scheme"),
        (9, "unknown-key"),
    ]
    assert result.registry.entries == ()
