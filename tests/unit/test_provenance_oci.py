"""The OCI client against a real registry on 127.0.0.1 (token challenge, digests, caps)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from regup.imageref import ImageRef
from regup.net import make_client
from regup.provenance.discover import CosignSignature, Unreadable, discover
from regup.provenance.oci import (
    MAX_JSON_DEPTH,
    MAX_REDIRECTS,
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


# --- hostile registries: every answer is bounded, every failure an OciError --------------


def test_a_manifest_nested_100000_deep_is_invalid(
    registry: FakeRegistry, client: OciClient
) -> None:
    raw = b"[" * 30_000 + b"]" * 30_000  # within the 64 KiB limit of this client
    digest = registry.push_raw_manifest("org/img", raw, tag="deep")
    with pytest.raises(OciInvalid, match="JSON nested too deeply"):
        client.manifest(ref(registry, "org/img"), digest)
    with pytest.raises(OciInvalid, match="JSON nested too deeply"):
        client.manifest(ref(registry, "org/img"), "deep")


def test_a_manifest_nested_past_the_bound_is_invalid(
    registry: FakeRegistry, client: OciClient
) -> None:
    depth = MAX_JSON_DEPTH + 1
    raw = ('{"a":' * depth + "1" + "}" * depth).encode()
    digest = registry.push_raw_manifest("org/img", raw)
    with pytest.raises(OciInvalid, match=f"JSON nested more than {MAX_JSON_DEPTH} levels"):
        client.manifest(ref(registry, "org/img"), digest)


def test_an_oversized_manifest_is_invalid(registry: FakeRegistry, client: OciClient) -> None:
    raw = json.dumps({"schemaVersion": 2, "padding": "x" * 100_000}).encode()
    digest = registry.push_raw_manifest("org/img", raw, tag="big")
    with pytest.raises(OciInvalid, match="65536-byte limit"):
        client.manifest(ref(registry, "org/img"), digest)


def test_a_manifest_with_a_number_for_layers_is_invalid(
    registry: FakeRegistry, client: OciClient
) -> None:
    digest = registry.push_raw_manifest("org/img", b'{"schemaVersion": 2, "layers": 5}')
    manifest = client.manifest(ref(registry, "org/img"), digest)
    with pytest.raises(OciInvalid, match="not a JSON array"):
        manifest.layers  # noqa: B018 - the property is what reads them


def test_a_registry_that_redirects_in_a_loop_is_invalid(client: OciClient) -> None:
    with serve_registry(FakeRegistry(redirect_loop=True)) as looping:
        with pytest.raises(OciInvalid, match=f"redirects more than {MAX_REDIRECTS} times"):
            client.resolve(ref(looping, "org/img:1.0"))
        requests = looping.server.requests  # type: ignore[union-attr]
        assert len(requests) == MAX_REDIRECTS + 1  # the request and its redirects, then stop


def test_a_redirect_to_an_impossible_port_is_not_followed(client: OciClient) -> None:
    # a socket would take port 99999 as 34463: another service on the same host
    def away(_: object) -> Reply:
        return Reply(307, b"", {"Location": "http://127.0.0.1:99999/v2/"})

    with serve_http({}, fallback=away) as server:
        image = ImageRef.parse(server.base_url.removeprefix("http://") + "/org/img:1.0")
        with pytest.raises(OciInvalid, match="port 99999 is not between 1 and 65535"):
            client.resolve(image)


def test_a_port_beyond_65535_is_invalid_not_a_crash(client: OciClient) -> None:
    image = ImageRef(registry="127.0.0.1:99999", repository="org/img", tag="1.0")
    with pytest.raises(OciInvalid, match="port 99999 is not between 1 and 65535"):
        client.resolve(image)


def test_a_token_realm_with_an_impossible_port_is_invalid(
    registry: FakeRegistry, client: OciClient
) -> None:
    registry.push_image("org/img", "1.0")
    registry.token_realm = "http://127.0.0.1:99999/token"
    with pytest.raises(OciInvalid, match="cannot request the token service.*port 99999"):
        client.resolve(ref(registry, "org/img:1.0"))


def test_a_manifest_that_trickles_in_is_cut_off() -> None:
    with serve_registry(FakeRegistry(trickle_seconds=0.05)) as slow:
        slow.push_image("org/img", "1.0")
        with make_client() as http:
            patient = OciClient(http, max_response_seconds=0.5)
            started = time.monotonic()
            with pytest.raises(OciUnavailable, match="too slow"):
                patient.manifest(ref(slow, "org/img"), "1.0")
            assert time.monotonic() - started < 3


def test_a_cosign_annotation_nested_100000_deep_is_unreadable(
    registry: FakeRegistry, client: OciClient
) -> None:
    digest = registry.push_image("org/img", "1.0")
    annotations = {
        "dev.cosignproject.cosign/signature": "c2ln",
        "dev.sigstore.cosign/certificate": "-----BEGIN CERTIFICATE-----",
        "dev.sigstore.cosign/bundle": "[" * 100_000 + "]" * 100_000,
    }
    registry.push_cosign_signature("org/img", digest, b'{"critical": {}}', annotations)
    with make_client() as http:  # the manifest is larger than the fixture's 64 KiB
        (item,) = discover(OciClient(http), ref(registry, "org/img"), digest).items
    assert isinstance(item, Unreadable) and "JSON nested too deeply" in item.reason


def test_tags_are_listed_across_pages(
    registry: FakeRegistry, client: OciClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import regup.provenance.oci as oci

    monkeypatch.setattr(oci, "TAGS_PER_PAGE", 2)
    for tag in ("1.0.0", "1.1.0", "2.0.0", "latest", "main"):
        registry.push_image("org/app", tag, content=tag.encode())
    ref = ImageRef.parse(f"{registry.host}/org/app:1.0.0")
    assert client.tags(ref) == ["1.0.0", "1.1.0", "2.0.0", "latest", "main"]
    listed = [r for r in registry.server.requests if r.path.endswith("/tags/list")]  # type: ignore[union-attr]
    assert len([r for r in listed if r.headers.get("Authorization")]) == 3  # 2 + 2 + 1 tags


def test_tags_of_an_unknown_repository_are_not_found(
    registry: FakeRegistry, client: OciClient
) -> None:
    with pytest.raises(OciNotFound):
        client.tags(ImageRef.parse(f"{registry.host}/org/none:1.0.0"))


def test_a_tag_list_that_is_not_strings_is_invalid(client: OciClient) -> None:
    answer = Reply.json({"name": "org/app", "tags": [1, 2]})
    with serve_http({}, fallback=lambda request: answer) as server:
        host = server.base_url.removeprefix("http://")
        with pytest.raises(OciInvalid, match="not a list of strings"):
            client.tags(ImageRef.parse(f"{host}/org/app:1"))
