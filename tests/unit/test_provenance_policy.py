"""Identity policies on real Fulcio-style certificates from the virtual sigstore."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sigstore.errors import VerificationError

from regup.model import Provenance
from regup.provenance.policy import (
    IdentityMismatch,
    IdentityPolicy,
    cert_issuer,
    signer_identity,
    signer_of,
)
from regup.provenance.state import Mismatch
from tests.virtual_sigstore import GitHubIdentity, VirtualSigstore

IDENTITY = GitHubIdentity()


@pytest.fixture(scope="module")
def cert() -> object:
    sigstore = VirtualSigstore()
    return sigstore.issue(ec.generate_private_key(ec.SECP256R1()).public_key(), IDENTITY)


def test_signer_identity_is_toolhives_form(cert: object) -> None:
    assert signer_identity(cert) == "/.github/workflows/release.yml"  # type: ignore[arg-type]
    assert cert_issuer(cert) == IDENTITY.issuer  # type: ignore[arg-type]
    signer = signer_of(cert)  # type: ignore[arg-type]
    assert signer.identity == IDENTITY.san
    assert signer.repository_ref == IDENTITY.ref
    assert signer.runner_environment == "github-hosted"


def test_non_github_issuer_keeps_the_whole_san() -> None:
    sigstore = VirtualSigstore()
    other = GitHubIdentity(issuer="https://gitlab.example.com")
    cert = sigstore.issue(ec.generate_private_key(ec.SECP256R1()).public_key(), other)
    assert signer_identity(cert) == other.san


def test_all_declared_fields_pass(cert: object) -> None:
    policy = IdentityPolicy.from_provenance(Provenance.from_document(IDENTITY.provenance()))
    assert len(policy.children) == 5
    policy.verify(cert)  # type: ignore[arg-type]
    assert policy.mismatches(cert) == []  # type: ignore[arg-type]


def test_every_mismatch_is_listed_and_verify_raises_the_first(cert: object) -> None:
    doc = IDENTITY.provenance(
        repository_uri="https://github.com/a/b", runner_environment="self-hosted"
    )
    policy = IdentityPolicy.from_provenance(Provenance.from_document(doc))
    assert policy.mismatches(cert) == [  # type: ignore[arg-type]
        Mismatch("repository_uri", "https://github.com/a/b", IDENTITY.repository_uri),
        Mismatch("runner_environment", "self-hosted", "github-hosted"),
    ]
    with pytest.raises(IdentityMismatch) as caught:
        policy.verify(cert)  # type: ignore[arg-type]
    assert caught.value.mismatch.field == "repository_uri"


def test_no_identity_field_declared_never_passes(cert: object) -> None:
    policy = IdentityPolicy.from_provenance(Provenance.from_document({"sigstore_url": "x"}))
    with pytest.raises(VerificationError):
        policy.verify(cert)  # type: ignore[arg-type]
    assert policy.mismatches(cert)[0].field == "provenance"  # type: ignore[arg-type]
