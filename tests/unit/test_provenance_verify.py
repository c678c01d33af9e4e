"""Provenance verification with real sigstore cryptography, a local trust root and registry.

Every case signs with real ephemeral keys, certificates from the virtual Fulcio, entries in
the virtual Rekor (inclusion proofs, checkpoints, SETs) and embedded SCTs, and verifies
through regup's verifier and sigstore-python; the adversarial cases are named after the
attack they try.
"""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from regup.checks import Outcome
from regup.errors import ProvenanceError
from regup.net import make_client
from regup.provenance.oci import OciClient
from regup.provenance.state import Mismatch
from regup.provenance.verify import EntryVerifier, TrustRoot, TrustRoots
from tests.provenance_world import World, make_world
from tests.virtual_sigstore import GitHubIdentity, VirtualSigstore

REPO = "example/weather"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with make_world(tmp_path) as w:
        yield w


@pytest.fixture
def legacy_world(tmp_path: Path) -> Iterator[World]:
    """A registry like ghcr.io / Docker Hub: 404 on /referrers/, referrers under a tag."""
    with make_world(tmp_path, referrers_api=False) as w:
        yield w


# --- verified ---------------------------------------------------------------------------


def test_legacy_sig_is_verified_through_token_challenge_and_rekor_proof(
    legacy_world: World,
) -> None:
    w = legacy_world
    ref, digest = w.image()
    signed = w.sign(REPO, digest)
    result = w.verify(w.entry(ref))
    assert result.outcome is Outcome.VERIFIED, result.detail
    assert result.method == "cosign-signature"
    assert result.digest == digest
    assert result.log_index == signed.entry.index
    assert result.signed_at is not None
    assert result.signer is not None
    assert result.signer.repository_uri == w.identity.repository_uri
    assert result.signer.signer_identity == "/.github/workflows/release.yml"
    assert result.signer.identity == w.identity.san
    paths = [r.path for r in w.registry.server.requests] if w.registry.server else []
    assert "/token" in paths  # the bearer challenge was answered
    assert [r.query.get("logIndex") for r in w.rekor.requests] == [str(signed.entry.index)]


def test_referrer_bundle_is_verified(world: World) -> None:
    ref, digest = world.image()
    world.attest(REPO, digest)
    result = world.verify(world.entry(ref))
    assert result.outcome is Outcome.VERIFIED, result.detail
    assert result.method == "sigstore-bundle"
    assert result.predicate_type == "https://slsa.dev/provenance/v1"
    assert result.source is not None and result.source.startswith("referrer sha256:")
    assert not world.rekor.requests  # a bundle carries its own inclusion proof


def test_referrer_bundle_is_found_through_the_referrers_tag(legacy_world: World) -> None:
    ref, digest = legacy_world.image()
    legacy_world.attest(REPO, digest)
    result = legacy_world.verify(legacy_world.entry(ref))
    assert result.outcome is Outcome.VERIFIED, result.detail
    assert result.method == "sigstore-bundle"
    paths = [r.path for r in legacy_world.registry.server.requests]  # type: ignore[union-attr]
    assert any("/referrers/" in p for p in paths)
    assert any(p.endswith("/manifests/" + digest.replace(":", "-")) for p in paths)


def test_image_pinned_by_digest_is_verified(world: World) -> None:
    ref, digest = world.image()
    world.sign(REPO, digest)
    pinned = ref.rsplit(":", 1)[0] + "@" + digest
    assert world.verify(world.entry(pinned)).outcome is Outcome.VERIFIED


def test_attestation_predicate_declared_and_matching_is_verified(world: World) -> None:
    ref, digest = world.image()
    world.attest(REPO, digest, predicate={"builder": {"id": "gha"}})
    entry = world.entry(
        ref,
        attestation={
            "predicate_type": "https://slsa.dev/provenance/v1",
            "predicate": {"builder": {"id": "gha"}},
        },
    )
    assert world.verify(entry).outcome is Outcome.VERIFIED


def test_one_valid_signature_among_junk_is_verified(world: World) -> None:
    ref, digest = world.image()
    other_ref, other = world.image("example/other")
    bad = world.attest("example/other", other)  # genuine, but about another image
    world.registry.push_bundle_referrer(REPO, digest, bad)
    world.attest(REPO, digest)
    result = world.verify(world.entry(ref))
    assert result.outcome is Outcome.VERIFIED
    assert "1 other" in result.detail


