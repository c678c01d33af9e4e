"""The live preview's parts: the file fingerprint, the page snippet, the swap of builds."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from regup.config import Config
from regup.diagnostics import Diagnostic, Severity
from regup.emit.api import LIST_PATH
from regup.rebuild import Outcome, full_build
from regup.serve import MemoryFiles, PreviewApp
from regup.watch import EVENTS_PATH, LiveApp, Snapshot, Watcher, fingerprint, inject
from tests.helpers import TEST_NAMESPACE, container, to_yaml, write_registry


def _registry(tmp_path: Path) -> Path:
    return write_registry(tmp_path / "registry", fetch=container())


def _config() -> Config:
    return Config(namespace=TEST_NAMESPACE)


def test_fingerprint_sees_edits_and_new_files_but_not_hidden_ones(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    config = tmp_path / "regup.toml"  # absent for now: creating it is a change
    before = fingerprint([registry, config])
    assert str(registry / "fetch" / "spec.yaml") in before
    (registry / "fetch" / ".spec.yaml.swp").write_text("x")
    (registry / "fetch" / "spec.yaml~").write_text("x")
    (registry / ".git").mkdir()
    (registry / ".git" / "index").write_text("x")
    assert fingerprint([registry, config]) == before
    spec = registry / "fetch" / "spec.yaml"
    stat = spec.stat()
    os.utime(spec, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert fingerprint([registry, config]) != before
    config.write_text("")
    assert str(config) in fingerprint([registry, config])


def test_build_in_memory_turns_every_failure_into_diagnostics(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    good, built = full_build(registry, _config)
    assert good.app is not None and built is not None and built.app is good.app
    (registry / "fetch" / "spec.yaml").write_text("description: [unclosed\n")
    broken, none = full_build(registry, _config)
    assert broken.app is None and none is None
    assert [d.rule for d in broken.diagnostics] == ["yaml-syntax"]
    nowhere, _ = full_build(tmp_path / "nowhere", _config)
    assert nowhere.app is None and "does not exist" in nowhere.diagnostics[0].message


def test_a_failed_build_keeps_the_last_good_app_and_a_new_id(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    first, _ = full_build(registry, _config)
    live = LiveApp.start(first)
    good_id = live.state.build_id
    error = Diagnostic("registry/fetch/spec.yaml", 3, 7, Severity.ERROR, "r", "bad <value>")
    state = live.publish(Outcome(None, (error,)), 0.1)
    assert state.app is first.app and state.broken and state.build_id != good_id
    page = live.handle("GET", "/site/", "text/html").body.decode()
    assert "registry/fetch/spec.yaml:3:7: error r: bad &lt;value&gt;" in page
    # JSON is never touched.
    listing = live.handle("GET", "/v0.1/servers")
    assert listing.status == 200 and b"_regup" not in listing.body


def test_inject_goes_before_the_last_body_end_tag() -> None:
    live = LiveApp.start(Outcome(PreviewApp(MemoryFiles(_minimal_api()))))
    page = inject(b"<html><body><p>x</p></body></html>", live.state)
    assert page.endswith(b"></script></body></html>")
    assert f'data-build="{live.state.build_id}"'.encode() in page
    assert inject(b"no body tag", live.state).startswith(b"no body tag<link")


def test_an_event_stream_returns_when_the_app_closes() -> None:
    live = LiveApp.start(Outcome(PreviewApp(MemoryFiles(_minimal_api()))))
    response = live.handle("GET", EVENTS_PATH)
    assert response.stream is not None and response.content_type == "text/event-stream"
    written: list[bytes] = []

    class Out:
        def write(self, data: bytes, /) -> int:
            written.append(data)
            return len(data)

        def flush(self) -> None:
            pass

    stream = response.stream
    thread = threading.Thread(target=lambda: stream(Out()))
    thread.start()
    live.publish(Outcome(None), 0.0)
    live.close()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert written and written[0].startswith(b"retry: 500\nevent: build\ndata: ")


def test_the_watcher_calls_back_after_an_edit_and_stops(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    changed = threading.Event()
    seen: list[set[str]] = []

    def on_change(paths: set[str]) -> None:
        seen.append(paths)
        changed.set()

    watcher = Watcher([registry], on_change, 0.01)
    watcher.start()
    try:
        (registry / "fetch" / "spec.yaml").write_text(to_yaml(container(description="New.")))
        assert changed.wait(10)
    finally:
        watcher.stop()
    assert not watcher._thread.is_alive()
    assert seen[0] == {str(registry / "fetch" / "spec.yaml")}


def _minimal_api() -> dict[str, bytes]:
    return {LIST_PATH: b'{"servers": [], "metadata": {"count": 0}}'}


def test_a_poll_finds_edited_created_and_removed_files(tmp_path: Path) -> None:
    registry = write_registry(tmp_path / "registry", fetch=container(), other=container())
    snapshot = Snapshot([registry])
    assert snapshot.poll() == set()
    spec = registry / "fetch" / "spec.yaml"
    spec.write_text(to_yaml(container(description="A longer description than before.")))
    assert snapshot.poll() == {str(spec)}
    write_registry(registry, newcomer=container())  # a new folder: its file is found
    (registry / "fetch" / "tools.json").write_text("[]")  # a new file in a known folder
    (registry / "other" / "spec.yaml").unlink()
    assert snapshot.poll() == {
        str(registry / "newcomer" / "spec.yaml"),
        str(registry / "fetch" / "tools.json"),
        str(registry / "other" / "spec.yaml"),
    }
    assert snapshot.poll() == set()
