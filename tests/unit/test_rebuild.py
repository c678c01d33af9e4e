"""Quick rebuilds of edited entries give what a full build gives for them."""

from __future__ import annotations

from pathlib import Path

import pytest

from regup.config import Config
from regup.rebuild import full_build, quick_build
from tests.helpers import TEST_NAMESPACE, container, remote, to_yaml, write_ledger, write_registry

PAGE = "site/servers/fetch/index.html"
LATEST = f"/v0.1/servers/{TEST_NAMESPACE}%2Ffetch/versions/latest"


def _config() -> Config:
    return Config(namespace=TEST_NAMESPACE)


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the same times in both builds
    root = write_registry(
        tmp_path / "registry", fetch=container(), tracker=remote(), other=container()
    )
    write_ledger(root)
    return root


def test_a_quick_build_gives_the_edited_entry_s_files_of_a_full_build(registry: Path) -> None:
    _, last = full_build(registry, _config)
    assert last is not None
    edited = container(description="Edited quickly.", image="ghcr.io/example/fetch:1.3.0")
    (registry / "fetch" / "spec.yaml").write_text(to_yaml(edited))
    quick = quick_build(last, [registry / "fetch"])
    assert quick is not None
    outcome, built = quick
    full, reference = full_build(registry, _config)
    assert outcome.app is not None and built is not None and reference is not None
    assert full.app is not None
    for rel in reference.artifacts:
        if "/fetch" in rel and rel.startswith(("site/servers/", "v0.1/")):
            assert built.artifacts[rel] == reference.artifacts[rel], rel
    # What the server answers, the listing included (the index is updated, not re-read).
    for target in (LATEST, "/v0.1/servers", f"/v0.1/servers/{TEST_NAMESPACE}%2Ffetch/versions"):
        assert outcome.app.handle("GET", target).body == full.app.handle("GET", target).body
    assert b"Edited quickly." in built.artifacts[PAGE]
    # The other entries are the last build's own bytes.
    other = "site/servers/other/index.html"
    assert built.artifacts[other] is last.artifacts[other]


def test_an_invalid_edit_gives_its_diagnostics_and_no_build(registry: Path) -> None:
    _, last = full_build(registry, _config)
    assert last is not None
    (registry / "fetch" / "spec.yaml").write_text(to_yaml(container(tier="Gold")))
    quick = quick_build(last, [registry / "fetch"])
    assert quick is not None
    outcome, built = quick
    assert outcome.app is None and built is None
    assert any(d.path.endswith("fetch/spec.yaml") for d in outcome.diagnostics)


def test_a_new_folder_or_a_group_needs_a_full_build(registry: Path) -> None:
    _, last = full_build(registry, _config)
    assert last is not None
    write_registry(registry, newcomer=container())
    assert quick_build(last, [registry / "newcomer"]) is None
    (registry / "fetch" / "spec.yaml").unlink()
    (registry / "fetch" / "group.yaml").write_text("description: A group.\nservers: [other]\n")
    assert quick_build(last, [registry / "fetch"]) is None