# --- mismatch ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "declared", "got"),
    [
        (
            "repository_uri",
            "https://github.com/example/other",
            "https://github.com/example/weather-mcp",
        ),
        ("repository_ref", "refs/heads/main", "refs/tags/v1.2.0"),
        ("signer_identity", "/.github/workflows/nightly.yml", "/.github/workflows/release.yml"),
        ("runner_environment", "self-hosted", "github-hosted"),
        (
            "cert_issuer",
            "https://accounts.google.com",
            "https://token.actions.githubusercontent.com",
        ),
    ],
)
def test_wrong_declared_field_is_a_mismatch_with_details(
    world: World, field: str, declared: str, got: str
) -> None:
    ref, digest = world.image()
    world.sign(REPO, digest)
    result = world.verify(world.entry(ref, **{field: declared}))
    assert result.outcome is Outcome.MISMATCH
    assert result.mismatches == (Mismatch(field, declared, got),)
    assert field in result.detail and declared in result.detail


def test_signer_from_another_repository_reports_every_mismatched_field(world: World) -> None:
    ref, digest = world.image()
    intruder = GitHubIdentity(
        repository_uri="https://github.com/mallory/fork",
        workflow="/.github/workflows/evil.yml",
        ref="refs/heads/evil",
    )
    world.attest(REPO, digest, identity=intruder)
    result = world.verify(world.entry(ref))
    assert result.outcome is Outcome.MISMATCH
    assert {m.field for m in result.mismatches} == {
        "repository_uri",
        "repository_ref",
        "signer_identity",
    }
    assert result.signer is not None and result.signer.repository_uri == intruder.repository_uri


def test_wrong_attestation_predicate_type_is_a_mismatch(world: World) -> None:
    ref, digest = world.image()
    world.attest(REPO, digest, predicate_type="https://spdx.dev/Document")
    entry = world.entry(ref, attestation={"predicate_type": "https://slsa.dev/provenance/v1"})
    result = world.verify(entry)
    assert result.outcome is Outcome.MISMATCH
    assert result.mismatches == (
        Mismatch(
            "attestation.predicate_type",
            "https://slsa.dev/provenance/v1",
            "https://spdx.dev/Document",
        ),
    )


def test_declared_attestation_is_not_satisfied_by_a_plain_signature(world: World) -> None:
    ref, digest = world.image()
    world.sign(REPO, digest)
    entry = world.entry(ref, attestation={"predicate_type": "https://slsa.dev/provenance/v1"})
    result = world.verify(entry)
    assert result.outcome is Outcome.MISMATCH
    assert result.mismatches[0].field == "attestation.predicate_type"
    assert result.mismatches[0].got is None


# --- invalid: named after the attack ----------------------------------------------------


def test_tampered_payload_is_invalid(world: World) -> None:
    ref, digest = world.image()
    signed = world.sigstore.sign_simple_signing(digest, REPO, world.identity)
    doc = json.loads(signed.payload)
    doc["optional"] = {"note": "added after signing"}
    world.registry.push_cosign_signature(
        REPO, digest, json.dumps(doc).encode(), world.sigstore.cosign_layer_annotations(signed)
    )
    result = world.verify(world.entry(ref))
    assert result.outcome is Outcome.INVALID
    assert "sigstore rejected it" in result.detail
    assert result.signer is None


def test_forged_signature_with_a_genuine_certificate_is_invalid(world: World) -> None:
    ref, digest = world.image()
    signed = world.sigstore.sign_simple_signing(digest, REPO, world.identity)
    attacker = ec.generate_private_key(ec.SECP256R1())
    forged = replace(signed, signature=attacker.sign(signed.payload, ec.ECDSA(hashes.SHA256())))
    annotations = world.sigstore.cosign_layer_annotations(forged)
    world.registry.push_cosign_signature(REPO, digest, signed.payload, annotations)
    result = world.verify(world.entry(ref))
    assert result.outcome is Outcome.INVALID
    assert "sigstore rejected it" in result.detail


def test_certificate_from_an_untrusted_ca_is_invalid(world: World) -> None:
    ref, digest = world.image()
    world.sign(REPO, digest, ca=world.sigstore.rogue_ca())
    result = world.verify(world.entry(ref))
    assert result.outcome is Outcome.INVALID
    assert "chain" in result.detail


def test_forged_log_entry_from_a_rogue_log_is_invalid(world: World) -> None:
    """The signer never logged the signature: a log with its own key vouches for it."""
    ref, digest = world.image()
    trusted = world.sigstore
    rogue = VirtualSigstore(
        root_key=trusted.root_key,
        intermediate_key=trusted.intermediate_key,
        ct_key=trusted.ct_key,
        origin=trusted.origin,
    )
    rogue.intermediate_cert = trusted.intermediate_cert
    signed = rogue.sign_simple_signing(digest, REPO, world.identity)
    world.registry.push_cosign_signature(
        REPO, digest, signed.payload, rogue.cosign_layer_annotations(signed)
    )
    world.served_log = rogue  # the log answers with the rogue entry and proof
    result = world.verify(world.entry(ref))
    assert result.outcome is Outcome.INVALID
    assert "log entry" in result.detail or "checkpoint" in result.detail or "SET" in result.detail


