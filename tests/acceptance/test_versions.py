"""The versions ledger end to end: ``regup build`` records it, refreshes leave it alone, and
an earlier version stays published in the static tree and in ``regup serve``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jsonschema
import pytest

from regup.ledger import LEDGER_FILE
from tests.acceptance.test_serve import start, stop
from tests.conftest import RegistryFactory
from tests.fakeservices import FakeDockerHub, FakeGitHub, FakeRepo, serve_services
from tests.helpers import SKILL, TEST_NAMESPACE, container, run_cli, skill, to_yaml, write_config

OFFICIAL = "io.modelcontextprotocol.registry/official"
NAME = f"{TEST_NAMESPACE}/fetch"
T1, T2, T3 = "1750000000", "1760000000", "1770000000"  # SOURCE_DATE_EPOCH of three builds
T1_TEXT = "2025-06-15T15:06:40Z"


def build(registry: Path, out: Path, epoch: str, *extra: str) -> str:
    result = run_cli(
        ["--registry", str(registry), "build", "--out", str(out), "--no-site", *extra],
        env={"SOURCE_DATE_EPOCH": epoch},
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def api(out: Path, *parts: str) -> Any:
    folder = out / "v0.1" / "servers" / TEST_NAMESPACE / "fetch" / "versions"
    path = folder.joinpath(*parts)
    return json.loads((path / "index.html" if path.is_dir() else path).read_text())


def official(response: Any) -> dict[str, Any]:
    meta: dict[str, Any] = response["_meta"][OFFICIAL]
    return meta


def test_the_ledger_is_stable_across_two_builds_and_a_refresh(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry(
        fetch=container(image="acme/fetch:1.2.3", repository_url="https://github.com/acme/fetch")
    )
    out = tmp_path / "dist"
    first = build(registry, out, T1)
    assert f"in {registry}/{LEDGER_FILE}; commit it" in first
    ledger = (registry / LEDGER_FILE).read_bytes()
    recorded = json.loads(ledger)["entries"]["fetch"]["1.2.3"]
    assert (recorded["published_at"], recorded["updated_at"]) == (T1_TEXT, T1_TEXT)
    assert "metadata" not in recorded["entry"]

    second = build(registry, out, T2)  # a later build: nothing new to record
    assert LEDGER_FILE not in second
    assert (registry / LEDGER_FILE).read_bytes() == ledger
    assert run_cli(["--registry", str(registry), "build", "--out", str(out), "--no-site",
                    "--check"], env={"SOURCE_DATE_EPOCH": T2}).exit_code == 0  # fmt: skip

    github = FakeGitHub([FakeRepo("acme", "fetch", 300)])
    with serve_services(github, FakeDockerHub({"acme/fetch": 4321})) as services:
        refreshed = run_cli(
            ["--registry", str(registry), "refresh", *services.args(), "--no-cache"],
            env={"GITHUB_TOKEN": None},
        )
    assert refreshed.exit_code == 0, refreshed.output
    assert "stars: 300" in (registry / "fetch" / "spec.yaml").read_text()

    build(registry, out, T3)
    assert (registry / LEDGER_FILE).read_bytes() == ledger  # stars are not content
    latest = api(out, "latest")
    assert latest["server"]["_meta"]  # the document shows the new stars …
    assert "300" in json.dumps(latest["server"])
    assert official(latest) == {  # … but its times did not move
        "status": "active",
        "publishedAt": T1_TEXT,
        "updatedAt": T1_TEXT,
        "isLatest": True,
    }


def test_changed_content_moves_updated_at_only(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry(fetch=container())
    out = tmp_path / "dist"
    build(registry, out, T1)
    make_registry(fetch=container(description="Fetches web pages, now with a new summary."))
    stale = run_cli(
        ["--registry", str(registry), "build", "--out", str(out), "--no-site", "--check"],
        env={"SOURCE_DATE_EPOCH": T2},
    )
    assert stale.exit_code == 1
    assert f"{registry}/{LEDGER_FILE} does not record fetch yet" in stale.stderr
    build(registry, out, T2)
    meta = official(api(out, "1.2.3"))
    assert meta["publishedAt"] == T1_TEXT and meta["updatedAt"] == "2025-10-09T08:53:20Z"


@pytest.fixture
def moved_on(make_registry: RegistryFactory, tmp_path: Path) -> Path:
    """A registry whose fetch went from 1.2.3 to 1.3.0 (another image, another text)."""
    registry = make_registry(fetch=container(description="Fetches pages, the old way."))
    write_config(tmp_path)
    out = tmp_path / "dist"
    build(registry, out, T1)
    make_registry(fetch=container(image="ghcr.io/example/fetch:1.3.0"))
    build(registry, out, T2)
    return tmp_path


def test_a_version_change_keeps_the_old_version_in_the_static_tree(
    moved_on: Path, reference_dir: Path
) -> None:
    out = moved_on / "dist"
    listing = api(out)
    assert listing["metadata"] == {"count": 2}
    assert [(r["server"]["version"], official(r)["isLatest"]) for r in listing["servers"]] == [
        ("1.2.3", False),
        ("1.3.0", True),
    ]
    old = api(out, "1.2.3")
    assert old["server"]["description"] == "Fetches pages, the old way."
    assert old["server"]["packages"][0]["identifier"] == "ghcr.io/example/fetch:1.2.3"
    assert official(old)["publishedAt"] == T1_TEXT
    assert api(out, "latest")["server"]["version"] == "1.3.0"
    top = json.loads((out / "v0.1" / "servers" / "index.html").read_text())
    assert [s["server"]["version"] for s in top["servers"]] == ["1.3.0"]
    envelope = json.loads((out / "upstream" / "registry.json").read_text())
    assert [s["version"] for s in envelope["data"]["servers"]] == ["1.3.0"]
    schemas = reference_dir / "schemas"
    server_schema = json.loads((schemas / "server.schema.json").read_text())
    publisher = json.loads((schemas / "publisher-provided.schema.json").read_text())
    for response in listing["servers"]:
        server = response["server"]
        assert list(jsonschema.Draft7Validator(server_schema).iter_errors(server)) == []
        provided = server["_meta"]["io.modelcontextprotocol.registry/publisher-provided"]
        assert list(jsonschema.Draft7Validator(publisher).iter_errors(provided)) == []


def test_regup_serve_keeps_the_old_version(moved_on: Path) -> None:
    encoded = quote(NAME, safe="")
    for args in (["serve", "--dir", "dist"], ["serve", "--build"]):
        preview = start(args, moved_on)
        try:
            versions = preview.get(f"/v0.1/servers/{encoded}/versions").json()
            assert [r["server"]["version"] for r in versions["servers"]] == ["1.2.3", "1.3.0"]
            old = preview.get(f"/v0.1/servers/{encoded}/versions/1.2.3").json()
            assert official(old)["isLatest"] is False
            assert old["server"]["description"] == "Fetches pages, the old way."
            latest = preview.get(f"/v0.1/servers/{encoded}/versions/latest").json()
            assert latest["server"]["version"] == "1.3.0" and official(latest)["isLatest"]
            exact = preview.get("/v0.1/servers", version="1.2.3").json()
            assert [r["server"]["version"] for r in exact["servers"]] == ["1.2.3"]
            listed = preview.get("/v0.1/servers").json()
            assert [r["server"]["version"] for r in listed["servers"]] == ["1.3.0"]
        finally:
            stop(preview)


def test_a_removed_entry_leaves_the_ledger(make_registry: RegistryFactory, tmp_path: Path) -> None:
    registry = make_registry(fetch=container(), other=container(image="ghcr.io/example/o:2.0.0"))
    build(registry, tmp_path / "dist", T1)
    assert set(json.loads((registry / LEDGER_FILE).read_text())["entries"]) == {"fetch", "other"}
    (registry / "other" / "spec.yaml").unlink()
    (registry / "other").rmdir()
    build(registry, tmp_path / "dist", T2)
    assert set(json.loads((registry / LEDGER_FILE).read_text())["entries"]) == {"fetch"}


def test_a_broken_ledger_is_a_clear_error(make_registry: RegistryFactory, tmp_path: Path) -> None:
    registry = make_registry(fetch=container())
    (registry / LEDGER_FILE).write_text('{"version": 1, "entries": {"fetch": {"1.2.3": 7}}}')
    result = run_cli(["--registry", str(registry), "build", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert "is not a valid versions ledger (version '1.2.3' must be an object)" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "dist").exists()


def test_a_skill_keeps_its_earlier_versions(make_registry: RegistryFactory, tmp_path: Path) -> None:
    registry = make_registry(fetch=container(), review=skill())
    write_config(tmp_path)
    out = tmp_path / "dist"
    build(registry, out, T1)
    key = "skill:review"
    assert set(json.loads((registry / LEDGER_FILE).read_text())["entries"][key]) == {"1.2.0"}
    (registry / "review" / "skill.yaml").write_text(
        to_yaml({**SKILL, "version": "1.3.0", "description": "Reviews a pull request, anew."})
    )
    build(registry, out, T2)
    recorded = json.loads((registry / LEDGER_FILE).read_text())["entries"][key]
    assert recorded["1.2.0"]["published_at"] == T1_TEXT
    assert recorded["1.2.0"]["entry"]["description"] == SKILL["description"]

    def skills(*parts: str) -> Any:
        path = out / "v0.1" / "x" / "dev.toolhive" / "skills" / TEST_NAMESPACE / "review"
        path = path.joinpath(*parts)
        return json.loads((path / "index.html" if path.is_dir() else path).read_text())

    versions = skills("versions")
    assert [s["version"] for s in versions["skills"]] == ["1.2.0", "1.3.0"]
    assert versions["metadata"] == {"count": 2}
    assert skills("versions", "1.2.0")["description"] == SKILL["description"]
    assert skills("versions", "1.3.0")["description"] == "Reviews a pull request, anew."
    assert skills()["version"] == skills("versions", "latest")["version"] == "1.3.0"
    listed = json.loads((out / "v0.1" / "x" / "dev.toolhive" / "skills" / "index.html").read_text())
    assert [s["version"] for s in listed["skills"]] == ["1.3.0"]
    envelope = json.loads((out / "upstream" / "registry.json").read_text())
    assert [s["version"] for s in envelope["data"]["skills"]] == ["1.3.0"]

    preview = start(["serve", "--build"], registry.parent)
    try:
        path = f"/v0.1/x/dev.toolhive/skills/{TEST_NAMESPACE}/review/versions"
        served = preview.get(path).json()
        assert [s["version"] for s in served["skills"]] == ["1.2.0", "1.3.0"]
        assert preview.get(f"{path}/1.2.0").json()["description"] == SKILL["description"]
    finally:
        stop(preview)


def test_a_skill_version_that_no_longer_reads_is_a_clear_error(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    registry = make_registry(review=skill())
    record = {"published_at": T1_TEXT, "updated_at": T1_TEXT, "content": "sha256:00", "entry": {}}
    ledger = {"version": 1, "entries": {"skill:review": {"0.9.0": record}}}
    (registry / LEDGER_FILE).write_text(json.dumps(ledger))
    result = run_cli(["--registry", str(registry), "build", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1
    assert "version 0.9.0 of skill review cannot be read as a skill" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "dist").exists()
