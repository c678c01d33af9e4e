"""``imageref``: image references parsed as the OCI distribution grammar reads them."""

from __future__ import annotations

import pytest

from regup.imageref import ImageRef, ImageRefError

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "registry", "repository", "tag", "digest"),
    [
        ("nginx", "docker.io", "library/nginx", None, None),
        ("nginx:1.27", "docker.io", "library/nginx", "1.27", None),
        ("index.docker.io/acme/tool:v2", "docker.io", "acme/tool", "v2", None),
        ("ghcr.io/org/img:1.2.3", "ghcr.io", "org/img", "1.2.3", None),
        ("localhost:5000/img@" + DIGEST, "localhost:5000", "img", None, DIGEST),
        ("quay.io/a/b/c:latest@" + DIGEST, "quay.io", "a/b/c", "latest", DIGEST),
        ("[::1]:5000/img:x", "[::1]:5000", "img", "x", None),
    ],
)
def test_references(
    text: str, registry: str, repository: str, tag: str | None, digest: str | None
) -> None:
    ref = ImageRef.parse(text)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (
        registry,
        repository,
        tag,
        digest,
    )
    assert ImageRef.parse(str(ref)) == ref


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty"),
        (" nginx", "surrounding spaces"),
        ("Nginx", "lowercase"),
        ("ghcr.io/org/img:" + "t" * 200, "tag"),
        ("ghcr.io/org/img@md5:abc", "digest"),
        ("bad_host:5000/img", "not a valid host"),
        ("registry.example.com:99999/img:1", "port 99999"),
        ("registry.example.com:0/img:1", "port 0"),
        ("127.0.0.1:" + "9" * 5000 + "/img:1", "port 999999999999… \\(5000 digits\\)"),
    ],
)
def test_bad_references_say_which_part_is_wrong(text: str, why: str) -> None:
    with pytest.raises(ImageRefError, match=why):
        ImageRef.parse(text)


def test_versions_latest_and_what_to_ask_for() -> None:
    assert ImageRef.parse("ghcr.io/a/b:v1.4.0").version == "1.4.0"
    assert ImageRef.parse("ghcr.io/a/b:1.4.0-rc.1").version == "1.4.0-rc.1"
    assert ImageRef.parse("ghcr.io/a/b:main").version is None
    assert ImageRef.parse("ghcr.io/a/b").is_latest_or_untagged
    assert ImageRef.parse("ghcr.io/a/b:latest").is_latest_or_untagged
    assert not ImageRef.parse("ghcr.io/a/b:latest@" + DIGEST).is_latest_or_untagged
    assert ImageRef.parse("ghcr.io/a/b").reference == "latest"
    assert ImageRef.parse("ghcr.io/a/b:1@" + DIGEST).reference == DIGEST
    assert ImageRef.parse("nginx").name == "docker.io/library/nginx"
    assert ImageRef.parse("nginx").is_docker_hub and not ImageRef.parse("ghcr.io/a/b").is_docker_hub


def test_release_tags_sort_by_semver_and_others_have_no_key() -> None:
    from regup.imageref import release_key

    tags = ["v1.9.3", "1.10.0", "1.2", "latest", "2.0.0-rc1", "sha-abc123", "v1.10.1"]
    releases = sorted((k, t) for t in tags if (k := release_key(t)) is not None)
    assert [t for _, t in releases] == ["1.2", "v1.9.3", "1.10.0", "v1.10.1"]
    assert release_key("1.2") == (1, 2, 0)


@pytest.mark.parametrize(
    ("image", "floating"),
    [
        ("ghcr.io/a/b", True),
        ("ghcr.io/a/b:latest", True),
        ("ghcr.io/a/b:main", True),
        ("ghcr.io/a/b:Nightly", True),
        ("ghcr.io/a/b:1.2.3", False),
        ("ghcr.io/a/b:sha-abc", False),
        ("ghcr.io/a/b:latest@sha256:" + "a" * 64, False),
    ],
)
def test_floating_references(image: str, floating: bool) -> None:
    assert ImageRef.parse(image).floating is floating
