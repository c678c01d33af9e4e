"""A test-only "virtual sigstore": real keys, real certificates, a real transparency log.

Nothing here is mocked. :class:`VirtualSigstore` holds

- a Fulcio-like CA (root + intermediate) that issues ten-minute code-signing certificates
  to ephemeral P-256 keys, with the GitHub Actions OIDC extensions (``1.3.6.1.4.1.57264.1.x``)
  and an embedded SCT (a precertificate SCT signed by the CT log key below, exactly as
  RFC 6962 and sigstore's verifier compute it);
- a CT log key;
- a Rekor-like log: an RFC 6962 Merkle tree of canonicalized entry bodies with inclusion
  proofs, signed checkpoints (signed notes) and signed entry timestamps, served over HTTP by
  :meth:`VirtualSigstore.rekor_routes` at ``/api/v1/log/entries?logIndex=N``;
- :meth:`trusted_root_json`, a ``trusted_root.json`` in the sigstore protobuf-specs format
  pointing at those keys.

It signs what real signers sign: cosign's simple-signing payload (hashedrekord entries,
stored in ``sha256-<hex>.sig`` manifests with cosign's annotations) and DSSE in-toto
statements (dsse entries, stored as sigstore bundles v0.3 attached as OCI referrers).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import struct
from dataclasses import dataclass, field
from typing import Any

import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from tests.httpfake import Reply, Request, Route

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
OID = "1.3.6.1.4.1.57264.1."
SIMPLE_SIGNING_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json"
BUNDLE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json"
IN_TOTO = "application/vnd.in-toto+json"
SLSA_V1 = "https://slsa.dev/provenance/v1"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def spki_der(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(key: ec.EllipticCurvePublicKey) -> bytes:
    return hashlib.sha256(spki_der(key)).digest()


def _der_utf8(text: str) -> bytes:
    """DER UTF8String (the encoding of Fulcio's "v2" extensions, 1.8 and later)."""
    raw = text.encode()
    if len(raw) < 128:
        return b"\x0c" + bytes([len(raw)]) + raw
    length = len(raw).to_bytes((len(raw).bit_length() + 7) // 8, "big")
    return b"\x0c" + bytes([0x80 | len(length)]) + length + raw


def _der_octet_string(raw: bytes) -> bytes:
    if len(raw) < 128:
        return b"\x04" + bytes([len(raw)]) + raw
    length = len(raw).to_bytes((len(raw).bit_length() + 7) // 8, "big")
    return b"\x04" + bytes([0x80 | len(length)]) + length + raw


def _ext(suffix: int, value: bytes) -> x509.Extension[x509.ExtensionType]:
    oid = x509.ObjectIdentifier(f"{OID}{suffix}")
    return x509.Extension(oid, False, x509.UnrecognizedExtension(oid, value))


# --- RFC 6962 Merkle tree ---------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def merkle_root(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = _largest_power_of_two_below(len(leaves))
    return node_hash(merkle_root(leaves[:k]), merkle_root(leaves[k:]))


def inclusion_path(index: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 section 2.1.1 audit path, lowest level first."""
    if len(leaves) <= 1:
        return []
    k = _largest_power_of_two_below(len(leaves))
    if index < k:
        return inclusion_path(index, leaves[:k]) + [merkle_root(leaves[k:])]
    return inclusion_path(index - k, leaves[k:]) + [merkle_root(leaves[:k])]


# --- identities and signed things -------------------------------------------------------


@dataclass(frozen=True)
class GitHubIdentity:
    """What GitHub's OIDC token says about a workflow run, as Fulcio puts it in the cert."""

    repository_uri: str = "https://github.com/example/weather-mcp"
    workflow: str = "/.github/workflows/release.yml"
    ref: str = "refs/tags/v1.2.0"
    runner_environment: str = "github-hosted"
    issuer: str = GITHUB_ISSUER

    @property
    def san(self) -> str:
        return f"{self.repository_uri}{self.workflow}@{self.ref}"

    def provenance(self, **overrides: Any) -> dict[str, Any]:
        """The spec.yaml ``provenance`` block that matches this identity."""
        block: dict[str, Any] = {
            "repository_uri": self.repository_uri,
            "repository_ref": self.ref,
            "signer_identity": self.workflow,
            "runner_environment": self.runner_environment,
            "cert_issuer": self.issuer,
        }
        block.update(overrides)
        return {k: v for k, v in block.items() if v is not None}


@dataclass
class LogEntry:
    index: int
    body: bytes
    integrated_time: int
    set_signature: bytes


@dataclass
class Signed:
    """One signing event: the leaf certificate, the signature and its log entry."""

    cert: x509.Certificate
    signature: bytes
    entry: LogEntry
    payload: bytes


@dataclass
class VirtualSigstore:
    origin: str = "rekor.virtual.test - 42"
    rekor_url: str = "http://127.0.0.1:9"
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    root_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    intermediate_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    ct_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    rekor_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    entries: list[LogEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        start = self.now - dt.timedelta(days=1)
        end = self.now + dt.timedelta(days=365)
        root_name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "virtual.test"),
                x509.NameAttribute(NameOID.COMMON_NAME, "virtual sigstore root"),
            ]
        )
        inter_name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "virtual.test"),
                x509.NameAttribute(NameOID.COMMON_NAME, "virtual sigstore intermediate"),
            ]
        )
        self.root_cert = self._ca_cert(
            root_name, root_name, self.root_key.public_key(), self.root_key, start, end, None
        )
        self.intermediate_cert = self._ca_cert(
            inter_name,
            root_name,
            self.intermediate_key.public_key(),
            self.root_key,
            start,
            end,
            0,
        )

    @staticmethod
    def _ca_cert(
        subject: x509.Name,
        issuer: x509.Name,
        public: ec.EllipticCurvePublicKey,
        signer: ec.EllipticCurvePrivateKey,
        start: dt.datetime,
        end: dt.datetime,
        path_length: int | None,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
                critical=False,
            )
        )
        return builder.sign(signer, hashes.SHA256())

    # --- Fulcio ---------------------------------------------------------------------------

    def issue(
        self,
        public: ec.EllipticCurvePublicKey,
        identity: GitHubIdentity,
        *,
        ca_key: ec.EllipticCurvePrivateKey | None = None,
        ca_cert: x509.Certificate | None = None,
    ) -> x509.Certificate:
        """A Fulcio-style leaf: empty subject, critical SAN, GitHub extensions, embedded SCT."""
        ca_key = ca_key or self.intermediate_key
        ca_cert = ca_cert or self.intermediate_cert
        serial = x509.random_serial_number()
        start = self.now - dt.timedelta(seconds=30)
        end = start + dt.timedelta(minutes=10)
        extensions: list[x509.Extension[x509.ExtensionType]] = [
            x509.Extension(
                ExtensionOID.KEY_USAGE,
                True,
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
            ),
            x509.Extension(
                ExtensionOID.EXTENDED_KEY_USAGE,
                False,
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]),
            ),
            x509.Extension(
                ExtensionOID.SUBJECT_KEY_IDENTIFIER,
                False,
                x509.SubjectKeyIdentifier.from_public_key(public),
            ),
            x509.Extension(
                ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
                False,
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            ),
            x509.Extension(
                ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
                True,
                x509.SubjectAlternativeName([x509.UniformResourceIdentifier(identity.san)]),
            ),
            _ext(1, identity.issuer.encode()),
            _ext(8, _der_utf8(identity.issuer)),
            _ext(9, _der_utf8(identity.san)),
            _ext(11, _der_utf8(identity.runner_environment)),
            _ext(12, _der_utf8(identity.repository_uri)),
            _ext(14, _der_utf8(identity.ref)),
        ]

        def build(sct_list: bytes | None) -> x509.CertificateBuilder:
            builder = (
                x509.CertificateBuilder()
                .subject_name(x509.Name([]))
                .issuer_name(ca_cert.subject)
                .public_key(public)
                .serial_number(serial)
                .not_valid_before(start)
                .not_valid_after(end)
            )
            for ext in extensions:
                builder = builder.add_extension(ext.value, critical=ext.critical)
            if sct_list is not None:
                oid = ExtensionOID.PRECERT_SIGNED_CERTIFICATE_TIMESTAMPS
                builder = builder.add_extension(
                    x509.UnrecognizedExtension(oid, _der_octet_string(sct_list)), critical=False
                )
            return builder

        # The SCT signs the certificate's TBS without the SCT list (RFC 6962 3.2): issue a
        # throwaway certificate with a placeholder list to learn those bytes, then the real one.
        placeholder = self._sct_list(b"\x00" * 32, 0, b"\x00" * 71)
        draft = build(placeholder).sign(ca_key, hashes.SHA256())
        tbs = draft.tbs_precertificate_bytes
        timestamp_ms = int(start.timestamp() * 1000)
        issuer_key_hash = key_id(ca_key.public_key())
        signed = struct.pack(">BBQH", 0, 0, timestamp_ms, 1) + issuer_key_hash
        signed += len(tbs).to_bytes(3, "big") + tbs + struct.pack(">H", 0)
        sct_sig = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct_list = self._sct_list(key_id(self.ct_key.public_key()), timestamp_ms, sct_sig)
        cert = build(sct_list).sign(ca_key, hashes.SHA256())
        assert cert.tbs_precertificate_bytes == tbs
        return cert

    @staticmethod
    def _sct_list(log_id: bytes, timestamp_ms: int, signature: bytes) -> bytes:
        # SignedCertificateTimestamp: version, log id, timestamp, extensions, digitally-signed
        sct = struct.pack(">B", 0) + log_id + struct.pack(">QH", timestamp_ms, 0)
        sct += struct.pack(">BBH", 4, 3, len(signature)) + signature  # sha256, ecdsa
        item = struct.pack(">H", len(sct)) + sct
        return struct.pack(">H", len(item)) + item

    # --- Rekor ----------------------------------------------------------------------------

    @property
    def log_id(self) -> bytes:
        return key_id(self.rekor_key.public_key())

    def append(self, body: bytes) -> LogEntry:
        index = len(self.entries)
        integrated = int(self.now.timestamp())
        canonical = rfc8785.dumps(
            {
                "body": b64(body),
                "integratedTime": integrated,
                "logID": self.log_id.hex(),
                "logIndex": index,
            }
        )
        entry = LogEntry(
            index, body, integrated, self.rekor_key.sign(canonical, ec.ECDSA(hashes.SHA256()))
        )
        self.entries.append(entry)
        return entry

    def checkpoint(self, size: int) -> str:
        root = merkle_root([leaf_hash(e.body) for e in self.entries[:size]])
        note = f"{self.origin}\n{size}\n{b64(root)}\n"
        signature = self.rekor_key.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
        name = self.origin.split(" ")[0]
        return f"{note}\n\u2014 {name} {b64(self.log_id[:4] + signature)}\n"

    def proof(self, entry: LogEntry, size: int | None = None) -> dict[str, Any]:
        """An inclusion proof of ``entry`` in the tree of the first ``size`` entries."""
        size = size or len(self.entries)
        leaves = [leaf_hash(e.body) for e in self.entries[:size]]
        return {
            "logIndex": entry.index,
            "rootHash": merkle_root(leaves).hex(),
            "treeSize": size,
            "hashes": [h.hex() for h in inclusion_path(entry.index, leaves)],
            "checkpoint": self.checkpoint(size),
        }

    def entry_response(self, entry: LogEntry) -> dict[str, Any]:
        """Rekor v1's answer to ``GET /api/v1/log/entries?logIndex=N``."""
        uuid = leaf_hash(entry.body).hex()
        return {
            uuid: {
                "body": b64(entry.body),
                "integratedTime": entry.integrated_time,
                "logID": self.log_id.hex(),
                "logIndex": entry.index,
                "verification": {
                    "inclusionProof": self.proof(entry),
                    "signedEntryTimestamp": b64(entry.set_signature),
                },
            }
        }

    def rekor_routes(self) -> dict[str, Route]:
        def entries(request: Request) -> Reply:
            try:
                index = int(request.query.get("logIndex", ""))
                entry = self.entries[index]
            except (ValueError, IndexError):
                return Reply.json({"code": 404, "message": "entry not found"}, status=404)
            return Reply.json(self.entry_response(entry))

        return {"/api/v1/log/entries": entries}

    def tlog_entry_json(self, entry: LogEntry, kind: str) -> dict[str, Any]:
        """The bundle's ``tlogEntries[0]`` (protobuf-specs JSON)."""
        proof = self.proof(entry)
        return {
            "logIndex": str(entry.index),
            "logId": {"keyId": b64(self.log_id)},
            "kindVersion": {"kind": kind, "version": "0.0.1"},
            "integratedTime": str(entry.integrated_time),
            "inclusionPromise": {"signedEntryTimestamp": b64(entry.set_signature)},
            "inclusionProof": {
                "logIndex": str(entry.index),
                "rootHash": b64(bytes.fromhex(proof["rootHash"])),
                "treeSize": str(proof["treeSize"]),
                "hashes": [b64(bytes.fromhex(h)) for h in proof["hashes"]],
                "checkpoint": {"envelope": proof["checkpoint"]},
            },
            "canonicalizedBody": b64(entry.body),
        }

    # --- the trust root -------------------------------------------------------------------

    def trusted_root_json(self) -> dict[str, Any]:
        valid = {"start": (self.now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}

        def key(k: ec.EllipticCurvePrivateKey) -> dict[str, Any]:
            return {
                "rawBytes": b64(spki_der(k.public_key())),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "validFor": valid,
            }

        return {
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [
                {
                    "baseUrl": self.rekor_url,
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": key(self.rekor_key),
                    "logId": {"keyId": b64(self.log_id)},
                }
            ],
            "certificateAuthorities": [
                {
                    "subject": {"organization": "virtual.test", "commonName": "virtual sigstore"},
                    "uri": "https://fulcio.virtual.test",
                    "certChain": {
                        "certificates": [
                            {"rawBytes": b64(c.public_bytes(serialization.Encoding.DER))}
                            for c in (self.intermediate_cert, self.root_cert)
                        ]
                    },
                    "validFor": valid,
                }
            ],
            "ctlogs": [
                {
                    "baseUrl": "https://ctfe.virtual.test",
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": key(self.ct_key),
                    "logId": {"keyId": b64(key_id(self.ct_key.public_key()))},
                }
            ],
            "timestampAuthorities": [],
        }

    # --- signers --------------------------------------------------------------------------

    def sign_simple_signing(
        self,
        digest: str,
        docker_reference: str,
        identity: GitHubIdentity,
        *,
        ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None = None,
    ) -> Signed:
        """cosign's keyless image signature: a hashedrekord entry over the payload."""
        payload = json.dumps(
            {
                "critical": {
                    "identity": {"docker-reference": docker_reference},
                    "image": {"docker-manifest-digest": digest},
                    "type": "cosign container image signature",
                },
                "optional": None,
            },
            separators=(",", ":"),
        ).encode()
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self.issue(
            key.public_key(), identity, ca_key=ca[0] if ca else None, ca_cert=ca[1] if ca else None
        )
        signature = key.sign(payload, ec.ECDSA(hashes.SHA256()))
        body = json.dumps(
            {
                "apiVersion": "0.0.1",
                "kind": "hashedrekord",
                "spec": {
                    "data": {"hash": {"algorithm": "sha256", "value": sha256_hex(payload)}},
                    "signature": {
                        "content": b64(signature),
                        "publicKey": {
                            "content": b64(cert.public_bytes(serialization.Encoding.PEM))
                        },
                    },
                },
            },
            separators=(",", ":"),
        ).encode()
        return Signed(cert, signature, self.append(body), payload)

    def cosign_layer_annotations(self, signed: Signed) -> dict[str, str]:
        """The annotations cosign writes on the simple-signing layer of ``.sig``."""
        rekor_bundle = {
            "SignedEntryTimestamp": b64(signed.entry.set_signature),
            "Payload": {
                "body": b64(signed.entry.body),
                "integratedTime": signed.entry.integrated_time,
                "logIndex": signed.entry.index,
                "logID": self.log_id.hex(),
            },
        }
        chain = b"".join(
            c.public_bytes(serialization.Encoding.PEM)
            for c in (self.intermediate_cert, self.root_cert)
        )
        return {
            "dev.cosignproject.cosign/signature": b64(signed.signature),
            "dev.sigstore.cosign/certificate": signed.cert.public_bytes(
                serialization.Encoding.PEM
            ).decode(),
            "dev.sigstore.cosign/chain": chain.decode(),
            "dev.sigstore.cosign/bundle": json.dumps(rekor_bundle, separators=(",", ":")),
        }

    def attest(
        self,
        digest: str,
        name: str,
        identity: GitHubIdentity,
        *,
        predicate_type: str = SLSA_V1,
        predicate: Any = None,
    ) -> tuple[dict[str, Any], Signed]:
        """A DSSE in-toto attestation (GitHub's build provenance shape) as a v0.3 bundle."""
        algorithm, hex_digest = digest.split(":", 1)
        statement = {
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": name, "digest": {algorithm: hex_digest}}],
            "predicateType": predicate_type,
            "predicate": predicate if predicate is not None else {"buildDefinition": {}},
        }
        payload = json.dumps(statement, separators=(",", ":")).encode()
        return self.attest_payload(payload, identity)

    def attest_payload(
        self, payload: bytes, identity: GitHubIdentity
    ) -> tuple[dict[str, Any], Signed]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self.issue(key.public_key(), identity)
        pae = b"DSSEv1 %d %s %d %s" % (len(IN_TOTO), IN_TOTO.encode(), len(payload), payload)
        signature = key.sign(pae, ec.ECDSA(hashes.SHA256()))
        envelope = {
            "payload": b64(payload),
            "payloadType": IN_TOTO,
            "signatures": [{"sig": b64(signature)}],
        }
        cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        body = json.dumps(
            {
                "apiVersion": "0.0.1",
                "kind": "dsse",
                "spec": {
                    "envelopeHash": {
                        "algorithm": "sha256",
                        "value": sha256_hex(json.dumps(envelope).encode()),
                    },
                    "payloadHash": {"algorithm": "sha256", "value": sha256_hex(payload)},
                    "signatures": [{"signature": b64(signature), "verifier": b64(cert_pem)}],
                },
            },
            separators=(",", ":"),
        ).encode()
        entry = self.append(body)
        bundle = {
            "mediaType": BUNDLE_V03,
            "verificationMaterial": {
                "certificate": {"rawBytes": b64(cert.public_bytes(serialization.Encoding.DER))},
                "tlogEntries": [self.tlog_entry_json(entry, "dsse")],
                "timestampVerificationData": {},
            },
            "dsseEnvelope": envelope,
        }
        return bundle, Signed(cert, signature, entry, payload)

    def rogue_ca(self) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        """A CA that looks like ours but is not in the trusted root."""
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self._ca_cert(
            self.intermediate_cert.subject,
            self.intermediate_cert.subject,
            key.public_key(),
            key,
            self.now - dt.timedelta(days=1),
            self.now + dt.timedelta(days=1),
            None,
        )
        return key, cert
