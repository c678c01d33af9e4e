"""``serve.DirectoryFiles``: cached reads that still see every change and never leave the folder."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from regup.serve import DirectoryFiles, MemoryFiles, PreviewApp, _accepts_gzip, etag_of
from tests.helpers import TEST_NAMESPACE


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(b"one")
    files = DirectoryFiles(tmp_path)
    assert files.read("a.json") == b"one"
    (tmp_path / "a.json").write_bytes(b"two!")  # a rebuild: new size
    assert files.read("a.json") == b"two!"
    replacement = tmp_path / ".new"
    replacement.write_bytes(b"tri!")  # same size, new inode (atomic rename, as builds do)
    os.replace(replacement, tmp_path / "a.json")
    assert files.read("a.json") == b"tri!"


def test_a_file_swapped_for_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "site"
    root.mkdir()
    (root / "a.json").write_bytes(b"inside")
    (tmp_path / "secret").write_bytes(b"outside")
    files = DirectoryFiles(root)
    assert files.read("a.json") == b"inside"
    (root / "a.json").unlink()
    (root / "a.json").symlink_to(tmp_path / "secret")
    assert files.read("a.json") is None


def test_folders_and_missing_files_are_none(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    files = DirectoryFiles(tmp_path)
    assert files.read("dir") is None
    assert files.read("nope.json") is None
    assert files.read("bad\x00name") is None


def test_etag_depends_on_the_bytes_only() -> None:
    assert etag_of(b"x" * 10) == etag_of(bytes(b"x" * 10))
    assert etag_of(b"x") != etag_of(b"y")


def test_accept_encoding_is_parsed_with_q_values() -> None:
    assert _accepts_gzip("gzip, deflate, br")
    assert _accepts_gzip("br;q=1.0, *;q=0.5")
    assert not _accepts_gzip("gzip;q=0")
    assert not _accepts_gzip("identity")
    assert not _accepts_gzip("")


# --- the skills extension, answered as the ToolHive Registry Server answers it ----------------


def skills_app(count: int = 7) -> PreviewApp:
    from regup.emit.api import emit_api
    from regup.emit.canonical import EmitContext
    from regup.model import Registry, Skill
    from tests.helpers import SKILL, TEST_CONFIG

    skills = tuple(
        Skill.from_document(
            f"skill-{i}",
            {
                **SKILL,
                "description": f"Skill number {i} for testing the pages.",
                "status": "deprecated" if i % 3 == 0 else "active",
            },
        )
        for i in range(count)
    )
    artifacts = emit_api(
        Registry(entries=(), skills=skills),
        EmitContext(config=TEST_CONFIG, timestamp="2025-07-01T00:00:00Z"),
    )
    return PreviewApp(MemoryFiles(artifacts))


def get(app: PreviewApp, target: str) -> tuple[int, Any]:
    response = app.handle("GET", target)
    return response.status, json.loads(response.body)


def test_skills_are_paged_with_limit_and_cursor_and_visited_once() -> None:
    app = skills_app()
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        status, body = get(app, f"/v0.1/x/dev.toolhive/skills?limit=3&cursor={cursor}")
        assert status == 200
        assert body["metadata"]["count"] == len(body["skills"]) <= 3
        seen += [s["name"] for s in body["skills"]]
        pages += 1
        cursor = body["metadata"].get("nextCursor", "")
        if not cursor:
            break
    assert pages == 3
    assert seen == [f"skill-{i}" for i in range(7)]


def test_the_default_page_is_50_and_the_limit_at_most_100() -> None:
    app = skills_app(60)
    status, body = get(app, "/v0.1/x/dev.toolhive/skills")
    assert status == 200 and body["metadata"]["count"] == 50
    assert body["metadata"]["nextCursor"] == f"{TEST_NAMESPACE}/skill-53"  # sorted as text
    assert get(app, "/v0.1/x/dev.toolhive/skills?limit=101")[0] == 400
    assert get(app, "/v0.1/x/dev.toolhive/skills?limit=0")[0] == 400
    assert get(app, "/v0.1/x/dev.toolhive/skills?cursor=nonsense")[0] == 400


def test_skills_search_and_status_filters() -> None:
    app = skills_app()
    _, body = get(app, "/v0.1/x/dev.toolhive/skills?search=NUMBER%204")
    assert [s["name"] for s in body["skills"]] == ["skill-4"]
    _, body = get(app, "/v0.1/x/dev.toolhive/skills?status=deprecated")
    assert [s["name"] for s in body["skills"]] == ["skill-0", "skill-3", "skill-6"]
    _, body = get(app, "/v0.1/x/dev.toolhive/skills?status=active,deprecated")
    assert body["metadata"]["count"] == 7


def test_one_skill_its_versions_and_one_version() -> None:
    app = skills_app()
    ns = TEST_NAMESPACE
    status, latest = get(app, f"/v0.1/x/dev.toolhive/skills/{ns}/skill-1")
    assert status == 200 and latest["name"] == "skill-1" and latest["version"] == "1.2.0"
    assert get(app, f"/v0.1/x/dev.toolhive/skills/{ns}/skill-1/versions/1.2.0") == (200, latest)
    assert get(app, f"/v0.1/x/dev.toolhive/skills/{ns}/skill-1/versions/latest") == (200, latest)
    assert get(app, f"/v0.1/x/dev.toolhive/skills/{ns}/skill-1/versions") == (
        200,
        {"skills": [latest], "metadata": {"count": 1}},
    )
    assert get(app, f"/v0.1/x/dev.toolhive/skills/{ns}/skill-1/versions/9.9.9")[0] == 404
    assert get(app, f"/v0.1/x/dev.toolhive/skills/{ns}/nope")[0] == 404
    assert get(app, "/v0.1/x/dev.toolhive/skills/only-namespace")[0] == 404
