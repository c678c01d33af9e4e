"""``enrich.cache``: remembered answers with ETags, a TTL on a fake clock, atomic saves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from regup.enrich.cache import Cache
from regup.errors import OutputError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_records_are_fresh_for_the_ttl_and_kept_after(tmp_path: Path) -> None:
    clock = Clock()
    cache = Cache(tmp_path / "c", ttl=60, clock=clock)
    gh = cache.service("github", "https://api.github.com/")
    gh.put("acme/tool", {"stars": 5}, etag='W/"abc"')
    clock.now += 59
    assert gh.fresh("acme/tool") is not None
    clock.now += 2
    assert gh.fresh("acme/tool") is None
    record = gh.get("acme/tool")  # kept: its ETag revalidates it
    assert record is not None and record.etag == 'W/"abc"'
    gh.touch("acme/tool")  # a 304 confirmed it
    assert gh.fresh("acme/tool") is not None


def test_saved_records_come_back_in_a_new_run(tmp_path: Path) -> None:
    clock = Clock()
    first = Cache(tmp_path / "c", ttl=60, clock=clock)
    first.service("github", "https://api.github.com").put("a/b", {"stars": 1}, etag="e1")
    first.save()
    assert (tmp_path / "c" / ".gitignore").read_text().endswith("*\n")
    again = Cache(tmp_path / "c", ttl=60, clock=clock).service("github", "https://api.github.com/")
    record = again.get("a/b")
    assert record is not None and record.data == {"stars": 1} and record.etag == "e1"
    # another API URL is another cache
    other = Cache(tmp_path / "c", ttl=60, clock=clock).service(
        "github", "https://ghe.example/api/v3"
    )
    assert other.get("a/b") is None
    assert not list((tmp_path / "c").glob(".*.tmp"))


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"version": 99, "records": {}}',
        '{"version": 1, "records": {"a/b": {"data": "x", "fetched_at": 1}}}',
        '{"version": 1, "records": {"a/b": {"data": {}, "fetched_at": "soon"}}}',
    ],
)
def test_a_corrupt_or_foreign_cache_is_ignored(tmp_path: Path, content: str) -> None:
    cache = Cache(tmp_path, ttl=60, clock=Clock())
    path = cache.service("github", "https://api.github.com").path
    assert path is not None
    path.write_text(content)
    fresh = Cache(tmp_path, ttl=60, clock=Clock()).service("github", "https://api.github.com")
    assert fresh.get("a/b") is None
    fresh.put("a/b", {"stars": 2})
    fresh.save()
    assert json.loads(path.read_text())["records"]["a/b"]["data"] == {"stars": 2}


def test_no_folder_remembers_nothing_and_writes_nothing(tmp_path: Path) -> None:
    cache = Cache(None, ttl=60, clock=Clock())
    cache.service("github", "x").put("a/b", {"stars": 1})
    cache.save()
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_cache_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    cache = Cache(blocker / "c", ttl=60, clock=Clock())
    cache.service("github", "x").put("a/b", {"stars": 1})
    with pytest.raises(OutputError, match="cannot write"):
        cache.save()
