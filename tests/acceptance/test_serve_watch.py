"""``regup serve --watch`` end to end: a real server process, real edits of real files.

Every wait polls with a deadline (no fixed sleeps): an edit is seen by the next poll of the
watcher, and the rebuild of these few entries takes well under a second.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.acceptance.test_serve import Preview, start, stop
from tests.helpers import (
    TEST_NAMESPACE,
    container,
    remote,
    run_subprocess,
    to_yaml,
    write_config,
    write_ledger,
    write_registry,
)

DEADLINE = 30.0
PAGE = "/site/servers/fetch/"
DOCUMENT = f"/v0.1/servers/{TEST_NAMESPACE}%2Ffetch/versions/latest"
HTML = {"Accept": "text/html"}


def wait_until(check: Callable[[], bool], what: str, deadline: float = DEADLINE) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.05)
    pytest.fail(f"not within {deadline:.0f} s: {what}")


def spec(root: Path) -> Path:
    return root / "registry" / "fetch" / "spec.yaml"


def describe(root: Path, description: str) -> None:
    spec(root).write_text(to_yaml(container(description=description)), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_registry(tmp_path / "registry", fetch=container(), tracker=remote())
    write_ledger(tmp_path / "registry")
    write_config(tmp_path)
    return tmp_path


@pytest.fixture
def watching(project: Path) -> Iterator[Preview]:
    running = start(["serve", "--watch"], project)
    yield running
    stop(running)


def page(preview: Preview, path: str = PAGE) -> str:
    return preview.client.get(path, headers=HTML).text


def description_of(preview: Preview) -> str:
    answer = preview.get(DOCUMENT)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["server"]["description"])


def test_an_edit_reaches_the_page_and_the_api(project: Path, watching: Preview) -> None:
    assert "Fetches web pages" in page(watching)
    describe(project, "Fetches pages, edited while serving.")
    wait_until(lambda: "edited while serving" in page(watching), "the page shows the edit")
    assert description_of(watching) == "Fetches pages, edited while serving."
    listing = watching.get("/v0.1/servers").json()
    assert "Fetches pages, edited while serving." in {
        s["server"]["description"] for s in listing["servers"]
    }


def test_a_broken_edit_shows_its_diagnostics_and_keeps_the_last_good_build(
    project: Path, watching: Preview
) -> None:
    spec(project).write_text(
        to_yaml(container(description="Broken <b>edit</b>", **{"<script>x": 1})),
        encoding="utf-8",
    )
    wait_until(lambda: "regup-watch-errors" in page(watching), "the page shows the errors")
    shown = page(watching)
    overlay = shown[shown.index('<div id="regup-watch-errors"') :]
    assert "registry/fetch/spec.yaml:" in overlay
    assert "&lt;script&gt;x" in overlay and "<script>x" not in shown  # escaped
    assert "Fetches web pages" in shown  # the page of the last good build, under the overlay
    # The API and every other file keep the last good build.
    assert description_of(watching) == container()["description"]
    assert watching.get("/upstream/registry.json").status_code == 200

    spec(project).write_text("description: [unclosed\n", encoding="utf-8")
    wait_until(lambda: "yaml-syntax" in page(watching), "a YAML error is shown")
    assert re.search(r"registry/fetch/spec\.yaml:\d+:\d+: error yaml-syntax", page(watching))

    describe(project, "Fixed again.")
    wait_until(lambda: "Fixed again." in page(watching), "the fixed page")
    assert "regup-watch-errors" not in page(watching)
    assert description_of(watching) == "Fixed again."


def test_a_registry_broken_from_the_start_is_served_once_fixed(project: Path) -> None:
    spec(project).write_text("description: [unclosed\n", encoding="utf-8")
    preview = start(["serve", "--watch"], project)
    try:
        shown = preview.client.get("/site/", headers=HTML)
        assert shown.status_code == 503
        assert re.search(r"registry/fetch/spec\.yaml:\d+:\d+: error yaml-syntax", shown.text)
        api = preview.get(DOCUMENT)
        assert api.status_code == 503
        assert api.headers["content-type"] == "application/problem+json"
        describe(project, "Now it builds.")
        wait_until(lambda: preview.get(DOCUMENT).status_code == 200, "the API answers")
        assert description_of(preview) == "Now it builds."
    finally:
        stop(preview)


def test_an_edit_of_regup_toml_is_rebuilt(project: Path, watching: Preview) -> None:
    write_config(project, name="Renamed while serving")
    wait_until(lambda: "Renamed while serving" in page(watching, "/site/"), "the new name")


def _events(preview: Preview) -> Generator[str, None, None]:
    """The ids of the ``build`` events of ``/_regup/events``, as they come."""
    with httpx.stream("GET", f"{preview.url}/_regup/events", timeout=DEADLINE) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"] == "text/event-stream"
        event = ""
        for line in stream.iter_lines():
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == "build":
                yield line.removeprefix("data: ")


def test_the_event_stream_announces_every_build(project: Path, watching: Preview) -> None:
    events = _events(watching)
    first = next(events)
    # The page carries the id of the build it comes from; its script compares the two.
    assert f'data-build="{first}"' in page(watching)
    assert 'src="/_regup/live.js"' in page(watching)
    script = watching.get("/_regup/live.js")
    assert script.status_code == 200 and "EventSource" in script.text
    describe(project, "Announced.")
    second = next(events)
    assert second != first
    assert f'data-build="{second}"' in page(watching)
    events.close()


def test_only_a_watching_server_adds_the_script(project: Path) -> None:
    preview = start(["serve", "--build"], project)
    try:
        assert "Fetches web pages" in page(preview)
        assert "_regup" not in page(preview)
        assert preview.get("/_regup/events").status_code == 404
    finally:
        stop(preview)


def test_watch_with_a_built_folder_is_a_usage_error(project: Path) -> None:
    result = run_subprocess(["serve", "--watch", "--dir", "dist", "--port", "0"], cwd=project)
    assert result.returncode == 2
    assert "--watch builds in memory" in result.stderr


def test_ctrl_c_stops_at_once_with_a_page_listening(project: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    process = subprocess.Popen(
        [sys.executable, "-m", "regup", "-q", "serve", "--watch", "--port", "0"],
        cwd=project,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # A shell without job control starts background children with SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split(" at ", 1)[1].split("/ ", 1)[0]
        events = _events(Preview(process, url))
        next(events)  # a page is listening: one worker thread sits in the stream
        started = time.monotonic()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
        assert time.monotonic() - started < 3, "Ctrl+C took too long"
        assert process.returncode == 0, err
        assert "Stopped." in out
        assert "Traceback" not in err
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
