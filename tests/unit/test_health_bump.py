"""``refresh --bump`` planning against the fake OCI registry: what moves, what never does.

The real registry (Debian's docker-registry) and the write-back are covered end to end in
``tests/acceptance/test_refresh_bump.py``; here each rule gets its own case.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from regup.health.bump import BumpRequest, BumpStatus, bump
from regup.load import load_registry
from regup.model import Entry
from regup.validate import validate_documents
from tests.helpers import Files, container, write_registry
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