def test_log_entry_swapped_in_the_annotation_is_invalid(world: World) -> None:
    """The annotation points at another (genuine) log entry than the one that was made."""
    ref, digest = world.image()
    other = world.sigstore.sign_simple_signing(digest, REPO, world.identity)
    signed = world.sigstore.sign_simple_signing(digest, REPO, world.identity)
    annotations = world.sigstore.cosign_layer_annotations(signed)
    bundle = json.loads(annotations["dev.sigstore.cosign/bundle"])
    bundle["Payload"]["logIndex"] = other.entry.index
    annotations["dev.sigstore.cosign/bundle"] = json.dumps(bundle)
    world.registry.push_cosign_signature(REPO, digest, signed.payload, annotations)
    result = world.verify(world.entry(ref))
    assert result.outcome is Outcome.INVALID
    assert "not the entry" in result.detail


def test_log_index_that_does_not_exist_is_invalid(world: World) -> None:
    ref, digest = world.image()
    signed = world.sigstore.sign_simple_signing(digest, REPO, world.identity)
    annotations = world.sigstore.cosign_layer_annotations(signed)
    bundle = json.loads(annotations["dev.sigstore.cosign/bundle"])
    bundle["Payload"]["logIndex"] = 999
    annotations["dev.sigstore.cosign/bundle"] = json.dumps(bundle)
    world.registry.push_cosign_signature(REPO, digest, signed.payload, annotations)
    result = world.verify(world.entry(ref))
    assert result.outcome is Outcome.INVALID
    assert "999 does not exist" in result.detail


def test_genuine_signature_of_another_digest_copied_to_this_sig_tag_is_invalid(
    world: World,
) -> None:
    ref, digest = world.image()
    _, other_digest = world.image("example/weather", "0.9.0-vulnerable")
    signed = world.sigstore.sign_simple_signing(other_digest, REPO, world.identity)
    world.registry.push_cosign_signature(
        REPO, digest, signed.payload, world.sigstore.cosign_layer_annotations(signed)
    )
    result = world.verify(world.entry(ref))
    assert result.outcome is Outcome.INVALID
    assert f"signature is for {other_digest}, not this image ({digest})" in result.detail


def test_genuine_attestation_of_another_image_attached_as_referrer_is_invalid(
    world: World,
) -> None:
    ref, digest = world.image()
    _, other_digest = world.image("example/other")
    bundle = world.attest("example/other", other_digest)
    world.registry.push_bundle_referrer(REPO, digest, bundle)
    result = world.verify(world.entry(ref))
    assert result.outcome is Outcome.INVALID
    assert f"about {other_digest}" in result.detail


def test_attestation_statement_rewritten_to_name_this_digest_is_invalid(world: World) -> None:
    """A genuine attestation of another image, its subject edited to this image's digest."""
    ref, digest = world.image()
    _, other_digest = world.image("example/other")
    bundle = world.attest("example/other", other_digest)
    world.registry.push_bundle_referrer(REPO, digest, _rebind(bundle, digest))
    result = world.verify(world.entry(ref))
    assert result.outcome is Outcome.INVALID
    assert "sigstore rejected it" in result.detail


def _rebind(bundle: dict[str, object], digest: str) -> dict[str, object]:
    """An attacker's edit: point a signed statement at another digest."""
    envelope = dict(bundle["dsseEnvelope"])  # type: ignore[call-overload]
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["subject"][0]["digest"]["sha256"] = digest.split(":", 1)[1]
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    return {**bundle, "dsseEnvelope": envelope}


def test_keyed_signature_without_certificate_is_invalid_not_unsigned(world: World) -> None:
    ref, digest = world.image()
    signed = world.sigstore.sign_simple_signing(digest, REPO, world.identity)
    annotations = {
        "dev.cosignproject.cosign/signature": base64.b64encode(signed.signature).decode()
    }
    world.registry.push_cosign_signature(REPO, digest, signed.payload, annotations)
    result = world.verify(world.entry(ref))
    assert result.outcome is Outcome.INVALID
    assert "not a keyless signature" in result.detail


# --- unsigned, not declared, unsupported ------------------------------------------------


