"""Search records: searchable text, filters and sort keys; the index is reused when unchanged."""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import threading
from pathlib import Path

import pytest

from regup.checks import Outcome, ProvenanceCheck
from regup.errors import OutputError
from regup.model import Entry, Registry
from regup.site import search
from tests.helpers import container, dead_pid, remote


def test_record_holds_every_searchable_text() -> None:
    entry = Entry.from_document(
        "github",
        container(
            title="GitHub",
            overview="Works on **pull requests**.",
            tools=["create_pull_request"],
            tags=["git"],
        ),
    )
    record = search.record(entry)
    assert record.names == "github GitHub"
    assert record.tools == "create_pull_request"
    for text in (entry.description, "pull requests", "git"):
        assert text in record.content
    # each text once: Pagefind splits create_pull_request into its words itself (the browser
    # test test_search_by_a_word_of_a_tool_name proves it)
    assert "create_pull_request" not in record.content
    html = search.record_html(record)
    assert f'<p data-pagefind-weight="{search.NAME_WEIGHT}">github GitHub</p>' in html
    assert f'<p data-pagefind-weight="{search.TOOL_WEIGHT}">create_pull_request</p>' in html
    assert record.meta["toolnames"] == "create_pull_request"
    assert record.url == "servers/github/"
    assert record.meta["title"] == "GitHub" and record.meta["tools"] == "1"


def test_overview_links_keep_their_text_not_their_target() -> None:
    overview = "See [the **docs**](https://docs.example.com/guide) and ![logo](https://x/l.png)."
    entry = Entry.from_document("linked", container(overview=overview))
    content = search.record(entry).content
    assert "See the docs and logo." in content
    assert "docs.example.com" not in content and "](" not in content


def test_record_filters_and_sorts() -> None:
    entry = Entry.from_document("hosted", remote())
    record = search.record(entry)
    assert record.filters == {
        "tier": ["Official"],
        "status": ["Active"],
        "transport": ["streamable-http"],
        "kind": ["remote"],
        "tag": ["issues"],
        "secrets": ["needs secrets"],
        "provenance": ["not applicable"],
    }
    assert record.sort == {"stars": "7", "updated": "2025-03-01T08:00:00Z", "name": "hosted"}
    plain = Entry.from_document("plain", container())
    assert search.record(plain).filters["secrets"] == ["no secrets"]
    verified = ProvenanceCheck(Outcome.VERIFIED)
    assert search.record(plain, verified).filters["provenance"] == ["verified"]


def test_index_is_built_and_reused_when_records_are_the_same(tmp_path: Path) -> None:
    records = [search.record(Entry.from_document(f"s-{i}", container())) for i in range(3)]
    files = search.build_index(records)
    assert "pagefind/pagefind.js" in files
    assert "pagefind/pagefind-entry.json" in files
    assert any(p.startswith("pagefind/fragment/") for p in files)
    assert not any("pagefind-ui" in p for p in files)  # the catalog ships its own search UI
    folder = tmp_path / "pagefind"
    for rel, data in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (folder / "fragment" / ".left-by-an-interrupted-write.tmp").write_bytes(b"partial")
    assert search.reused_index(records, folder) == files
    assert search.reused_index(records[:2], folder) is None  # other records: build anew
    assert (
        search.build_index(records[:2])[f"pagefind/{search.DIGEST_FILE}"]
        != files[f"pagefind/{search.DIGEST_FILE}"]
    )


def test_a_half_written_index_is_never_reused(tmp_path: Path) -> None:
    """A build killed (or out of disk) while writing the index leaves a digest file whose
    records match but files that do not: the next build must index anew."""
    records = [search.record(Entry.from_document(f"s-{i}", container())) for i in range(3)]
    files = search.build_index(records)
    for rel, data in files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    folder = tmp_path / "pagefind"
    fragment = next(p for p in sorted(files) if p.startswith("pagefind/fragment/"))
    (tmp_path / fragment).write_bytes(b"")  # a file of another, unfinished write
    assert search.reused_index(records, folder) is None
    (tmp_path / fragment).unlink()  # a file the killed build never wrote
    assert search.reused_index(records, folder) is None
    (tmp_path / fragment).write_bytes(files[fragment])
    (folder / "filter" / "en_stray.pf_filter").write_bytes(b"of another build")
    reused = search.reused_index(records, folder)
    assert reused == files  # the stray file is not part of the index


