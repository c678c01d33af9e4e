"""Verifying an entry's image with sigstore-python: crypto, then binding, then identity.

For every piece of material :mod:`regup.provenance.discover` found:

1. **Crypto** (sigstore-python's :class:`sigstore.verify.Verifier`, public API only): the
   certificate chains to the trust root's CA at the log's integrated time, its embedded SCT
   is signed by a trusted CT log, the transparency log entry has a valid inclusion proof,
   signed checkpoint and signed entry timestamp, and the signature is valid over the
   payload and consistent with the log entry. A cosign ``.sig`` signature carries only the
   log entry's timestamp, so its inclusion proof is fetched from the trust root's Rekor by
   log index and must describe the very entry the annotation names.
2. **Binding**: what was signed must be *this* image: the simple-signing payload's
   ``docker-manifest-digest`` or an in-toto statement's subject digest must equal the digest
   the tag resolves to (a message-signature bundle signs the digest itself).
3. **Identity**: every provenance field the entry declares, as policy objects
   (:mod:`regup.provenance.policy`), plus ``attestation.predicate_type`` / ``predicate``
   against the verified statement.

Identity is checked on the certificate only after crypto and binding passed, so a forgery
is always ``invalid``, never a ``mismatch``. One fully matching piece makes the entry
``verified``; else one that passed crypto and binding makes it a ``mismatch``; else
anything found makes it ``invalid``; nothing found is ``unsigned``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sigstore.errors import Error as SigstoreError
from sigstore.hashes import Hashed
from sigstore.models import Bundle, ClientTrustConfig, TrustedRoot
from sigstore.verify import Verifier
from sigstore_models.common.v1 import HashAlgorithm

from regup.checks import Outcome
from regup.errors import ProvenanceError
from regup.files import UnsafeFileError, read_input_file
from regup.imageref import ImageRef, ImageRefError
from regup.jsonio import load_json
from regup.model import Entry, Provenance
from regup.provenance.discover import (
    BundleMaterial,
    CosignSignature,
    Material,
    Unreadable,
    discover,
)
from regup.provenance.oci import (
    MAX_JSON_DEPTH,
    OciClient,
    OciError,
    OciInvalid,
    OciNotFound,
    OciUnavailable,
    exchange,
)
from regup.provenance.policy import IdentityPolicy, signer_of
from regup.provenance.state import Mismatch, Result
from regup.timeutil import format_timestamp

PUBLIC_GOOD = "public-good"
PUBLIC_GOOD_URLS = frozenset({"tuf-repo-cdn.sigstore.dev", "https://tuf-repo-cdn.sigstore.dev"})
PUBLIC_GOOD_REKOR = "https://rekor.sigstore.dev"
GITHUB_PRIVATE_URLS = frozenset({"tuf-repo.github.com", "https://tuf-repo.github.com"})
IN_TOTO = "application/vnd.in-toto+json"
COSIGN_SIGNATURE_TYPE = "cosign container image signature"
BUNDLE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json"
#: A log entry with its inclusion proof is a few KiB.
MAX_REKOR_BYTES = 1024 * 1024
#: Sigstore's public-good trusted_root.json is about 10 KiB.
MAX_TRUST_ROOT_BYTES = 4 * 1024 * 1024


class _Transient(Exception):
    """A failure that says nothing about the signature: the outcome is ``error``."""


@dataclass(frozen=True)
class TrustRoot:
    """A sigstore trust root and where its Rekor log answers."""

    name: str  # "public-good" or "file:<sha256 of the file>"; part of the cache key
    trusted_root: TrustedRoot
    rekor_url: str

    @classmethod
    def from_file(cls, path: Path) -> TrustRoot:
        """A ``trusted_root.json`` (sigstore protobuf-specs format).
        Raises :class:`ProvenanceError` when it cannot be read or used."""
        try:
            data = read_input_file(path, limit=MAX_TRUST_ROOT_BYTES)
            doc = load_json(data, max_depth=MAX_JSON_DEPTH)
            rekor_url = str(doc["tlogs"][0]["baseUrl"]).rstrip("/")
            trusted_root = TrustedRoot.from_file(str(path))
        except UnsafeFileError as exc:
            raise ProvenanceError(f"cannot read trust root {path}: {exc.message}") from None
        except OSError as exc:
            raise ProvenanceError(f"cannot read trust root {path}: {exc.strerror or exc}") from None
        except (ValueError, KeyError, IndexError, TypeError, SigstoreError) as exc:
            raise ProvenanceError(
                f"{path} is not a sigstore trusted_root.json with a transparency log ({exc}). "
                "Pass the trusted root of your sigstore instance with --trusted-root."
            ) from None
        return cls(f"file:{hashlib.sha256(data).hexdigest()[:16]}", trusted_root, rekor_url)

    @classmethod
    def public_good(cls, offline: bool = False) -> TrustRoot:
        """Sigstore's public-good instance, refreshed over TUF (or from the local TUF cache
        when ``offline``). Raises :class:`ProvenanceError` when TUF fails."""
        try:
            trusted_root = ClientTrustConfig.production(offline=offline).trusted_root
        except Exception as exc:  # TUF raises a mix of its own and network errors
            raise ProvenanceError(
                f"cannot load sigstore's public-good trust root over TUF ({exc}); "
                "check the network, or pass --trusted-root FILE"
            ) from None
        return cls(PUBLIC_GOOD, trusted_root, PUBLIC_GOOD_REKOR)


class TrustRoots:
    """Picks the trust root for an entry's ``sigstore_url``; loads each one once."""

    def __init__(
        self,
        override: TrustRoot | None = None,
        public_good: Callable[[], TrustRoot] = TrustRoot.public_good,
    ) -> None:
        self._override = override
        self._public_good = public_good
        self._loaded: TrustRoot | ProvenanceError | None = None

    def unsupported_reason(self, sigstore_url: str | None) -> str | None:
        """Why an entry's instance cannot be verified, or ``None`` when it can."""
        url = (sigstore_url or "").strip().rstrip("/")
        if url in GITHUB_PRIVATE_URLS:
            return (
                "GitHub's private sigstore instance (tuf-repo.github.com) signs with RFC 3161 "
                "timestamps and no transparency log; sigstore-python verifies only bundles "
                "with a Rekor log entry"
            )
        if self._override is None and url and url not in PUBLIC_GOOD_URLS:
            return f"unknown sigstore instance {url!r}; pass its trust root with --trusted-root"
        return None

    def get(self) -> TrustRoot:
        """Raises :class:`ProvenanceError` when the trust root cannot be loaded."""
        if self._override is not None:
            return self._override
        if self._loaded is None:
            try:
                self._loaded = self._public_good()
            except ProvenanceError as exc:
                self._loaded = exc
        if isinstance(self._loaded, ProvenanceError):
            raise self._loaded
        return self._loaded


