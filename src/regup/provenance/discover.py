"""Finding every piece of signature material stored next to an image digest.

Two places, both read through :class:`~regup.provenance.oci.OciClient`:

- cosign's signature tag ``sha256-<hex>.sig``: an OCI manifest whose simple-signing layers
  carry the signed payload (the layer blob) and, in annotations, the signature, the signing
  certificate and the Rekor "bundle" (signed entry timestamp, entry body, log index);
- sigstore bundles attached as OCI referrers of the digest (``artifactType``
  ``application/vnd.dev.sigstore.bundle…``), for example GitHub's build provenance
  attestations; found with the referrers API or, where the registry answers 404 there,
  with the ``sha256-<hex>`` referrers tag.

Discovery only collects; nothing is trusted here. Raw material becomes frozen values at this
edge (:class:`CosignSignature`, :class:`BundleMaterial`); a piece that cannot even be read
(a missing annotation, a blob that does not match its digest) is kept as
:class:`Unreadable` so that verification reports it as invalid rather than as unsigned.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from regup.imageref import ImageRef
from regup.jsonio import load_json
from regup.provenance.oci import (
    MAX_JSON_DEPTH,
    Descriptor,
    OciClient,
    OciInvalid,
    OciNotFound,
    fallback_tag,
)

SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
BUNDLE_PREFIX = "application/vnd.dev.sigstore.bundle"
ANNOTATION_SIGNATURE = "dev.cosignproject.cosign/signature"
ANNOTATION_CERTIFICATE = "dev.sigstore.cosign/certificate"
ANNOTATION_BUNDLE = "dev.sigstore.cosign/bundle"
#: More signatures or referrers than this on one digest is an attack on our time, not data.
MAX_ITEMS = 32


@dataclass(frozen=True)
class RekorPointer:
    """cosign's ``dev.sigstore.cosign/bundle`` annotation: a log entry without its proof."""

    log_index: int
    log_id: str
    integrated_time: int
    body: str
    signed_entry_timestamp: str

    @classmethod
    def from_annotation(cls, text: str) -> RekorPointer:
        """Raises ``ValueError`` when the annotation is not cosign's Rekor bundle."""
        doc = load_json(text, max_depth=MAX_JSON_DEPTH)
        payload = doc["Payload"]
        values = (
            payload["logIndex"],
            payload["logID"],
            payload["integratedTime"],
            payload["body"],
            doc["SignedEntryTimestamp"],
        )
        if not (
            isinstance(values[0], int)
            and isinstance(values[2], int)
            and all(isinstance(v, str) for v in values[1:2] + values[3:])
        ):
            raise ValueError("the Rekor bundle annotation has fields of the wrong type")
        return cls(values[0], values[1], values[2], values[3], values[4])


@dataclass(frozen=True)
class CosignSignature:
    """One simple-signing layer of a ``.sig`` manifest."""

    source: str
    payload: bytes
    signature: bytes
    certificate_pem: bytes
    rekor: RekorPointer


@dataclass(frozen=True)
class BundleMaterial:
    """One sigstore bundle attached as a referrer."""

    source: str
    bundle_json: bytes


@dataclass(frozen=True)
class Unreadable:
    """Signature material that is there but cannot be read: it fails verification."""

    source: str
    reason: str


Material = CosignSignature | BundleMaterial | Unreadable


@dataclass(frozen=True)
class Discovery:
    """Everything found for one image digest."""

    image: ImageRef
    digest: str
    items: tuple[Material, ...]
    referrers_api: bool


def discover(client: OciClient, ref: ImageRef, digest: str) -> Discovery:
    """Collect the cosign signatures and sigstore bundles of ``ref`` at ``digest``.

    Raises :class:`~regup.provenance.oci.OciUnavailable` for transient failures; anything
    malformed becomes :class:`Unreadable`.
    """
    items: list[Material] = list(_cosign_signatures(client, ref, digest))
    referrers, has_api = client.referrers(ref, digest)
    bundles = [d for d in referrers if (d.artifact_type or "").startswith(BUNDLE_PREFIX)]
    for descriptor in sorted(bundles, key=lambda d: d.digest)[:MAX_ITEMS]:
        items.append(_bundle(client, ref, descriptor))
    return Discovery(ref, digest, tuple(items), has_api)


def _cosign_signatures(client: OciClient, ref: ImageRef, digest: str) -> list[Material]:
    tag = fallback_tag(digest) + ".sig"
    try:
        manifest = client.manifest(ref, tag)
    except OciNotFound:
        return []
    except OciInvalid as exc:
        return [Unreadable(f"{tag}", str(exc))]
    out: list[Material] = []
    try:
        layers = manifest.layers
    except OciInvalid as exc:
        return [Unreadable(tag, str(exc))]
    for i, layer in enumerate(layers[:MAX_ITEMS]):
        if layer.media_type != SIMPLE_SIGNING:
            continue
        source = f"{tag} layer {i}"
        out.append(_cosign_layer(client, ref, layer, source))
    return out


def _cosign_layer(client: OciClient, ref: ImageRef, layer: Descriptor, source: str) -> Material:
    annotations = layer.annotations
    missing = [
        key
        for key in (ANNOTATION_SIGNATURE, ANNOTATION_CERTIFICATE, ANNOTATION_BUNDLE)
        if not annotations.get(key)
    ]
    if missing:
        # Keyed (non-keyless) signatures have no certificate: nothing sigstore can check.
        return Unreadable(source, f"no {', '.join(missing)} annotation (not a keyless signature)")
    try:
        payload = client.blob(ref, layer)
    except OciNotFound:
        return Unreadable(source, f"the payload blob {layer.digest} is missing")
    except OciInvalid as exc:
        return Unreadable(source, str(exc))
    try:
        signature = base64.b64decode(annotations[ANNOTATION_SIGNATURE], validate=True)
        rekor = RekorPointer.from_annotation(annotations[ANNOTATION_BUNDLE])
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        return Unreadable(source, f"malformed cosign annotation: {exc}")
    return CosignSignature(
        source=source,
        payload=payload,
        signature=signature,
        certificate_pem=annotations[ANNOTATION_CERTIFICATE].encode(),
        rekor=rekor,
    )


def _bundle(client: OciClient, ref: ImageRef, descriptor: Descriptor) -> Material:
    source = f"referrer {descriptor.digest}"
    try:
        manifest = client.manifest(ref, descriptor.digest)
        layers = [d for d in manifest.layers if d.media_type.startswith(BUNDLE_PREFIX)]
        if len(layers) != 1:
            return Unreadable(source, f"expected one bundle layer, found {len(layers)}")
        data = client.blob(ref, layers[0])
    except OciNotFound as exc:
        return Unreadable(source, str(exc))
    except OciInvalid as exc:
        return Unreadable(source, str(exc))
    return BundleMaterial(source, data)


def describe(item: Material) -> dict[str, Any]:
    """A JSON-able summary of one piece of material (for fixtures and ``-v`` output)."""
    if isinstance(item, CosignSignature):
        return {
            "kind": "cosign-signature",
            "source": item.source,
            "log_index": item.rekor.log_index,
        }
    if isinstance(item, BundleMaterial):
        return {"kind": "sigstore-bundle", "source": item.source}
    return {"kind": "unreadable", "source": item.source, "reason": item.reason}
