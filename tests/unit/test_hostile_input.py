"""Hostile input (issue 19, classes 2 and 5): numbers Python will not convert, YAML tags with
impossible values, complex keys, control characters, text that is tricky in XML.

Each test models one attack. Each asserts a diagnostic with file, line, column and rule id
(never "This is a bug in regup"), that the other entries are still checked, and, for the
catalog, that every XML file it writes parses.
"""

from __future__ import annotations

import json
import re
import xml.dom.minidom
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from regup.config import Config
from regup.load import load_registry
from regup.model import Entry, EnvVar, Metadata, Registry
from regup.site import contexts, render
from regup.validate import validate_documents
from regup.yamlio import MAX_INT_DIGITS, TooLongNumber, load_yaml, resolve_plain
from tests.helpers import TEST_NAMESPACE, Files, container, run_cli, to_yaml, write_registry

GOOD = to_yaml(container())
FIVE_THOUSAND = "9" * 5000
#: What a terminal must never receive raw from regup's messages.
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _no_bug(output: str) -> None:
    assert "bug in regup" not in output
    assert "Traceback" not in output


# --- class 2: numbers past Python's int-to-string limit ------------------------------


@pytest.mark.parametrize(
    ("line", "col"),
    [
        (f"target_port: {FIVE_THOUSAND}", 14),
        (f"target_port: -{FIVE_THOUSAND}", 14),
        (f"target_port: !!int {FIVE_THOUSAND}", 14),
        (f"target_port: !!float {FIVE_THOUSAND}", 14),
        (f"target_port: 0x{'f' * 5000}", 14),
        (f"target_port: 0o{'7' * 5000}", 14),
    ],
    ids=["decimal", "negative", "int-tag", "float-tag", "hex", "octal"],
)
def test_a_5000_digit_number_is_a_diagnostic(in_tmp: Path, line: str, col: int) -> None:
    spec = GOOD.replace("transport: stdio", "transport: sse") + line + "\n"
    write_registry(in_tmp / "registry", huge=spec, fine=GOOD, other="title: [not text\n")
    result = run_cli(["validate"])
    _no_bug(result.output)
    assert result.exit_code == 1
    number_line = spec.count("\n")
    assert f"registry/huge/spec.yaml:{number_line}:{col}: error: " in result.stdout
    assert "[number-too-long]" in result.stdout
    assert "registry/other/spec.yaml:" in result.stdout  # the run went on
    assert "registry/fine/" not in result.stdout
    assert len(result.stdout) < 2000  # the number itself is never quoted


def test_a_5000_digit_number_fails_the_build_with_a_diagnostic(in_tmp: Path) -> None:
    write_registry(in_tmp / "registry", huge=GOOD + f"custom_metadata:\n  n: {FIVE_THOUSAND}\n")
    result = run_cli(["build", "--out", "dist", "--no-site"])
    _no_bug(result.output)
    assert result.exit_code == 1
    assert "[number-too-long]" in result.output
    assert not (in_tmp / "dist" / "registry.json").exists()


def test_numbers_in_tools_json_are_bounded_too(in_tmp: Path) -> None:
    def tools(number: str) -> str:
        return json.dumps([{"name": "fetch", "inputSchema": {"type": "object"}}]).replace(
            '"object"}', f'"object", "maximum": {number}}}'
        )

    write_registry(
        in_tmp / "registry",
        huge=Files({"spec.yaml": GOOD, "tools.json": tools(FIVE_THOUSAND)}),
        long=Files({"spec.yaml": GOOD, "tools.json": tools("1" + "0" * 150)}),
        fine=Files({"spec.yaml": GOOD, "tools.json": tools("1" + "0" * 20)}),
    )
    result = run_cli(["validate"])
    _no_bug(result.output)
    assert result.exit_code == 1
    # Read through jsonio.load_json: the number's own line:col and a plain message, never
    # Python's "Exceeds the limit (4300 digits)... use sys.set_int_max_str_digits()".
    assert re.search(
        r"registry/huge/tools\.json:1:\d\d: error: a number of 5000 digits; .*\[number-too-long\]",
        result.stdout,
    )
    assert "set_int_max_str_digits" not in result.output
    assert re.search(
        r"registry/long/tools\.json:1:\d+: error: \[0\]\.inputSchema\.maximum .*\[number-too-long\]",
        result.stdout,
    )
    assert "registry/fine/" not in result.stdout


