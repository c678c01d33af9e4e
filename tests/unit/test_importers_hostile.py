"""regup import of hostile sources: every one is bounded (size, depth, digits, redirects,
time), a bad file is a clear error that changes nothing, and one bad server in a source is
left out with its reason while the others are imported."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from regup.importers import sources
from regup.load import MAX_FILE_BYTES, load_registry
from regup.validate import validate_documents
from regup.yamlio import MAX_DEPTH
from tests.helpers import CONTAINER, run_cli
from tests.httpfake import Reply, Request, serve_http


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    root = tmp_path / "registry"
    (root / "keep").mkdir(parents=True)
    (root / "keep" / "spec.yaml").write_text("# untouched\n")
    return root


def _untouched(registry: Path) -> bool:
    return sorted(p.name for p in registry.iterdir()) == ["keep"]


def _toolhive(path: Path, servers: dict[str, Any]) -> Path:
    doc = {"version": "1.0.0", "last_updated": "2026-01-01T00:00:00Z", "servers": servers}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _import(registry: Path, source: str | Path) -> tuple[int, str, str]:
    result = run_cli(["--registry", str(registry), "import", str(source)])
    assert "bug in regup" not in result.stderr and "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


# --- a bad source file: a clear error, exit 1, registry/ untouched -----------------------


def test_a_10000_character_file_name_is_a_clear_error(tmp_path: Path, registry: Path) -> None:
    code, _, err = _import(registry, tmp_path / ("a" * 10_000 + ".json"))
    assert code == 1
    assert "File name too long" in err
    assert len(err) < 400  # the name is shortened in the message
    assert _untouched(registry)


def test_a_json_nested_100000_deep_is_a_clear_error(tmp_path: Path, registry: Path) -> None:
    source = tmp_path / "deep.json"
    source.write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = _import(registry, source)
    assert code == 1
    assert "deep.json: JSON nested" in err
    assert _untouched(registry)


def test_a_source_nested_past_the_bound_is_refused_as_a_whole(
    tmp_path: Path, registry: Path
) -> None:
    depth = sources.MAX_DEPTH + 5  # within the decoder's limit, past regup's bound
    source = tmp_path / "deep.json"
    source.write_text('{"servers": {"x": ' + '{"a": ' * depth + "1" + "}" * depth + "}}")
    code, _, err = _import(registry, source)
    assert code == 1
    assert f"JSON nested more than {sources.MAX_DEPTH} levels deep" in err
    assert _untouched(registry)


def test_a_5000_digit_number_is_a_clear_error_with_its_place(
    tmp_path: Path, registry: Path
) -> None:
    source = tmp_path / "big.json"
    source.write_text('{\n  "servers": {\n    "x": {"stars": ' + "9" * 5000 + "}}}")
    code, _, err = _import(registry, source)
    assert code == 1
    assert "a number has more than 4300 digits (line 3, column 20)" in err
    assert _untouched(registry)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_refused_before_it_is_read(registry: Path) -> None:
    started = time.monotonic()
    code, _, err = _import(registry, "/dev/zero")
    assert code == 1 and "not a regular file" in err
    assert time.monotonic() - started < 10


def test_a_fifo_is_refused_without_waiting(tmp_path: Path, registry: Path) -> None:
    fifo = tmp_path / "source.json"
    os.mkfifo(fifo)
    code, _, err = _import(registry, fifo)
    assert code == 1 and "not a regular file" in err


# --- one bad server: left out with its reason, the others imported -----------------------


def test_one_server_nested_too_deep_is_left_out_and_the_others_are_imported(
    tmp_path: Path, registry: Path
) -> None:
    deep: Any = "bottom"
    for _ in range(150):  # past an entry file's bound, within the source's
        deep = {"a": deep}
    source = _toolhive(
        tmp_path / "registry.json",
        {"fetch": CONTAINER, "nested": {**CONTAINER, "custom_metadata": deep}},
    )
    code, out, _ = _import(registry, source)
    assert code == 0
    assert f"nested: nested more than {MAX_DEPTH} levels deep" in out
    assert "[yaml-too-deep]" in out
    assert (registry / "fetch" / "spec.yaml").is_file()
    assert not (registry / "nested").exists()


def test_a_5_million_character_description_is_refused_not_cut(
    tmp_path: Path, registry: Path
) -> None:
    huge = "word " * 1_000_000
    source = _toolhive(
        tmp_path / "registry.json",
        {"fetch": CONTAINER, "huge": {**CONTAINER, "description": huge, "overview": "Kept."}},
    )
    code, out, _ = _import(registry, source)
    assert code == 0
    assert f"more than the {MAX_FILE_BYTES} an entry file may have [file-too-large]" in out
    assert "huge: description shortened" not in out  # it was not imported at all
    assert not (registry / "huge").exists()
    assert (registry / "fetch" / "spec.yaml").is_file()


def test_a_long_description_and_an_overview_are_both_kept(tmp_path: Path, registry: Path) -> None:
    long = "Reads pages. " + "It converts tables and lists into tidy Markdown. " * 2000
    overview = "## Usage\n\nThe overview the source already had."
    source = _toolhive(
        tmp_path / "registry.json",
        {"fetch": {**CONTAINER, "description": long.strip(), "overview": overview}},
    )
    code, out, _ = _import(registry, source)
    assert code == 0 and "description shortened" in out
    entry = validate_documents(load_registry(registry)).registry.entry("fetch")
    assert entry is not None and entry.overview is not None
    assert entry.description == "Reads pages."
    assert entry.overview == f"{long.strip()}\n\n{overview}"


# --- network sources: redirects and time are bounded --------------------------------------


def test_a_redirect_loop_is_a_clear_error(registry: Path) -> None:
    def loop(request: Request) -> Reply:
        return Reply(302, b"", {"Location": "/registry.json"})

    with serve_http({"/registry.json": loop}) as server:
        code, _, err = _import(registry, f"{server.base_url}/registry.json")
    assert code == 1
    assert "redirects more than 20 times" in err
    assert _untouched(registry)


def test_an_answer_that_trickles_in_is_cut_off(
    registry: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sources, "MAX_RESPONSE_SECONDS", 0.5)

    def trickle(request: Request) -> None:
        handler = request.handler
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        try:
            for _ in range(100):  # 10 s at most
                handler.wfile.write(b"1\r\n \r\n")
                handler.wfile.flush()
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            return

    started = time.monotonic()
    with serve_http({"/registry.json": trickle}) as server:
        code, _, err = _import(registry, f"{server.base_url}/registry.json")
    assert code == 1
    assert "took more than 0.5 s to send its answer" in err
    assert time.monotonic() - started < 5
    assert _untouched(registry)
