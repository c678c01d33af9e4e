"""The image signal against a real registry: Debian's ``docker-registry`` (distribution).

Several tags of one repository are pushed through the registry's own upload API; ``regup
check`` then reads the real ``tags/list`` (paged two at a time, so distribution's ``Link``
header is followed) and manifest digests. Skipped, with the reason, where the package is
missing (the same fixture as the provenance test against it).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

import regup.provenance.oci as oci
from regup.health.run import CheckRequest, check
from regup.healthstate import Signal, load_health
from regup.net import make_client
from tests.acceptance.test_provenance_docker_registry import (  # noqa: F401 - a fixture
    BINARY,
    _mirror,
    real_registry,
)
from tests.helpers import container, write_registry
from tests.ocifake import FakeRegistry

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        BINARY is None,
        reason="Debian's docker-registry is not installed (apt-get install docker-registry)",
    ),
]


def test_image_states_from_a_real_registry(
    tmp_path: Path,
    real_registry: str,  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = FakeRegistry(referrers_api=False)
    # distribution lists tags in lexical order: v1.12.0, the newest, is on the last page
    for tag in ("1.2.3", "1.10.0", "latest", "2.0.0-rc1", "v1.12.0"):
        content.push_image("example/fetch", tag, content=tag.encode())
    _mirror(cast(Any, SimpleNamespace(registry=content)), real_registry)
    monkeypatch.setattr(oci, "TAGS_PER_PAGE", 2)
    image = f"{real_registry}/example/fetch"
    registry = write_registry(
        tmp_path / "registry",
        old=container(image=f"{image}:1.2.3"),
        new=container(image=f"{image}:v1.12.0"),
        moving=container(image=f"{image}:latest", version="1.10.0"),
        gone=container(image=f"{image}:9.9.9"),
    )
    result = check(
        CheckRequest(
            registry,
            signals=frozenset({Signal.IMAGE}),
            cache_dir=None,
            now=datetime(2026, 12, 1, tzinfo=UTC),
        )
    )
    assert not result.faults, [e.faults for e in result.entries]
    state = load_health(registry)
    found = {n: e.records[Signal.IMAGE] for n, e in state.entries.items()}
    assert {n: r.state for n, r in found.items()} == {
        "old": "behind",
        "new": "current",
        "moving": "floating",
        "gone": "missing",
    }
    assert found["old"].facts["newest_tag"] == "v1.12.0"  # page 3 of 3; not the rc
    assert found["old"].facts["digest"] == content.tags[("example/fetch", "1.2.3")]
    assert found["new"].facts["digest"] == content.tags[("example/fetch", "v1.12.0")]


def test_a_warm_run_asks_the_real_registry_nothing(
    tmp_path: Path,
    real_registry: str,  # noqa: F811 - the fixture imported above
) -> None:
    content = FakeRegistry(referrers_api=False)
    for tag in ("1.2.3", "v1.12.0"):
        content.push_image("example/cached", tag, content=tag.encode())
    _mirror(cast(Any, SimpleNamespace(registry=content)), real_registry)
    image = f"{real_registry}/example/cached"
    registry = write_registry(
        tmp_path / "registry",
        old=container(image=f"{image}:1.2.3"),
        new=container(image=f"{image}:v1.12.0"),
    )
    sent: list[str] = []
    http = make_client()
    http.event_hooks["request"].append(lambda r: sent.append(f"{r.method} {r.url.path}"))
    run = CheckRequest(
        registry, signals=frozenset({Signal.IMAGE}), cache_dir=tmp_path / "cache", http=http
    )
    with http:
        check(run)
        cold = list(sent)
        second = check(run)
        warm = list(sent)
        check(replace(run, cache_dir=None))  # --no-cache: asked again
    # two digests and one tag list from distribution, then nothing: all from the cache
    assert sorted(cold) == sorted(
        [
            "HEAD /v2/example/cached/manifests/1.2.3",
            "HEAD /v2/example/cached/manifests/v1.12.0",
            "GET /v2/example/cached/tags/list",
        ]
    )
    assert warm == cold and not second.faults
    assert load_health(registry).entries["old"].records[Signal.IMAGE].state == "behind"
    assert sorted(sent[len(cold) :]) == sorted(cold)