def test_nothing_attached_is_unsigned(world: World) -> None:
    ref, digest = world.image()
    result = world.verify(world.entry(ref))
    assert result.outcome is Outcome.UNSIGNED
    assert result.digest == digest


def test_no_provenance_block_is_not_declared_without_network(world: World) -> None:
    ref, _ = world.image()
    before = len(world.registry.server.requests)  # type: ignore[union-attr]
    result = world.verify(world.entry(ref, provenance=None))
    assert result.outcome is Outcome.NOT_DECLARED
    assert len(world.registry.server.requests) == before  # type: ignore[union-attr]


def test_githubs_private_instance_is_unsupported(world: World) -> None:
    ref, digest = world.image()
    world.sign(REPO, digest)
    result = world.verify(world.entry(ref, sigstore_url="tuf-repo.github.com"))
    assert result.outcome is Outcome.UNSUPPORTED
    assert "GitHub's private sigstore instance" in result.detail


def test_unknown_instance_is_unsupported_without_a_trusted_root(world: World) -> None:
    ref, _ = world.image()
    client = make_client()
    verifier = EntryVerifier(OciClient(client), client, TrustRoots())
    result = verifier.verify_entry(world.entry(ref, sigstore_url="tuf.example.org"))
    assert result.outcome is Outcome.UNSUPPORTED


# --- error (transient) ------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_registry_down_is_an_error(world: World) -> None:
    image = f"127.0.0.1:{_closed_port()}/example/weather:1.2.0"
    result = world.verify(world.entry(image))
    assert result.outcome is Outcome.ERROR
    assert "cannot reach" in result.detail
    assert result.error


def test_registry_down_keeps_the_previous_result_marked_stale(world: World) -> None:
    ref, digest = world.image()
    world.sign(REPO, digest)
    first = world.verify(world.entry(ref))
    assert first.outcome is Outcome.VERIFIED
    down = world.entry(f"127.0.0.1:{_closed_port()}/example/weather:1.2.0")
    result = world.verify(down, previous=first)
    assert result.outcome is Outcome.VERIFIED
    assert result.stale and result.error and "cannot reach" in result.error
    assert result.digest == first.digest


def test_transparency_log_down_is_an_error(world: World) -> None:
    ref, digest = world.image()
    world.sign(REPO, digest)
    doc = world.sigstore.trusted_root_json()
    doc["tlogs"][0]["baseUrl"] = f"http://127.0.0.1:{_closed_port()}"
    path = world.trusted_root.with_name("down.json")
    path.write_text(json.dumps(doc))
    result = world.verifier(TrustRoot.from_file(path)).verify_entry(world.entry(ref))
    assert result.outcome is Outcome.ERROR
    assert "transparency log" in result.detail


def test_image_not_found_is_an_error(world: World) -> None:
    result = world.verify(world.entry(f"{world.registry.host}/example/missing:1.0"))
    assert result.outcome is Outcome.ERROR
    assert "not found" in result.detail


# --- trust roots and cache --------------------------------------------------------------


def test_public_good_trust_root_rejects_the_local_bundles(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    ref, digest = world.image()
    world.attest(REPO, digest)
    public = TrustRoot.public_good(offline=True)  # sigstore's embedded root, no network
    assert public.name == "public-good"
    result = world.verifier(public).verify_entry(world.entry(ref))
    assert result.outcome is Outcome.INVALID
    assert "sigstore rejected it" in result.detail


def test_a_broken_trusted_root_file_is_a_provenance_error(tmp_path: Path) -> None:
    path = tmp_path / "root.json"
    path.write_text('{"mediaType": "nope"}')
    with pytest.raises(ProvenanceError, match="not a sigstore trusted_root.json"):
        TrustRoot.from_file(path)


def test_fresh_result_is_reused_without_verifying_again(world: World) -> None:
    ref, digest = world.image()
    world.sign(REPO, digest)
    first = world.verify(world.entry(ref))
    rekor_calls = len(world.rekor.requests)
    again = world.verify(world.entry(ref), previous=first)
    assert again is first
    assert len(world.rekor.requests) == rekor_calls


def test_result_is_rechecked_when_the_tag_moves_or_ttl_expires(world: World) -> None:
    ref, digest = world.image()
    world.sign(REPO, digest)
    first = world.verify(world.entry(ref))
    old = replace(
        first, checked_at=(datetime.now(UTC) - timedelta(days=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    assert world.verify(world.entry(ref), previous=old) is not old
    new_digest = world.registry.push_image(REPO, "1.2.0", b"rebuilt")  # tag moved, unsigned
    moved = world.verify(world.entry(ref), previous=first)
    assert moved.outcome is Outcome.UNSIGNED
    assert moved.digest == new_digest
