"""build_site: the index is built beside the pages, in a thread or (large registries) a process."""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import threading
from pathlib import Path
from typing import Any

import pytest

import regup.site
from regup.checks import Outcome, ProvenanceCheck
from regup.config import Config
from regup.emit.canonical import EmitContext
from regup.model import Entry, Registry
from regup.site import SiteOptions, build_site, search
from tests.helpers import TEST_NAMESPACE, container


def _build(previous: Path | None = None) -> dict[str, bytes]:
    registry = Registry(
        tuple(
            Entry.from_document(f"s-{i}", container(tools=[f"tool_{i}_one", "shared_tool"]))
            for i in range(4)
        )
    )
    ctx = EmitContext(
        config=Config(namespace=TEST_NAMESPACE, name="Test"), timestamp="2026-01-01T00:00:00Z"
    )
    return build_site(registry, ctx, {}, SiteOptions(previous_index=previous))


def test_small_registries_index_in_a_thread() -> None:
    with regup.site._indexer(regup.site.PROCESS_THRESHOLD - 1) as pool:
        assert isinstance(pool, concurrent.futures.ThreadPoolExecutor)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_large_registries_index_in_a_process_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    in_thread = _build()
    monkeypatch.setattr(regup.site, "PROCESS_THRESHOLD", 1)
    monkeypatch.setattr(regup.site, "_can_fork", lambda: method == "fork")
    used: list[str | None] = []
    get_context = multiprocessing.get_context

    def spy(name: str | None = None) -> Any:
        used.append(name)
        return get_context(name)

    monkeypatch.setattr(multiprocessing, "get_context", spy)
    with regup.site._indexer(4) as pool:
        assert isinstance(pool, concurrent.futures.ProcessPoolExecutor)
    in_process = _build()
    assert used == [method, method]
    assert in_process == in_thread
    assert any(p.startswith("pagefind/fragment/") for p in in_process)


def test_a_rebuild_with_the_same_records_reuses_the_index_without_pagefind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _build()
    for rel, data in first.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def no_pagefind(*args: object) -> None:
        raise AssertionError("Pagefind ran although the records did not change")

    monkeypatch.setattr(search, "_run", no_pagefind)
    assert _build(previous=tmp_path / "pagefind") == first
    assert search.reused_index([], None) is None
    assert search.reused_index([], tmp_path / "missing") is None


def test_site_only_server_json_is_the_upstream_document_with_its_provenance_check() -> None:
    from regup.emit.upstream import emit_upstream

    check = ProvenanceCheck(Outcome.VERIFIED, digest="sha256:" + "ab" * 32, log_index=7)
    registry = Registry((Entry.from_document("fetch", container()),))
    ctx = EmitContext(
        config=Config(namespace=TEST_NAMESPACE, name="Test"),
        timestamp="2026-01-01T00:00:00Z",
        provenance={"fetch": check},
    )
    files = build_site(registry, ctx, {}, SiteOptions())  # the upstream output is not built
    ours = json.loads(files["servers/fetch/server.json"])
    upstream = json.loads(emit_upstream(registry, ctx)["upstream/servers/fetch.json"])
    assert ours == upstream
    assert '"provenance_check"' in files["servers/fetch/server.json"].decode()


def test_pagefind_scratch_folder_is_removed_after_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "_scratch", lambda: str(tmp_path))
    files = _build()
    assert any(p.startswith("pagefind/fragment/") for p in files)
    for thread in threading.enumerate():
        if thread.name == "regup-pagefind-cleanup":
            thread.join()
    assert list(tmp_path.iterdir()) == []