def test_resolve_plain_never_converts_a_number_past_the_bound() -> None:
    assert resolve_plain("9" * MAX_INT_DIGITS) == int("9" * MAX_INT_DIGITS)
    assert resolve_plain("-" + "9" * MAX_INT_DIGITS) == -int("9" * MAX_INT_DIGITS)
    too_long = resolve_plain("9" * (MAX_INT_DIGITS + 1))
    assert too_long == TooLongNumber("9" * (MAX_INT_DIGITS + 1), MAX_INT_DIGITS + 1)
    assert not isinstance(too_long, str)  # `regup tools` quotes what is not plain text
    doc = load_yaml(f"a: [1, {FIVE_THOUSAND}]\n")
    assert doc.data == {"a": [1, FIVE_THOUSAND]}
    assert [(p.line, p.col, p.rule) for p in doc.problems] == [(1, 8, "number-too-long")]


# --- class 2: impossible tag values and complex keys in validate ---------------------


@pytest.mark.parametrize(
    ("line", "at", "rule"),
    [
        ("target_port: !!int x", (8, 14), "yaml-tag"),
        ("target_port: !!float abc", (8, 14), "yaml-tag"),
        ("target_port: !!bool 3", (8, 14), "yaml-tag"),
        ("? {a: 1}\n: x", (8, 3), "yaml-key"),
        ("!!int x: 1", (8, 1), "yaml-key"),
    ],
)
def test_impossible_tag_values_are_diagnostics_in_validate(
    in_tmp: Path, line: str, at: tuple[int, int], rule: str
) -> None:
    spec = (
        "description: Fetches web pages and turns them into Markdown.\ntier: Community\n"
        "status: Active\ntransport: sse\nimage: ghcr.io/example/fetch:1.2.3\ntools:\n"
        f"  - fetch\n{line}\n"
    )
    write_registry(in_tmp / "registry", bad=spec, fine=GOOD)
    result = run_cli(["validate"])
    _no_bug(result.output)
    assert result.exit_code == 1
    assert f"registry/bad/spec.yaml:{at[0]}:{at[1]}: error: " in result.stdout
    assert f"[{rule}]" in result.stdout
    assert "registry/fine/" not in result.stdout


# --- class 5: control characters -----------------------------------------------------

CONTROL_SPEC = """\
title: "Fe\\e]0;pwn\\atch"
description: "Fetches web pages\\u009b2J and turns them into Markdown."
overview: "Two lines\\nare fine, \\x1b[2J is not"
tier: Community
status: Active
transport: stdio
image: ghcr.io/example/fetch:1.2.3
tools:
  - fetch
env_vars:
  - name: TOKEN
    description: "The token\\r\\nroot# "
"""


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_escape_sequences_in_titles_are_diagnostics_shown_escaped(in_tmp: Path, fmt: str) -> None:
    write_registry(in_tmp / "registry", pwn=CONTROL_SPEC, fine=GOOD)
    result = run_cli(["validate", "--format", fmt])
    _no_bug(result.output)
    assert result.exit_code == 1
    assert RAW_CONTROL.search(result.stdout) is None, result.stdout
    assert result.stdout.count("control-character") == 4
    assert "registry/fine/" not in result.stdout
    if fmt == "text":
        for where, shown in [
            ("1:8", r"title holds the control characters \x1b, \x07"),
            ("2:14", r"description holds the control character \x9b"),
            ("3:11", r"overview holds the control character \x1b"),
            ("12:18", r"env_vars[0].description holds the control character \r"),
        ]:
            assert f"registry/pwn/spec.yaml:{where}: error: {shown}" in result.stdout


def test_an_entry_with_a_control_character_is_not_built(in_tmp: Path) -> None:
    write_registry(in_tmp / "registry", pwn=CONTROL_SPEC, fine=GOOD)
    result = run_cli(["build", "--out", "dist", "--no-site"])
    assert result.exit_code == 1
    assert "[control-character]" in result.output
    assert not (in_tmp / "dist" / "registry.json").exists()


