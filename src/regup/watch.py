"""``regup serve --watch``: rebuild in memory on every edit and reload the open catalog pages.

This module owns the live preview. A :class:`Watcher` thread polls the registry folder and
the configuration file (modification time and size of every file: no extra dependency, and
it works the same on every file system, network and container mounts included) and calls a
build function when something changed. The :class:`LiveApp` in front of
:class:`regup.serve.PreviewApp` swaps in each good build whole (one assignment, so a request
sees the old build or the new one, never a mix), and gives every HTML page it serves a
small script (``/_regup/live.js``) that listens to ``/_regup/events`` (Server-Sent Events)
and reloads the page when the build id changes. Nothing is injected into built files: only
answers of a watching server carry it.

A broken edit does not stop the server: the API, the JSON files and the pages keep the last
good build, and every page shows the diagnostics (``file:line:col``, escaped) in an overlay
until the edit is fixed; before any good build, pages are a list of the diagnostics and the
API answers 503.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import os
import stat
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

from regup.config import Config
from regup.diagnostics import Diagnostic, Severity, sort_diagnostics
from regup.rebuild import Outcome, full_build, quick_build
from regup.serve import Output, PreviewApp, Response, problem

#: Seconds between two polls of the watched files (at least; see :class:`Watcher`).
POLL_INTERVAL = 0.1
MAX_INTERVAL = 0.5
#: Seconds between two keep-alive comments on an idle event stream (finds closed tabs).
HEARTBEAT = 10.0
#: Event streams open at once (each holds one of the server's ``STREAM_WORKERS`` threads).
MAX_STREAMS = 16
EVENTS_PATH = "/_regup/events"
SCRIPT_PATH = "/_regup/live.js"
STYLE_PATH = "/_regup/live.css"
#: Shown when a page has more diagnostics than this (the rest are in the server's log).
SHOWN_DIAGNOSTICS = 200

#: The page script: reload when the server announces another build than the page's own.
#: An external file, because the catalog's Content-Security-Policy forbids inline scripts.
LIVE_SCRIPT = b"""// regup serve --watch: reload this page when the registry is rebuilt.
(function () {
  var me = document.currentScript;
  var build = me && me.getAttribute("data-build");
  if (!build || !window.EventSource) return;
  var events = new EventSource("/_regup/events");
  events.addEventListener("open", function () {
    document.documentElement.setAttribute("data-regup-watching", "");
  });
  events.addEventListener("build", function (event) {
    if (event.data !== build) {
      events.close();
      window.location.reload();
    }
  });
})();
"""

LIVE_STYLE = b"""#regup-watch-errors {
  position: fixed; inset: 0 0 auto 0; z-index: 2147483647; max-height: 80vh; overflow: auto;
  margin: 0; padding: 1rem 1.25rem; background: #3b0d0c; color: #fff;
  font: 14px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  box-shadow: 0 2px 12px rgba(0, 0, 0, .5);
}
#regup-watch-errors h2 { margin: 0 0 .5rem; font-size: 1rem; }
#regup-watch-errors ul { margin: 0; padding-left: 1.25rem; }
#regup-watch-errors li { margin: .15rem 0; white-space: pre-wrap; }
#regup-watch-errors p { margin: .5rem 0 0; opacity: .8; }
"""

Fingerprint = dict[str, tuple[int, int]]


def _ignored(name: str) -> bool:
    """Hidden files and folders and editor backups (``~``): saving in an editor touches
    them without changing what is built."""
    return name.startswith(".") or name.endswith("~")


class Snapshot:
    """The files under ``paths`` (files or folders) with their modification time and size,
    and every folder's modification time, brought up to date by :meth:`poll`.

    A poll looks at each known file and folder once (``stat``) and lists only the folders
    whose time moved (a file was created, removed or renamed in them): for a registry of
    10,000 entries that is 20,000 ``stat`` calls, about half what listing every folder
    costs. A path that does not exist yet is looked for again on every poll.
    """

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = tuple(str(p) for p in paths)
        self.files: Fingerprint = {}
        self.dirs: dict[str, int] = {}
        for path in self.paths:
            self._add(path)

    def _add(self, path: str) -> set[str]:
        """Start watching ``path``; returns the files found."""
        try:
            st = os.lstat(path)
        except OSError:
            return set()
        if not stat.S_ISDIR(st.st_mode):
            self.files[path] = (st.st_mtime_ns, st.st_size)
            return {path}
        self.dirs[path] = st.st_mtime_ns
        return self._scan(path)

    def _scan(self, folder: str) -> set[str]:
        try:
            names = os.listdir(folder)
        except OSError:
            return set()
        found: set[str] = set()
        for name in names:
            child = os.path.join(folder, name)
            if not _ignored(name) and child not in self.dirs and child not in self.files:
                found |= self._add(child)
        return found

    def poll(self) -> set[str]:
        """The files edited, created or removed since the last poll."""
        changed: set[str] = set()
        for folder, mtime in list(self.dirs.items()):
            try:
                st = os.lstat(folder)
            except OSError:
                del self.dirs[folder]  # its files fail their own stat below
                continue
            if not stat.S_ISDIR(st.st_mode):
                del self.dirs[folder]
                changed |= self._add(folder)
            elif st.st_mtime_ns != mtime:
                self.dirs[folder] = st.st_mtime_ns
                changed |= self._scan(folder)
        for path, seen in list(self.files.items()):
            try:
                st = os.lstat(path)
            except OSError:
                del self.files[path]
                changed.add(path)
                continue
            if (st.st_mtime_ns, st.st_size) != seen:
                self.files[path] = (st.st_mtime_ns, st.st_size)
                changed.add(path)
        for path in self.paths:
            if path not in self.dirs and path not in self.files:
                changed |= self._add(path)
        return changed


def fingerprint(paths: Sequence[Path]) -> Fingerprint:
    """Modification time and size of every file under ``paths`` (see :class:`Snapshot`)."""
    return Snapshot(paths).files


@dataclass(frozen=True)
class LiveState:
    """One build as served: its id, the app answering from its files (the last good
    build's when this one failed), and the diagnostics of the latest build."""

    build_id: str
    app: PreviewApp | None
    diagnostics: tuple[Diagnostic, ...] = ()
    seconds: float = 0.0
    #: Only the edited entries were rebuilt; a full build follows.
    quick: bool = False

    @property
    def broken(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


@dataclass
class LiveApp:
    """Answers requests from the current build and announces new ones to open pages."""

    state: LiveState
    _changed: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _closed: bool = False
    _streams: int = 0

    @classmethod
    def start(cls, outcome: Outcome) -> LiveApp:
        return cls(_state_of(outcome, None, 1, 0.0))

    def publish(self, outcome: Outcome, seconds: float, *, quick: bool = False) -> LiveState:
        """Swap in the result of a rebuild and wake every open event stream; a failed
        build keeps the last good build's files."""
        with self._changed:
            generation = int(self.state.build_id.rsplit("-", 1)[1]) + 1
        state = _state_of(outcome, self.state.app, generation, seconds, quick)
        with self._changed:
            self.state = state
            self._changed.notify_all()
        return state

    def close(self) -> None:
        """End every event stream (they return at once), for a prompt shutdown."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    # --- requests ----------------------------------------------------------------------

    def handle(self, method: str, target: str, accept: str = "") -> Response:
        path = urlsplit(target).path
        if path.startswith("/_regup/") and method == "GET":
            return self._own(path)
        state = self.state  # one read: this answer comes from one build
        if state.app is None:
            if "text/html" in accept:
                page = _error_page(state)
                return Response(503, page, "text/html; charset=utf-8")
            return problem(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "the registry has errors and nothing was built yet; fix them (the catalog "
                "pages and the server's log list them) and this API answers again",
            )
        response = state.app.handle(method, target, accept)
        if method in {"GET", "HEAD"} and (response.content_type or "").startswith("text/html"):
            return Response(
                response.status,
                inject(response.body, state),
                response.content_type,
                response.headers,
            )
        return response

    def _own(self, path: str) -> Response:
        if path == SCRIPT_PATH:
            return Response(200, LIVE_SCRIPT, "text/javascript; charset=utf-8")
        if path == STYLE_PATH:
            return Response(200, LIVE_STYLE, "text/css; charset=utf-8")
        if path == EVENTS_PATH:
            with self._changed:
                if self._streams >= MAX_STREAMS:
                    return problem(
                        HTTPStatus.SERVICE_UNAVAILABLE,
                        f"{MAX_STREAMS} pages already listen for rebuilds; close a few tabs",
                    )
                self._streams += 1
            return Response(
                200,
                content_type="text/event-stream",
                headers=(("Connection", "close"),),
                stream=self._stream,
            )
        return problem(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")

    def _stream(self, out: Output) -> None:
        """Write a ``build`` event now and after every rebuild, until the server closes or
        the client goes away (a write then fails)."""
        try:
            sent = ""
            while True:
                with self._changed:
                    if self._closed:
                        return
                    current = self.state.build_id
                    if current == sent:
                        self._changed.wait(HEARTBEAT)
                        if self._closed:
                            return
                        current = self.state.build_id
                if current != sent:
                    out.write(f"retry: 500\nevent: build\ndata: {current}\n\n".encode())
                    sent = current
                else:
                    out.write(b": still watching\n\n")
                out.flush()
        finally:
            with self._changed:
                self._streams -= 1


def _state_of(
    outcome: Outcome,
    last_app: PreviewApp | None,
    generation: int,
    seconds: float,
    quick: bool = False,
) -> LiveState:
    app = last_app if outcome.app is None else outcome.app
    return LiveState(
        build_id=f"{_RUN}-{generation}",
        app=app,
        diagnostics=tuple(sort_diagnostics(outcome.diagnostics)),
        seconds=seconds,
        quick=quick,
    )


#: Tells this run's build ids from an earlier run's (a page left open across a restart
#: reloads once).
_RUN = hashlib.sha256(f"{os.getpid()}-{time.time_ns()}".encode()).hexdigest()[:8]


def format_diagnostic(d: Diagnostic) -> str:
    return f"{d.path}:{d.line}:{d.col}: {d.severity.value} {d.rule}: {d.message}"


def _overlay(state: LiveState) -> str:
    errors = [d for d in state.diagnostics if d.severity is Severity.ERROR]
    items = "".join(
        f"<li>{html.escape(format_diagnostic(d))}</li>" for d in errors[:SHOWN_DIAGNOSTICS]
    )
    more = len(errors) - SHOWN_DIAGNOSTICS
    rest = f"<p>and {more} more (see the server's log)</p>" if more > 0 else ""
    kept = (
        "This page is from the last good build. "
        if state.app is not None
        else "Nothing built yet. "
    )
    return (
        '<div id="regup-watch-errors" role="alert">'
        f"<h2>The registry has {len(errors)} error{'s' if len(errors) != 1 else ''}</h2>"
        f"<ul>{items}</ul>{rest}"
        f"<p>{kept}Fix the files and this page reloads by itself.</p></div>"
    )


def _snippet(state: LiveState) -> str:
    overlay = _overlay(state) if state.broken else ""
    return (
        f'{overlay}<link rel="stylesheet" href="{STYLE_PATH}">'
        f'<script src="{SCRIPT_PATH}" data-build="{html.escape(state.build_id)}"></script>'
    )


def inject(page: bytes, state: LiveState) -> bytes:
    """``page`` with the reload script (and the diagnostics overlay when the last build
    failed) before its ``</body>``, or at its end."""
    snippet = _snippet(state).encode()
    at = page.rfind(b"</body>")
    if at < 0:
        return page + snippet
    return page[:at] + snippet + page[at:]


def _error_page(state: LiveState) -> bytes:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>regup: the registry has errors</title></head><body>"
        f"{_snippet(state)}</body></html>"
    ).encode()


class Watcher:
    """A daemon thread that polls ``paths`` and calls ``on_change(changed)`` with the paths
    of the files that changed (edited, created or removed).

    ``on_change`` runs in this thread, one call at a time; edits made while it runs are
    seen by the next poll, so the last edit is always built. The interval grows to three
    times the time a poll takes, up to ``MAX_INTERVAL`` (a registry of 10,000 entries is
    20,000 files and folders to look at), so that watching takes about a quarter of a
    core at most. ``stop()`` returns within one interval.
    """

    def __init__(
        self,
        paths: Sequence[Path],
        on_change: Callable[[set[str]], object],
        interval: float = POLL_INTERVAL,
    ) -> None:
        self.paths = tuple(paths)
        self.on_change = on_change
        self.interval = interval
        self._stop = threading.Event()
        started = time.perf_counter()
        self._snapshot = Snapshot(self.paths)
        self._poll = time.perf_counter() - started
        self._thread = threading.Thread(target=self._run, name="regup-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(min(max(self.interval, 3 * self._poll), MAX_INTERVAL)):
            started = time.perf_counter()
            changed = self._snapshot.poll()
            self._poll = time.perf_counter() - started
            if changed:
                self._settle(changed)
                self.on_change(changed)

    def _settle(self, changed: set[str]) -> None:
        """Wait until the changed files keep their size and time ``SETTLE`` seconds (at
        most 20 looks), then take those as seen."""
        before = _stats(changed)
        for _ in range(20):
            time.sleep(SETTLE)
            now = _stats(changed)
            if now == before:
                break
            before = now
        self._snapshot.files.update(before)


#: Seconds a changed file must keep its size and time before it is built: a save that
#: truncates and then writes is otherwise seen half-way, as an empty file.
SETTLE = 0.03


def _stats(paths: set[str]) -> Fingerprint:
    found: Fingerprint = {}
    for path in paths:
        try:
            st = os.lstat(path)
        except OSError:
            continue
        found[path] = (st.st_mtime_ns, st.st_size)
    return found


class LivePreview:
    """The watching half of ``regup serve --watch``: a :class:`LiveApp` for the server, a
    :class:`Watcher` and a thread of full builds.

    After an edit of existing entries the watcher's thread publishes a quick build of them
    at once (:func:`regup.rebuild.quick_build`); every edit also asks for a full build,
    which runs in its own thread and is published unless another edit came in meanwhile
    (then the next full build, already asked for, has it). ``report`` is told about every
    published build (the CLI prints it).
    """

    def __init__(
        self,
        registry_dir: Path,
        config: Callable[[], Config],
        watched: Sequence[Path],
        report: Callable[[LiveState], None] = lambda state: None,
        interval: float = POLL_INTERVAL,
    ) -> None:
        self.registry_dir = registry_dir
        self.config = config
        self.report = report
        started = time.perf_counter()
        outcome, self.last = full_build(registry_dir, config)
        self.app = LiveApp.start(outcome)
        self.app.state = dataclasses.replace(self.app.state, seconds=time.perf_counter() - started)
        self.watcher = Watcher(watched, self.changed, interval)
        self._lock = threading.Lock()
        self._edits = 0
        self._wanted = threading.Event()
        self._stopping = False
        self._full = threading.Thread(target=self._full_builds, name="regup-rebuild", daemon=True)

    def changed(self, paths: set[str]) -> None:
        """Called by the watcher: publish a quick build when the edit allows one, and ask
        for a full build."""
        with self._lock:
            self._edits += 1
            last = self.last
        folders = self._entry_folders(paths)
        if last is not None and folders:
            started = time.perf_counter()
            try:
                quick = quick_build(last, folders)
            except Exception:  # a bug must not end the watching: the full build follows
                quick = None
            if quick is not None:
                outcome, built = quick
                with self._lock:
                    if built is not None:
                        self.last = built
                    self._publish(outcome, time.perf_counter() - started, quick=True)
        self._wanted.set()

    def _entry_folders(self, paths: set[str]) -> list[Path]:
        """The entry folders the changed ``paths`` are in; empty when one of them is not in
        an existing folder of the registry (regup.toml, registry/versions.json, a folder
        created or removed)."""
        root = str(self.registry_dir) + os.sep
        folders: set[str] = set()
        for path in paths:
            name, sep, _ = path.removeprefix(root).partition(os.sep)
            if not path.startswith(root) or not sep or not os.path.isdir(root + name):
                return []
            folders.add(name)
        return [self.registry_dir / name for name in sorted(folders)]

    def _full_builds(self) -> None:
        while True:
            self._wanted.wait()
            if self._stopping:
                return
            self._wanted.clear()
            with self._lock:
                edits = self._edits
            started = time.perf_counter()
            try:
                outcome, built = full_build(self.registry_dir, self.config)
            except Exception as exc:  # this thread's boundary: show it, keep watching
                bug = f"the build failed ({exc!r}); this is a bug in regup, please report it"
                where = str(self.registry_dir)
                outcome = Outcome(None, (Diagnostic(where, 1, 1, Severity.ERROR, "internal", bug),))
                built = None
            with self._lock:
                if self._stopping:
                    return
                if edits != self._edits:
                    continue  # an edit came in meanwhile: the next full build has it
                if built is not None or self.last is None:
                    self.last = built
                self._publish(outcome, time.perf_counter() - started, quick=False)

    def _publish(self, outcome: Outcome, seconds: float, *, quick: bool) -> None:
        state = self.app.state
        if outcome.app is None and not quick and state.app is not None and state.broken:
            if tuple(sort_diagnostics(outcome.diagnostics)) == state.diagnostics:
                return  # the full build found what the quick one did: no second reload
        self.report(self.app.publish(outcome, seconds, quick=quick))

    def start(self) -> None:
        self._full.start()
        self.watcher.start()

    def close(self) -> None:
        self._stopping = True
        self._wanted.set()
        self.watcher.stop()
        self.app.close()