class _AfterCrypto:
    """A sigstore policy that defers identity: it is checked after crypto and binding."""

    def verify(self, cert: x509.Certificate) -> None:
        return None


@dataclass
class _Checked:
    """One piece of material after verification."""

    source: str
    method: str
    failure: str | None = None  # crypto or binding failure: invalid
    cert: x509.Certificate | None = None
    log_index: int | None = None
    integrated_time: int | None = None
    predicate_type: str | None = None
    predicate: str | None = None  # canonical JSON of the statement's predicate
    mismatches: list[Mismatch] = field(default_factory=list)


def cache_key(digest: str, provenance: Provenance, trust_name: str) -> str:
    doc = {"digest": digest, "provenance": provenance.to_document(), "trust": trust_name}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class EntryVerifier:
    """Verifies entries against their images' registries, a Rekor log and a trust root."""

    def __init__(
        self,
        oci: OciClient,
        http: httpx.Client,
        trust: TrustRoots,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._oci = oci
        self._http = http
        self._trust = trust
        self._now = now
        self._verifiers: dict[str, Verifier] = {}

    # --- per entry ------------------------------------------------------------------------

    def verify_entry(
        self, entry: Entry, previous: Result | None = None, *, reuse: bool = True
    ) -> Result:
        """The outcome for one container entry; never raises for the entry's own problems.

        ``previous`` is the last stored result: reused (with ``reuse``) when fresh for the
        same digest, fields and trust root, and kept, marked stale, when this check fails
        transiently.
        """
        return self.verify_image(
            entry.name, entry.image or "", entry.provenance, previous, reuse=reuse
        )

    def verify_image(
        self,
        name: str,
        image: str,
        provenance: Provenance | None,
        previous: Result | None = None,
        *,
        reuse: bool = True,
    ) -> Result:
        """The outcome for one OCI artifact under ``name``: a container entry's image or a
        skill's oci package (signed and checked the same way); see :meth:`verify_entry`."""
        now = self._now()
        base = Result(name=name, outcome=Outcome.ERROR, detail="", image=image)
        if provenance is None:
            return _with(base, Outcome.NOT_DECLARED, "the entry declares no provenance")
        reason = self._trust.unsupported_reason(provenance.sigstore_url)
        if reason:
            return _with(base, Outcome.UNSUPPORTED, reason)
        try:
            ref = ImageRef.parse(image)
        except ImageRefError as exc:
            return _with(base, Outcome.INVALID, f"the image reference is not valid: {exc}")
        checked = format_timestamp(now)
        try:
            trust = self._trust.get()
            digest = self._oci.resolve(ref)
        except (ProvenanceError, OciUnavailable, OciNotFound, OciInvalid) as exc:
            return _failed(base, previous, f"cannot resolve {ref}: {exc}", checked)
        key = cache_key(digest, provenance, trust.name)
        if reuse and previous is not None and previous.key == key and previous.is_fresh(now):
            return previous
        base = Result(
            name=name,
            outcome=Outcome.ERROR,
            detail="",
            image=image,
            digest=digest,
            checked_at=checked,
            key=key,
        )
        try:
            found = discover(self._oci, ref, digest)
            checks = [self._check(item, digest, provenance, trust) for item in found.items]
        except (OciError, _Transient) as exc:
            return _failed(base, previous, f"cannot read the signatures of {ref}: {exc}", checked)
        if not checks:
            where = "referrers API" if found.referrers_api else "referrers tag"
            return _with(
                base,
                Outcome.UNSIGNED,
                f"no cosign signature (.sig tag) and no sigstore bundle ({where}) for {digest}",
            )
        return _decide(base, checks)

    # --- per piece of material ------------------------------------------------------------

    def _verifier(self, trust: TrustRoot) -> Verifier:
        if trust.name not in self._verifiers:
            self._verifiers[trust.name] = Verifier(trusted_root=trust.trusted_root)
        return self._verifiers[trust.name]

    def _check(
        self, item: Material, digest: str, provenance: Provenance, trust: TrustRoot
    ) -> _Checked:
        if isinstance(item, Unreadable):
            return _Checked(item.source, "unreadable", failure=item.reason)
        if isinstance(item, CosignSignature):
            checked = self._check_cosign(item, digest, trust)
        else:
            checked = self._check_bundle(item, digest, trust)
        if checked.failure is None and checked.cert is not None:
            checked.mismatches = IdentityPolicy.from_provenance(provenance).mismatches(checked.cert)
            attestation = provenance.attestation
            if attestation is not None and attestation.predicate_type:
                if checked.predicate_type != attestation.predicate_type:
                    checked.mismatches.append(
                        Mismatch(
                            "attestation.predicate_type",
                            attestation.predicate_type,
                            checked.predicate_type,
                        )
                    )
                elif attestation.predicate is not None and checked.predicate != _canonical(
                    attestation.predicate
                ):
                    checked.mismatches.append(
                        Mismatch(
                            "attestation.predicate",
                            _canonical(attestation.predicate),
                            checked.predicate,
                        )
                    )
        return checked

    def _check_cosign(self, sig: CosignSignature, digest: str, trust: TrustRoot) -> _Checked:
        out = _Checked(sig.source, "cosign-signature")
        try:
            cert = x509.load_pem_x509_certificate(sig.certificate_pem)
        except ValueError as exc:
            out.failure = f"the signing certificate cannot be read: {exc}"
            return out
        entry = self._rekor_entry(trust, sig.rekor.log_index)
        if entry is None:
            out.failure = f"log entry {sig.rekor.log_index} does not exist in {trust.rekor_url}"
            return out
        try:
            same = (
                entry["body"] == sig.rekor.body
                and entry["integratedTime"] == sig.rekor.integrated_time
                and entry["logID"] == sig.rekor.log_id
                and entry["logIndex"] == sig.rekor.log_index
                and entry["verification"]["signedEntryTimestamp"]
                == sig.rekor.signed_entry_timestamp
            )
            bundle_doc = _bundle_from_rekor(cert, sig, entry)
        except (KeyError, TypeError, ValueError) as exc:
            out.failure = f"the log's answer for entry {sig.rekor.log_index} is malformed: {exc}"
            return out
        if not same:
            out.failure = (
                f"log entry {sig.rekor.log_index} is not the entry the signature's annotation "
                "describes (a forged or altered log entry)"
            )
            return out
        try:
            bundle = Bundle.from_json(json.dumps(bundle_doc))
            self._verifier(trust).verify_artifact(sig.payload, bundle, _AfterCrypto())
        except SigstoreError as exc:
            out.failure = _sigstore_message(exc)
            return out
        out.cert = bundle.signing_certificate
        out.log_index = sig.rekor.log_index
        out.integrated_time = sig.rekor.integrated_time
        # Binding: the payload must name this digest.
        try:
            payload = load_json(sig.payload, max_depth=MAX_JSON_DEPTH)
            critical = payload["critical"]
            signed_digest = critical["image"]["docker-manifest-digest"]
            signed_type = critical["type"]
        except (ValueError, KeyError, TypeError):
            out.failure = "the signed payload is not a cosign simple-signing document"
            return out
        if signed_type != COSIGN_SIGNATURE_TYPE:
            out.failure = f"the signed payload has type {signed_type!r}, not an image signature"
        elif signed_digest != digest:
            out.failure = f"the signature is for {signed_digest}, not this image ({digest})"
        return out

    def _check_bundle(self, item: BundleMaterial, digest: str, trust: TrustRoot) -> _Checked:
        out = _Checked(item.source, "sigstore-bundle")
        try:
            doc = load_json(item.bundle_json, max_depth=MAX_JSON_DEPTH)
            bundle = Bundle.from_json(item.bundle_json)
            verifier = self._verifier(trust)
            if isinstance(doc, dict) and "dsseEnvelope" in doc:
                payload_type, payload = verifier.verify_dsse(bundle, _AfterCrypto())
            else:
                # A message signature attached to an image signs the manifest digest itself,
                # so verifying against this digest is the binding.
                algorithm, hex_digest = digest.split(":", 1)
                hashed = Hashed(algorithm=HashAlgorithm.SHA2_256, digest=bytes.fromhex(hex_digest))
                verifier.verify_artifact(hashed, bundle, _AfterCrypto())
                payload_type, payload = "", b""
        except SigstoreError as exc:
            out.failure = _sigstore_message(exc)
            return out
        except ValueError as exc:
            out.failure = f"the bundle cannot be read: {exc}"
            return out
        out.cert = bundle.signing_certificate
        log_entry = doc["verificationMaterial"]["tlogEntries"][0]
        out.log_index = int(log_entry.get("logIndex", 0))
        if log_entry.get("integratedTime"):
            out.integrated_time = int(log_entry["integratedTime"])
        if payload_type:
            failure = _bind_statement(out, payload_type, payload, digest)
            out.failure = failure
        return out

    def _rekor_entry(self, trust: TrustRoot, index: int) -> dict[str, Any] | None:
        """The log's entry at ``index`` with its inclusion proof; ``None`` for 404.
        Raises :class:`_Transient` when the log cannot be reached."""
        url = f"{trust.rekor_url}/api/v1/log/entries"
        try:
            response, body = exchange(
                self._http,
                "GET",
                url,
                what=f"the transparency log {trust.rekor_url}",
                limit=MAX_REKOR_BYTES,
                params={"logIndex": str(index)},
            )
        except OciUnavailable as exc:
            raise _Transient(str(exc)) from exc
        except OciInvalid:  # larger than any log entry, a redirect loop: fail closed
            return {"malformed": True}
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise _Transient(f"the transparency log answered {response.status_code}")
        try:
            doc = load_json(body, max_depth=MAX_JSON_DEPTH)
        except ValueError:
            return {"malformed": True}
        if not isinstance(doc, dict) or len(doc) != 1:
            return {"malformed": True}
        entry = next(iter(doc.values()))
        return entry if isinstance(entry, dict) else {"malformed": True}


def _bind_statement(out: _Checked, payload_type: str, payload: bytes, digest: str) -> str | None:
    """Check that an in-toto statement is about ``digest``; records its predicate."""
    if payload_type != IN_TOTO:
        return f"the DSSE payload type is {payload_type!r}, not an in-toto statement"
    try:
        statement = load_json(payload, max_depth=MAX_JSON_DEPTH)
        subjects = statement["subject"]
        predicate_type = statement["predicateType"]
    except (ValueError, KeyError, TypeError):
        return "the attestation is not an in-toto statement"
    algorithm, hex_digest = digest.split(":", 1)
    names = [
        s.get("digest", {}).get(algorithm)
        for s in subjects
        if isinstance(s, dict) and isinstance(s.get("digest"), dict)
    ]
    out.predicate_type = str(predicate_type)
    out.predicate = _canonical(statement.get("predicate"))
    if hex_digest not in names:
        shown = ", ".join(f"{algorithm}:{n}" for n in names if n) or "no digest"
        return f"the attestation is about {shown}, not this image ({digest})"
    return None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _bundle_from_rekor(
    cert: x509.Certificate, sig: CosignSignature, entry: dict[str, Any]
) -> dict[str, Any]:
    """A sigstore bundle (v0.3) from a cosign signature and the log's entry with proof."""

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    body = load_json(base64.b64decode(entry["body"]), max_depth=MAX_JSON_DEPTH)
    proof = entry["verification"]["inclusionProof"]
    return {
        "mediaType": BUNDLE_V03,
        "verificationMaterial": {
            "certificate": {"rawBytes": b64(cert.public_bytes(serialization.Encoding.DER))},
            "tlogEntries": [
                {
                    "logIndex": str(entry["logIndex"]),
                    "logId": {"keyId": b64(bytes.fromhex(entry["logID"]))},
                    "kindVersion": {"kind": body["kind"], "version": body["apiVersion"]},
                    "integratedTime": str(entry["integratedTime"]),
                    "inclusionPromise": {
                        "signedEntryTimestamp": entry["verification"]["signedEntryTimestamp"]
                    },
                    "inclusionProof": {
                        "logIndex": str(proof["logIndex"]),
                        "rootHash": b64(bytes.fromhex(proof["rootHash"])),
                        "treeSize": str(proof["treeSize"]),
                        "hashes": [b64(bytes.fromhex(h)) for h in proof["hashes"]],
                        "checkpoint": {"envelope": proof["checkpoint"]},
                    },
                    "canonicalizedBody": entry["body"],
                }
            ],
        },
        "messageSignature": {
            "messageDigest": {
                "algorithm": "SHA2_256",
                "digest": b64(hashlib.sha256(sig.payload).digest()),
            },
            "signature": b64(sig.signature),
        },
    }


def _sigstore_message(exc: Exception) -> str:
    text = " ".join(str(a) for a in exc.args) if exc.args else type(exc).__name__
    return f"sigstore rejected it: {text}"


def _with(base: Result, outcome: Outcome, detail: str) -> Result:
    return Result(
        name=base.name,
        outcome=outcome,
        detail=detail,
        image=base.image,
        digest=base.digest,
        checked_at=base.checked_at,
        key=base.key,
    )


def _failed(base: Result, previous: Result | None, message: str, checked: str) -> Result:
    """A transient failure: the previous result marked stale, else an error."""
    if previous is not None and previous.outcome is not Outcome.ERROR:
        return previous.as_stale(message)
    result = _with(base, Outcome.ERROR, message)
    return Result(**{**result.__dict__, "checked_at": checked, "error": message})


def _decide(base: Result, checks: list[_Checked]) -> Result:
    bound = [c for c in checks if c.failure is None]
    matching = [c for c in bound if not c.mismatches]
    if matching:
        best = matching[0]
        others = len(checks) - 1
        detail = f"signed by {_who(best)}, bound to {base.digest}"
        if others:
            detail += f" ({others} other piece(s) of material not used)"
        return _from_check(base, Outcome.VERIFIED, detail, best)
    if bound:
        best = min(bound, key=lambda c: len(c.mismatches))
        detail = "valid signature, but " + "; ".join(str(m) for m in best.mismatches)
        return _from_check(base, Outcome.MISMATCH, detail, best)
    first = checks[0]
    detail = f"{first.source}: {first.failure}"
    if len(checks) > 1:
        detail += f" (and {len(checks) - 1} more invalid)"
    return _from_check(base, Outcome.INVALID, detail, first)


def _who(check: _Checked) -> str:
    if check.cert is None:
        return "an unknown signer"
    signer = signer_of(check.cert)
    return signer.identity or signer.issuer or "an unknown signer"


def _from_check(base: Result, outcome: Outcome, detail: str, check: _Checked) -> Result:
    signed_at = (
        format_timestamp(datetime.fromtimestamp(check.integrated_time, UTC))
        if check.integrated_time is not None
        else None
    )
    return Result(
        name=base.name,
        outcome=outcome,
        detail=detail,
        image=base.image,
        digest=base.digest,
        method=check.method,
        source=check.source,
        signer=signer_of(check.cert)
        if check.cert is not None and outcome != Outcome.INVALID
        else None,
        log_index=check.log_index if outcome != Outcome.INVALID else None,
        signed_at=signed_at if outcome != Outcome.INVALID else None,
        predicate_type=check.predicate_type,
        mismatches=tuple(check.mismatches) if outcome == Outcome.MISMATCH else (),
        checked_at=base.checked_at,
        key=base.key,
    )
