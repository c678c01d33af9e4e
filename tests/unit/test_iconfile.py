"""An entry's icon file: read and checked with the entry, published beside its catalog page
and listed first in the upstream ``icons``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from regup.diagnostics import Severity
from regup.iconfile import MAX_ICON_BYTES, svg_problem
from regup.load import load_registry
from regup.validate import validate_documents
from tests.helpers import Files, run_cli, to_yaml, write_config, write_registry

BASE = "https://registry.example.org/mcp"
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'viewBox="0 0 8 8"><defs><linearGradient id="g"><stop offset="0"/></linearGradient>'
    '</defs><circle id="c" r="4" fill="url(#g)"/><use xlink:href="#c"/></svg>'
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
SPEC: dict[str, Any] = {
    "description": "Fetches web pages and turns them into Markdown.",
    "tier": "Community",
    "status": "Active",
    "transport": "stdio",
    "image": "ghcr.io/example/fetch:1.2.3",
    "tools": ["fetch"],
}


def test_a_plain_svg_is_safe() -> None:
    assert svg_problem(SVG.encode()) is None


@pytest.mark.parametrize(
    ("svg", "says"),
    [
        (SVG.replace("<circle", "<script>alert(1)</script><circle"), "<script>"),
        (SVG.replace('r="4"', 'r="4" onload="alert(1)"'), "onload"),
        (SVG.replace("<circle", "<foreignObject/><circle"), "<foreignObject>"),
        (SVG.replace('xlink:href="#c"', 'xlink:href="https://evil.example/x.svg"'), "refers to"),
        (SVG.replace('xlink:href="#c"', 'href="javascript:alert(1)"'), "refers to"),
        ('<!DOCTYPE svg [<!ENTITY a "aaaa">]>' + SVG, "DOCTYPE"),
        ('<html xmlns="http://www.w3.org/1999/xhtml"/>', "not an SVG document"),
        ("<svg", "not well-formed"),
    ],
)
def test_an_svg_that_could_run_or_load_something_is_refused(svg: str, says: str) -> None:
    problem = svg_problem(svg.encode())
    assert problem is not None and says in problem


@pytest.mark.parametrize(
    ("files", "says"),
    [
        ({"icon.png": b"GIF89a" + b"\x00" * 20}, "not a PNG image"),
        ({"icon.webp": PNG}, "not a WEBP image"),
        ({"icon.jpg": PNG}, "not a JPEG image"),
        ({"icon.svg": ""}, "empty"),
        ({"icon.svg": SVG, "icon.png": PNG}, "keep one icon"),
        ({"icon.svg": SVG + " " * MAX_ICON_BYTES}, str(MAX_ICON_BYTES)),
        ({"icon.svg": SVG.replace("<circle", "<script/><circle")}, "<script>"),
    ],
)
def test_a_bad_icon_file_is_an_error_and_the_entry_is_left_out(
    tmp_path: Path, files: dict[str, str | bytes], says: str
) -> None:
    registry = write_registry(
        tmp_path / "registry", fetch=Files({"spec.yaml": to_yaml(SPEC), **files})
    )
    result = validate_documents(load_registry(registry))
    [found] = result.diagnostics
    assert (found.rule, found.severity) == ("icon-file", Severity.ERROR)
    assert found.path.endswith(("icon.svg", "icon.png", "icon.webp", "icon.jpg"))
    assert says in found.message
    assert result.registry.entries == ()


def test_a_good_icon_file_is_on_the_entry(tmp_path: Path) -> None:
    registry = write_registry(
        tmp_path / "registry", fetch=Files({"spec.yaml": to_yaml(SPEC), "icon.png": PNG})
    )
    result = validate_documents(load_registry(registry))
    assert result.diagnostics == []
    [entry] = result.registry.entries
    assert entry.icon_file is not None
    assert (entry.icon_file.filename, entry.icon_file.media_type) == ("icon.png", "image/png")
    assert entry.icon_file.data == PNG


def build(tmp_path: Path, files: dict[str, str | bytes], **config: str) -> Path:
    registry = write_registry(tmp_path / "registry", fetch=Files(files))
    toml = write_config(tmp_path, **config)
    out = tmp_path / "dist"
    args = ["--registry", str(registry), "--config", str(toml), "build", "--out", str(out)]
    built = run_cli(args)
    assert built.exit_code == 0, built.output
    return out


def test_the_build_publishes_the_icon_and_lists_it_first_in_icons(
    tmp_path: Path, reference_dir: Path
) -> None:
    declared = {"src": "https://cdn.example.com/fetch-dark.png", "theme": "dark"}
    spec = {**SPEC, "icons": [declared]}
    out = build(tmp_path, {"spec.yaml": to_yaml(spec), "icon.svg": SVG}, base_url=BASE)
    assert (out / "site" / "servers" / "fetch" / "icon.svg").read_text() == SVG
    own = {"src": f"{BASE}/servers/fetch/icon.svg", "mimeType": "image/svg+xml", "sizes": ["any"]}
    wanted = [own, {"src": declared["src"], "theme": "dark"}]
    server = json.loads((out / "upstream" / "servers" / "fetch.json").read_text())
    assert server["icons"] == wanted
    envelope = json.loads((out / "upstream" / "registry.json").read_text())
    assert envelope["data"]["servers"][0]["icons"] == wanted
    listing = json.loads((out / "v0.1" / "servers" / "index.html").read_text())
    assert listing["servers"][0]["server"]["icons"] == wanted
    version = out / "v0.1" / "servers" / "io.github.example" / "fetch" / "versions" / "1.2.3"
    assert json.loads(version.read_text())["server"]["icons"] == wanted
    schema = json.loads((reference_dir / "schemas" / "server.schema.json").read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert [e.message for e in validator.iter_errors(server)] == []
    page = (out / "site" / "servers" / "fetch" / "index.html").read_text()
    assert '<img class="mark" src="../../servers/fetch/icon.svg"' in page


def test_without_a_base_url_the_icon_is_published_but_not_listed(tmp_path: Path) -> None:
    out = build(tmp_path, {"spec.yaml": to_yaml(SPEC), "icon.png": PNG})
    assert (out / "site" / "servers" / "fetch" / "icon.png").read_bytes() == PNG
    server = json.loads((out / "upstream" / "servers" / "fetch.json").read_text())
    assert "icons" not in server
    page = (out / "site" / "servers" / "fetch" / "index.html").read_text()
    assert '<img class="mark" src="../../servers/fetch/icon.png"' in page


def test_a_server_json_source_publishes_its_icon_too(tmp_path: Path) -> None:
    image = "ghcr.io/example/fetch:1.2.3"
    doc = {
        "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        "name": "io.github.example/fetch",
        "description": "Fetches web pages and turns them into Markdown.",
        "version": "1.2.3",
        "packages": [{"registryType": "oci", "identifier": image, "transport": {"type": "stdio"}}],
        "_meta": {
            "io.modelcontextprotocol.registry/publisher-provided": {
                "io.github.stacklok": {image: {"status": "active", "tools": ["fetch"]}}
            }
        },
    }
    out = build(tmp_path, {"server.json": json.dumps(doc), "icon.svg": SVG}, base_url=BASE)
    assert (out / "site" / "servers" / "fetch" / "icon.svg").read_text() == SVG
    server = json.loads((out / "upstream" / "servers" / "fetch.json").read_text())
    assert server["icons"][0]["src"] == f"{BASE}/servers/fetch/icon.svg"