def test_newline_and_tab_stay_allowed_in_multi_line_text(in_tmp: Path) -> None:
    spec = GOOD + 'overview: "Line one\\n\\n\\tindented line"\ncustom_metadata:\n  note: "a\\nb"\n'
    spec = spec.replace(
        "  description: Seconds to wait for a page.\n",
        '  description: "Seconds to wait\\n\\tfor a page."\n',
    )
    assert "wait\\n" in spec  # an env var's description may span lines too
    write_registry(
        in_tmp / "registry",
        fine=Files(
            {
                "spec.yaml": spec,
                "tools.json": json.dumps([{"name": "fetch", "description": "Get.\n\tAny URL."}]),
            }
        ),
    )
    result = run_cli(["validate"])
    assert result.exit_code == 0, result.output


# --- class 5: every XML output is well-formed ----------------------------------------

TRICKY = "A & B <b>bold</b> ]]> \"quoted\" 'single'"


def _site_files(entries: tuple[Entry, ...], base_url: str) -> dict[str, bytes]:
    config = Config(
        namespace=TEST_NAMESPACE,
        name="Registry & <co> ]]>",
        repository_url="https://github.com/example/r",
    )
    site = contexts.SiteContext(Registry(entries, ()), config, {}, base_url, frozenset())
    return render.render_pages(site, "2026-01-01T00:00:00Z", {})


def _assert_all_xml_parses(files: dict[str, bytes]) -> list[str]:
    xml_files = sorted(p for p in files if p.endswith((".xml", ".svg")))
    for path in xml_files:
        ET.fromstring(files[path])
        xml.dom.minidom.parseString(files[path])
    return xml_files


def test_text_tricky_in_xml_keeps_the_feed_and_sitemap_well_formed(in_tmp: Path) -> None:
    """Through load and validation, as `regup build` does: `&`, `<` and `]]>` are valid text."""
    spec = to_yaml(container(title=TRICKY, description=f"Fetches pages. {TRICKY}"))
    write_registry(in_tmp / "registry", tricky=spec)
    validation = validate_documents(load_registry(in_tmp / "registry"))
    assert validation.ok, validation.diagnostics
    files = _site_files(validation.registry.entries, "https://example.com/a&b")
    assert {"feed.xml", "sitemap.xml"} <= set(_assert_all_xml_parses(files))
    feed = ET.fromstring(files["feed.xml"])
    atom = "{http://www.w3.org/2005/Atom}"
    entry = feed.find(f"{atom}entry")
    assert entry is not None
    assert entry.findtext(f"{atom}title") == TRICKY  # escaped, not altered
    assert entry.findtext(f"{atom}summary") == f"Fetches pages. {TRICKY}"
    assert feed.findtext(f"{atom}title") == "Registry & <co> ]]>: new and updated servers"


def test_control_characters_that_bypass_validation_cannot_break_the_feed() -> None:
    """An entry built directly (as an importer or a plugin could) with what XML cannot hold."""
    nasty = "Fe\x1b]0;pwn\x07tch\x00\x0b\x0c\ufffe\uffff & <x> ]]>"
    entry = Entry(
        name="nasty",
        title=nasty,
        description=f"Fetches\x1b[2J pages {nasty}",
        overview=f"Overview\x08 {nasty}",
        tier="Community",
        status="Active",
        transport="stdio",
        image="ghcr.io/example/nasty:1.0.0",
        tools=("fetch",),
        env_vars=(EnvVar("TOKEN", f"Token {nasty}"),),
        metadata=Metadata(last_updated="2025-06-01T12:00:00Z"),
    )
    files = _site_files((entry,), "https://example.com")
    assert {"feed.xml", "sitemap.xml"} <= set(_assert_all_xml_parses(files))
    atom = "{http://www.w3.org/2005/Atom}"
    title = ET.fromstring(files["feed.xml"]).findtext(f"{atom}entry/{atom}title")
    assert title == "Fe]0;pwntch & <x> ]]>"
