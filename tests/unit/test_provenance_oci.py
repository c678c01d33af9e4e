"""The OCI client against a real registry on 127.0.0.1 (token challenge, digests, caps)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from regup.imageref import ImageRef
from regup.net import make_client
from regup.provenance.discover import CosignSignature, Unreadable, discover
from regup.provenance.oci import (
    Descriptor,
    OciClient,
    OciInvalid,
    OciNotFound,
    OciUnavailable,
    fallback_tag,
    registry_base_url,
)
from tests.httpfake import Reply, serve_http
from tests.ocifake import FakeRegistry, digest_of, serve_registry


@pytest.fixture
def registry() -> Iterator[FakeRegistry]:
    with serve_registry(FakeRegistry(referrers_api=False)) as reg:
        yield reg


@pytest.fixture
def client() -> Iterator[OciClient]:
    with make_client() as http:
        yield OciClient(http, max_manifest_bytes=64 * 1024, max_blob_bytes=1024)


def ref(registry: FakeRegistry, text: str) -> ImageRef:
    return ImageRef.parse(f"{registry.host}/{text}")


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("docker.io", "https://registry-1.docker.io"),
        ("ghcr.io", "https://ghcr.io"),
        ("localhost:5000", "http://localhost:5000"),
        ("127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("[::1]:5000", "http://[::1]:5000"),
        ("registry.example.com:5000", "https://registry.example.com:5000"),
    ],
)
def test_registry_base_url(host: str, url: str) -> None:
    assert registry_base_url(host) == url


def test_image_reference_defaults_used_by_the_client() -> None:
    nginx = ImageRef.parse("nginx")
    assert (nginx.registry, nginx.repository, nginx.reference) == (
        "docker.io",
        "library/nginx",
        "latest",
    )
    pinned = ImageRef.parse("localhost:5000/a/b@sha256:" + "0" * 64)
    assert pinned.reference == "sha256:" + "0" * 64
    assert pinned.name == "localhost:5000/a/b"
    assert fallback_tag("sha256:abc") == "sha256-abc"


def test_tag_resolves_to_digest_after_the_token_challenge(
    registry: FakeRegistry, client: OciClient
) -> None:
    digest = registry.push_image("org/img", "1.0")
    assert client.resolve(ref(registry, "org/img:1.0")) == digest
    requests = registry.server.requests  # type: ignore[union-attr]
    assert [r.path for r in requests][:3] == [
        "/v2/org/img/manifests/1.0",
        "/token",
        "/v2/org/img/manifests/1.0",
    ]
    assert requests[0].method == "HEAD"
    assert requests[1].query == {"scope": "repository:org/img:pull", "service": "fake-registry"}
    # the token is reused for the next request
    client.resolve(ref(registry, "org/img:1.0"))
    assert [r.path for r in requests].count("/token") == 1


def test_missing_tag_is_not_found(registry: FakeRegistry, client: OciClient) -> None:
    with pytest.raises(OciNotFound):
        client.resolve(ref(registry, "org/img:nope"))


def test_manifest_that_does_not_hash_to_its_digest_is_rejected(
    registry: FakeRegistry, client: OciClient
) -> None:
    digest = registry.push_image("org/img", "1.0")
    registry.manifests[("org/img", digest)] = b'{"schemaVersion": 2, "swapped": true}'
    with pytest.raises(OciInvalid, match="hashes to"):
        client.manifest(ref(registry, "org/img"), digest)


def test_blob_that_does_not_match_its_digest_is_rejected(
    registry: FakeRegistry, client: OciClient
) -> None:
    desc = registry.push_blob(b"payload", "text/plain")
    registry.blobs[desc["digest"]] = b"pAyload"
    with pytest.raises(OciInvalid, match="does not match"):
        client.blob(ref(registry, "org/img"), Descriptor.from_json(desc))


def test_oversized_blob_is_refused_before_download(
    registry: FakeRegistry, client: OciClient
) -> None:
    desc = registry.push_blob(b"x" * 2048, "text/plain")
    before = len(registry.server.requests)  # type: ignore[union-attr]
    with pytest.raises(OciInvalid, match="limit"):
        client.blob(ref(registry, "org/img"), Descriptor.from_json(desc))
    assert len(registry.server.requests) == before  # type: ignore[union-attr]


def test_blob_larger_than_declared_is_cut_off(registry: FakeRegistry, client: OciClient) -> None:
    desc = registry.push_blob(b"small", "text/plain")
    registry.blobs[desc["digest"]] = b"y" * 4096
    with pytest.raises(OciInvalid, match="limit"):
        client.blob(ref(registry, "org/img"), Descriptor.from_json(desc))


def test_referrers_fall_back_to_the_tag_schema_on_404(
    registry: FakeRegistry, client: OciClient
) -> None:
    digest = registry.push_image("org/img", "1.0")
    registry.push_bundle_referrer("org/img", digest, {"mediaType": "x"})
    found, has_api = client.referrers(ref(registry, "org/img"), digest)
    assert not has_api
    assert [d.artifact_type for d in found] == ["application/vnd.dev.sigstore.bundle.v0.3+json"]


def test_referrers_api_is_used_when_present(client: OciClient) -> None:
    with serve_registry(FakeRegistry(referrers_api=True)) as registry:
        digest = registry.push_image("org/img", "1.0")
        registry.push_bundle_referrer("org/img", digest, {"mediaType": "x"})
        found, has_api = client.referrers(ref(registry, "org/img"), digest)
        assert has_api and len(found) == 1
        paths = [r.path for r in registry.server.requests]  # type: ignore[union-attr]
        assert not any(p.endswith(fallback_tag(digest)) for p in paths)


def test_no_referrers_at_all_is_an_empty_list(registry: FakeRegistry, client: OciClient) -> None:
    digest = registry.push_image("org/img", "1.0")
    assert client.referrers(ref(registry, "org/img"), digest) == ([], False)


def test_basic_auth_challenge_is_a_clear_error(client: OciClient) -> None:
    def denied(_: object) -> Reply:
        return Reply(401, b"", {"WWW-Authenticate": 'Basic realm="private"'})

    with serve_http({}, fallback=denied) as server:
        image = ImageRef.parse(server.base_url.removeprefix("http://") + "/org/img:1.0")
        with pytest.raises(OciUnavailable, match="only anonymous pulls"):
            client.resolve(image)


def test_server_error_is_transient(client: OciClient) -> None:
    with serve_http({}, fallback=lambda _: Reply(503, b"busy")) as server:
        image = ImageRef.parse(server.base_url.removeprefix("http://") + "/org/img:1.0")
        with pytest.raises(OciUnavailable, match="503"):
            client.resolve(image)


def test_discover_reads_cosign_annotations_and_flags_broken_layers(
    registry: FakeRegistry, client: OciClient
) -> None:
    digest = registry.push_image("org/img", "1.0")
    rekor = {
        "SignedEntryTimestamp": "c2V0",
        "Payload": {"body": "Ym9keQ==", "integratedTime": 1, "logIndex": 7, "logID": "ab"},
    }
    annotations = {
        "dev.cosignproject.cosign/signature": "c2ln",
        "dev.sigstore.cosign/certificate": "-----BEGIN CERTIFICATE-----",
        "dev.sigstore.cosign/bundle": json.dumps(rekor),
    }
    registry.push_cosign_signature("org/img", digest, b'{"critical": {}}', annotations)
    found = discover(client, ref(registry, "org/img"), digest)
    assert len(found.items) == 1
    item = found.items[0]
    assert isinstance(item, CosignSignature)
    assert (item.signature, item.rekor.log_index, item.payload) == (b"sig", 7, b'{"critical": {}}')
    # a layer whose blob was swapped is unreadable, not silently skipped
    registry.blobs[digest_of(b'{"critical": {}}')] = b'{"critical": {"evil": 1}}'
    item = discover(client, ref(registry, "org/img"), digest).items[0]
    assert isinstance(item, Unreadable) and "does not match" in item.reason
