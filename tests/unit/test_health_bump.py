"""``refresh --bump`` planning against the fake OCI registry: what moves, what never does.

The real registry (Debian's docker-registry) and the write-back are covered end to end in
``tests/acceptance/test_refresh_bump.py``; here each rule gets its own case.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from regup.errors import HealthError
from regup.health.bump import BumpRequest, BumpStatus, bump
from regup.health.run import CheckRequest, check
from regup.healthstate import Signal, load_health
from regup.load import load_registry
from regup.model import Entry
from regup.validate import validate_documents
from tests.helpers import Files, container, write_registry
from tests.mcpservers import TOOL_NAMES, docker_stand_in
from tests.ocifake import FakeRegistry, serve_registry


@pytest.fixture
def oci() -> Iterator[FakeRegistry]:
    with serve_registry(FakeRegistry()) as registry:
        for tag in ("1.2.3", "1.10.0", "v1.10.0", "1.10", "3.0.0-beta", "latest", "sha-abc123"):
            registry.push_image("acme/fetch", tag, content=tag.encode())
        registry.push_image("acme/bare", "latest")
        yield registry


def _entries(root: Path, **entries: dict[str, object] | Files) -> list[Entry]:
    write_registry(root, **entries)
    docs = [d for d in load_registry(root) if d.kind == "entry"]
    validation = validate_documents(docs)
    return list(validation.registry.entries)


def _statuses(tmp_path: Path, oci: FakeRegistry, **images: str) -> dict[str, tuple[str, str]]:
    root = tmp_path / "registry"
    entries = _entries(
        root, **{name: container(image=image, version="1.0.0") for name, image in images.items()}
    )
    result = bump(BumpRequest(root, entries, dry_run=True))
    return {b.name: (b.status.value, b.message) for b in result.bumps}


def test_each_rule(tmp_path: Path, oci: FakeRegistry) -> None:
    image = f"{oci.host}/acme/fetch"
    found = _statuses(
        tmp_path,
        oci,
        behind=f"{image}:1.2.3",
        prefixed=f"{image}:v1.2.3",
        short=f"{image}:1.2",
        ahead=f"{image}:2.0.0",  # newer than any release in the registry: never down
        build=f"{image}:sha-abc123",
        floating=f"{image}:latest",
        bare=f"{oci.host}/acme/bare:1.0",
    )
    assert found["behind"] == ("bumped", "1.2.3 -> 1.10.0")  # not 3.0.0-beta
    # the same release under several tags: the one written like the entry's
    assert found["prefixed"] == ("bumped", "v1.2.3 -> v1.10.0")
    assert found["short"] == ("bumped", "1.2 -> 1.10")
    assert found["ahead"] == ("current", "2.0.0 is the newest release")
    assert found["build"] == ("skipped", "tag sha-abc123 is not a release version: not bumped")
    assert found["floating"][0] == "skipped" and "--bump-floating floating" in found["floating"][1]
    assert found["bare"] == ("current", f"{oci.host}/acme/bare has no release tag")


def test_a_digest_is_never_touched(tmp_path: Path, oci: FakeRegistry) -> None:
    # validation refuses digests (ToolHive's format cannot hold them); bump refuses too
    digest = oci.tags[("acme/fetch", "1.2.3")]
    for image in (f"{oci.host}/acme/fetch@{digest}", f"{oci.host}/acme/fetch:1.2.3@{digest}"):
        entry = Entry.from_document("pinned", container(image=image))
        [one] = bump(BumpRequest(tmp_path, [entry], dry_run=True)).bumps
        assert one.status is BumpStatus.SKIPPED
        assert one.message == f"pinned by digest {digest[:19]}…: change it by hand"


def test_the_new_reference_keeps_the_entrys_spelling(tmp_path: Path, oci: FakeRegistry) -> None:
    root = tmp_path / "registry"
    entries = _entries(root, fetch=container(image=f"{oci.host}/acme/fetch:1.2.3"))
    [one] = bump(BumpRequest(root, entries, dry_run=True)).bumps
    assert one.new_image == f"{oci.host}/acme/fetch:1.10.0"
    assert one.digest == oci.tags[("acme/fetch", "1.10.0")]
    assert (one.old_version, one.new_version) == (None, None)  # no version: none added
    assert one.provenance == "not_declared"


def test_a_registry_that_is_down_fails_the_entry(tmp_path: Path, oci: FakeRegistry) -> None:
    root = tmp_path / "registry"
    entries = _entries(root, fetch=container(image=f"{oci.host}/acme/fetch:1.2.3"))
    before = (root / "fetch" / "spec.yaml").read_bytes()
    oci.unavailable = True
    result = bump(BumpRequest(root, entries))
    [one] = result.failed
    assert one.status is BumpStatus.FAILED and "the tags of" in one.message
    assert (root / "fetch" / "spec.yaml").read_bytes() == before


def _containers(root: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> Path:
    """A stand-in docker first on PATH whose ``run -i --rm …:1.10.0`` is the real stdio
    server in ``mode``; returns its log."""
    log = docker_stand_in(root / "bin", {"1.10.0": mode, "1.2.3": "stdio"})
    monkeypatch.setenv("PATH", f"{root / 'bin'}{os.pathsep}{os.environ['PATH']}")
    return log


def _with_health(root: Path, oci: FakeRegistry) -> list[Entry]:
    entries = _entries(
        root, fetch=container(image=f"{oci.host}/acme/fetch:1.2.3", tools=TOOL_NAMES)
    )
    check(CheckRequest(root, signals=frozenset({Signal.IMAGE}), cache_dir=None))
    assert load_health(root).entries["fetch"].records[Signal.IMAGE].state == "behind"
    return entries


def test_run_containers_handshakes_with_the_new_image_and_records_it(
    tmp_path: Path, oci: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "registry"
    log = _containers(tmp_path, monkeypatch, "stdio")
    entries = _with_health(root, oci)
    result = bump(BumpRequest(root, entries, run_containers=True, timeout=30))
    [one] = result.bumps
    assert (one.status, one.live, one.written) == (BumpStatus.BUMPED, "healthy", True)
    # the new image was started, once (the record below reuses that handshake)
    assert log.read_text().splitlines() == [f"run -i --rm {oci.host}/acme/fetch:1.10.0"]
    assert result.health_written and result.handshakes
    records = load_health(root).entries["fetch"].records
    assert records[Signal.LIVE].state == "healthy"
    assert sorted(records[Signal.LIVE].facts["tools"]) == TOOL_NAMES
    assert records[Signal.DRIFT].state == "unchanged"
    assert records[Signal.IMAGE].state == "current"
    assert f"{oci.host}/acme/fetch:1.10.0" in (root / "fetch" / "spec.yaml").read_text()


def test_a_new_image_whose_tools_changed_moves_and_its_drift_is_recorded(
    tmp_path: Path, oci: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "registry"
    _containers(tmp_path, monkeypatch, "stdio-extra")
    entries = _with_health(root, oci)
    [one] = bump(BumpRequest(root, entries, run_containers=True, timeout=30)).bumps
    assert one.status is BumpStatus.BUMPED and one.live == "healthy"
    assert "1 added" in one.message and "review" in one.message
    drift = load_health(root).entries["fetch"].records[Signal.DRIFT]
    assert drift.state == "drifted" and drift.facts["added"]  # policy-drift sees it


def test_a_new_image_that_is_not_a_healthy_server_is_not_taken(
    tmp_path: Path, oci: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "registry"
    log = _containers(tmp_path, monkeypatch, "crash")
    entries = _with_health(root, oci)
    before = (root / "fetch" / "spec.yaml").read_bytes()
    health = (root / "health.json").read_bytes()
    result = bump(BumpRequest(root, entries, run_containers=True, timeout=30))
    [one] = result.failed
    assert one.message.startswith("the new image is unreachable (") and one.live == "unreachable"
    assert one.message.endswith("; not bumped") and not one.written
    assert log.read_text().splitlines() == [f"run -i --rm {oci.host}/acme/fetch:1.10.0"]
    assert (root / "fetch" / "spec.yaml").read_bytes() == before
    assert (root / "health.json").read_bytes() == health  # nothing recorded for a refused image


def test_a_dry_run_handshakes_and_writes_nothing(
    tmp_path: Path, oci: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "registry"
    log = _containers(tmp_path, monkeypatch, "stdio")
    entries = _with_health(root, oci)
    health = (root / "health.json").read_bytes()
    [one] = bump(BumpRequest(root, entries, dry_run=True, run_containers=True, timeout=30)).bumps
    assert (one.status, one.live, one.written) == (BumpStatus.BUMPED, "healthy", False)
    assert log.read_text().count("run -i --rm") == 1
    assert (root / "health.json").read_bytes() == health


def test_run_containers_without_docker_stops_before_anything(
    tmp_path: Path, oci: FakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "registry"
    entries = _entries(root, fetch=container(image=f"{oci.host}/acme/fetch:1.2.3"))
    before = (root / "fetch" / "spec.yaml").read_bytes()
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert oci.server is not None
    asked = len(oci.server.requests)
    with pytest.raises(HealthError, match="--run-containers needs docker"):
        bump(BumpRequest(root, entries, run_containers=True))
    assert len(oci.server.requests) == asked
    assert (root / "fetch" / "spec.yaml").read_bytes() == before