def test_a_digest_file_that_points_outside_the_index_is_not_followed(tmp_path: Path) -> None:
    records = [search.record(Entry.from_document("s-1", container()))]
    folder = tmp_path / "pagefind"
    folder.mkdir()
    (tmp_path / "secret").write_bytes(b"x")
    sha = hashlib.sha256(b"x").hexdigest()
    digest_line = search.digest(records)
    (folder / search.DIGEST_FILE).write_text(f"{digest_line}\n{sha}  ../secret\n")
    assert search.reused_index(records, folder) is None


def test_scratch_folders_of_killed_builds_are_removed(tmp_path: Path) -> None:
    pid = dead_pid()
    where = search._scratch() or tempfile.gettempdir()
    stale = Path(where) / f"regup-pagefind-{pid}-abc"
    (stale / "records").mkdir(parents=True)
    (stale / "records" / "x.html").write_bytes(b"<p>")
    with search.scratch_folder() as scratch:
        assert Path(scratch).name.startswith(f"regup-pagefind-{os.getpid()}-")
        search.remove_stale_scratch_folders()
        assert not stale.exists()
        assert Path(scratch).is_dir()  # this process's own is kept


def test_an_index_file_pagefind_is_still_writing_is_waited_for(tmp_path: Path) -> None:
    """Pagefind can say it is done while its last file is still short (seen under load in
    the kill tests): the index is read again until every file is whole."""
    records = [search.record(Entry.from_document("s-1", container()))]
    whole = gzip.compress(b"pagefind_dcd" + bytes(range(256)) * 400)
    folder = tmp_path / "pagefind"
    folder.mkdir()
    (folder / "wasm.en.pagefind").write_bytes(whole[:4096])
    (folder / "en_1.pf_meta").write_bytes(b"")  # created, not yet written
    (folder / "wasm.unknown.pagefind").write_bytes(b"")  # never loaded: left out
    writes = [
        threading.Timer(0.2, (folder / "wasm.en.pagefind").write_bytes, [whole]),
        threading.Timer(0.4, (folder / "en_1.pf_meta").write_bytes, [whole]),
    ]
    for write in writes:
        write.start()
    files = search.collected_index(records, str(tmp_path))
    for write in writes:
        write.join()
    assert files["pagefind/wasm.en.pagefind"] == whole
    assert files["pagefind/en_1.pf_meta"] == whole
    assert "pagefind/wasm.unknown.pagefind" not in files


def test_an_index_file_that_stays_short_fails_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "_SETTLE_SECONDS", 0.2)
    records = [search.record(Entry.from_document("s-1", container()))]
    (tmp_path / "pagefind").mkdir()
    (tmp_path / "pagefind" / "wasm.en.pagefind").write_bytes(
        gzip.compress(bytes(range(256)) * 40)[:100]
    )
    with pytest.raises(OutputError, match="incomplete search index file"):
        search.collected_index(records, str(tmp_path))


def test_record_carries_the_score_card_filters_it_is_given() -> None:
    plain = Entry.from_document("plain", container())
    record = search.record(plain, None, {"healthy": "no", "maintained": "yes"})
    assert record.filters["healthy"] == ["no"] and record.filters["maintained"] == ["yes"]
    assert "verified" not in record.filters
    assert not {"verified", "healthy", "maintained"} & set(search.record(plain).filters)
    (first,) = search.records(Registry((plain,)), {}, card_filters={"plain": {"verified": "yes"}})
    assert first.filters["verified"] == ["yes"]
